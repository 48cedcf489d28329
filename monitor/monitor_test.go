package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// Fake plugins, each registering one metric of its own: what a new
// plugin does, with no edit in the engine or here.
type (
	noConfig       struct{}
	idleInput      struct{}
	countingFilter struct{ seen atomic.Int64 }
	discardOutput  struct{}
)

func (idleInput) Run(ctx context.Context, _ plugin.Sink) error { <-ctx.Done(); return nil }

func (f *countingFilter) Apply(*event.Event) bool { f.seen.Add(1); return true }

func (discardOutput) Start() error                                       { return nil }
func (discardOutput) Send(context.Context, string, []*event.Event) error { return nil }
func (discardOutput) Close(context.Context) error                        { return nil }

func registry() *plugin.Registry {
	reg := plugin.NewRegistry()
	plugin.RegisterInput(reg, "idle", "test input", func(_ *noConfig, env plugin.Env) (plugin.Input, error) {
		env.Metrics.Register(plugin.Metric{Key: "peers", Prometheus: "input_test_peers", Help: "Test peers.", Kind: plugin.Gauge}, func() int64 { return 3 })
		return idleInput{}, nil
	})
	plugin.RegisterFilter(reg, "counting", "test filter", func(_ *noConfig, env plugin.Env) (plugin.Filter, error) {
		f := &countingFilter{}
		f.seen.Store(7)
		env.Metrics.Register(plugin.Metric{Key: "seen", Prometheus: "filter_test_seen_total", Help: "Test events seen.", Kind: plugin.Counter}, f.seen.Load)
		return f, nil
	})
	plugin.RegisterOutput(reg, "discard", "test output", func(_ *noConfig, env plugin.Env) (plugin.Output, error) {
		env.Metrics.Register(plugin.Metric{Key: "kept", Help: "Not in Prometheus.", Kind: plugin.Counter}, func() int64 { return 5 })
		return discardOutput{}, nil
	})
	return reg
}

// TestPluginMetrics: what each plugin registers appears in /_node/stats
// under its kind and id (a filter's under its pipeline's plugins) and in
// /metrics under its Prometheus name, labelled by its kind and id.
func TestPluginMetrics(t *testing.T) {
	cfg, err := config.Load("test.yml", []byte(`
inputs:
  - idle: {id: in1}
pipelines:
  - name: main
    filters:
      - counting: {id: f1}
outputs:
  - discard: {id: out1}
`), registry(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	r, err := engine.Build(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&Server{Runner: r, Log: zerolog.Nop()}).Handler())
	defer srv.Close()
	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	var stats struct {
		Inputs    map[string]map[string]int64 `json:"inputs"`
		Outputs   map[string]map[string]int64 `json:"outputs"`
		Pipelines map[string]struct {
			Plugins struct {
				Filters []struct {
					ID      string           `json:"id"`
					Metrics map[string]int64 `json:"metrics"`
				} `json:"filters"`
			} `json:"plugins"`
		} `json:"pipelines"`
	}
	body := get("/_node/stats")
	if err := json.Unmarshal([]byte(body), &stats); err != nil {
		t.Fatal(err)
	}
	filters := stats.Pipelines["main"].Plugins.Filters
	if stats.Inputs["in1"]["peers"] != 3 || stats.Outputs["out1"]["kept"] != 5 ||
		len(filters) != 1 || filters[0].ID != "f1" || filters[0].Metrics["seen"] != 7 {
		t.Errorf("/_node/stats: %s", body)
	}

	// Logstash's sections: /_node/stats/TYPES and /_node/stats/pipelines/ID.
	var sections map[string]json.RawMessage
	for path, want := range map[string][]string{
		"/_node/stats/pipelines":      {"host", "version", "status", "pipelines"},
		"/_node/stats/events,reloads": {"host", "version", "status", "events", "reloads"},
		"/_node/stats/pipelines/main": {"host", "version", "status", "pipelines"},
		"/_node/stats/pipelines/nope": {"error"},
		"/_node/stats/events,bogus":   {"error"},
	} {
		clear(sections)
		if err := json.Unmarshal([]byte(get(path)), &sections); err != nil || len(sections) != len(want) {
			t.Errorf("%s: %v %v", path, err, sections)
		}
		for _, k := range want {
			if _, ok := sections[k]; !ok {
				t.Errorf("%s: no %q in %v", path, k, sections)
			}
		}
	}
	if body := get("/_node/stats/pipelines/main"); !strings.Contains(body, `"f1"`) {
		t.Errorf("/_node/stats/pipelines/main: %s", body)
	}

	metrics := get("/metrics")
	for _, want := range []string{
		`ingestd_input_test_peers{input="in1"} 3`,
		`ingestd_filter_test_seen_total{pipeline="main",plugin="f1"} 7`,
		"# TYPE ingestd_input_test_peers gauge",
		"# TYPE ingestd_filter_test_seen_total counter",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(metrics, "kept") {
		t.Error("a metric without a Prometheus name is in /metrics")
	}
}
