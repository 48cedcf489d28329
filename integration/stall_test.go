package integration

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// gateOutput is a test output that holds every event until opened: an
// output that stalls (a full disk, a cluster that does not answer).
type gateOutput struct {
	mu    sync.Mutex
	open  chan struct{}
	once  sync.Once
	count int
}

type gateConfig struct{}

func newGate() *gateOutput { return &gateOutput{open: make(chan struct{})} }

func (g *gateOutput) Start() error { return nil }

func (g *gateOutput) Send(ctx context.Context, _ string, events []*event.Event) error {
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	g.count += len(events)
	g.mu.Unlock()
	for _, e := range events {
		e.Done()
	}
	return nil
}

func (g *gateOutput) Close(context.Context) error { g.release(); return nil }
func (g *gateOutput) release()                    { g.once.Do(func() { close(g.open) }) }
func (g *gateOutput) written() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count
}

func registryWithGate(g *gateOutput) *plugin.Registry {
	reg := builtin.Registry()
	plugin.RegisterOutput(reg, "gate", "test output that stalls until released", func(*gateConfig, plugin.Env) (plugin.Output, error) {
		return g, nil
	})
	return reg
}

const gateConfigYAML = `data_dir: ${DATA}
shutdown_timeout: 5s
inputs:
  - beats:
      listen: 127.0.0.1:0
      keepalive: 200ms
pipelines:
  - name: pt
outputs:
  - gate: {}
`

// TestStalledOutputKeepsClientWaiting: while the output stalls, no ACK is
// sent but keepalive ACKs keep a client with a 2 s timeout connected; the
// ACK comes when the output recovers.
func TestStalledOutputKeepsClientWaiting(t *testing.T) {
	gate := newGate()
	n := startNode(t, gateConfigYAML, registryWithGate(gate))
	cl, err := dial(t, n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// The client's own timeout is far shorter than the stall: only the
	// server's keepalives (every 200 ms) keep it waiting. 2 s, not less:
	// under -race on a loaded machine a keepalive can come late.
	cl2, err := dial(t, n.addr, nil, clientTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()

	type result struct {
		n   int
		err error
		at  time.Time
	}
	acked := make(chan result, 1)
	start := time.Now()
	go func() {
		k, err := cl2.Send(makeBatch(0, 0, 100))
		acked <- result{k, err, time.Now()}
	}()
	const stall = 5 * time.Second
	select {
	case r := <-acked:
		t.Fatalf("batch answered during the stall after %s: n=%d err=%v", r.at.Sub(start), r.n, r.err)
	case <-time.After(stall):
	}
	if got := n.beats.Connections(); got != 2 {
		t.Fatalf("%d connections open during the stall, want 2", got)
	}
	gate.release()
	select {
	case r := <-acked:
		if r.err != nil || r.n != 100 {
			t.Fatalf("after recovery: n=%d err=%v", r.n, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no ACK after the output recovered")
	}
	if gate.written() != 100 {
		t.Fatalf("output has %d events, want 100", gate.written())
	}
}

// TestClientHeldByTheBudgetKeepsWaiting: a connection whose next batch
// waits for the in-flight budget (another connection's batch holds it,
// the output stalls) gets keepalive ACKs, so a client with a 2 s timeout
// stays connected through a longer wait; both batches are acknowledged
// once the output recovers.
func TestClientHeldByTheBudgetKeepsWaiting(t *testing.T) {
	gate := newGate()
	cfg := strings.Replace(gateConfigYAML, "      keepalive: 200ms\n", "      keepalive: 200ms\n      max_inflight_bytes: 1KiB\n", 1)
	n := startNode(t, cfg, registryWithGate(gate))
	first, err := dial(t, n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	held, err := dial(t, n.addr, nil, clientTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	type result struct {
		n   int
		err error
	}
	results := make(chan result, 2)
	go func() { k, err := first.Send(makeBatch(0, 0, 100)); results <- result{k, err} }()
	// Let the first batch take the budget before the second arrives.
	deadline := time.Now().Add(5 * time.Second)
	for n.beats.InflightBytes() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	go func() { k, err := held.Send(makeBatch(1, 0, 100)); results <- result{k, err} }()
	select {
	case r := <-results:
		t.Fatalf("a batch was answered during the stall: n=%d err=%v", r.n, r.err)
	case <-time.After(5 * time.Second):
	}
	if got := n.beats.Connections(); got != 2 {
		t.Fatalf("%d connections open while one waits for the budget, want 2", got)
	}
	gate.release()
	for range 2 {
		select {
		case r := <-results:
			if r.err != nil || r.n != 100 {
				t.Fatalf("after recovery: n=%d err=%v", r.n, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no ACK after the output recovered")
		}
	}
	if gate.written() != 200 {
		t.Fatalf("output has %d events, want 200", gate.written())
	}
}
