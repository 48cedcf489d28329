package elasticsearch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/estest"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// startOutput builds and starts an output on the test double with extra
// config, and closes it when the test ends.
func startOutput(t *testing.T, es *estest.Server, extra string) (*Output, *plugin.Metrics) {
	t.Helper()
	ms := new(plugin.Metrics)
	built, err := New(testConfig(t, es, extra), plugin.Env{ID: "es", DataDir: t.TempDir(), Metrics: ms})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := closeOutput(t, o); err != nil {
			t.Error(err)
		}
	})
	return o, ms
}

// eventTo builds an event bound for index.
func eventTo(t *testing.T, index, doc string) *event.Event {
	t.Helper()
	e := pt.Event(t, doc)
	e.DataStream = index
	return e
}

// sendAndWait sends events in one Send (so in one request, in order,
// unless split) and waits until every one is done: delivered or
// dead-lettered, each exactly once (a second Done panics).
func sendAndWait(t *testing.T, o *Output, events ...*event.Event) {
	t.Helper()
	done := make(chan struct{})
	track(events, func() { close(done) })
	if err := o.Send(context.Background(), "pt", events); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("events not done")
	}
}

// itemsByID groups the bulk items the double received by _id.
func itemsByID(es *estest.Server) map[string][]estest.Item {
	out := map[string][]estest.Item{}
	for _, it := range es.Items() {
		out[it.ID] = append(out[it.ID], it)
	}
	return out
}

// deadLetters reads the output's dead-letter records, by the _id in
// their event's @metadata.
func deadLetters(t *testing.T, o *Output) map[string]deadletter.Record {
	t.Helper()
	files, err := deadletter.Files(o.DeadLetters())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]deadletter.Record{}
	for _, f := range files {
		records, err := deadletter.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			e, err := event.DecodeEvent(r.Event)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := e.Metadata().Member("_id")
			out[id.Text()] = r
		}
	}
	return out
}

// TestMetadataPipeline: [@metadata][pipeline], as a Filebeat module sets
// it, names the item's ingest pipeline, lower-cased as Beats does; an
// event without one names none; one naming a pipeline the cluster lacks
// is refused by Elasticsearch and dead-lettered.
func TestMetadataPipeline(t *testing.T) {
	es := testDouble(t)
	es.AddPipeline("filebeat-8.17.0-nginx-access-pipeline")
	o, ms := startOutput(t, es, "")
	const ts = `"@timestamp":"2025-01-01T00:00:00.000Z"`
	sendAndWait(t, o,
		eventTo(t, "logs-nginx-default", `{"@metadata":{"_id":"module","beat":"filebeat","pipeline":"Filebeat-8.17.0-Nginx-Access-Pipeline"},`+ts+`}`),
		eventTo(t, "logs-nginx-default", `{"@metadata":{"_id":"plain"},`+ts+`}`),
		eventTo(t, "logs-nginx-default", `{"@metadata":{"_id":"unknown","pipeline":"no-such-pipeline"},`+ts+`}`),
	)
	items := itemsByID(es)
	want := map[string]estest.Item{
		"module":  {Action: "create", Index: "logs-nginx-default", ID: "module", Pipeline: "filebeat-8.17.0-nginx-access-pipeline", Status: 201},
		"plain":   {Action: "create", Index: "logs-nginx-default", ID: "plain", Status: 201},
		"unknown": {Action: "create", Index: "logs-nginx-default", ID: "unknown", Pipeline: "no-such-pipeline", Status: 400},
	}
	for id, w := range want {
		if got := items[id]; len(got) != 1 || got[0] != w {
			t.Errorf("%s: items %+v, want %+v", id, got, w)
		}
	}
	if m := metrics(ms); m["written"] != 2 || m["dead_lettered"] != 1 {
		t.Fatalf("metrics %v", m)
	}
	if r := deadLetters(t, o)["unknown"]; r.Error.Status != 400 || !strings.Contains(r.Error.Reason, "pipeline with id [no-such-pipeline] does not exist") {
		t.Fatalf("dead letter %+v", r)
	}
}

// TestPipelineOptionOverridesMetadata: the output's pipeline option, when
// it renders, wins over [@metadata][pipeline], sent as it renders (as
// Logstash sends it: pipeline ids are case-sensitive); when its field is
// missing the metadata's pipeline is used, and without either there is
// none.
func TestPipelineOptionOverridesMetadata(t *testing.T) {
	es := testDouble(t)
	es.AddPipeline("Custom")
	es.AddPipeline("from-metadata")
	o, _ := startOutput(t, es, "pipeline: \"%{[fields][pipeline]}\"\n")
	const ts = `"@timestamp":"2025-01-01T00:00:00.000Z"`
	sendAndWait(t, o,
		eventTo(t, "logs-app-default", `{"@metadata":{"_id":"both","pipeline":"from-metadata"},"fields":{"pipeline":"Custom"},`+ts+`}`),
		eventTo(t, "logs-app-default", `{"@metadata":{"_id":"metadata","pipeline":"from-metadata"},`+ts+`}`),
		eventTo(t, "logs-app-default", `{"@metadata":{"_id":"neither"},`+ts+`}`),
	)
	items := itemsByID(es)
	for id, want := range map[string]string{"both": "Custom", "metadata": "from-metadata", "neither": ""} {
		if got := items[id]; len(got) != 1 || got[0].Pipeline != want || got[0].Status != 201 {
			t.Errorf("%s: items %+v, want pipeline %q", id, got, want)
		}
	}
}

// TestOpTypes: [@metadata][op_type] index writes an index action (a
// second one replaces the document), delete a delete action without a
// source line (a missing document is done, not an error). A delete
// without [@metadata][_id] and an unknown op_type are dead-lettered
// unsent, with their reason; Elasticsearch refuses index and delete in a
// data stream and deletes in a missing index, and those are dead-lettered
// too. Every event is done once.
func TestOpTypes(t *testing.T) {
	es := testDouble(t)
	o, ms := startOutput(t, es, "")
	const origin = `"log":{"offset":7,"file":{"path":"/var/log/x.log"}},"agent":{"id":"a1"}` // an auto id would exist
	sendAndWait(t, o,
		eventTo(t, "app-events", `{"@metadata":{"op_type":"index","_id":"1"},"message":"first"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"index","_id":"1"},"message":"second"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","_id":"never-indexed"}}`),
		eventTo(t, "app-events", `{"@metadata":{"_id":"2"},"message":"created"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","_id":"2"},"message":"the document is not sent"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","pipeline":"p"},`+origin+`}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"upsert","_id":"upsert"},"message":"m"}`),
		eventTo(t, "logs-app-default", `{"@metadata":{"op_type":"index","_id":"in-stream"},"@timestamp":"2025-01-01T00:00:00.000Z"}`),
		eventTo(t, "no-such-index", `{"@metadata":{"op_type":"delete","_id":"in-missing-index"}}`),
	)
	if doc, ok := es.Doc("app-events", "1"); !ok || string(doc) != `{"message":"second"}` {
		t.Fatalf("document 1: %s (%v); index must replace it", doc, ok)
	}
	if doc, ok := es.Doc("app-events", "2"); ok {
		t.Fatalf("document 2 not deleted: %s", doc)
	}
	if n := len(es.Docs("app-events")); n != 1 {
		t.Fatalf("%d documents in app-events", n)
	}
	var got []estest.Item
	for _, it := range es.Items() {
		if it.Index == "app-events" {
			got = append(got, it)
		}
	}
	want := []estest.Item{
		{Action: "index", Index: "app-events", ID: "1", Status: 201},
		{Action: "index", Index: "app-events", ID: "1", Status: 200},
		{Action: "delete", Index: "app-events", ID: "never-indexed", Status: 404},
		{Action: "create", Index: "app-events", ID: "2", Status: 201},
		{Action: "delete", Index: "app-events", ID: "2", Status: 200},
	}
	if len(got) != len(want) {
		t.Fatalf("items %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("item %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if m := metrics(ms); m["written"] != 5 || m["dead_lettered"] != 4 || m["duplicates"] != 0 || m["retried"] != 0 {
		t.Fatalf("metrics %v", m)
	}

	dead := deadLetters(t, o)
	if len(dead) != 4 {
		t.Fatalf("dead letters %+v", dead)
	}
	if r := dead[""]; r.Error.Status != 0 || r.Error.Type != "invalid_metadata" || !strings.Contains(r.Error.Reason, `"delete" needs [@metadata][_id]`) || r.DataStream != "app-events" || r.Pipeline != "pt" {
		t.Errorf("delete without _id: %+v", r)
	}
	if r := dead["upsert"]; r.Error.Type != "invalid_metadata" || !strings.Contains(r.Error.Reason, `"upsert"`) {
		t.Errorf("unknown op_type: %+v", r)
	}
	if r := dead["in-stream"]; r.Error.Status != 400 || !strings.Contains(r.Error.Reason, "op_type of create") {
		t.Errorf("index into a data stream: %+v", r)
	}
	if r := dead["in-missing-index"]; r.Error.Status != 404 || r.Error.Type != "index_not_found_exception" {
		t.Errorf("delete in a missing index: %+v", r)
	}
	if items := itemsByID(es); len(items["upsert"]) != 0 || len(items[""]) != 0 {
		t.Errorf("refused events were sent: %+v", items)
	}

	// A request whose only item deletes a missing document: Elasticsearch
	// says "errors": false, and the event is done without a decode.
	sendAndWait(t, o, eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","_id":"gone"}}`))
	if m := metrics(ms); m["written"] != 6 || m["dead_lettered"] != 4 {
		t.Fatalf("metrics %v", m)
	}
}

// TestSplitOn413 keeps the actions and the answers of each half: a
// request answered 413 is sent in two halves (a refused event left out
// before), the first is indexed, the second fails as a whole (503) and is
// retried alone. No item is sent twice (the first half's events are done
// already) and every event is done once.
func TestSplitOn413(t *testing.T) {
	es := testDouble(t)
	o, ms := startOutput(t, es, "")
	waitFor(t, "the cluster", o.Reachable) // the ping must not take the failures
	es.FailNext(413, 0, 503)               // 0: the first half is answered normally
	const ts = `"@timestamp":"2025-01-01T00:00:00.000Z"`
	sendAndWait(t, o,
		eventTo(t, "logs-app-default", `{"@metadata":{"_id":"c1"},`+ts+`}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"index","_id":"i1"},"message":"m"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","_id":"d1"}}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete"}}`), // refused before the first request
		eventTo(t, "logs-app-default", `{"@metadata":{"_id":"c2"},`+ts+`}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"index","_id":"i2"},"message":"m"}`),
		eventTo(t, "app-events", `{"@metadata":{"op_type":"delete","_id":"i2"}}`),
	)
	items := itemsByID(es)
	for id, action := range map[string]string{"c1": "create", "i1": "index", "d1": "delete", "c2": "create"} {
		if got := items[id]; len(got) != 1 || got[0].Action != action {
			t.Errorf("%s: items %+v, want one %s", id, got, action)
		}
	}
	if got := items["i2"]; len(got) != 2 || got[0].Action != "index" || got[1].Action != "delete" || got[1].Status != 200 {
		t.Errorf("i2: items %+v, want an index then its delete", got)
	}
	if n := o.Stats().Requests; n != 4 {
		t.Errorf("%d bulk requests, want 4 (the 413, the halves, the retry of the second)", n)
	}
	if m := metrics(ms); m["written"] != 6 || m["dead_lettered"] != 1 || m["duplicates"] != 0 || m["failures"] != 1 || m["retried"] != 3 {
		t.Fatalf("metrics %v", m)
	}
}
