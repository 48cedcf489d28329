package plugintest

import (
	"context"
	"sync/atomic"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Sink is a plugin.Sink for input tests, standing in for the engine. Its
// batches acknowledge as the engine's do: done runs once the batch is
// committed and every event added to it is done.
type Sink struct {
	// Committed receives each committed batch's events that Drop kept; it
	// may hold them and mark them done later. Nil marks them done at once.
	Committed func(ctx context.Context, events []*event.Event) error
	// Drop, when set, runs on each event as it is added (the engine may
	// filter there); an event it returns true for is done at once, as a
	// filter's drop is.
	Drop func(e *event.Event) bool

	producers atomic.Int64
}

// Producers returns the number of open producers.
func (s *Sink) Producers() int64 { return s.producers.Load() }

// Open implements plugin.Sink.
func (s *Sink) Open() plugin.Producer {
	s.producers.Add(1)
	return &producer{s: s}
}

type producer struct {
	s      *Sink
	closed bool
}

func (p *producer) Close() {
	if !p.closed {
		p.closed = true
		p.s.producers.Add(-1)
	}
}

func (p *producer) Begin(_ int, done func()) plugin.Batch {
	return &batch{s: p.s, ack: event.NewAck(1, done)}
}

type batch struct {
	s      *Sink
	ack    *event.Ack
	events []*event.Event
}

func (b *batch) Add(e *event.Event) {
	e.Attach(b.ack)
	b.ack.Add(1)
	if b.s.Drop != nil && b.s.Drop(e) {
		e.Done()
		return
	}
	b.events = append(b.events, e)
}

func (b *batch) Commit(ctx context.Context) error {
	if len(b.events) > 0 {
		if b.s.Committed == nil {
			for _, e := range b.events {
				e.Done()
			}
		} else if err := b.s.Committed(ctx, b.events); err != nil {
			return err
		}
	}
	b.ack.Done()
	return nil
}

func (b *batch) Abort() {}
