package logstash

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

// Sources cited in the tests (Logstash semantics the conversion follows):
//
//	EventCondition  elastic/logstash logstash-core/src/main/java/org/logstash/
//	                config/ir/compiler/EventCondition.java (valueIsTruthy,
//	                FieldMatches, the in variants, compare)
//	base.rb         elastic/logstash logstash-core/lib/logstash/filters/base.rb
//	                (filter_matched: add_field, remove_field, add_tag,
//	                remove_tag, on success only)
//	decorators      LogStash::Util::Decorators.add_fields (add_field on an
//	                existing field makes an array)
//	mutate.rb       logstash-plugins/logstash-filter-mutate lib/logstash/
//	                filters/mutate.rb (Mutate#filter: the order of operations)
//	beats           logstash-plugins/logstash-input-beats lib/logstash/inputs/
//	                beats/decoded_event_transform.rb, raw_event_transform.rb
//	data streams    logstash-plugins/logstash-output-elasticsearch lib/logstash/
//	                outputs/elasticsearch/data_stream_support.rb

// env is the environment of the tests: nothing is set.
func env(string) (string, bool) { return "", false }

// parse parses a configuration written in a test.
func parse(t *testing.T, src string) *lsconf.Config {
	t.Helper()
	cfg, err := lsconf.Parse("test.conf", []byte(src), lsconf.ParseOptions{})
	if err != nil {
		t.Fatalf("parse:\n%v", err)
	}
	return cfg
}

// problems converts src and returns its problems as strings.
func problems(t *testing.T, src string) []string {
	t.Helper()
	_, ps := Convert(parse(t, src), Options{Lookup: env})
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// pipeline is a converted configuration loaded and built in process.
type pipeline struct {
	t      *testing.T
	yaml   string
	cfg    *config.Config
	runner *engine.Runner
}

// build converts src (which must convert without errors), loads the YAML
// as ingestd does and builds it offline.
func build(t *testing.T, src string) *pipeline {
	t.Helper()
	return buildCfg(t, parse(t, src))
}

func buildCfg(t *testing.T, parsed *lsconf.Config) *pipeline {
	t.Helper()
	return buildWith(t, parsed, env)
}

func buildWith(t *testing.T, parsed *lsconf.Config, env load.LookupFunc) *pipeline {
	t.Helper()
	res := convert(parsed, Options{Lookup: env})
	for _, p := range res.problems {
		if !p.Warning {
			t.Fatalf("conversion problem: %s\n%s", p, res.yaml)
		}
	}
	cfg, err := config.Load("converted.yml", res.yaml, builtin.Registry(), env)
	if err != nil {
		t.Fatalf("load:\n%v\n%s", err, res.yaml)
	}
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("build: %v\n%s", err, res.yaml)
	}
	return &pipeline{t: t, yaml: string(res.yaml), cfg: cfg, runner: r}
}

// run sends one event (JSON) through the filters and returns the
// document (nil when dropped) and the ids of the outputs that take it.
func (p *pipeline) run(doc string) (map[string]any, []string) {
	p.t.Helper()
	input := ""
	if len(p.cfg.Inputs) > 0 {
		input = p.cfg.Inputs[0].ID
	}
	return p.runOn(input, doc)
}

// runOn is run for an event that arrives on the input with the given id.
func (p *pipeline) runOn(input, doc string) (map[string]any, []string) {
	p.t.Helper()
	e, err := event.DecodeEvent([]byte(doc))
	if err != nil {
		p.t.Fatalf("event %s: %v", doc, err)
	}
	e.Input = input
	pl := p.runner.Route(e)
	if pl == nil {
		p.t.Fatalf("no pipeline takes %s", doc)
	}
	out := pl.Process(e)
	if len(out) == 0 {
		return nil, nil
	}
	return p.document(out[0])
}

// runAll is run for a filter that may split the event: every document
// out.
func (p *pipeline) runAll(doc string) []map[string]any {
	p.t.Helper()
	e, err := event.DecodeEvent([]byte(doc))
	if err != nil {
		p.t.Fatalf("event %s: %v", doc, err)
	}
	e.Input = p.cfg.Inputs[0].ID
	var docs []map[string]any
	for _, o := range p.runner.Route(e).Process(e) {
		d, _ := p.document(o)
		docs = append(docs, d)
	}
	return docs
}

// document is an event's document, its @metadata and data stream, and the
// ids of the outputs that take it.
func (p *pipeline) document(e *event.Event) (map[string]any, []string) {
	var outs []string
	for _, o := range p.cfg.Outputs {
		if o.When.Match(e) {
			outs = append(outs, o.ID)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(e.AppendJSON(nil), &out); err != nil {
		p.t.Fatal(err)
	}
	if out == nil {
		out = map[string]any{}
	}
	// Metadata, for the tests that look at it.
	if v, ok := e.Get(event.Path{"@metadata"}); ok {
		var meta any
		_ = json.Unmarshal(v.AppendJSON(nil), &meta)
		out["@metadata"] = meta
	}
	out["_data_stream"] = e.DataStream
	return out, outs
}

// get reads a dotted path of a document.
func get(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// asJSON renders a value for messages and comparisons.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// convertAndRun converts a config of a beats input, the given filter
// block and a stdout output, runs doc (JSON) through it and returns the
// document it comes out as (without @metadata and the data stream) and
// the converted YAML.
func convertAndRun(t *testing.T, filter, doc string) (map[string]any, string) {
	t.Helper()
	p := build(t, beatsIn+"filter { "+filter+" }\noutput { stdout { codec => json_lines } }\n")
	m, _ := p.run(doc)
	if m == nil {
		t.Fatalf("the event was dropped\n%s", p.yaml)
	}
	delete(m, "@metadata") // what document adds for the tests that look at them
	delete(m, "_data_stream")
	return m, p.yaml
}

// docJSON is a document without the fields beats adds, as JSON (keys
// sorted).
func docJSON(doc map[string]any) string {
	delete(doc, "@timestamp")
	delete(doc, "@version")
	b, _ := json.Marshal(doc)
	return string(b)
}
