package integration

import (
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/harness"
)

// BenchmarkHarnessChain is what ingestd does per event in the load
// harness, less the network: decode a Filebeat event (the corpus'
// pipe-format messages) into a batch arena, run the harness' pipeline,
// write the document. ns/op is per event; run it under callgrind for
// counts that do not depend on the machine's mood.
func BenchmarkHarnessChain(b *testing.B) {
	cfg, err := config.Load("harness.yml", []byte("inputs: []\noutputs: []\n"+harness.Pipelines(1)), builtin.Registry(), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	msgs, err := harness.Messages(filepath.Join(corpusDir(b), "applog", "events.jsonl"), false)
	if err != nil {
		b.Fatal(err)
	}
	lines := make([][]byte, len(msgs))
	for i, m := range msgs {
		lines[i] = harness.Event(m, i*200)
	}
	var arena event.Arena
	var out []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2048 == 0 {
			arena = event.Arena{} // a batch
		}
		e, err := event.DecodeEventIn(lines[i%len(lines)], &arena)
		if err != nil {
			b.Fatal(err)
		}
		p := r.Route(e)
		if p == nil || len(p.Process(e)) == 0 {
			b.Fatal("event not processed")
		}
		out = e.AppendJSON(out[:0])
	}
}
