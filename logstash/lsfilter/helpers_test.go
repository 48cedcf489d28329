package lsfilter_test

import (
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/logstash"
	"github.com/ingestd/ingestd/lsconf"
)

// The conversions are tested through the logstash package's Convert, the
// converted YAML loaded and built as ingestd does.

func noEnv(string) (string, bool) { return "", false }

// convertAndRun converts a Logstash config with the given filter block,
// loads and builds it as ingestd does, and returns the document the
// event (JSON) comes out as, and the converted YAML.
func convertAndRun(t *testing.T, filter, doc string) (map[string]any, string) {
	t.Helper()
	src := "input { beats { port => 5044 include_codec_tag => false } }\nfilter { " + filter + " }\noutput { stdout { codec => json_lines } }\n"
	parsed, err := lsconf.Parse("test.conf", []byte(src), lsconf.ParseOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	yaml, problems := logstash.Convert(parsed, logstash.Options{Lookup: noEnv})
	for _, p := range problems {
		if !p.Warning {
			t.Fatalf("conversion problem: %s\n%s", p, yaml)
		}
	}
	cfg, err := config.Load("converted.yml", yaml, builtin.Registry(), noEnv)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, yaml)
	}
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("build: %v\n%s", err, yaml)
	}
	e, err := event.DecodeEvent([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	e.Input = cfg.Inputs[0].ID
	out := r.Route(e).Process(e)
	if len(out) != 1 {
		t.Fatalf("%d events out\n%s", len(out), yaml)
	}
	var m map[string]any
	if err := json.Unmarshal(out[0].AppendJSON(nil), &m); err != nil {
		t.Fatal(err)
	}
	return m, string(yaml)
}

// docJSON is a document without the fields beats adds, as JSON (keys
// sorted).
func docJSON(doc map[string]any) string {
	delete(doc, "@timestamp")
	delete(doc, "@version")
	b, _ := json.Marshal(doc)
	return string(b)
}
