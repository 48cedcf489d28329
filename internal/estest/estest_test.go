package estest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call sends a request and decodes the JSON answer.
func call(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer %q: %v", data, err)
	}
	return res.StatusCode, out
}

// lines joins NDJSON lines into a bulk body.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// TestBulkActions: create, index and delete as Elasticsearch answers them
// in data streams and plain indices, each recorded with its action,
// _index, _id and pipeline.
func TestBulkActions(t *testing.T) {
	s := start(t)
	s.AddPipeline("known")
	status, res := call(t, "POST", s.URL+"/_bulk", lines(
		`{"create":{"_index":"logs-a-b","_id":"c","pipeline":"known"}}`, `{"@timestamp":"2025-01-01T00:00:00Z"}`,
		`{"index":{"_index":"plain","_id":"1"}}`, `{"n":1}`,
		`{"index":{"_index":"plain","_id":"1"}}`, `{"n":2}`,
		`{"create":{"_index":"plain","_id":"1"}}`, `{"n":3}`,
		`{"index":{"_index":"plain"}}`, `{"n":4}`,
		`{"delete":{"_index":"plain","_id":"1","pipeline":"ignored"}}`,
		`{"delete":{"_index":"plain","_id":"1"}}`,
		`{"delete":{"_index":"logs-a-b","_id":"c"}}`,
		`{"index":{"_index":"logs-a-b","_id":"i"}}`, `{"@timestamp":"2025-01-01T00:00:00Z"}`,
		`{"delete":{"_index":"missing","_id":"1"}}`,
		`{"index":{"_index":"plain","pipeline":"unknown"}}`, `{"n":5}`,
		`{"index":{"_index":"plain","pipeline":"_none"}}`, `{"n":6}`,
	))
	if status != 200 || res["errors"] != true {
		t.Fatalf("%d %v", status, res)
	}
	type answer struct {
		op     string
		status int
		result string
		errTyp string
	}
	var got []answer
	for _, it := range res["items"].([]any) {
		for op, v := range it.(map[string]any) {
			m := v.(map[string]any)
			a := answer{op: op, status: int(m["status"].(float64))}
			a.result, _ = m["result"].(string)
			if e, ok := m["error"].(map[string]any); ok {
				a.errTyp = e["type"].(string)
			}
			got = append(got, a)
		}
	}
	want := []answer{
		{"create", 201, "created", ""},
		{"index", 201, "created", ""},
		{"index", 200, "updated", ""},
		{"create", 409, "", "version_conflict_engine_exception"},
		{"index", 201, "created", ""},
		{"delete", 200, "deleted", ""},
		{"delete", 404, "not_found", ""},
		{"delete", 400, "", "illegal_argument_exception"},
		{"index", 400, "", "illegal_argument_exception"},
		{"delete", 404, "", "index_not_found_exception"},
		{"index", 400, "", "illegal_argument_exception"},
		{"index", 201, "created", ""},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("answers\n got %v\nwant %v", got, want)
	}
	items := s.Items()
	if len(items) != len(want) {
		t.Fatalf("%d items recorded", len(items))
	}
	if items[0] != (Item{Action: "create", Index: "logs-a-b", ID: "c", Pipeline: "known", Status: 201}) ||
		items[5] != (Item{Action: "delete", Index: "plain", ID: "1", Pipeline: "ignored", Status: 200}) ||
		items[10] != (Item{Action: "index", Index: "plain", Pipeline: "unknown", Status: 400}) {
		t.Fatalf("items %+v", items)
	}
	if _, ok := s.Doc("plain", "1"); ok {
		t.Fatal("document 1 was deleted")
	}
	if docs := s.Docs("plain"); len(docs) != 2 || string(docs[0]) != `{"n":4}` || string(docs[1]) != `{"n":6}` {
		t.Fatalf("plain: %s", docs)
	}
	if n := s.Count(); n != 3 {
		t.Fatalf("count %d", n)
	}
	if slices.Contains(s.Streams(), "missing") {
		t.Fatal("a delete created an index")
	}

	// An overwrite keeps the document's place; a request whose only
	// failure is a missing document has no errors.
	status, res = call(t, "POST", s.URL+"/_bulk", lines(
		`{"index":{"_index":"plain","_id":"k"}}`, `{"v":"first"}`,
		`{"index":{"_index":"plain","_id":"k"}}`, `{"v":"second"}`,
		`{"delete":{"_index":"plain","_id":"nope"}}`,
	))
	if status != 200 || res["errors"] != false {
		t.Fatalf("%d %v", status, res)
	}
	if doc, ok := s.Doc("plain", "k"); !ok || string(doc) != `{"v":"second"}` {
		t.Fatalf("k: %s", doc)
	}
}

// TestBulkBodyErrors: bodies Elasticsearch refuses as a whole.
func TestBulkBodyErrors(t *testing.T) {
	s := start(t)
	for name, body := range map[string]string{
		"delete without _id":    lines(`{"delete":{"_index":"plain"}}`),
		"index without source":  lines(`{"index":{"_index":"plain"}}`),
		"update (unsupported)":  lines(`{"update":{"_index":"plain","_id":"1"}}`, `{"doc":{}}`),
		"malformed action line": lines(`not json`, `{}`),
	} {
		if status, res := call(t, "POST", s.URL+"/_bulk", body); status != 400 || res["error"] == nil {
			t.Errorf("%s: %d %v", name, status, res)
		}
	}
	if n := len(s.Items()); n != 0 {
		t.Fatalf("%d items recorded from refused bodies", n)
	}
}

func TestIngestPipelineEndpoints(t *testing.T) {
	s := start(t)
	if status, _ := call(t, "GET", s.URL+"/_ingest/pipeline/p", ""); status != 404 {
		t.Fatalf("missing pipeline: %d", status)
	}
	if status, _ := call(t, "PUT", s.URL+"/_ingest/pipeline/p", `{"processors":[{"set":{"field":"a","value":1}}]}`); status != 200 {
		t.Fatalf("put: %d", status)
	}
	if status, res := call(t, "GET", s.URL+"/_ingest/pipeline/p", ""); status != 200 || res["p"] == nil {
		t.Fatalf("get: %d %v", status, res)
	}
	if status, res := call(t, "POST", s.URL+"/_bulk", lines(`{"index":{"_index":"plain","pipeline":"p"}}`, `{}`)); status != 200 || res["errors"] != false {
		t.Fatalf("bulk through p: %d %v", status, res)
	}
	if status, _ := call(t, "DELETE", s.URL+"/_ingest/pipeline/p", ""); status != 200 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := call(t, "DELETE", s.URL+"/_ingest/pipeline/p", ""); status != 404 {
		t.Fatalf("delete again: %d", status)
	}
}
