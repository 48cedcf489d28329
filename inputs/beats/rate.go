package beats

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// timeoutReader reads the socket with deadlines that a slow or stalled
// client cannot stretch: a fresh per-read timeout (a client that sends
// nothing at all for that long has stalled), an absolute deadline for a
// frame header once it began, and inside a batch a minimum transfer rate
// over a window (a client trickling a byte now and then is closed, however
// long each read takes).
type timeoutReader struct {
	c       net.Conn
	timeout time.Duration // per read
	until   time.Time     // absolute, zero for none

	total int64 // bytes read from the socket, ever
	// onData is called after each read that got bytes (the reading
	// goroutine's: see newConn).
	onData func()

	minRate int64 // bytes per second, inside a batch
	// overMin is the rate a batch let over the budget (an overdraft) must
	// keep: it holds everyone else's room until it is read.
	overMin int64
	window  time.Duration // the rate's window
	rating  bool
	from    time.Time // the window's start
	got     int64     // bytes in the window
}

// errTooSlow closes a connection whose client sends a batch slower than
// min_transfer_rate, or a batch over the budget slower than overMin.
type errTooSlow struct {
	got    int64
	window time.Duration
	min    int64
	over   bool
}

func (e errTooSlow) Error() string {
	if e.over {
		return fmt.Sprintf("beats: client sends %d bytes in %s of a batch let over max_inflight_bytes, below the %d bytes/s such a batch must keep (16 times min_transfer_rate); it resends the batch, in a smaller window", e.got, e.window, e.min)
	}
	return fmt.Sprintf("beats: client sends %d bytes in %s, below min_transfer_rate %d bytes/s", e.got, e.window, e.min)
}

// startRate measures the rate from now (a batch begins).
func (t *timeoutReader) startRate() {
	t.rating = t.minRate > 0 && t.window > 0
	t.from, t.got, t.overMin = time.Now(), 0, 0
}

// overdrawn makes the batch being read keep 16 times the minimum rate
// from now on (it was let over the budget), in whole windows from now.
func (t *timeoutReader) overdrawn() {
	if t.rating {
		t.overMin = max(16*t.minRate, 64<<10)
		t.from, t.got = time.Now(), 0
	}
}

// restartRate starts a new window after a wait of ours (the budget).
func (t *timeoutReader) restartRate() {
	if t.rating {
		t.from, t.got = time.Now(), 0
	}
}

func (t *timeoutReader) stopRate() { t.rating = false }

// endOverdraft drops the rate an overdraft asked for: the part let over
// the budget has been read (a window read in parts goes on in another).
func (t *timeoutReader) endOverdraft() { t.overMin = 0 }

func (t *timeoutReader) Read(p []byte) (int, error) {
	stalledAt := time.Now().Add(t.timeout)
	for {
		deadline := stalledAt
		if !t.until.IsZero() && t.until.Before(deadline) {
			deadline = t.until
		}
		var windowEnd time.Time
		if t.rating {
			windowEnd = t.from.Add(t.window)
			if windowEnd.Before(deadline) {
				deadline = windowEnd
			}
		}
		_ = t.c.SetReadDeadline(deadline)
		n, err := t.c.Read(p)
		t.total += int64(n)
		if n > 0 && t.onData != nil {
			t.onData()
		}
		if !t.rating {
			return n, err
		}
		t.got += int64(n)
		now := time.Now()
		if now.Before(windowEnd) {
			return n, err
		}
		// A window has passed: was enough sent in it?
		// In bytes·nanoseconds: a window under a second (or a fraction of
		// one) asks for its share, not for nothing.
		if minRate := max(t.minRate, t.overMin); t.got*int64(time.Second) < minRate*int64(t.window) {
			return n, errTooSlow{t.got, t.window, minRate, t.overMin > t.minRate}
		}
		t.from, t.got = now, 0
		var ne net.Error
		if n > 0 || err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			return n, err
		}
		// The window's deadline, not a stall: read on until the stall or
		// the absolute deadline.
		if !now.Before(stalledAt) || (!t.until.IsZero() && !now.Before(t.until)) {
			return n, err
		}
	}
}
