package beats

import (
	"fmt"
	"net"
	"time"
)

// The in-flight budget: decompressed bytes of batches being read or read
// and not acknowledged yet, over all connections (max_inflight_bytes). It
// is what bounds memory (a decoded event takes about three times its wire
// size). A connection is charged as its events are decoded, for bytes its
// client has sent — never ahead, so a client that announces a batch and
// stalls holds nothing — and each connection's share is bounded while
// others wait.
//
// Under the Input's mu: inflight (all charged bytes), partial (those of
// batches still being read), partialBatches, waitingMid (batches whose
// reading waits for room), waiting (connections waiting to start a
// batch), holders (connections holding bytes), overdraft (the batch
// allowed over the budget), and each conn's held.

// admit waits at a batch boundary until the connection may start reading
// its next batch: the budget is not spent, and while other connections
// wait, this one holds less than its share. When nothing is in flight a
// batch may always start. While it waits, the connection sends keepalive
// ACKs every keepalive interval: its client has sent the batch and waits
// for an answer.
func (in *Input) admit(c *conn) error {
	var w roomWaiter
	defer w.stop()
	counted := false
	defer func() {
		if counted {
			in.mu.Lock()
			in.waiting--
			in.mirror()
			in.mu.Unlock()
		}
	}()
	for {
		in.mu.Lock()
		budget := int64(in.cfg.MaxInflightBytes)
		share := in.shareLocked(0)
		othersWait := in.waiting - boolInt(counted)
		// The previous batch's size guesses this one's (nothing is
		// reserved: a client that stalls holds nothing).
		fits := in.inflight+c.lastBatchBytes <= budget
		// Batches whose reading waits for room go first.
		if in.inflight == 0 || (fits && in.waitingMid == 0 && (othersWait == 0 || c.held < share)) {
			in.mu.Unlock()
			return nil
		}
		if !counted {
			in.waiting++
			in.mirror()
			counted = true
		}
		changed := in.changed
		in.mu.Unlock()
		if err := w.wait(c, changed); err != nil {
			return err
		}
	}
}

// roomWaiter waits for the budget to change, sending a keepalive ACK every
// keepalive interval meanwhile: the client may have sent its batch and
// wait for an answer (at a batch boundary, or mid-read with the whole
// batch in the socket's buffers).
type roomWaiter struct{ t *time.Ticker }

func (w *roomWaiter) wait(c *conn, changed <-chan struct{}) error {
	if w.t == nil && c.in.cfg.Keepalive > 0 {
		w.t = time.NewTicker(c.in.cfg.Keepalive)
	}
	var tick <-chan time.Time
	if w.t != nil {
		tick = w.t.C
	}
	select {
	case <-changed:
	case <-c.closed:
		return net.ErrClosed
	case <-tick:
		if err := c.keepalive(); err != nil {
			return fmt.Errorf("beats: keepalive while waiting for the in-flight budget: %w", err)
		}
	}
	return nil
}

func (w *roomWaiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

// charge counts n more decompressed bytes of the batch being read, before
// they are inflated or read. Over the budget it waits for room (its
// client's sending waits too), with two exceptions that keep every batch
// readable: a batch alone in flight may outgrow the budget (up to
// max_batch_bytes: one at a time, so memory stays within the budget plus
// one batch), and when every byte in flight belongs to batches still being
// read and all of them wait — none could ever be acknowledged and give
// room back — the last to wait goes on over the budget (an overdraft, one
// batch at a time); so does a batch holding half of what is in flight
// when the rest is batches still being read (a slow client's, which would
// keep it waiting as long as that client takes). A batch let over must
// then arrive at 16 times min_transfer_rate, or its connection is closed.
func (in *Input) charge(c *conn, b *batch, n int64) error {
	// A part holds at most max_batch_bytes (mayCut ends one before an
	// event that would take it past), but for the inflating that runs a
	// little past its first event.
	if b.bytes+n > int64(in.cfg.MaxBatchBytes)+compressedSlack { // only this goroutine writes b.bytes
		in.batchesRefused.Add(1)
		return fmt.Errorf("beats: batch exceeds max_batch_bytes %d; the client resends it in a smaller window", int64(in.cfg.MaxBatchBytes))
	}
	// A few KiB of zlib that inflate to megabytes is a bomb, not logs
	// (bulk bodies of the applog corpus deflate 7:1 at level 1, the test's
	// repeated phrases about 160:1; zlib tops out near 1030:1): refused
	// before it can hold the budget. Counted over the whole window (a
	// window read in parts is one stream), against the bytes the client
	// sent that were decoded: what the socket's and the inflater's
	// buffers read ahead made a bomb's first megabytes look ordinary.
	window := b.prior + b.bytes + n
	line := min(max(window-c.eventFrom, 0), maxLine)
	if counted := window - line; counted > bombAllowance {
		wire := c.sock.total - int64(c.r.Buffered()) - b.wireStart
		if c.inflating {
			wire -= int64(c.inflater.Unread())
		}
		// The line's share of the wire at most deflate's ratio, the rest's
		// at most maxInflateRatio.
		if counted/maxInflateRatio+line/deflateMaxRatio > wire {
			in.batchesRefused.Add(1)
			return fmt.Errorf("beats: batch refused: %d bytes inflated from %d on the wire, over %d:1 (a decompression bomb)", window, wire, maxInflateRatio)
		}
	}
	budget := int64(in.cfg.MaxInflightBytes)
	var w roomWaiter
	defer w.stop()
	in.mu.Lock()
	waited := false
	for {
		if c.released {
			if waited {
				in.waitingMid--
				in.mirror()
			}
			in.mu.Unlock()
			return net.ErrClosed // Close gave back what the batch had charged
		}
		alone := in.inflight == b.bytes
		if in.inflight+n <= budget || alone || in.overdraft == b {
			if b.bytes == 0 {
				in.partialBatches++
			}
			in.inflight += n
			in.partial += n
			if c.held == 0 {
				in.holders++
			}
			c.held += n
			c.partial += n
			b.bytes += n
			if waited {
				in.waitingMid--
			}
			in.mirror()
			in.mu.Unlock()
			c.lastProgress.Store(time.Now().UnixNano())
			if waited {
				c.waitingRoom.Store(false)
				c.sock.restartRate() // the wait was ours, not the client's
			}
			return nil
		}
		if !waited {
			in.waitingMid++
			in.mirror()
			waited = true
			c.waitingRoom.Store(true)
		}
		// Nothing in flight awaits an ACK that would give room back: the
		// room is held by batches still being read. When all of them wait
		// (a deadlock), or this batch holds at least half of what is in
		// flight (the others are small or slow: a client on a slow link
		// may take an hour over its batch, above min_transfer_rate), it
		// goes on over the budget instead of waiting for them. It holds
		// everyone's room until it is read, so from now on its client
		// must send it fast (timeoutReader.overdrawn): a client that got
		// it by a burst and then trickles is closed within a rate window.
		if in.overdraft == nil && in.inflight == in.partial &&
			(in.waitingMid >= in.partialBatches+boolInt(b.bytes == 0) || 2*b.bytes >= in.inflight) {
			in.overdraft = b
			in.overdrafts.Add(1)
			c.sock.overdrawn() // the socket of this, the reading goroutine
			continue
		}
		changed := in.changed
		in.mu.Unlock()
		if err := w.wait(c, changed); err != nil {
			in.mu.Lock()
			in.waitingMid--
			in.mirror()
			in.mu.Unlock()
			c.lastProgress.Store(time.Now().UnixNano())
			c.waitingRoom.Store(false)
			return err
		}
		in.mu.Lock()
	}
}

// bombAllowance is what a batch may inflate to before the ratio to its
// wire bytes is checked; maxInflateRatio is the most it may inflate.
// Filebeat's largest line (max_bytes, 10 MiB) of one repeated character
// deflates about 1000:1, zlib's most, and is a line, not a bomb (it was
// refused as one, and Filebeat resends a refused batch for ever): the
// event being read is left out of the ratio up to maxLine, so such a line
// passes while a window of many such events is refused within its first
// megabytes, before any part of it is published.
const (
	maxLine         = 10<<20 + 64<<10
	deflateMaxRatio = 1100 // over deflate's most, 1032:1
	bombAllowance   = 1 << 20
	maxInflateRatio = 500
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readDone moves a batch read to its end out of the partial bytes: from
// now on only its ACK gives them back.
func (in *Input) readDone(c *conn, b *batch) {
	in.mu.Lock()
	if !c.released && b.bytes > 0 {
		in.partial -= b.bytes
		in.partialBatches--
		c.partial -= b.bytes
	}
	if in.overdraft == b {
		in.overdraft = nil
	}
	in.mu.Unlock()
	in.wake()
}

// release gives back the bytes of a connection's batches (acknowledged, or
// abandoned when it closed), those of the one it was reading (partial)
// included.
func (in *Input) release(c *conn, bytes, partial int64, batches int) {
	in.mu.Lock()
	in.releaseLocked(c, bytes, partial)
	in.mu.Unlock()
	in.pendingBatches.Add(-int64(batches))
	in.wake()
}

// releaseLocked is release's accounting, under in.mu.
func (in *Input) releaseLocked(c *conn, bytes, partial int64) {
	if in.overdraft != nil && in.overdraft.conn == c {
		in.overdraft = nil
	}
	in.inflight -= bytes
	in.partial -= partial
	if partial > 0 {
		in.partialBatches--
	}
	c.held -= bytes
	c.partial -= partial
	if c.held == 0 && bytes > 0 {
		in.holders--
	}
	in.mirror()
}

// mirror updates room and contended from the accounting, under in.mu.
func (in *Input) mirror() {
	in.room.Store(int64(in.cfg.MaxInflightBytes) - in.inflight)
	in.contended.Store(in.waiting+in.waitingMid > 0)
}

// shareLocked is a connection's fair part of the budget: the budget over
// the connections that hold bytes or wait to start a batch, and others
// (batches waiting mid-read), under in.mu.
func (in *Input) shareLocked(others int) int64 {
	return int64(in.cfg.MaxInflightBytes) / int64(max(1, in.holders+in.waiting+others))
}

// yieldAfter is how long a part is read before mayYield may end it.
const yieldAfter = time.Second

// minPart is the least a part holds before mayYield ends it: parts much
// smaller would cost an ACK and a pipeline batch for a few events.
func (in *Input) minPart() int64 {
	return min(int64(in.cfg.MaxInflightBytes)/32, 256<<10)
}

// mayYield tells whether the part being read should end before an event
// of next bytes because others need the room. Honest clients on slow links
// read batches for minutes; holding their bytes until a batch was whole,
// eight of them held the whole budget while a fast client's batches
// waited as long (80 events/s against tens of thousands). A part read for
// yieldAfter ends when the budget has no room for its next event (only an
// ACK gives room back, and its own is then the nearest; waiting in charge,
// mid-event, it could not end), when a connection waits to start a batch
// (it needs room for a whole one), or when a batch waits mid-read while
// this connection holds more than its share. A younger part goes on (and
// waits in charge): a fast client's batch is read in milliseconds and
// gives its room back as soon. Ending those too, under a budget full of
// fast clients, cost dCache's family a third more CPU (the collector, with
// parts' slabs and arenas live side by side next to the memory limit) and
// the pipe-format lines at 20 connections a third of their events/s.
func (in *Input) mayYield(c *conn, b *batch, next int64) bool {
	if b.bytes < in.minPart() || (!in.contended.Load() && in.room.Load() >= next) ||
		c.lastProgress.Load()-b.begun < int64(yieldAfter) { // lastProgress: the last charge or read, about now
		return false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	// The share over everyone waiting mid-read too: a batch waiting for
	// its first bytes holds nothing, so it is no holder yet, and a lone
	// slow holder's share was the whole budget (a fast client's one event
	// waited 13 s beside it).
	return in.inflight+next > int64(in.cfg.MaxInflightBytes) || in.waiting > 0 ||
		in.waitingMid > 0 && c.held+next > in.shareLocked(in.waitingMid)
}

func (in *Input) wake() {
	in.mu.Lock()
	close(in.changed)
	in.changed = make(chan struct{})
	in.mu.Unlock()
}

func (in *Input) awaitDrained(timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		in.mu.Lock()
		changed := in.changed
		in.mu.Unlock()
		if in.pendingBatches.Load() <= 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			in.log.Warn().Int64("batches", in.pendingBatches.Load()).Msg("beats: drain timeout; closing connections with unacknowledged batches (clients will resend them)")
			return
		}
	}
}
