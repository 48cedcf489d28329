package elasticsearch

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/estest"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

var (
	_ plugin.Output               = (*Output)(nil)
	_ plugin.ReachabilityReporter = (*Output)(nil)
	_ plugin.OnlineChecker        = (*Config)(nil)
	_ plugin.Switchable           = (*Config)(nil)
)

// testDouble starts the Elasticsearch test double for the test.
func testDouble(t *testing.T) *estest.Server {
	t.Helper()
	es, err := estest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(es.Close)
	return es
}

// testConfig is a config decoded as from a file, for the test double.
func testConfig(t *testing.T, es *estest.Server, extra string) *Config {
	t.Helper()
	cfg := new(Config)
	yml := "hosts: " + es.URL + "\nflush_interval: 10ms\ninitial_backoff: 10ms\nmax_backoff: 50ms\ndead_letter_dir: " + filepath.Join(t.TempDir(), "dl") + "\n" + extra
	if err := spec.DecodeYAML("test.yml", yml, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func closeOutput(t *testing.T, o plugin.Output) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return o.Close(ctx)
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// track runs done once every event is done.
func track(events []*event.Event, done func()) {
	a := event.NewAck(len(events), done)
	for _, e := range events {
		e.Attach(a)
	}
}

// metrics reads the registered metrics by key.
func metrics(ms *plugin.Metrics) map[string]int64 {
	out := map[string]int64{}
	ms.Each(func(m plugin.Metric, v int64) { out[m.Key] = v })
	return out
}

// TestNothingRunsBeforeStart: New sends no request (no ping, no template)
// and starts nothing that would; Start does, and then events queued before
// it are indexed.
func TestNothingRunsBeforeStart(t *testing.T) {
	es := testDouble(t)
	cfg := testConfig(t, es, "setup_templates: true\n")
	ms := new(plugin.Metrics)
	built, err := New(cfg, plugin.Env{ID: "es", DataDir: t.TempDir(), Metrics: ms, Shipped: os.DirFS("../../configs")})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	e := pt.Event(t, `{"@timestamp":"2025-01-01T00:00:00.000Z","message":"m"}`)
	e.DataStream = "logs-app-pt"
	done := make(chan struct{})
	track([]*event.Event{e}, func() { close(done) })
	if err := o.Send(context.Background(), "pt", []*event.Event{e}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // ample for a ping and a flush, had anything run
	if n := es.Stats().Requests; n != 0 {
		t.Fatalf("%d requests before Start", n)
	}
	if o.Reachable() {
		t.Fatal("reachable before Start")
	}
	select {
	case <-done:
		t.Fatal("an event was done before Start")
	default:
	}

	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err == nil {
		t.Fatal("a second Start was accepted")
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the event queued before Start was not indexed after it")
	}
	if !o.Reachable() {
		t.Fatal("not reachable once the cluster answered")
	}
	for _, name := range []string{"logs-pt", "logs-accounting", "logs-dcache.billing"} {
		if _, ok := es.Template(name); !ok {
			t.Errorf("shipped template %s not installed from Env.Shipped", name)
		}
	}
	if docs := es.Docs("logs-app-pt"); len(docs) != 1 {
		t.Fatalf("%d documents indexed", len(docs))
	}
	if got := metrics(ms); got["written"] != 1 || got["failures"] != 0 {
		t.Fatalf("metrics %v", got)
	}
	if err := closeOutput(t, o); err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err == nil {
		t.Fatal("Start after Close was accepted")
	}
}

// TestCloseNeverStarted: Close on an output that was built but never
// started returns at once, having sent nothing, and releases the
// dead-letter store.
func TestCloseNeverStarted(t *testing.T) {
	es := testDouble(t)
	built, err := New(testConfig(t, es, ""), plugin.Env{ID: "es", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := closeOutput(t, built); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close of a never-started output took %s", d)
	}
	if n := es.Stats().Requests; n != 0 {
		t.Fatalf("%d requests from a never-started output", n)
	}
	if err := built.Start(); err == nil {
		t.Fatal("Start after Close was accepted")
	}
	if err := closeOutput(t, built); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// TestMetricsAndDeadLetterPipeline: the five output metrics are registered
// under their old names, and a dead-letter record names the pipeline the
// event was sent by.
func TestMetricsAndDeadLetterPipeline(t *testing.T) {
	es := testDouble(t)
	cfg := testConfig(t, es, "")
	ms := new(plugin.Metrics)
	built, err := New(cfg, plugin.Env{ID: "es-out", DataDir: t.TempDir(), Metrics: ms})
	if err != nil {
		t.Fatal(err)
	}
	type reg struct {
		key, prom, help string
		kind            plugin.MetricKind
	}
	var got []reg
	ms.Each(func(m plugin.Metric, _ int64) { got = append(got, reg{m.Key, m.Prometheus, m.Help, m.Kind}) })
	want := []reg{
		{"written", "output_events_written_total", "Events delivered by the output (indexed, appended).", plugin.Counter},
		{"duplicates", "output_events_duplicate_total", "Events already present (409), counted as delivered.", plugin.Counter},
		{"retried", "output_events_retried_total", "Event retries (429/5xx items, failed requests).", plugin.Counter},
		{"dead_lettered", "output_events_dead_lettered_total", "Events refused for good and written to the dead-letter store.", plugin.Counter},
		{"failures", "output_failures_total", "Failed requests or writes.", plugin.Counter},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("metrics\n got %v\nwant %v", got, want)
	}

	o := built.(*Output)
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	good := pt.Event(t, `{"@timestamp":"2025-01-01T00:00:00.000Z","message":"ok","@metadata":{"_id":"one"}}`)
	again := pt.Event(t, `{"@timestamp":"2025-01-01T00:00:00.000Z","message":"ok","@metadata":{"_id":"one"}}`)
	bad := pt.Event(t, `{"message":"no timestamp"}`) // a data stream refuses it (400)
	for _, e := range []*event.Event{good, again, bad} {
		e.DataStream = "logs-app-default"
	}
	if err := o.Send(context.Background(), "first", []*event.Event{good}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first event", func() bool { return metrics(ms)["written"] == 1 })
	if err := o.Send(context.Background(), "second", []*event.Event{again, bad}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the duplicate and the dead letter", func() bool {
		m := metrics(ms)
		return m["duplicates"] == 1 && m["dead_lettered"] == 1
	})
	if err := closeOutput(t, o); err != nil {
		t.Fatal(err)
	}
	if m := metrics(ms); m["written"] != 1 || m["retried"] != 0 || m["failures"] != 0 {
		t.Fatalf("metrics %v", m)
	}
	if st := o.Stats(); st.Indexed != 1 || st.Duplicates != 1 || st.DeadLettered != 1 {
		t.Fatalf("stats %+v", st)
	}
	files, err := deadletter.Files(o.DeadLetters())
	if err != nil || len(files) != 1 {
		t.Fatalf("dead-letter files %v: %v", files, err)
	}
	records, err := deadletter.Read(files[0])
	if err != nil || len(records) != 1 {
		t.Fatalf("records %v: %v", records, err)
	}
	if r := records[0]; r.Pipeline != "second" || r.Output != "es-out" || r.DataStream != "logs-app-default" || r.Error.Status != 400 {
		t.Fatalf("dead letter %+v", r)
	}
}

func TestShippedTemplates(t *testing.T) {
	if got, err := shippedTemplates(nil); err != nil || len(got) != 0 {
		t.Fatalf("no shipped files: %v, %v", got, err)
	}
	got, err := shippedTemplates(fstest.MapFS{
		"elasticsearch/logs-a.json": {Data: []byte(`{"a":1}`)},
		"elasticsearch/notes.txt":   {Data: []byte(`x`)},
		"other/logs-b.json":         {Data: []byte(`{}`)},
	})
	if err != nil || len(got) != 1 || string(got["logs-a"]) != `{"a":1}` {
		t.Fatalf("templates %v: %v", got, err)
	}
	shipped, err := shippedTemplates(os.DirFS("../../configs"))
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(shipped))
	if !slices.Equal(names, []string{"logs-accounting", "logs-dcache.billing", "logs-pt"}) {
		t.Fatalf("shipped templates %v", names)
	}
}

func TestCheckOnline(t *testing.T) {
	es := testDouble(t)
	cfg := testConfig(t, es, "")
	var checker plugin.OnlineChecker = cfg
	ctx := context.Background()
	if problems := checker.CheckOnline(ctx, []string{"logs-app-default", "logs-*-x"}); len(problems) != 0 {
		t.Fatalf("problems %q", problems)
	}
	problems := checker.CheckOnline(ctx, []string{"metrics-app-*"})
	want := "data stream metrics-app-* matches no index template with data_stream on [" + es.URL + "] (install them with setup_templates: true)"
	if len(problems) != 1 || problems[0] != want {
		t.Fatalf("problems %q", problems)
	}
	es.RequireBasicAuth("u", "p")
	if problems := checker.CheckOnline(ctx, nil); len(problems) != 1 || !strings.Contains(problems[0], "refuses the credentials") {
		t.Fatalf("problems %q", problems)
	}
	if n := es.Stats().BulkRequests; n != 0 {
		t.Fatalf("CheckOnline sent %d bulk requests", n)
	}
}

// A batch smaller than a bulk request is sent once no more events come
// for flush_idle, not after flush_interval: its client waits for its ACK
// until then (with flush_interval 1s, one Filebeat's batch waited a
// second; when the input let one batch through at a time, everything
// moved at a batch a second). flush_idle 0 leaves it to flush_interval.
func TestFlushIdle(t *testing.T) {
	es := testDouble(t)
	indexed := func(idle string) <-chan struct{} {
		cfg := new(Config)
		yml := "hosts: " + es.URL + "\nflush_interval: 1h\nflush_idle: " + idle + "\ndead_letter_dir: " + filepath.Join(t.TempDir(), "dl") + "\n"
		if err := spec.DecodeYAML("test.yml", yml, cfg); err != nil {
			t.Fatal(err)
		}
		built, err := New(cfg, plugin.Env{ID: "es", DataDir: t.TempDir(), Metrics: new(plugin.Metrics)})
		if err != nil {
			t.Fatal(err)
		}
		o := built.(*Output)
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeOutput(t, o) })
		var events []*event.Event
		for i := range 3 {
			e := pt.Event(t, fmt.Sprintf(`{"@timestamp":"2025-01-01T00:00:00.000Z","message":"m%d"}`, i))
			e.DataStream = "logs-app-idle" + idle
			events = append(events, e)
		}
		done := make(chan struct{})
		track(events, func() { close(done) })
		if err := o.Send(context.Background(), "pt", events); err != nil {
			t.Fatal(err)
		}
		return done
	}
	select {
	case <-indexed("20ms"):
	case <-time.After(10 * time.Second):
		t.Fatal("a partial bulk request waited for flush_interval (1h) with flush_idle 20ms")
	}
	off := indexed("0s")
	select {
	case <-off:
		t.Fatal("with flush_idle 0 a partial bulk request did not wait for flush_interval")
	case <-time.After(300 * time.Millisecond):
	}
}
