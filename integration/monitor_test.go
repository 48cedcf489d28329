package integration

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/monitor"
)

const monitoredConfig = `data_dir: ${DATA}
inputs:
  - beats:
      listen: 127.0.0.1:0
pipelines:
  - name: pt
    filters:
      - grok:
          id: even-only
          match: {message: ['\|id=\d+-\d+-\d*[02468]$']}
      - mutate:
          id: tag
          add_tag: [seen]
    data_stream:
      dataset: "%{[fields][service]}"
      namespace: "%{[fields][group]}"
outputs:
  - file: {}
`

// TestMetricsCountWhatWasSent: /_node/stats and /metrics report exactly
// what the test sent: events per pipeline, per plugin, per data stream,
// per input and output, and the parse failures.
func TestMetricsCountWhatWasSent(t *testing.T) {
	n := startNode(t, monitoredConfig, nil)
	cl, err := dial(t, n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const batches, size = 3, 700
	if err := sendAll(t, cl, 0, batches, size); err != nil {
		t.Fatal(err)
	}
	const total, odd = batches * size, batches * size / 2
	api := &monitor.Server{Runner: n.runner, Version: "test"}
	h := api.Handler()
	get := func(path string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}
	var stats struct {
		Status    string
		Events    struct{ In, Filtered, Out, Parse_failures int64 }
		Pipelines map[string]struct {
			Events  struct{ In, Filtered, Out, Parse_failures int64 }
			Plugins struct {
				Filters []struct {
					ID     string
					Events struct{ In, Out int64 }
				}
			}
		}
		Inputs       map[string]struct{ Events_received, Connections int64 }
		Outputs      map[string]struct{ Written int64 }
		Data_streams map[string]int64
	}
	if err := json.Unmarshal([]byte(get("/_node/stats")), &stats); err != nil {
		t.Fatal(err)
	}
	if stats.Events.In != total || stats.Events.Filtered != total || stats.Events.Out != total || stats.Events.Parse_failures != odd {
		t.Fatalf("node events %+v, want %d each and %d parse failures", stats.Events, total, odd)
	}
	pt := stats.Pipelines["pt"]
	if pt.Events.In != total || pt.Events.Out != total || len(pt.Plugins.Filters) != 2 {
		t.Fatalf("pipeline pt %+v", pt)
	}
	for _, f := range pt.Plugins.Filters {
		if f.Events.In != total || f.Events.Out != total {
			t.Fatalf("plugin %s: %+v", f.ID, f.Events)
		}
	}
	if stats.Inputs["beats"].Events_received != total || stats.Inputs["beats"].Connections != 1 {
		t.Fatalf("inputs %+v", stats.Inputs)
	}
	if stats.Outputs["file"].Written != total || stats.Data_streams["logs-django-pt"] != total {
		t.Fatalf("outputs %+v streams %+v", stats.Outputs, stats.Data_streams)
	}
	if stats.Status != "green" {
		t.Fatalf("status %q", stats.Status)
	}
	metrics := get("/metrics")
	for _, want := range []string{
		`ingestd_events_in_total{pipeline="pt"} 2100`,
		`ingestd_events_out_total{pipeline="pt"} 2100`,
		`ingestd_parse_failures_total{pipeline="pt"} 1050`,
		`ingestd_data_stream_events_total{data_stream="logs-django-pt"} 2100`,
		`ingestd_output_events_written_total{output="file"} 2100`,
		`ingestd_input_events_received_total{input="beats"} 2100`,
		`ingestd_input_connections{input="beats"} 1`,
		`ingestd_filter_duration_seconds_total{pipeline="pt",plugin="even-only"}`,
		`ingestd_reloads_total{result="success"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if got := get("/ready"); !strings.Contains(got, "ready") {
		t.Fatalf("/ready: %s", got)
	}
}
