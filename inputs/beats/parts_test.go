package beats

import (
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

// Cases a review of the windows read in parts found (each failed before
// its fix).

// closingSink: the n-th Begin of a producer closes the connection first
// (standing in for Close by another goroutine — ackLoop's failed ACK write,
// eviction, closeAll — landing while beginPart runs).
type closingSink struct {
	inner *plugintest.Sink
	in    **Input
	nth   int32
	begun atomic.Int32
}

func (s *closingSink) Open() plugin.Producer { return &closingProducer{s: s, p: s.inner.Open()} }

type closingProducer struct {
	s *closingSink
	p plugin.Producer
}

func (p *closingProducer) Close() { p.p.Close() }
func (p *closingProducer) Begin(n int, done func()) plugin.Batch {
	if p.s.begun.Add(1) == p.s.nth {
		in := *p.s.in
		in.openMu.Lock()
		var cs []*conn
		for c := range in.open {
			cs = append(cs, c)
		}
		in.openMu.Unlock()
		for _, c := range cs {
			c.Close()
		}
	}
	return p.p.Begin(n, done)
}

// A connection closed while a part begins leaves nothing pending.
func TestCloseDuringCutLeavesNothingPending(t *testing.T) {
	var in *Input
	sink := &closingSink{inner: &plugintest.Sink{}, in: &in, nth: 2}
	in = startWithSink(t, sink, func(c *Config) { c.MaxInflightBytes, c.MaxBatchBytes = 16<<10, 60<<10 })
	c := dialInput(t, in)
	c.Write(plainBatch(bigEvents(40, 1000)))
	waitUntil(t, "connection gone", func() bool { return in.Connections() == 0 })
	time.Sleep(200 * time.Millisecond)
	if n := in.pendingBatches.Load(); n != 0 {
		t.Fatalf("pendingBatches %d after the connection closed (inflight %d)", n, in.InflightBytes())
	}
}

// acknowledged (ackLoop) and Close (the reading goroutine's defer) at
// once give a batch's bytes back once, and its pending count once.
func TestAckAndCloseReleaseOnce(t *testing.T) {
	in, err := New(&Config{MaxInflightBytes: 1 << 20, MaxBatchBytes: 1 << 20, TLS: TLSConfig{ClientAuth: "none", MinVersion: "1.2"}}, plugin.Env{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i := 0; i < 20000; i++ {
		a, z := net.Pipe()
		c := newConn(in.(*Input), a)
		inp := in.(*Input)
		b := &batch{conn: c, bytes: 100}
		inp.mu.Lock()
		inp.inflight += 100
		inp.holders++
		c.held = 100
		inp.mu.Unlock()
		c.pending = []*batch{b}
		inp.pendingBatches.Add(1)
		inp.conns.Add(1)
		start := make(chan struct{})
		done := make(chan struct{}, 2)
		go func() { <-start; c.acknowledged(b); done <- struct{}{} }()
		go func() { <-start; c.Close(); done <- struct{}{} }()
		close(start)
		<-done
		<-done
		z.Close()
		inp.mu.Lock()
		if inp.inflight != 0 || inp.pendingBatches.Load() != 0 {
			bad++
			inp.inflight = 0
			inp.holders = 0
			inp.pendingBatches.Store(0)
		}
		inp.mu.Unlock()
	}
	if bad > 0 {
		t.Fatalf("inflight or pending batches not 0 after ACK and Close raced: %d of 20000 runs", bad)
	}
}

// A client sending a plain event at 16 KiB/s (4x min_transfer_rate) is
// not taken for stalled (its 64 KiB chunk was charged before it arrived,
// and only charges counted as progress).
func TestSlowButLiveClientKeepsItsSlot(t *testing.T) {
	in := startWith(t, func(c *Config) {
		c.MaxConnections, c.MaxPerSource = 1, 1
		c.MinTransferRate, c.RateWindow = 4<<10, 2*time.Second
	})
	slow := dialInput(t, in)
	ev := []byte(`{"message":"` + string(make80k()) + `"}`)
	head := append(window(1), codeVersion, codeJSONData)
	head = binary.BigEndian.AppendUint32(head, 1)
	head = binary.BigEndian.AppendUint32(head, uint32(len(ev)))
	slow.Write(head)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for off := 0; off < len(ev); off += 4 << 10 {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond): // 16 KiB/s
			}
			if _, err := slow.Write(ev[off:min(off+4<<10, len(ev))]); err != nil {
				return
			}
		}
	}()
	time.Sleep(in.stallGrace() + 800*time.Millisecond)
	fresh := dialInput(t, in)
	fresh.Write(wireBatch(t, events(1, 0), 1))
	time.Sleep(300 * time.Millisecond)
	if in.evicted.Load() != 0 {
		t.Fatalf("a client sending at 16 KiB/s (min_transfer_rate 4 KiB/s) was evicted as stalled")
	}
}

func make80k() []byte {
	b := make([]byte, 80<<10)
	for i := range b {
		b[i] = 'a'
	}
	return b
}

// A part let over the budget (an overdraft) is cut; the parts after it
// are no overdraft, and need not keep the overdraft's 64 KiB/s.
func TestOverdraftRateEndsWithItsPart(t *testing.T) {
	in := startWith(t, func(c *Config) {
		c.MaxInflightBytes, c.MaxBatchBytes = 256<<10, 1<<20
		c.MinTransferRate, c.RateWindow = 256, 2*time.Second
		c.ReadTimeout = 10 * time.Second
	})
	slow := dialInput(t, in)
	slow.Write(append(window(1), codeVersion, codeJSONData, 0, 0, 0, 1, 0, 0x03, 0x0d, 0x40, '{', '"', 'm', '"', ':', '"'))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			if _, err := slow.Write(make80k()[:2048]); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	waitUntil(t, "the slow batch charged", func() bool { return in.InflightBytes() > 0 })
	good := dialInput(t, in)
	p := plainBatch(bigEvents(600, 1000))
	good.Write(p[:300<<10]) // fast: the first part goes over the budget
	go func() {
		for off := 300 << 10; off < len(p); off += 1 << 10 {
			select {
			case <-stop:
				return
			case <-time.After(62 * time.Millisecond): // ~16 KiB/s
			}
			if _, err := good.Write(p[off:min(off+1<<10, len(p))]); err != nil {
				return
			}
		}
	}()
	time.Sleep(6 * time.Second)
	t.Logf("overdrafts %d, closedSlow %d", in.overdrafts.Load(), in.closedSlow.Load())
	if in.overdrafts.Load() > 0 && in.closedSlow.Load() != 0 {
		t.Fatalf("a client at 16 KiB/s (min_transfer_rate 256 B/s) closed as too slow after its overdraft part was cut")
	}
}
