package plugin

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Bus connects the pipeline outputs of one node to its pipeline inputs by
// address, as Logstash's pipeline-to-pipeline communication does: an
// input listens on an address with the Sink the engine gave it, and an
// output sending to that address publishes into that Sink, so the events
// are routed, filtered and acknowledged like any input's. The engine makes
// one Bus per node and hands it to every plugin (Env.Bus); it outlives
// reloads, so an unchanged input keeps its address. The zero Bus is ready.
type Bus struct {
	mu       sync.Mutex
	sinks    map[string]Sink
	changed  chan struct{} // closed (and replaced) when sinks change or the bus drains or closes
	draining bool
	closed   bool
}

// ErrBusClosed is returned to senders waiting for an address once the node
// shuts down.
var ErrBusClosed = errors.New("bus: the node is shutting down")

// Listen makes sink receive what is sent to address until release is
// called. An address another input listens on is an error. Once the node
// drains (Drain), a released address stays served by its sink until Close,
// so that what upstream pipelines still send while the node shuts down
// reaches it.
func (b *Bus) Listen(address string, sink Sink) (release func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.draining {
		return nil, ErrBusClosed
	}
	if _, taken := b.sinks[address]; taken {
		return nil, fmt.Errorf("bus: address %q is already listened on by another pipeline input", address)
	}
	if b.sinks == nil {
		b.sinks = map[string]Sink{}
	}
	b.sinks[address] = sink
	b.notifyLocked()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.draining {
				return // served until Close
			}
			delete(b.sinks, address)
			b.notifyLocked()
		})
	}, nil
}

// Lookup returns the sink listening on address, or nil.
func (b *Bus) Lookup(address string) Sink {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sinks[address]
}

// Wait returns the sink listening on address, waiting for one to listen
// until ctx ends or the bus closes.
func (b *Bus) Wait(ctx context.Context, address string) (Sink, error) {
	for {
		b.mu.Lock()
		s, closed, draining := b.sinks[address], b.closed, b.draining
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		switch {
		case s != nil:
			return s, nil
		case closed || draining:
			return nil, ErrBusClosed // no input will come
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Drain starts the node's shutdown: addresses keep their sinks until
// Close, even once their inputs have stopped, and a sender waiting for an
// address no input listens on gives up.
func (b *Bus) Drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draining = true
	b.notifyLocked()
}

// Close ends the bus: every address is gone, and every Wait ends. What is
// still between two pipelines then stays unacknowledged.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.sinks = nil
	b.notifyLocked()
}

func (b *Bus) notifyLocked() {
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
}
