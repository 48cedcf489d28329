package integration

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/ingestd/ingestd/monitor"
)

// TestNodeStatsCountWhatWasSent: /_node/stats reports exactly the events
// the client sent, for the node and the pipeline.
func TestNodeStatsCountWhatWasSent(t *testing.T) {
	n := startNode(t, basicConfig(""), nil)
	cl, err := dial(t, n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := sendAll(t, cl, 0, 3, 700); err != nil {
		t.Fatal(err)
	}
	api := &monitor.Server{Runner: n.runner, Version: "test"}
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/_node/stats", nil))
	var stats struct {
		Status    string
		Events    struct{ In, Filtered, Out int64 }
		Pipelines map[string]struct {
			Events struct{ In, Filtered, Out int64 }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &stats); err != nil {
		t.Fatal(err)
	}
	want := int64(3 * 700)
	if stats.Events.In != want || stats.Events.Filtered != want || stats.Events.Out != want {
		t.Fatalf("node events %+v, want %d each", stats.Events, want)
	}
	if pt := stats.Pipelines["pt"].Events; pt.In != want || pt.Out != want {
		t.Fatalf("pipeline pt events %+v", pt)
	}
	if stats.Status != "green" {
		t.Fatalf("status %q", stats.Status)
	}
	rec = httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	if rec.Code != 200 {
		t.Fatalf("/ready: %d", rec.Code)
	}
}
