package event

import (
	"sync/atomic"
)

// Ack tracks one unit of acknowledgement, typically a Beats batch: it calls
// its callback once, when every event attached to it has reported Done.
// Events of one Ack may travel through different pipelines and outputs.
type Ack struct {
	pending  atomic.Int64
	callback func()
}

// NewAck returns an Ack waiting for n completions; callback runs in the
// goroutine that reports the last one. With n == 0 it runs at once.
func NewAck(n int, callback func()) *Ack {
	a := &Ack{callback: callback}
	a.pending.Store(int64(n))
	if n == 0 {
		callback()
	}
	return a
}

// Pending returns the number of completions still awaited.
func (a *Ack) Pending() int { return int(a.pending.Load()) }

// Add announces n more completions, before any of them can be reported
// (the engine adds a batch's events as its input reads them).
func (a *Ack) Add(n int) { a.pending.Add(int64(n)) }

// Done reports one completion that no event carries (the batch's own,
// given back when it is committed).
func (a *Ack) Done() { a.done(1) }

// DoneN reports n completions at once (the engine's delivery Ack passing
// a chunk's on to the batch its events came from).
func (a *Ack) DoneN(n int) { a.done(n) }

func (a *Ack) done(n int) {
	left := a.pending.Add(-int64(n))
	if left == 0 {
		if a.callback != nil {
			a.callback()
		}
	} else if left < 0 {
		panic("event: event acknowledged more often than attached")
	}
}
