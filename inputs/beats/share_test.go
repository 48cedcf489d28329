package beats

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// Two batches read for longer than yieldAfter that each need the room the
// other holds: the first to find no room for its next event ends its part
// there, and that part's ACK gives the room back; both are acknowledged.
func TestBudgetContentionIsCutNotDeadlocked(t *testing.T) {
	in := startWith(t, func(c *Config) { c.MaxInflightBytes = 48 << 10 })
	evs := bigEvents(40, 1000) // ~1 KiB each
	a, b := dialInput(t, in), dialInput(t, in)
	pa, pb := plainBatch(evs), plainBatch(evs)
	half := len(pa) * 3 / 5 // ~24 KiB each: together over the budget
	a.Write(pa[:half])
	time.Sleep(100 * time.Millisecond)
	b.Write(pb[:half])
	time.Sleep(yieldAfter + 100*time.Millisecond)
	go a.Write(pa[half:])
	go b.Write(pb[half:])
	for name, c := range map[string]net.Conn{"a": a, "b": b} {
		var seq uint32
		for parts := 0; seq < 40; parts++ {
			if seq, _ = readACK(t, c); parts > 10 {
				t.Fatalf("%s: ACK %d after %d parts", name, seq, parts)
			}
		}
		if seq != 40 {
			t.Fatalf("%s: ACK %d", name, seq)
		}
	}
	// An overdraft may still break a wait both enter in charge, mid-event
	// (room seen before the event, taken by the other before its bytes).
	if in.batchesRefused.Load() != 0 {
		t.Fatalf("refused %d", in.batchesRefused.Load())
	}
	t.Logf("overdrafts %d", in.overdrafts.Load())
}

// Two batches each inside one event too big to end a part before, each
// waiting for the room the other holds: nothing in flight could be
// acknowledged, so the last to wait goes on over the budget, and both are
// acknowledged.
func TestBudgetDeadlockIsBroken(t *testing.T) {
	in := startWith(t, func(c *Config) { c.MaxInflightBytes = 48 << 10 })
	ev := hexEvents(1, 40<<10) // 40 KiB, deflating to about half
	a, b := dialInput(t, in), dialInput(t, in)
	pa, pb := wireBatch(t, ev, 1), wireBatch(t, ev, 1)
	half := len(pa) * 3 / 5 // ~24 KiB inflated each: together the budget
	a.Write(pa[:half])
	time.Sleep(100 * time.Millisecond)
	b.Write(pb[:half])
	time.Sleep(100 * time.Millisecond)
	go a.Write(pa[half:]) // both wait: nothing could ever free room
	go b.Write(pb[half:])
	for name, c := range map[string]net.Conn{"a": a, "b": b} {
		if seq, _ := readACK(t, c); seq != 1 {
			t.Fatalf("%s: ACK %d", name, seq)
		}
	}
	if overdrafts := in.overdrafts.Load(); overdrafts == 0 || in.batchesRefused.Load() != 0 {
		t.Fatalf("overdrafts %d, refused %d", in.overdrafts.Load(), in.batchesRefused.Load())
	}
}

// Honest clients on slow links (above min_transfer_rate) reading batches
// bigger than their share of the budget: each holds its bytes until its
// batch is read, so eight of them held the whole budget for minutes and a
// fast client's batches waited as long (the issue 15 review: 80 events/s
// against tens of thousands). While others wait, a batch holding more than
// its connection's share is cut: the part read so far is committed and
// acknowledged, so its bytes come back at once.
func TestSlowHonestClientsShareTheBudget(t *testing.T) {
	in := startWith(t, func(c *Config) {
		c.MaxInflightBytes = 256 << 10
		c.MinTransferRate, c.RateWindow = 1<<10, 2*time.Second
	})
	const slowEvents, eventSize = 200, 1 << 10
	stop := make(chan struct{})
	defer close(stop)
	var slowAcks atomic.Int64
	for range 8 {
		c := dialInput(t, in)
		batch := plainBatch(hexEvents(slowEvents, eventSize))
		// A burst of 30 KiB (the socket's buffers fill on any link), then
		// 4 KiB a second: the batch takes about 45 s.
		burst := 30 << 10
		if _, err := c.Write(batch[:burst]); err != nil {
			t.Fatal(err)
		}
		go sendSlowly(c, batch[burst:], stop)
		go func() { // partial ACKs
			var ack [6]byte
			for {
				if _, err := io.ReadFull(c, ack[:]); err != nil {
					return
				}
				if binary.BigEndian.Uint32(ack[2:]) != 0 {
					slowAcks.Add(1)
				}
			}
		}()
	}
	waitUntil(t, "the slow batches hold the budget", func() bool { return in.InflightBytes() > 200<<10 })
	good := dialInput(t, in)
	start := time.Now()
	for round := range 5 {
		good.Write(wireBatch(t, hexEvents(50, eventSize), 1))
		var seq uint32
		for parts := 0; seq < 50; parts++ {
			if seq, _ = readACK(t, good); parts > 20 {
				t.Fatalf("round %d: ACK %d after %d parts", round, seq, parts)
			}
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		in.mu.Lock()
		state := fmt.Sprintf("in flight %d (partial %d), waiting %d, mid-read waiting %d, holders %d; overdrafts %d, closed slow %d",
			in.inflight, in.partial, in.waiting, in.waitingMid, in.holders, in.overdrafts.Load(), in.closedSlow.Load())
		in.mu.Unlock()
		t.Fatalf("five batches of the fast client took %s beside eight slow ones; %s", d, state)
	}
	if n := in.closedSlow.Load(); n != 0 {
		t.Fatalf("%d slow but honest clients closed", n)
	}
	t.Logf("five fast batches in %s; slow clients' partial ACKs so far %d", time.Since(start).Round(time.Millisecond), slowAcks.Load())
}

// One slow client holding most of the budget in an old part, and a fast
// client whose one event waits mid-read holding nothing yet (so it is no
// holder): the slow part's share counts the waiter, and it gives its room
// up. Before, its share was the whole budget, and the fast event waited
// 13 s (from a review of the change).
func TestLoneSlowHolderYieldsToAnEmptyWaiter(t *testing.T) {
	in := startWith(t, func(c *Config) {
		c.MaxInflightBytes = 256 << 10
		c.MinTransferRate, c.RateWindow = 1<<10, 2*time.Second
	})
	stop := make(chan struct{})
	defer close(stop)
	slow := dialInput(t, in)
	batch := plainBatch(hexEvents(400, 1<<10))
	burst := 200 << 10
	slow.Write(batch[:burst])
	go sendSlowly(slow, batch[burst:], stop)
	go io.Copy(io.Discard, slow)
	waitUntil(t, "the slow batch holds the budget", func() bool { return in.InflightBytes() > 190<<10 })
	time.Sleep(yieldAfter + 200*time.Millisecond) // the slow part is old
	fast := dialInput(t, in)
	start := time.Now()
	fast.Write(plainBatch(hexEvents(1, 60<<10)))
	if seq, _ := readACK(t, fast); seq != 1 {
		t.Fatalf("ACK %d", seq)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the fast client's one-event batch waited %s beside one slow holder", d)
	}
}

// sendSlowly writes p to c at 4 KiB a second, a KiB at a time, until it is
// sent, a write fails or stop is closed.
func sendSlowly(c net.Conn, p []byte, stop <-chan struct{}) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for len(p) > 0 {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		n := min(len(p), 1<<10)
		if _, err := c.Write(p[:n]); err != nil {
			return
		}
		p = p[n:]
	}
}
