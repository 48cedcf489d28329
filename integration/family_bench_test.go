package integration

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
)

// BenchmarkFamilyChain measures the default config's whole filter chain
// (routing, every filter, data stream naming) per family on the corpus
// events: ns/op and allocs/op are per event.
func BenchmarkFamilyChain(b *testing.B) {
	r := defaultRunner(b)
	for _, family := range []string{"dcache", "applog", "accounting"} {
		lines := familyLines(b, family)
		b.Run(family, func(b *testing.B) {
			b.ReportAllocs()
			filterAsWorkers(b, r, lines)
		})
		// Routing alone: the routes' conditions on decoded events (the
		// issue's goal: at most 0.3 µs per event).
		events := make([]*event.Event, len(lines))
		for i, l := range lines {
			events[i], _ = event.DecodeEvent(l)
		}
		b.Run(family+"/route", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r.Route(events[i%len(events)])
			}
		})
	}
}

// BenchmarkFamilyFilters runs each family's corpus through the default
// config as the workers do (runs of 64) and reports the time of every
// filter of its pipeline per event (the pipelines' own counters, as
// /_node/stats shows them), to find the filter a family's time goes to.
func BenchmarkFamilyFilters(b *testing.B) {
	for _, family := range []string{"dcache", "applog", "accounting"} {
		lines := familyLines(b, family)
		b.Run(family, func(b *testing.B) {
			r := defaultRunner(b) // counters of this run alone
			b.ResetTimer()
			filterAsWorkers(b, r, lines)
			for _, name := range r.Metrics.PipelineNames() {
				c := r.Metrics.Pipeline(name)
				n := float64(c.Filtered.Load())
				if n == 0 {
					continue
				}
				for _, id := range r.Metrics.PluginIDs(name) {
					b.ReportMetric(float64(r.Metrics.Plugin(name, id).DurationNanos.Load())/n, name+"/"+id+"-ns/event")
				}
			}
		})
	}
}

// filterAsWorkers decodes, routes and filters b.N events of lines as the
// beats input and the workers do: each event decoded from a buffer of its
// run into the run's arena (what Event.Text, Event.DecodeJSON and the
// filters' added members take their memory from), in runs of up to 64
// events of one pipeline (each filter's clock and counters are per run),
// the arena given back after each run as an acknowledged batch's is.
func filterAsWorkers(b *testing.B, r *engine.Runner, lines [][]byte) {
	// Each line's pipeline, known before it is decoded: a run is flushed,
	// and its arena given back, before the next event is decoded into it.
	pipelineOf := make([]*engine.Pipeline, len(lines))
	for i, l := range lines {
		e, err := event.DecodeEvent(l)
		if err != nil {
			b.Fatal(err)
		}
		pipelineOf[i] = r.Route(e)
	}
	var run []*event.Event
	var runPipeline *engine.Pipeline
	var pool event.FieldPool
	arena := &event.Arena{Pool: &pool}
	var slab []byte // the run's lines, which its events alias
	flush := func() {
		if runPipeline != nil {
			runPipeline.ProcessEvents(run)
		}
		run = run[:0]
		arena.Release()
		slab = slab[:0]
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(lines)
		if pipelineOf[k] != runPipeline || len(run) == 64 {
			flush()
			runPipeline = pipelineOf[k]
		}
		start := len(slab)
		slab = append(slab, lines[k]...)
		e, err := event.DecodeEventIn(slab[start:len(slab):len(slab)], arena)
		if err != nil {
			b.Fatal(err)
		}
		r.Route(e) // as the workers do, for its cost
		run = append(run, e)
	}
	flush()
}

// familyLines are the events of a family's corpus, as JSON lines.
func familyLines(b *testing.B, family string) [][]byte {
	raw := readJSONL(b, filepath.Join(corpusDir(b), family, "events.jsonl"))
	lines := make([][]byte, len(raw))
	for i, ev := range raw {
		lines[i], _ = json.Marshal(ev)
	}
	return lines
}
