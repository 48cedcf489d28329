package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/ingestd/ingestd/plugin"
)

type sink struct{}

func (sink) Open() plugin.Producer { return nil }

// TestListensWhileRunning checks that the input serves its address from
// Serving until its context ends, and that a second input on the address
// fails with a clear error.
func TestListensWhileRunning(t *testing.T) {
	bus := new(plugin.Bus)
	in, err := New(&Config{Address: "x"}, plugin.Env{Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, sink{}) }()
	select {
	case <-in.(plugin.ServingNotifier).Serving():
	case <-time.After(5 * time.Second):
		t.Fatal("not serving")
	}
	if bus.Lookup("x") == nil {
		t.Fatal("no listener on x while serving")
	}
	second, _ := New(&Config{Address: "x"}, plugin.Env{Bus: bus})
	if err := second.Run(context.Background(), sink{}); err == nil {
		t.Error("a second input on x ran")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if bus.Lookup("x") != nil {
		t.Error("x is still served after the input stopped")
	}
	if _, err := New(&Config{Address: "x"}, plugin.Env{}); err == nil {
		t.Error("built without a bus")
	}
}
