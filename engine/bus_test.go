package engine

import (
	"testing"
	"time"

	pipelinein "github.com/ingestd/ingestd/inputs/pipeline"
	pipelineout "github.com/ingestd/ingestd/outputs/pipeline"
)

// TestShutdownDrainsBetweenPipelines: at shutdown, events still queued in
// an upstream pipeline cross to the downstream one through a pipeline
// output (the generation stays open to them until no chunk is left), and
// every batch is acknowledged: the inputs stop first, the pipelines drain
// in order.
func TestShutdownDrainsBetweenPipelines(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			pipelinein.Register(w.reg)
			pipelineout.Register(w.reg)
			gate := make(chan struct{})
			w.setBehavior("out", outBehavior{gate: gate})
			h := w.start(`
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
`, m.inlineMin)
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
