package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ingestd/ingestd/plugin"
)

// closableInput serves until its context ends and counts its Close; its
// constructor stands for one that opens something (a certificate watch, a
// client).
type closableInput struct {
	id            string
	mu            sync.Mutex
	ran, returned bool
	closes        int
	closedEarly   bool // closed before Run returned
}

type closableConfig struct {
	Fail bool `yaml:"fail"`
}

func (in *closableInput) Run(ctx context.Context, _ plugin.Sink) error {
	in.mu.Lock()
	in.ran = true
	in.mu.Unlock()
	<-ctx.Done()
	in.mu.Lock()
	in.returned = true
	in.mu.Unlock()
	return nil
}

func (in *closableInput) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.closes++
	in.closedEarly = in.ran && !in.returned
	return nil
}

// TestInputsClosed: an input that implements plugin.Closer is closed once
// its Run has returned, and when it will never run: built for a reload
// that is refused because a later input fails to build.
func TestInputsClosed(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	built := map[string]*closableInput{}
	plugin.RegisterInput(w.reg, "closable", "test input with Close", func(c *closableConfig, env plugin.Env) (plugin.Input, error) {
		if c.Fail {
			return nil, errors.New("closable: told to fail")
		}
		in := &closableInput{id: env.ID}
		mu.Lock()
		built[env.ID] = in
		mu.Unlock()
		return in, nil
	})
	const cfg = `
shutdown_timeout: 5s
inputs:
  - feed:
  - closable: {id: c1}
%s
pipelines:
  - name: main
outputs:
  - rec: {id: out}
`
	h := w.start(fmt.Sprintf(cfg, ""), workersMode)

	refused := fmt.Sprintf(cfg, "  - closable: {id: c2}\n  - closable: {id: c3, fail: true}")
	if err := h.r.Reload(context.Background(), w.load(refused)); err == nil {
		t.Fatal("a reload whose input fails to build succeeded")
	}
	mu.Lock()
	c2 := built["c2"]
	mu.Unlock()
	if c2 == nil || c2.ran || c2.closes != 1 {
		t.Fatalf("the refused reload's built input: %+v; want closed once, never run", c2)
	}
	if c1 := built["c1"]; c1.closes != 0 {
		t.Fatalf("the running input was closed by a refused reload (%d)", c1.closes)
	}

	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	c1 := built["c1"]
	c1.mu.Lock()
	defer c1.mu.Unlock()
	if !c1.returned || c1.closes != 1 || c1.closedEarly {
		t.Fatalf("the running input at shutdown: returned %v, closed %d times, closed while running %v; want closed once after Run returned", c1.returned, c1.closes, c1.closedEarly)
	}
}

// TestLateCommitRefused: a batch still being read when shutdown gives up
// waiting for it is refused when it commits, though its queue may still
// have room: its outputs have stopped and would never complete it.
func TestLateCommitRefused(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for range 8 { // a select would pick the open queue about half the time
		w := newWorld(t)
		h := w.start(fmt.Sprintf(drainConfig, timeout, 16), workersMode)
		p := h.sink.Open()
		b := begin(p, 3)
		for _, e := range evs(t, "late", 3, nil, nil) {
			b.Add(e)
		}
		h.r.mu.Lock()
		g := h.r.gen.Load()
		h.r.mu.Unlock()
		h.cancel()
		select {
		case <-g.workCtx.Done(): // retire gave up waiting for the batch
		case <-time.After(waitTimeout):
			t.Fatal("shutdown did not give up waiting for the open batch")
		}
		if err := commitWithin(t, b, context.Background()); !errors.Is(err, errRetired) {
			t.Fatalf("late Commit: %v, want errRetired", err)
		}
		p.Close()
		h.wait()
		if len(w.delivered()) != 0 || b.isAcked() {
			t.Fatalf("the refused batch reached an output (%d deliveries) or was acknowledged", len(w.delivered()))
		}
	}
}
