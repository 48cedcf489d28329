package integration

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// passesFilter counts how often the filters ran on an event in its
// "passes" field.
type passesFilter struct{}

type passesConfig struct{}

func (passesFilter) Apply(e *event.Event) bool {
	v, _ := e.Get(event.Path{"passes"})
	n := 0
	fmt.Sscan(v.Text(), &n)
	e.Set(event.Path{"passes"}, event.Int(int64(n+1)))
	return true
}

const preparedConfig = `data_dir: ${DATA}
shutdown_timeout: 10s
inputs:
  - beats:
      listen: 127.0.0.1:0
pipelines:
  - name: a
    when: kind == "a"
    filters:
      - passes: {}
    data_stream: {dataset: "a", namespace: "pt"}
  - name: rest
    filters:
      - passes: {}
      - drop: {when: kind == "drop"}
    data_stream: {dataset: "rest", namespace: "pt"}
outputs:
  - file: {}
`

// TestFilteredOnceWhileRead: with at least as many connections as cores,
// the engine has the beats input's events filtered as they are decoded (Batch.Add);
// across two routed pipelines and a drop filter, every event is filtered
// exactly once, by its own pipeline, dropped ones are acknowledged and
// never written, and every batch is ACKed (sendAll checks).
func TestFilteredOnceWhileRead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) // connections below outnumber cores
	reg := builtin.Registry()
	plugin.RegisterFilter(reg, "passes", "test filter counting its runs", func(*passesConfig, plugin.Env) (plugin.Filter, error) {
		return passesFilter{}, nil
	})
	n := startNode(t, preparedConfig, reg)
	const conns, batches, size = 4, 5, 300 // runs of 64 and a tail
	kinds := []string{"a", "b", "drop"}
	clients := make([]interface{ Close() error }, conns)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	sent := make([]func() error, conns)
	for c := range conns {
		cl, err := dial(t, n.addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		clients[c] = cl
		sent[c] = func() error {
			for b := range batches {
				events := make([]any, size)
				for i := range events {
					events[i] = []byte(fmt.Sprintf(`{"message":"m","id":"%d-%d-%d","kind":%q}`, c, b, i, kinds[i%3]))
				}
				if k, err := cl.Send(events); err != nil || k != size {
					return fmt.Errorf("conn %d batch %d: %d ACKed, %v", c, b, k, err)
				}
			}
			return nil
		}
	}
	for c := range conns { // every connection is open before the first batch
		wg.Go(func() { errs <- sent[c]() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, cl := range clients {
		cl.Close()
	}
	seen := map[string]bool{}
	for stream, kind := range map[string]string{"logs-a-pt": "a", "logs-rest-pt": "b"} {
		for _, l := range n.streamLines(stream) {
			var doc struct {
				ID, Kind string
				Passes   int
			}
			if err := json.Unmarshal(l, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Kind != kind || doc.Passes != 1 || seen[doc.ID] {
				t.Fatalf("%s: %s (kind want %s, filtered once, written once)", stream, l, kind)
			}
			seen[doc.ID] = true
		}
	}
	if want := conns * batches * size * 2 / 3; len(seen) != want {
		t.Fatalf("%d events written, want %d (the kind=drop third dropped)", len(seen), want)
	}
}
