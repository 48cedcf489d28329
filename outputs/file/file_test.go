package file

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

var _ plugin.Output = (*Output)(nil)

// track runs done once every event is done.
func track(events []*event.Event, done func()) {
	a := event.NewAck(len(events), done)
	for _, e := range events {
		e.Attach(a)
	}
}

// sendAndClose sends events, waits for them to be acknowledged and closes
// the output.
func sendAndClose(t *testing.T, o plugin.Output, events []*event.Event) {
	t.Helper()
	acked := make(chan struct{})
	track(events, func() { close(acked) })
	if err := o.Send(context.Background(), "p", events); err != nil {
		t.Fatal(err)
	}
	select {
	case <-acked:
	case <-time.After(10 * time.Second):
		t.Fatal("events not acknowledged")
	}
	if err := closeOutput(t, o); err != nil {
		t.Fatal(err)
	}
}

func closeOutput(t *testing.T, o plugin.Output) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return o.Close(ctx)
}

// TestNothingRunsBeforeStart: New starts no goroutine and writes nothing,
// even with events sent; Close of an output never started returns at once
// and leaves those events unacknowledged.
func TestNothingRunsBeforeStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "streams")
	before := runtime.NumGoroutine()
	built, err := New(&Config{Dir: dir, Sync: true, QueueSize: 4}, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n != before {
		t.Fatalf("New started %d goroutines", n-before)
	}
	e := pt.Event(t, `{"message":"m"}`)
	e.DataStream = "logs-a-b"
	done := false
	track([]*event.Event{e}, func() { done = true })
	if err := built.Send(context.Background(), "p", []*event.Event{e}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // ample for a write, had anything run
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("files before Start: %v %v", entries, err)
	}
	if err := closeOutput(t, built); err != nil {
		t.Fatalf("Close of a never-started output: %v", err)
	}
	if done {
		t.Fatal("an event never written was acknowledged")
	}
	if err := built.Start(); err == nil {
		t.Fatal("Start after Close was accepted")
	}
	if n := runtime.NumGoroutine(); n != before {
		t.Fatalf("%d goroutines left", n-before)
	}
	if err := closeOutput(t, built); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// TestWrites: after Start, events are appended to their data stream's file
// and acknowledged; the five output metrics are registered under their
// old names.
func TestWrites(t *testing.T) {
	data := t.TempDir()
	ms := new(plugin.Metrics)
	built, err := New(&Config{Sync: true, QueueSize: 4}, plugin.Env{DataDir: data, Metrics: ms})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	if want := filepath.Join(data, "streams"); o.Dir() != want {
		t.Fatalf("dir %s, want %s", o.Dir(), want)
	}
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err == nil {
		t.Fatal("a second Start was accepted")
	}
	a := pt.Event(t, `{"message":"a"}`)
	a.DataStream = "logs-a-b"
	b := pt.Event(t, `{"message":"b"}`)
	c := pt.Event(t, `{"message":"c"}`)
	c.DataStream = "logs-a-b"
	events := []*event.Event{a, b, c}
	sendAndClose(t, o, events)
	for name, want := range map[string]string{
		"logs-a-b.ndjson": `{"message":"a"}` + "\n" + `{"message":"c"}` + "\n",
		"unnamed.ndjson":  `{"message":"b"}` + "\n",
	} {
		got, err := os.ReadFile(filepath.Join(o.Dir(), name))
		if err != nil || string(got) != want {
			t.Fatalf("%s: %q, %v; want %q", name, got, err, want)
		}
	}

	type reg struct {
		key, prom, help string
		kind            plugin.MetricKind
		value           int64
	}
	var got []reg
	ms.Each(func(m plugin.Metric, v int64) { got = append(got, reg{m.Key, m.Prometheus, m.Help, m.Kind, v}) })
	want := []reg{
		{"written", "output_events_written_total", "Events delivered by the output (indexed, appended).", plugin.Counter, 3},
		{"duplicates", "output_events_duplicate_total", "Events already present (409), counted as delivered.", plugin.Counter, 0},
		{"retried", "output_events_retried_total", "Event retries (429/5xx items, failed requests).", plugin.Counter, 0},
		{"dead_lettered", "output_events_dead_lettered_total", "Events refused for good and written to the dead-letter store.", plugin.Counter, 0},
		{"failures", "output_failures_total", "Failed requests or writes.", plugin.Counter, 0},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("metrics\n got %v\nwant %v", got, want)
	}
}

// A file moved away (logrotate's default) or deleted is created again at
// its path, as Logstash's file output does (create_if_deleted); the lines
// went to the unlinked file before.
func TestMovedOrDeletedFileIsCreatedAgain(t *testing.T) {
	built, err := New(&Config{Sync: true, QueueSize: 4}, plugin.Env{DataDir: t.TempDir(), Metrics: new(plugin.Metrics)})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	o.reopenCheck = 0 // check at every write
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(o.Dir(), "logs-a-b.ndjson")
	send := func(msg string) {
		e := pt.Event(t, `{"message":"`+msg+`"}`)
		e.DataStream = "logs-a-b"
		acked := make(chan struct{})
		track([]*event.Event{e}, func() { close(acked) })
		if err := o.Send(context.Background(), "p", []*event.Event{e}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-acked:
		case <-time.After(10 * time.Second):
			t.Fatal("event not acknowledged")
		}
	}
	send("a")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	send("b")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	send("c")
	if err := closeOutput(t, o); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{path + ".1": `{"message":"a"}` + "\n", path: `{"message":"c"}` + "\n"} {
		if got, err := os.ReadFile(file); err != nil || string(got) != want {
			t.Errorf("%s: %q %v, want %q", file, got, err, want)
		}
	}
}

// TestPathTemplate checks Logstash's file output options: path with sprintf
// references per event (logstash-output-file's event_path), a rendered
// path leaving the static directory going to filename_failure there
// (inside_file_root?), and the line codec with its format.
func TestPathTemplate(t *testing.T) {
	root := t.TempDir()
	cfg := &Config{Path: filepath.Join(root, "%{service}", "out-%{+yyyy.MM.dd}.log"), Codec: "line", Format: "%{service}: %{message}",
		FilenameFailure: "_filepath_failures", Sync: true, QueueSize: 4}
	if errs := cfg.Check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	built, err := New(cfg, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	events := []*event.Event{
		pt.Event(t, `{"@timestamp":"2026-01-02T10:00:00.000Z","service":"web","message":"a"}`),
		pt.Event(t, `{"@timestamp":"2026-01-03T10:00:00.000Z","service":"web","message":"b"}`),
		pt.Event(t, `{"@timestamp":"2026-01-02T10:00:00.000Z","service":"../../etc","message":"escape"}`),
	}
	sendAndClose(t, o, events)
	for name, want := range map[string]string{
		"web/out-2026.01.02.log": "web: a\n",
		"web/out-2026.01.03.log": "web: b\n",
		"_filepath_failures":     "../../etc: escape\n",
	} {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if (&Config{Path: "/x/%{a}", Dir: "/y", QueueSize: 1}).Check() == nil {
		t.Error("dir and path together were accepted")
	}
}

// TestPathThatCannotBeOpened: a path an event names that cannot be a file
// (here a directory another event's path made) goes to the failure file;
// the other files are written.
func TestPathThatCannotBeOpened(t *testing.T) {
	root := t.TempDir()
	cfg := &Config{Path: filepath.Join(root, "%{a}"), Codec: "line", Format: "%{message}", FilenameFailure: "_filepath_failures", Sync: true, QueueSize: 4}
	built, err := New(cfg, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	events := []*event.Event{pt.Event(t, `{"a":"dir","message":"x"}`), pt.Event(t, `{"a":"ok","message":"y"}`)}
	sendAndClose(t, o, events)
	for name, want := range map[string]string{"_filepath_failures": "x\n", "ok": "y\n"} {
		if got, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}

// The files a path names are remembered while open and forgotten once
// stale: a path that could not be opened (its lines went to the failure
// file) leaves nothing behind, and the failure file counts as used when
// it takes lines. Run directly on the writer's state (it owns it; the
// output is not started).
func TestStaleFilesAreForgotten(t *testing.T) {
	root := t.TempDir()
	cfg := &Config{Path: filepath.Join(root, "%{a}"), FilenameFailure: "_filepath_failures", QueueSize: 4}
	built, err := New(cfg, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	o := built.(*Output)
	if err := os.MkdirAll(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	events := []*event.Event{pt.Event(t, `{"a":"dir","message":"x"}`), pt.Event(t, `{"a":"ok","message":"y"}`)}
	if err := o.writeRound([]*chunk{o.encode(events)}); err != nil {
		t.Fatal(err)
	}
	failure, ok := filepath.Join(root, "_filepath_failures"), filepath.Join(root, "ok")
	if len(o.files) != 2 || o.files[failure] == nil || o.files[failure].used.IsZero() || o.files[ok] == nil || o.files[ok].used.IsZero() {
		t.Fatalf("open files %v: want the failure file and ok, written", o.files)
	}
	o.files[ok].used = time.Now().Add(-2 * staleAfter)
	o.closeStale()
	if _, open := o.files[ok]; open || len(o.files) != 1 {
		t.Fatalf("after closeStale: files %v", o.files)
	}
	o.closeAll()
}
