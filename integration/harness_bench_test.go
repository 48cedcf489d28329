package integration

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/pipeline"
)

// harnessChain is the load harness' pipeline (cmd/ingestd-bench): dissect
// of LEVEL|logger|ts|msg, group and service copied, data stream named.
const harnessChain = `
inputs: []
pipelines:
  - name: pt
    filters:
      - dissect:
          mapping: {message: "%{log_level}|%{logger_name}|%{[@metadata][ts]}|%{message}"}
      - mutate:
          copy: {"[fields][group]": group, "[fields][service]": service}
    data_stream:
      dataset: "%{[service]}"
      namespace: "%{[group]}"
outputs: []
`

// BenchmarkHarnessChain is what ingestd does per event in the load
// harness, less the network: decode a Filebeat event (the corpus'
// pipe-format messages) into a batch arena, run the harness' filters,
// write the document. ns/op is per event; run it under callgrind for
// counts that do not depend on the machine's mood.
func BenchmarkHarnessChain(b *testing.B) {
	cfg, err := pipeline.Load("harness.yml", []byte(harnessChain), builtin.Registry(), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	r, err := pipeline.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for i, ev := range readJSONL(b, filepath.Join(corpusDir(b), "applog", "events.jsonl")) {
		msg, _ := ev["message"].(string)
		if msg == "" || msg[0] < 'A' || msg[0] > 'Z' || strings.Count(msg, "|") < 3 {
			continue
		}
		m, _ := json.Marshal(msg)
		lines = append(lines, []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},`+
			`"agent":{"ephemeral_id":"68a3","id":"4204","name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},`+
			`"fields":{"group":"pt","service":"django"},"host":{"name":"vm"},"input":{"type":"filestream"},`+
			`"log":{"file":{"device_id":"65024","inode":"9986354","path":"/var/log/parcels/django.log"},"offset":`+strconv.Itoa(i*200)+`},`+
			`"message":`+string(m)+`}`))
	}
	if len(lines) == 0 {
		b.Fatal("no pipe-format lines in the corpus")
	}
	var arena pipeline.Arena
	var out []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2048 == 0 {
			arena = pipeline.Arena{} // a batch
		}
		line := lines[i%len(lines)]
		e, err := pipeline.DecodeEventIn(line, &arena)
		if err != nil {
			b.Fatal(err)
		}
		p := r.Route(e)
		if p == nil || !p.Process(e) {
			b.Fatal("event not processed")
		}
		out = e.AppendJSON(out[:0])
	}
}
