// Package configtest runs pipeline tests: YAML files of sample events
// (whole Filebeat events, or raw lines with Filebeat's fields) and what the
// config must make of them (fields equal or absent, tags, the pipeline and
// data stream chosen, or dropped). `ingestd test` runs them; CI runs the
// shipped ones in configs/tests/.
//
//	config: ../ingestd.yml          # relative to this file; -c overrides
//	tests:
//	  - name: pipe line
//	    line: "INFO|apps.parcels.views|2025-02-02T12:34:56.123|Parcel shipped"
//	    fields: {group: pt, service: django}
//	    path: /var/log/parcels/django.log
//	    input: beats              # the input it arrives on (default: the first)
//	    expect:
//	      pipeline: pt
//	      data_stream: logs-django-pt
//	      fields: {log_level: INFO, "[app_module]": parcels}
//	      absent: ["[error]"]
//	      tags: []                  # exactly these tags ([] = none)
//	      has_tags: [seen]          # at least these
package configtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"gopkg.in/yaml.v3"
)

// Suite is one test file.
type Suite struct {
	Path   string
	Config string `yaml:"config"` // resolved against the file's directory
	Tests  []Case `yaml:"tests"`
}

// Case is one sample event and its expectations.
type Case struct {
	Name   string         `yaml:"name"`
	Event  map[string]any `yaml:"event"`
	Line   *string        `yaml:"line"`
	Fields map[string]any `yaml:"fields"`
	Path   string         `yaml:"path"`
	Tags   []string       `yaml:"tags"`
	// Input is the id of the input the event arrives on (pipelines take
	// events by input; conditions read it as input()); empty: the
	// config's first input. A case runs the one pipeline that takes the
	// event: what a pipeline output sends on is tested as a case of its
	// own, on the receiving pipeline input.
	Input  string `yaml:"input"`
	Expect Expect `yaml:"expect"`
}

// Expect is what must come out.
type Expect struct {
	Pipeline   string         `yaml:"pipeline"`
	DataStream string         `yaml:"data_stream"`
	Fields     map[string]any `yaml:"fields"`
	Absent     []string       `yaml:"absent"`
	Tags       *[]string      `yaml:"tags"`
	HasTags    []string       `yaml:"has_tags"`
	Dropped    bool           `yaml:"dropped"`
	// Events is how many events come out (a split filter makes several);
	// the other expectations are about the first.
	Events *int `yaml:"events"`
}

// Load reads a test file (unknown keys are errors).
func Load(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	s := &Suite{Path: path}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Config != "" && !filepath.IsAbs(s.Config) {
		s.Config = filepath.Join(filepath.Dir(path), s.Config)
	}
	for i, c := range s.Tests {
		if (c.Event == nil) == (c.Line == nil) {
			return nil, fmt.Errorf("%s: test %d (%s): give either event or line", path, i+1, c.Name)
		}
	}
	return s, nil
}

// Result is the outcome of one case.
type Result struct {
	Name     string
	Problems []string // empty when the case passed
}

// Run runs every case through r's pipelines in process.
func (s *Suite) Run(r *engine.Runner) []Result {
	out := make([]Result, 0, len(s.Tests))
	for i, c := range s.Tests {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("test %d", i+1)
		}
		out = append(out, Result{Name: name, Problems: c.run(r)})
	}
	return out
}

func (c *Case) event() (*event.Event, error) {
	doc := c.Event
	if c.Line != nil {
		doc = map[string]any{"message": *c.Line, "@timestamp": "2026-01-01T00:00:00.000Z",
			"input": map[string]any{"type": "filestream"}, "host": map[string]any{"name": "test"}}
		if c.Fields != nil {
			doc["fields"] = c.Fields
		}
		if c.Path != "" {
			doc["log"] = map[string]any{"file": map[string]any{"path": c.Path}, "offset": 0}
		}
		if c.Tags != nil {
			doc["tags"] = c.Tags
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return event.DecodeEvent(data)
}

func (c *Case) run(r *engine.Runner) (bad []string) {
	e, err := c.event()
	if err != nil {
		return []string{"bad sample event: " + err.Error()}
	}
	e.Input = c.Input
	if ins := r.Config().Inputs; e.Input == "" && len(ins) > 0 {
		e.Input = ins[0].ID
	}
	p := r.Route(e)
	if p == nil {
		var ids []string
		for _, in := range r.Config().Inputs {
			ids = append(ids, in.ID)
		}
		return []string{fmt.Sprintf("no pipeline takes this event arriving on input %q (inputs: %s)", e.Input, strings.Join(ids, ", "))}
	}
	if c.Expect.Pipeline != "" && p.Name != c.Expect.Pipeline {
		bad = append(bad, fmt.Sprintf("pipeline: want %s, got %s", c.Expect.Pipeline, p.Name))
	}
	input := e.Input
	out := p.Process(e)
	kept := len(out) > 0
	if c.Expect.Events != nil && len(out) != *c.Expect.Events {
		bad = append(bad, fmt.Sprintf("events: want %d out, got %d", *c.Expect.Events, len(out)))
	}
	defer func() {
		if len(bad) == 0 {
			return
		}
		// The explainers read the event as it came (made again: after
		// the filters its message may be a format's rewrite, which no
		// format fits); c.event succeeded above.
		asSent, _ := c.event()
		asSent.Input = input
		for _, f := range p.Filters() {
			if x, ok := f.(plugin.Explainer); ok {
				bad = append(bad, x.ExplainEvent(asSent)...)
			}
		}
	}()
	if c.Expect.Dropped || !kept {
		if c.Expect.Dropped != !kept {
			bad = append(bad, fmt.Sprintf("dropped: want %v, got %v", c.Expect.Dropped, !kept))
		}
		return bad
	}
	e = out[0] // a split event: the first piece
	if c.Expect.DataStream != "" && e.DataStream != c.Expect.DataStream {
		bad = append(bad, fmt.Sprintf("data_stream: want %s, got %s", c.Expect.DataStream, e.DataStream))
	}
	for _, ref := range slices.Sorted(maps.Keys(c.Expect.Fields)) {
		path, err := event.ParsePath(ref)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", ref, err))
			continue
		}
		want := c.Expect.Fields[ref]
		got, ok := getDotted(e, path, ref)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s: want %s, got <absent>", path, show(want)))
			continue
		}
		if !equal(want, got.Interface()) {
			bad = append(bad, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got.Interface())))
		}
	}
	for _, ref := range c.Expect.Absent {
		path, err := event.ParsePath(ref)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", ref, err))
			continue
		}
		if v, ok := getDotted(e, path, ref); ok {
			bad = append(bad, fmt.Sprintf("%s: want <absent>, got %s", path, show(v.Interface())))
		}
	}
	tags := e.Tags()
	if c.Expect.Tags != nil {
		want := append([]string(nil), *c.Expect.Tags...)
		got := append([]string(nil), tags...)
		sort.Strings(want)
		sort.Strings(got)
		if !reflect.DeepEqual(want, got) && !(len(want) == 0 && len(got) == 0) {
			bad = append(bad, fmt.Sprintf("tags: want %v, got %v", want, got))
		}
	}
	for _, t := range c.Expect.HasTags {
		if !e.HasTag(t) {
			bad = append(bad, fmt.Sprintf("tags: want %s among %v", t, tags))
		}
	}
	return bad
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// equal compares a YAML expectation with an event value (numbers by
// value, maps and lists deeply).
func equal(want, got any) bool {
	switch w := want.(type) {
	case int:
		return equal(float64(w), got)
	case float64:
		switch g := got.(type) {
		case int64:
			return w == float64(g)
		case float64:
			return math.Abs(w-g) <= 1e-9*math.Max(1, math.Abs(w))
		}
		return false
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if !equal(v, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !equal(w[i], g[i]) {
				return false
			}
		}
		return true
	case nil:
		return got == nil
	}
	return reflect.DeepEqual(want, got)
}

// getDotted reads the field ref names: as written (a key may hold dots,
// as Filebeat's flattened ones do), else, for a dotted name such as
// error.type (how DESIGN.md and Elasticsearch write field names), the
// nested field [error][type].
func getDotted(e *event.Event, path event.Path, ref string) (event.Value, bool) {
	if v, ok := e.Get(path); ok || strings.HasPrefix(ref, "[") || !strings.Contains(ref, ".") {
		return v, ok
	}
	return e.Get(event.Path(strings.Split(ref, ".")))
}
