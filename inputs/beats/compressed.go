package beats

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/ingestd/ingestd/internal/inflate"
)

// Compressed frames are inflated into slabs: buffers of about a batch's
// size (one or a few per batch, shared by its compressed frames) that the
// events are then decoded in where they lie. The decoder copies matches
// from the slab itself (no window to go through), an event's bytes are
// written once, and a batch takes no allocation per event. A slab serves
// one batch: it is recycled once that batch is acknowledged (slabs.go).

const (
	// inflateStep is how far inflating runs ahead of the frame being read:
	// far enough to amortize a call, near enough that an event is still in
	// cache when it is decoded.
	inflateStep = 16 << 10
	// minSlab and maxSlab bound a slab's size; a batch bigger than one
	// slab goes on in another (carrying the last 32 KiB along: matches
	// reach back that far).
	minSlab = 64 << 10
	maxSlab = 8 << 20
	// slabStep bounds the slab a batch starts in and each one after it.
	// A slab is taken before its bytes are charged to the budget: a
	// connection whose batch waits for room mid-read holds its slab, so
	// slabs of a whole batch's size made memory grow with the number of
	// connections (32 dCache connections: 28 MB of slabs in a heap profile
	// against an 8 MiB budget, the collector running back to back under
	// the memory limit, about a sixth of the events per second of 8
	// connections). Going on in a new slab copies the last 32 KiB (what
	// matches reach back to).
	slabStep = 256 << 10
	// slabGuessRatio guesses a connection's first slab from the frame's
	// compressed size, up to firstSlabGuess; later batches are guessed
	// from the one before.
	slabGuessRatio = 6
	firstSlabGuess = 1 << 20
	// maxInflateCall bounds what one inflate call produces (and the
	// budget is charged for at once).
	maxInflateCall = 64 << 10
)

// inflating is the state of one compressed frame being read: out is the
// slab, out[:pos] read already, out[pos:] inflated ahead.
type inflating struct {
	r     *inflate.Reader
	out   []byte // len: inflated so far; cap: the slab's
	pos   int
	ended bool // the zlib stream ended (and its checksum matched)
	// made: out is a slab newSlab made (not the rest of one an earlier
	// frame shares); decoded: an event was decoded in it.
	made, decoded bool
	pool          *slabPool
	b             *batch // whose slabs these are
	// charge counts inflated bytes against the budget as they are
	// produced: a stream that stalls holds what it inflated, not what its
	// frames announced.
	charge func(n int64) error
}

// readCompressed reads a compressed frame (after its 2-byte header) and
// appends its events, decoded where they were inflated. It reads on to
// the frame's end, so a frame carrying more events than the window
// announced fails here, before the batch is published.
func (c *conn) readCompressed(ctx context.Context, r *batchReader) error {
	hdr := c.hdr[:4]
	if _, err := io.ReadFull(c.r, hdr); err != nil {
		return fmt.Errorf("beats: truncated compressed frame header: %w", err)
	}
	size := int64(binary.BigEndian.Uint32(hdr))
	// Its bytes are streamed, not held: the frame may be bigger than a
	// part (go-lumber sends a whole window in one), not than the events
	// a window may hold.
	if most := int64(c.in.cfg.MaxBatchEvents) * int64(c.in.cfg.MaxEventBytes); size > most {
		return fmt.Errorf("beats: compressed frame of %d bytes exceeds what max_batch_events events of max_event_bytes hold (%d)", size, most)
	}
	c.zlimited = io.LimitedReader{R: c.r, N: size}
	if c.inflater == nil {
		c.inflater = inflate.NewReader(&c.zlimited, 8<<10)
	} else {
		c.inflater.Reset(&c.zlimited)
	}
	guess := min(c.slabSize(size), slabStep)
	if cap(c.slab) < guess/8 {
		// None, or a tail too short to be worth going on in (a new
		// slab costs the copy of 32 KiB of history). Measured against
		// the slab it would be replaced by: against a whole batch's
		// guess, every compressed frame after a batch of 2 MiB took a
		// new slab, held until the ACK (a thousand empty frames, 17 KB
		// on the wire, held 250 MiB).
		c.slab = c.in.slabs.get(guess)
		r.b.slabs = append(r.b.slabs, c.slab)
	}
	z := inflating{r: c.inflater, out: c.slab, pool: &c.in.slabs, b: r.b,
		charge: func(n int64) error { return c.in.charge(c, r.b, n) }}
	c.inflating = true
	defer func() { c.inflating = false }()
	for {
		more, err := z.have(10)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		fh := z.out[z.pos : z.pos+10]
		if err := checkVersion(fh[0]); err != nil {
			return err
		}
		if fh[1] != codeJSONData {
			return fmt.Errorf("beats: frame type %q inside a compressed frame", fh[1])
		}
		seq, n, err := c.checkEvent(fh[2:], r.b, r.read)
		if err != nil {
			return err
		}
		z.pos += 10
		if err := c.mayCut(ctx, r, int64(n), &z); err != nil {
			return err
		}
		// What was inflated past the event's start is charged already.
		c.eventFrom = r.b.prior + r.b.bytes - int64(len(z.out)-z.pos)
		if more, err = z.have(n); err != nil {
			return err
		} else if !more {
			return corruptFrame(io.ErrUnexpectedEOF)
		}
		// Capped: an append to the event's bytes must not run into the
		// next event's.
		buf := z.out[z.pos : z.pos+n : z.pos+n]
		z.pos += n
		z.decoded = true
		if err := r.add(c.decodeEvent(buf, seq)); err != nil {
			return err
		}
	}
	c.slab = z.out[len(z.out):] // the rest, for the batch's next frame
	// Bytes after the zlib stream's checksum: no zlib writer leaves more
	// than a few, and a client sending them slowly would keep its batch
	// open, holding what it charged, at a cost of nothing decoded.
	if trailing := c.zlimited.N + int64(c.inflater.Unread()); trailing > maxTrailing {
		return fmt.Errorf("beats: compressed frame has %d bytes after its zlib stream", trailing)
	}
	if _, err := io.Copy(io.Discard, &c.zlimited); err != nil {
		return fmt.Errorf("beats: truncated compressed frame: %w", err)
	}
	return nil
}

// maxTrailing is how many bytes a compressed frame may hold after its
// zlib stream.
const maxTrailing = 64

// corruptFrame reports why a compressed frame could not be inflated: its
// data (corrupt or cut short), or the connection under it (a read
// timeout, a client below min_transfer_rate), which is not the frame's
// fault.
func corruptFrame(err error) error {
	if errors.Is(err, inflate.ErrCorrupt) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("beats: corrupt compressed frame: %w", err)
	}
	return fmt.Errorf("beats: reading compressed frame: %w", err)
}

// slabSize guesses the inflated size of a batch from its first compressed
// frame: the previous batch's size (a client's batches are alike, and it
// is what the budget reserved for this one), or for a connection's first
// a ratio of the compressed size, within firstSlabGuess.
func (c *conn) slabSize(compressed int64) int {
	guess := min(compressed*slabGuessRatio, firstSlabGuess)
	if c.lastBatchBytes > 0 {
		// Headers (1%) and batches a little bigger than the last: a
		// slab that overflows takes another.
		guess = c.lastBatchBytes + c.lastBatchBytes/8
	}
	return int(min(max(guess, minSlab), maxSlab))
}

// have inflates until n bytes past pos are in the slab. It returns false
// if the stream ended before any byte past pos (where a frame would
// start), an error if it ended inside one or is corrupt.
func (z *inflating) have(n int) (bool, error) {
	for len(z.out)-z.pos < n {
		if z.ended {
			if len(z.out) == z.pos {
				return false, nil
			}
			return false, corruptFrame(io.ErrUnexpectedEOF)
		}
		if cap(z.out)-z.pos < min(n, len(z.out)-z.pos+maxInflateCall) {
			z.newSlab(n)
		}
		// At most maxInflateCall at a time, each charged as it is
		// produced: an event announcing 15 MiB is inflated and charged as
		// its stream comes.
		limit := min(cap(z.out), max(z.pos+n, len(z.out)+inflateStep), len(z.out)+maxInflateCall)
		before := len(z.out)
		out, err := z.r.Inflate(z.out[:len(z.out):limit])
		z.out = z.out[:len(out)]
		if grown := len(z.out) - before; grown > 0 {
			if cerr := z.charge(int64(grown)); cerr != nil {
				return false, cerr
			}
		}
		if err == io.EOF {
			z.ended = true
		} else if err != nil {
			return false, corruptFrame(err)
		}
	}
	return true, nil
}

// newSlab moves on to a new slab with room for n bytes past pos (up to
// twice what is kept, for a large event: it grows as its stream comes),
// taking along what the decoder may still copy from (the last MaxDistance
// bytes) and what was inflated past pos.
//
// A slab this made, left before any event was decoded in it (a large
// event's stream outgrowing it), is recycled at once: nothing refers to
// it once its bytes are copied, and kept to the ACK, the slabs a 15 MiB
// event grew through held another 16 MiB.
func (z *inflating) newSlab(n int) {
	from := min(z.pos, max(len(z.out)-inflate.MaxDistance, 0))
	kept := len(z.out) - from
	room := min(n, max(kept, maxInflateCall))
	size := max(kept+room+inflateStep, slabStep)
	slab := z.pool.get(size)[:kept]
	copy(slab, z.out[from:])
	if last := len(z.b.slabs) - 1; z.made && !z.decoded && last >= 0 &&
		unsafe.SliceData(z.b.slabs[last]) == unsafe.SliceData(z.out) {
		z.pool.put(z.b.slabs[last:])
		z.b.slabs = z.b.slabs[:last]
	}
	z.b.slabs = append(z.b.slabs, slab)
	z.out, z.pos = slab, z.pos-from
	z.made, z.decoded = true, false
}
