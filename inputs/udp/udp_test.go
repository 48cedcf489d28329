package udp

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/inputtest"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

// running is an input serving a sink that collects event documents.
type running struct {
	*inputtest.Running[map[string]any]
	in *Input
}

// start decodes yaml (listen added) as a config file would be and runs
// the input on 127.0.0.1:0.
func start(t *testing.T, yaml string) *running {
	t.Helper()
	in, r := inputtest.Start(t, New, "listen: 127.0.0.1:0\n"+yaml, 1000, inputtest.Doc)
	return &running{Running: r, in: in.(*Input)}
}

// send sends each datagram from one client socket.
func (r *running) send(t *testing.T, datagrams ...string) {
	t.Helper()
	c, err := net.Dial("udp", r.in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, d := range datagrams {
		if _, err := c.Write([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlain(t *testing.T) {
	r := start(t, "") // the default codec: plain
	r.send(t, "hello", "two\nlines")
	evs := r.Next(t, 2)
	for i, want := range []string{"hello", "two\nlines"} {
		d := evs[i]
		if d["message"] != want || d["host"] != "127.0.0.1" || d["@version"] != "1" || d["@timestamp"] == nil || inputtest.Tags(d) != "" {
			t.Errorf("datagram %d: %v", i, d)
		}
	}
}

// TestECS checks ecs_compatibility v8, Logstash 8's default: the sender in
// [host][ip] (logstash-input-udp's source_ip_fieldname default under ECS),
// the datagram in [event][original] (the plain codec's @original_field);
// an explicit source_ip_fieldname wins.
func TestECS(t *testing.T) {
	r := start(t, "ecs_compatibility: v8\n")
	r.send(t, "hello")
	d := r.Next(t, 1)[0]
	host, _ := d["host"].(map[string]any)
	ev, _ := d["event"].(map[string]any)
	if host["ip"] != "127.0.0.1" || ev["original"] != "hello" || d["message"] != "hello" {
		t.Errorf("ECS datagram: %v", d)
	}
	r = start(t, "ecs_compatibility: v8\nsource_ip_fieldname: client\n")
	r.send(t, "x")
	if d := r.Next(t, 1)[0]; d["client"] != "127.0.0.1" || d["host"] != nil {
		t.Errorf("source_ip_fieldname: %v", d)
	}
}

func TestJSON(t *testing.T) {
	r := start(t, "codec: json\nsource_ip_fieldname: \"[source][ip]\"\n")
	r.send(t, `{"a":1}`, `{"a":`, `[{"b":1},{"b":2}]`)
	evs := r.Next(t, 4)
	if evs[0]["a"] != float64(1) || inputtest.Tags(evs[0]) != "" {
		t.Errorf("object: %v", evs[0])
	}
	if evs[1]["message"] != `{"a":` || inputtest.Tags(evs[1]) != "_jsonparsefailure" {
		t.Errorf("invalid: %v", evs[1])
	}
	if evs[2]["b"] != float64(1) || evs[3]["b"] != float64(2) {
		t.Errorf("array: %v, %v", evs[2], evs[3])
	}
	for _, d := range evs {
		if src, _ := d["source"].(map[string]any); src["ip"] != "127.0.0.1" || d["host"] != nil {
			t.Errorf("sender not in [source][ip]: %v", d)
		}
	}
}

func TestLines(t *testing.T) {
	r := start(t, "codec: json_lines\n")
	r.send(t, `{"n":1}`+"\n"+`{"n":2}`, "oops\n")
	evs := r.Next(t, 3)
	if evs[0]["n"] != float64(1) || evs[1]["n"] != float64(2) {
		t.Errorf("lines of one datagram: %v, %v", evs[0], evs[1])
	}
	if evs[2]["message"] != "oops" || inputtest.Tags(evs[2]) != "_jsonparsefailure" {
		t.Errorf("invalid line: %v", evs[2])
	}
}

func TestTruncated(t *testing.T) {
	r := start(t, "buffer_size: 8\n")
	r.send(t, "0123456789abcdef", "short")
	evs := r.Next(t, 2)
	if evs[0]["message"] != "01234567" || inputtest.Tags(evs[0]) != "_truncated" {
		t.Errorf("long datagram: %v", evs[0])
	}
	if evs[1]["message"] != "short" || inputtest.Tags(evs[1]) != "" {
		t.Errorf("short datagram: %v", evs[1])
	}
}

// TestShutdown checks that Run returns on cancel and leaves no goroutine
// behind, the datagrams sent before being published.
func TestShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	r := start(t, "")
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("datagram %d", i))
	}
	r.send(t, want...)
	r.Next(t, len(want))
	r.Stop(t)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Run returned, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if n := r.in.datagrams.Load(); n != int64(len(want)) {
		t.Errorf("datagrams_received %d, want %d", n, len(want))
	}
}

// TestShutdownBlocked checks that Run returns at the drain deadline when
// the pipelines take nothing.
func TestShutdownBlocked(t *testing.T) {
	cfg := new(Config)
	if err := spec.DecodeYAML("test.yml", "listen: 127.0.0.1:0\nqueue_size: 1\n", cfg); err != nil {
		t.Fatal(err)
	}
	built, err := New(cfg, plugin.Env{Logger: zerolog.New(zerolog.NewTestWriter(t)), DrainTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	in := built.(*Input)
	committing := make(chan struct{}, 100)
	sink := &plugintest.Sink{Committed: func(ctx context.Context, _ []*event.Event) error {
		committing <- struct{}{}
		<-ctx.Done() // full pipelines
		return ctx.Err()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, sink) }()
	<-in.Serving()
	c, err := net.Dial("udp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 5 {
		_, _ = c.Write([]byte("x"))
	}
	select {
	case <-committing:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing committed")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return with the pipelines blocked")
	}
}

func TestConfig(t *testing.T) {
	cfg := new(Config)
	if err := spec.DecodeYAML("test.yml", "listen: 0.0.0.0:5000\n", cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Codec != "plain" || cfg.BufferSize != 65536 || cfg.QueueSize != 2000 || cfg.delimiter() != "\n" || cfg.sourceIP.String() != "[host]" {
		t.Fatalf("defaults: %+v", cfg)
	}
	for yaml, want := range map[string]string{
		"{}\n":                                          "required key \"listen\"",
		"listen: 5000\n":                                "want host:port",
		"listen: \":1\"\nbuffer_size: 0\n":              "buffer_size",
		"listen: \":1\"\ncodec: msgpack\n":              "not one of",
		"listen: \":1\"\nqueue_size: -1\n":              "queue_size",
		"listen: \":1\"\nworkers: 4\n":                  "workers",
		"listen: \":1\"\nsource_ip_fieldname: \"[a\"\n": "source_ip_fieldname",
	} {
		if err := plugintest.ConfigError[Config](yaml); !strings.Contains(err, want) {
			t.Errorf("%q: error %q, want one containing %q", yaml, err, want)
		}
	}
}

func TestRegister(t *testing.T) {
	r := plugin.NewRegistry()
	Register(r)
	if _, ok := r.Lookup(plugin.KindInput, "udp"); !ok {
		t.Fatal("udp input not registered")
	}
}
