// Package plugintest helps plugin tests: build a plugin from a YAML
// snippet through the same spec decoder as a config file, make events from
// JSON, compare documents regardless of key order.
package plugintest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Filter decodes yaml into a new C and builds the filter with build.
func Filter[C any](t testing.TB, build func(*C, plugin.Env) (plugin.Filter, error), yaml string) plugin.Filter {
	t.Helper()
	cfg := new(C)
	if err := spec.DecodeYAML("test.yml", yaml, cfg); err != nil {
		t.Fatal(err)
	}
	f, err := build(cfg, plugin.Env{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ConfigError returns the error of decoding yaml into a new C ("" if none).
func ConfigError[C any](yaml string) string {
	if err := spec.DecodeYAML("test.yml", yaml, new(C)); err != nil {
		return err.Error()
	}
	return ""
}

// Event decodes a JSON object into an event.
func Event(t testing.TB, js string) *event.Event {
	t.Helper()
	e, err := event.DecodeEvent([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Apply runs f on an event made from js and returns the event.
func Apply(t testing.TB, f plugin.Filter, js string) *event.Event {
	t.Helper()
	e := Event(t, js)
	f.Apply(e)
	return e
}

// SameDoc fails unless e's document equals want (JSON, any key order).
func SameDoc(t testing.TB, e *event.Event, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(e.AppendJSON(nil), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", e.AppendJSON(nil), want)
	}
}
