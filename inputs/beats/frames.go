package beats

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ingestd/ingestd/event"
)

// Reading the protocol: a batch is a window frame announcing its event
// count, then that many JSON data frames, sent plain or inside compressed
// frames (zlib streams of data frames). Every limit is checked before
// anything is allocated from a header's claim.

// readBatch reads the next batch into a batch of the sink's, which may
// filter its events as they are decoded. It returns the batch (its last
// part: see mayCut), or nil for an empty window. On error the connection
// is done with: the part being read is aborted, never committed, so a bad
// batch loses nothing the client does not resend.
func (c *conn) readBatch(ctx context.Context) (*batch, error) {
	c.between.Store(true)
	b, err := c.readWindow()
	if err != nil || b == nil {
		return nil, err
	}
	c.lastProgress.Store(time.Now().UnixNano())
	c.lastActive.Store(time.Now().UnixNano())
	c.between.Store(false)
	c.sock.startRate()
	r := batchReader{b: b}
	if err := c.readEvents(ctx, &r); err != nil {
		r.b.events.Abort()
		return nil, err
	}
	b = r.b
	// The batch's events hold its slabs and arena now; both go back to
	// their pools once it is acknowledged (a slab is never shared by two
	// batches: the first's ACK would recycle it under the second). Its
	// events may all be done before it is read to the end (filters drop
	// them as it is read): ackLoop waits for read too.
	b.arena = c.arena
	c.slab, c.arena = nil, &event.Arena{Pool: &c.in.fields}
	close(b.read)
	c.lastBatchBytes = b.bytes // only this goroutine writes it
	c.in.readDone(c, b)
	c.sock.stopRate()
	c.lastActive.Store(time.Now().UnixNano())
	c.log.Debug().Uint32("events", b.count).Int64("bytes", b.bytes).Msg("beats: batch received")
	return b, nil
}

// readEvents reads the frames of a batch up to its announced count.
func (c *conn) readEvents(ctx context.Context, r *batchReader) error {
	for r.read < r.b.count { // readWindow set the read timeout
		hdr := c.hdr[:2]
		if _, err := io.ReadFull(c.r, hdr); err != nil {
			return fmt.Errorf("beats: truncated batch (%d events missing): %w", r.b.count-r.read, err)
		}
		if err := checkVersion(hdr[0]); err != nil {
			return err
		}
		switch hdr[1] {
		case codeJSONData:
			if err := r.add(c.readEvent(ctx, r)); err != nil {
				return err
			}
		case codeCompressed:
			if err := c.readCompressed(ctx, r); err != nil {
				return err
			}
		default:
			return fmt.Errorf("beats: unexpected frame type %q inside a batch", hdr[1])
		}
	}
	return nil
}

// readWindow waits at a batch boundary for the next window frame: first
// for the client, up to idle_timeout while none of this connection's
// batches is pending, then for the in-flight budget.
func (c *conn) readWindow() (*batch, error) {
	c.sock.timeout = c.in.cfg.IdleTimeout
	c.sock.until = time.Time{}
	for {
		if _, err := c.r.Peek(1); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && c.pendingCount() > 0 {
				continue // the client is waiting for our ACK, not idle
			}
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, fmt.Errorf("beats: idle for %s with no batch pending", c.in.cfg.IdleTimeout)
			}
			return nil, err
		}
		break
	}
	// The client has sent its next batch and waits for an ACK: while the
	// budget holds the batch back, keepalive ACKs tell it to keep waiting.
	if err := c.in.admit(c); err != nil {
		return nil, err
	}
	if c.in.draining.Load() {
		return nil, errDraining
	}
	// The window frame began: the rest of it comes now, however slowly
	// each byte does (a trickling client must not hold its slot).
	c.sock.timeout = c.in.cfg.ReadTimeout
	if c.in.cfg.HeaderTimeout > 0 {
		c.sock.until = time.Now().Add(c.in.cfg.HeaderTimeout)
	}
	win := c.hdr[:6]
	_, err := io.ReadFull(c.r, win)
	c.sock.until = time.Time{}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, errSlowHeader{c.in.cfg.HeaderTimeout}
		}
		return nil, fmt.Errorf("beats: truncated window frame: %w", err)
	}
	if err := checkVersion(win[0]); err != nil {
		return nil, err
	}
	if win[1] != codeWindowSize {
		return nil, fmt.Errorf("beats: expected a window frame, got frame type %q", win[1])
	}
	count := binary.BigEndian.Uint32(win[2:])
	if count > uint32(c.in.cfg.MaxBatchEvents) {
		return nil, fmt.Errorf("beats: window of %d events exceeds max_batch_events %d", count, c.in.cfg.MaxBatchEvents)
	}
	if count == 0 {
		return nil, nil
	}
	b := c.beginPart(count, 0, c.sock.total-int64(c.r.Buffered()))
	if b == nil {
		return nil, net.ErrClosed
	}
	c.eventFrom = 0 // the window's first event (the last batch's was past it)
	return b, nil
}

// beginPart begins the part of a window of count events that starts after
// its first events: a batch of the sink's, pending its ACK. It returns nil
// when the connection has closed (Close released what was pending: a part
// begun after that would stay pending for ever).
func (c *conn) beginPart(count, first uint32, wireStart int64) *batch {
	b := &batch{conn: c, count: count, first: first, ackSeq: count, done: make(chan struct{}), read: make(chan struct{}), wireStart: wireStart,
		begun: time.Now().UnixNano()}
	b.events = c.producer.Begin(int(count-first), func() { close(b.done) })
	c.mu.Lock()
	select {
	case <-c.closed:
		c.mu.Unlock()
		b.events.Abort()
		return nil
	default:
	}
	c.pending = append(c.pending, b)
	c.mu.Unlock()
	c.in.pendingBatches.Add(1)
	return b
}

// A window whose events hold more than max_batch_bytes is read in parts:
// before an event that would take the part being read past it, that part
// is committed and acknowledged on its own once done (an ACK of the
// events up to it: Filebeat and go-lumber take a partial ACK as progress
// and wait on for the rest), and the window goes on in a new part with an
// arena and slabs of its own. So memory is bounded by the in-flight budget
// and one part, not by the window a client chose, and ordinary traffic
// (2048 lines of 9 KiB, 18 MiB) is not refused.

// compressedSlack is how far the part being read may be charged past an
// event of a compressed frame: inflating runs up to inflateStep ahead,
// and the next frame's header comes with it.
const compressedSlack = inflateStep + 16

// mayCut ends the part being read before an event of next bytes when the
// part would outgrow max_batch_bytes with it; z is the compressed frame
// the event is in (nil for a plain data frame).
func (c *conn) mayCut(ctx context.Context, r *batchReader, next int64, z *inflating) error {
	b := r.b
	if r.read == b.first || r.read >= b.count {
		return nil
	}
	size, slack := next, int64(0)
	if z != nil {
		// What is inflated past the event's start is charged already;
		// inflating may run a little past its end.
		size, slack = max(next-int64(len(z.out)-z.pos), 0), compressedSlack
	}
	// A part holds no more than the budget (a part over it waits to be
	// alone in flight, and holds memory past the budget while it is), and
	// never more than max_batch_bytes, which charge enforces.
	full := b.bytes+size > int64(c.in.cfg.MaxInflightBytes) || b.bytes+size+slack > int64(c.in.cfg.MaxBatchBytes)
	if !full && !c.in.mayYield(c, b, size) {
		return nil
	}
	nb := c.beginPart(b.count, r.read, b.wireStart)
	if nb == nil {
		return net.ErrClosed
	}
	nb.prior = b.prior + b.bytes
	b.ackSeq = r.read
	// b's events keep their arena and slabs; nb's events go in new ones
	// (a slab is never shared by two parts: b's ACK recycles its own).
	b.arena = c.arena
	c.arena = &event.Arena{Pool: &c.in.fields}
	r.b = nb
	if z != nil {
		z.b = nb
		z.newSlab(int(next))
	} else {
		c.slab = nil // the rest of a slab of b's
	}
	close(b.read)
	c.in.readDone(c, b)
	c.sock.endOverdraft() // an overdraft was b's
	c.log.Debug().Uint32("events", b.ackSeq-b.first).Int64("bytes", b.bytes).Uint32("of", b.count).Msg("beats: part of a batch received")
	if err := c.publish(ctx, b); err != nil {
		return err
	}
	c.sock.restartRate() // a wait for the pipeline was ours, not the client's
	if full {
		nb.begun = time.Now().UnixNano() // nor is it the new part's age (mayYield)
	} else {
		// A part that yielded was read slowly: the next one is as old
		// as its window, and yields as soon while others need room
		// (aged from zero, a slow window's parts each held their room
		// for a second more, and a fast client waiting to start a batch
		// behind them waited 44 s).
		nb.begun = b.begun
	}
	return nil
}

// errSlowHeader closes a connection that began a window frame and did not
// finish it within header_timeout.
type errSlowHeader struct{ timeout time.Duration }

func (e errSlowHeader) Error() string {
	return fmt.Sprintf("beats: window frame not finished within header_timeout %s", e.timeout)
}

func (c *conn) pendingCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

func checkVersion(v byte) error {
	switch v {
	case codeVersion:
		return nil
	case '1':
		return fmt.Errorf("beats: lumberjack protocol v1 is not supported (use Filebeat or go-lumber client v2)")
	default:
		return fmt.Errorf("beats: not a lumberjack v2 frame (first byte 0x%02x)", v)
	}
}

// readEvent reads one plain JSON data frame (after its 2-byte header)
// from the socket into a buffer of the event's own and decodes it there.
func (c *conn) readEvent(ctx context.Context, r *batchReader) (*event.Event, error) {
	hdr := c.hdr[:8]
	if _, err := io.ReadFull(c.r, hdr); err != nil {
		return nil, fmt.Errorf("beats: truncated data frame header: %w", err)
	}
	seq, size, err := c.checkEvent(hdr, r.b, r.read)
	if err != nil {
		return nil, err
	}
	if err := c.mayCut(ctx, r, int64(size), nil); err != nil {
		return nil, err
	}
	b := r.b
	c.eventFrom = b.prior + b.bytes
	// Read and charged a chunk at a time: a frame announcing 1 MiB and
	// stalling holds what arrived, not what it announced.
	buf := make([]byte, 0, min(size, plainChunk))
	for len(buf) < size {
		n := min(size-len(buf), plainChunk)
		if err := c.in.charge(c, b, int64(n)); err != nil {
			return nil, err
		}
		if cap(buf)-len(buf) < n {
			buf = append(make([]byte, 0, min(size, max(2*cap(buf), len(buf)+n))), buf...)
		}
		if _, err := io.ReadFull(c.r, buf[len(buf):len(buf)+n]); err != nil {
			return nil, fmt.Errorf("beats: truncated event (%d bytes announced): %w", size, err)
		}
		buf = buf[:len(buf)+n]
	}
	return c.decodeEvent(buf, seq)
}

// plainChunk is how much of a plain data frame is read (and charged) at a
// time.
const plainChunk = 64 << 10

// checkEvent checks a data frame's header (sequence number and size,
// after the frame type) against the limits. Nothing is charged for the
// size it announces: the event's bytes are, as they are read or inflated
// (charge also holds max_batch_bytes).
func (c *conn) checkEvent(hdr []byte, b *batch, read uint32) (seq uint32, size int, err error) {
	seq = binary.BigEndian.Uint32(hdr[:4])
	n := int64(binary.BigEndian.Uint32(hdr[4:8]))
	if n > int64(c.in.cfg.MaxEventBytes) {
		return 0, 0, fmt.Errorf("beats: event of %d bytes exceeds max_event_bytes %d", n, int64(c.in.cfg.MaxEventBytes))
	}
	if read >= b.count {
		return 0, 0, fmt.Errorf("beats: more events than the window announced (%d)", b.count)
	}
	return seq, int(n), nil
}

// decodeEvent decodes an event read into buf, which it hands over, with
// its memory from the batch's arena.
func (c *conn) decodeEvent(buf []byte, seq uint32) (*event.Event, error) {
	e, err := event.DecodeEventIn(buf, c.arena)
	if err != nil {
		return nil, fmt.Errorf("beats: bad event: event %d of the batch: %w", seq, err)
	}
	if c.peerMeta != nil {
		c.peerMeta.set(e)
	}
	if f := c.in.cfg.ClientIPField.Path; f != nil {
		e.Set(f, c.clientIP)
	}
	// Every beat sends one; an event without is stamped when it is read,
	// and one that is no time kept aside, as Logstash's Event does.
	e.CheckTimestamp(time.Now)
	return e, nil
}

// batchReader counts a batch's events as they are decoded and hands them
// to the sink's batch.
type batchReader struct {
	b    *batch
	read uint32 // events read, dropped ones included
}

// add takes the next decoded event (or the error reading it).
func (r *batchReader) add(e *event.Event, err error) error {
	if err != nil {
		return err
	}
	r.read++
	r.b.events.Add(e)
	return nil
}
