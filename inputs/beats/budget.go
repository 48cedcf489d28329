package beats

import (
	"fmt"
	"net"
	"time"
)

// The in-flight budget: decompressed bytes of batches read but not yet
// acknowledged, over all connections (max_inflight_bytes). It is what
// bounds memory: a decoded event takes about three times its wire size.

// firstReservation is what a connection's first batch reserves.
const firstReservation = 1 << 20

// addInflight counts n more bytes in flight beyond what was reserved.
func (in *Input) addInflight(n int64) {
	in.mu.Lock()
	in.inflight += n
	in.mu.Unlock()
}

func (in *Input) release(bytes int64, batches int) {
	in.mu.Lock()
	in.inflight -= bytes
	in.mu.Unlock()
	in.pendingBatches.Add(-int64(batches))
	in.wake()
}

func (in *Input) wake() {
	in.mu.Lock()
	close(in.changed)
	in.changed = make(chan struct{})
	in.mu.Unlock()
}

// reserve blocks a connection at a batch boundary until the in-flight
// bytes leave room for its next batch, then reserves an estimate of it
// (the connection's last batch size, 1 MiB at first): many connections
// starting at once cannot overshoot the budget. When nothing is in flight
// a batch may always start, even a larger one. It cannot deadlock: a
// batch that started is read to its end without waiting (only boundaries
// wait) and completes without needing budget.
//
// While it waits, the connection sends keepalive ACKs every keepalive
// interval: its client has sent the batch and waits for an answer.
func (in *Input) reserve(c *conn) error {
	est := c.lastBatchBytes
	if est <= 0 {
		est = firstReservation
	}
	var tick <-chan time.Time
	for {
		in.mu.Lock()
		fits := in.inflight+est <= int64(in.cfg.MaxInflightBytes) || in.inflight == 0
		if fits {
			in.inflight += est
			in.mu.Unlock()
			c.mu.Lock()
			c.reserved = est
			c.mu.Unlock()
			return nil
		}
		changed := in.changed
		in.mu.Unlock()
		if tick == nil && in.cfg.Keepalive > 0 {
			t := time.NewTicker(in.cfg.Keepalive)
			defer t.Stop()
			tick = t.C
		}
		select {
		case <-changed:
		case <-tick:
			if err := c.keepalive(); err != nil {
				return fmt.Errorf("beats: keepalive while waiting for the in-flight budget: %w", err)
			}
		case <-c.closed:
			return net.ErrClosed
		}
	}
}

// settle gives back what a finished (or abandoned) batch reserved but did
// not use.
func (in *Input) settle(c *conn) {
	c.mu.Lock()
	left := c.reserved
	c.reserved = 0
	c.mu.Unlock()
	if left > 0 {
		in.release(left, 0)
	}
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
