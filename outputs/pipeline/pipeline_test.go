package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// recSink is a plugin.Sink that records what it is given and runs each
// batch's done when the test says so (as the engine does once the
// downstream outputs wrote it).
type recSink struct {
	mu      sync.Mutex
	events  []*event.Event
	pending []func()
}

func (s *recSink) Open() plugin.Producer { return recProducer{s} }

type recProducer struct{ s *recSink }

func (p recProducer) Begin(_ int, done func()) plugin.Batch { return &recBatch{s: p.s, done: done} }
func (p recProducer) Close()                                {}

type recBatch struct {
	s      *recSink
	events []*event.Event
	done   func()
}

func (b *recBatch) Add(e *event.Event) { b.events = append(b.events, e) }
func (b *recBatch) Abort()             {}
func (b *recBatch) Commit(context.Context) error {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.s.events = append(b.s.events, b.events...)
	b.s.pending = append(b.s.pending, b.done)
	return nil
}

// finish runs the done of every committed batch.
func (s *recSink) finish() {
	s.mu.Lock()
	p := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, f := range p {
		f()
	}
}

func newOutput(t *testing.T, bus *plugin.Bus, cfg Config) *Output {
	t.Helper()
	o, err := New(&cfg, plugin.Env{Bus: bus, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return o.(*Output)
}

func batch(t *testing.T, n int, acked *int) []*event.Event {
	t.Helper()
	a := event.NewAck(n, func() { *acked++ })
	out := make([]*event.Event, n)
	for i := range out {
		e, err := event.DecodeEvent([]byte(`{"message":"m","@metadata":{"k":"v"}}`))
		if err != nil {
			t.Fatal(err)
		}
		e.Attach(a)
		out[i] = e
	}
	return out
}

// TestFanOutAcknowledgesOnce checks that each address gets its own copy of
// every event (with @metadata), and that the originals are done only once
// every copy's batch is.
func TestFanOutAcknowledgesOnce(t *testing.T) {
	bus := new(plugin.Bus)
	a, b := &recSink{}, &recSink{}
	for addr, s := range map[string]*recSink{"a": a, "b": b} {
		if _, err := bus.Listen(addr, s); err != nil {
			t.Fatal(err)
		}
	}
	o := newOutput(t, bus, Config{SendTo: []string{"a", "b"}, EnsureDelivery: true})
	acked := 0
	events := batch(t, 3, &acked)
	if err := o.Send(context.Background(), "up", events); err != nil {
		t.Fatal(err)
	}
	if len(a.events) != 3 || len(b.events) != 3 {
		t.Fatalf("a got %d, b got %d events; want 3 each", len(a.events), len(b.events))
	}
	if a.events[0] == events[0] || a.events[0] == b.events[0] {
		t.Fatal("an address got the original event, or both got the same copy")
	}
	if got := a.events[0].GetString(event.MustPath("[@metadata][k]")); got != "v" {
		t.Errorf("the copy's @metadata k = %q, want v", got)
	}
	a.events[0].SetString(event.MustPath("x"), "changed")
	if b.events[0].Has(event.MustPath("x")) || events[0].Has(event.MustPath("x")) {
		t.Error("a change to one copy shows elsewhere")
	}
	a.finish()
	if acked != 0 {
		t.Fatal("the batch was acknowledged before every address wrote it")
	}
	b.finish()
	if acked != 1 {
		t.Fatalf("acknowledged %d times, want once", acked)
	}
}

// TestNoListener checks both behaviours without an input on the address:
// ensure_delivery waits for one (and ends with ctx), otherwise the events
// are dropped and counted, and done.
func TestNoListener(t *testing.T) {
	bus := new(plugin.Bus)
	drop := newOutput(t, bus, Config{SendTo: []string{"nowhere"}})
	acked := 0
	if err := drop.Send(context.Background(), "up", batch(t, 2, &acked)); err != nil {
		t.Fatal(err)
	}
	if acked != 1 || drop.dropped.Load() != 2 {
		t.Errorf("ensure_delivery off: acked %d, dropped %d; want 1, 2", acked, drop.dropped.Load())
	}

	wait := newOutput(t, bus, Config{SendTo: []string{"later"}, EnsureDelivery: true})
	s := &recSink{}
	go func() {
		time.Sleep(20 * time.Millisecond)
		if _, err := bus.Listen("later", s); err != nil {
			t.Error(err)
		}
	}()
	acked = 0
	if err := wait.Send(context.Background(), "up", batch(t, 2, &acked)); err != nil {
		t.Fatal(err)
	}
	if len(s.events) != 2 {
		t.Fatalf("the late listener got %d events", len(s.events))
	}
	s.finish()
	if acked != 1 {
		t.Errorf("acked %d, want 1", acked)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	never := newOutput(t, bus, Config{SendTo: []string{"never"}, EnsureDelivery: true})
	acked = 0
	if err := never.Send(ctx, "up", batch(t, 1, &acked)); err == nil || acked != 0 {
		t.Errorf("no listener until ctx ends: err %v, acked %d", err, acked)
	}
}
