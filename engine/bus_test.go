package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/event"
	pipelinein "github.com/ingestd/ingestd/inputs/pipeline"
	pipelineout "github.com/ingestd/ingestd/outputs/pipeline"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// upDownConfig is two pipelines: up takes the feed input's events and
// sends them to address x, down takes what arrives there and writes to the
// rec output out.
const upDownConfig = `
shutdown_timeout: 5s
inputs:
  - feed: {id: feed}
  - pipeline: {id: from-up, address: x}
pipelines:
  - name: up
    inputs: [feed]
    workers: 1
    queue_size: 16
    outputs: [to-down]
  - name: down
    inputs: [from-up]
    workers: 1
    outputs: [out]
outputs:
  - pipeline: {id: to-down, send_to: [x]}
  - rec: {id: out}
`

// TestShutdownDrainsBetweenPipelines: at shutdown, events still queued in
// an upstream pipeline cross to the downstream one through a pipeline
// output (the generation stays open to them until no chunk is left), and
// every batch is acknowledged: the inputs stop first, the pipelines drain
// in order.
func TestShutdownDrainsBetweenPipelines(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newBusWorld(t)
			gate := make(chan struct{})
			w.setBehavior("out", outBehavior{gate: gate})
			h := w.start(upDownConfig, m.inlineMin)
			var feed = h.sink
			w.waitUntil("the feed input", func() bool { feed = w.inputSinks["feed"]; return feed != nil })
			p := feed.Open()
			defer p.Close()
			var batches []*tracked
			for i := range 5 {
				batches = append(batches, send(t, p, evs(t, "b"+string(rune('0'+i)), 20, nil, nil)))
			}
			w.waitUntil("the first events downstream", func() bool { return len(w.deliveries) > 0 })
			h.cancel()
			time.AfterFunc(300*time.Millisecond, func() { close(gate) })
			h.wait()
			if h.err != nil {
				t.Fatalf("Run: %v", h.err)
			}
			for i, b := range batches {
				if !b.isAcked() {
					t.Errorf("batch %d not acknowledged", i)
				}
			}
			if got := len(w.deliveredIDs("out")); got != 100 {
				t.Errorf("%d events delivered downstream, want 100", got)
			}
		})
	}
}

// TestBusChecked: an address listened on twice, and a pipeline whose
// pipeline output sends back to itself (it takes every input, the pipeline
// input's too), are config errors.
func TestBusChecked(t *testing.T) {
	w := newBusWorld(t)
	_, err := config.Load("test.yml", []byte(`
inputs:
  - feed: {}
  - pipeline: {id: a, address: x}
  - pipeline: {id: b, address: x}
pipelines:
  - name: loop
outputs:
  - pipeline: {send_to: [x]}
`), w.reg, func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), `input "b": address "x" is already listened on by input "a"`) ||
		!strings.Contains(err.Error(), `pipeline "loop": its pipeline outputs send events back to pipeline "loop" (a cycle)`) {
		t.Errorf("err = %v", err)
	}
}

// oneShot is an input that publishes one batch, waits for its
// acknowledgement and returns, as a dead-letter replay does.
type oneShot struct{ events []*event.Event }

func (o *oneShot) Run(ctx context.Context, sink plugin.Sink) error {
	p := sink.Open()
	defer p.Close()
	done := make(chan struct{})
	b := p.Begin(len(o.events), func() { close(done) })
	for _, e := range o.events {
		b.Add(e)
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestReplayKeepsPipelineInputs: inputs set for a replay run next to the
// config's pipeline inputs (plugin.NodeFed), so replayed events still cross
// between pipelines, and Run ends once the replay has.
func TestReplayKeepsPipelineInputs(t *testing.T) {
	w := newBusWorld(t)
	r, err := Build(w.load(upDownConfig), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	events := evs(t, "r", 10, nil, nil)
	for _, e := range events {
		e.Input = "feed" // as recorded in the dead letter
	}
	r.SetInputs(map[string]plugin.Input{"replay": &oneShot{events: events}})
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the replay")
	}
	if got := len(w.deliveredIDs("out")); got != 10 {
		t.Errorf("%d events delivered downstream, want 10", got)
	}
}

// TestForwardingPipelineAddsNoDataStream: a pipeline whose outputs only
// send to other pipelines names no data stream into its events (as
// Logstash's pipeline output adds none): the downstream pipeline, here
// with sync_fields off, writes the event without a data_stream object a
// route could have read.
func TestForwardingPipelineAddsNoDataStream(t *testing.T) {
	w := newBusWorld(t)
	w.setBehavior("out", outBehavior{hold: true})
	cfg := strings.Replace(upDownConfig, "    outputs: [out]\n", "    outputs: [out]\n    data_stream: {sync_fields: false}\n", 1)
	h := w.start(cfg, workersMode)
	defer func() {
		for _, e := range w.takeHeld("out") {
			e.Done()
		}
		h.cancel()
		h.wait()
	}()
	var feed plugin.Sink
	w.waitUntil("the feed input", func() bool { feed = w.inputSinks["feed"]; return feed != nil })
	p := feed.Open()
	defer p.Close()
	send(t, p, evs(t, "b", 1, nil, nil))
	w.waitHeld("out", 1)
	held := w.takeHeld("out")
	if doc := string(held[0].AppendJSON(nil)); strings.Contains(doc, "data_stream") {
		t.Errorf("downstream document %s carries the upstream pipeline's data_stream", doc)
	}
	held[0].Done()
}

// Offline (ingestd test) a forwarding pipeline adds no data_stream either,
// as the node decides from the config, not from the outputs it built
// (offline builds none). From a review's scratch test.
func TestOfflineForwardingAddsNoDataStream(t *testing.T) {
	w := newBusWorld(t)
	r, err := BuildOffline(w.load(upDownConfig), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	e := event.NewEvent(event.Object(event.Field{Key: "message", Value: event.String("x")}))
	e.Input = "feed"
	p := r.Route(e)
	out := p.Process(e)
	doc := string(out[0].AppendJSON(nil))
	t.Logf("pipeline %s offline: %s", p.Name, doc)
	if strings.Contains(doc, "data_stream") {
		t.Errorf("offline, the forwarding pipeline %s adds data_stream (online it does not): %s", p.Name, doc)
	}
}

// newBusWorld is a test world with the pipeline input and output that
// connect pipelines registered.
func newBusWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	pipelinein.Register(w.reg)
	pipelineout.Register(w.reg)
	return w
}
