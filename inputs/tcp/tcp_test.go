package tcp

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/inputtest"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

// got is an event as it reached the sink.
type got struct {
	doc  map[string]any
	ip   string // [@metadata][ip_address], or [@metadata][input][tcp][source][ip]
	meta string // @metadata as JSON
}

func (g got) str(key string) string { s, _ := g.doc[key].(string); return s }

func (g got) tags() string { return inputtest.Tags(g.doc) }

// running is an input serving a collecting sink.
type running struct {
	*inputtest.Running[got]
	in *Input
}

// start decodes yaml (listen added) as a config file would be and runs the
// input on 127.0.0.1:0.
func start(t *testing.T, yaml string) *running {
	t.Helper()
	in, r := inputtest.Start(t, New, "listen: 127.0.0.1:0\n"+yaml, 10000, func(e *event.Event) (got, error) {
		doc, err := inputtest.Doc(e)
		ip, ok := e.Get(legacyFields.ip)
		if !ok {
			ip, _ = e.Get(ecsFields.ip)
		}
		return got{doc: doc, ip: ip.Str(), meta: string(e.Metadata().AppendJSON(nil))}, err
	})
	return &running{Running: r, in: in.(*Input)}
}

func (r *running) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", r.in.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

func TestLines(t *testing.T) {
	r := start(t, "") // the default codec: line
	c := r.dial(t)
	write(t, c, "first\nsecond\r\n\nlast, unterminated")
	evs := r.Next(t, 3)
	c.Close() // the unterminated line is published when the connection ends
	evs = append(evs, r.Next(t, 1)...)
	want := []string{"first", "second\r", "", "last, unterminated"}
	local := c.LocalAddr().(*net.TCPAddr)
	for i, g := range evs {
		if g.str("message") != want[i] {
			t.Errorf("event %d: message %q, want %q", i, g.str("message"), want[i])
		}
		if g.str("host") != "127.0.0.1" || g.ip != "127.0.0.1" || g.doc["port"] != float64(local.Port) {
			t.Errorf("event %d: host %v, port %v, ip_address %q; want the client's 127.0.0.1:%d", i, g.doc["host"], g.doc["port"], g.ip, local.Port)
		}
		if g.str("@version") != "1" || len(g.str("@timestamp")) != len("2006-01-02T15:04:05.000Z") {
			t.Errorf("event %d: @version %v, @timestamp %v", i, g.doc["@version"], g.doc["@timestamp"])
		}
	}
}

// TestECS checks ecs_compatibility v8, Logstash 8's default: the client in
// [@metadata][input][tcp][source] (logstash-input-tcp's setup_fields!),
// nothing at the top level, and the line in [event][original] (the line
// codec's @original_field); a JSON line gets none.
func TestECS(t *testing.T) {
	r := start(t, "ecs_compatibility: v8\n")
	c := r.dial(t)
	write(t, c, "hello\n")
	g := r.Next(t, 1)[0]
	local := c.LocalAddr().(*net.TCPAddr)
	want := fmt.Sprintf(`{"input":{"tcp":{"source":{"name":"127.0.0.1","ip":"127.0.0.1","port":%d}}}}`, local.Port)
	if g.meta != want || g.doc["host"] != nil || g.doc["port"] != nil {
		t.Errorf("client: @metadata %s, host %v, port %v; want %s and none", g.meta, g.doc["host"], g.doc["port"], want)
	}
	if ev, _ := g.doc["event"].(map[string]any); ev["original"] != "hello" || g.str("message") != "hello" {
		t.Errorf("document %v", g.doc)
	}
	// json_lines (and json, streamed as json_lines) keeps no original
	// (logstash-codec-json_lines' parse_json).
	for _, name := range []string{"json_lines", "json"} {
		j := start(t, "ecs_compatibility: v8\ncodec: "+name+"\n")
		c = j.dial(t)
		write(t, c, `{"a":1}`+"\n"+`{"event":{"original":"mine"}}`+"\n")
		evs := j.Next(t, 2)
		if evs[0].doc["event"] != nil {
			t.Errorf("%s: json line: %v", name, evs[0].doc)
		}
		if ev, _ := evs[1].doc["event"].(map[string]any); ev["original"] != "mine" {
			t.Errorf("%s: json line with its own event.original: %v", name, evs[1].doc)
		}
	}
}

func TestJSONLines(t *testing.T) {
	r := start(t, "codec: json_lines\n")
	c := r.dial(t)
	write(t, c, `{"a":1}`+"\nnot json\n"+`[{"b":1},{"b":2}]`+"\n\n"+`{"host":"sender","port":"p"}`+"\n")
	evs := r.Next(t, 5)
	if evs[0].doc["a"] != float64(1) || evs[0].tags() != "" || evs[0].str("host") != "127.0.0.1" {
		t.Errorf("object: %v", evs[0].doc)
	}
	if evs[1].str("message") != "not json" || evs[1].tags() != "_jsonparsefailure" {
		t.Errorf("invalid line: %v", evs[1].doc)
	}
	if evs[2].doc["b"] != float64(1) || evs[3].doc["b"] != float64(2) {
		t.Errorf("array: %v, %v", evs[2].doc, evs[3].doc)
	}
	if evs[4].str("host") != "sender" || evs[4].str("port") != "p" || evs[4].ip != "127.0.0.1" {
		t.Errorf("the event's own host and port must be kept: %v", evs[4].doc)
	}
}

// TestStreamingCodecs checks that json is taken as json_lines, as
// Logstash's tcp input does with it.
func TestStreamingCodecs(t *testing.T) {
	r := start(t, "codec: json\n")
	c := r.dial(t)
	write(t, c, `{"a":1}`+"\n"+`{"a":2}`+"\n")
	evs := r.Next(t, 2)
	if evs[0].doc["a"] != float64(1) || evs[1].doc["a"] != float64(2) {
		t.Fatalf("got %v, %v", evs[0].doc, evs[1].doc)
	}
}

func TestLongLine(t *testing.T) {
	r := start(t, "max_line_bytes: 16\ndelimiter: \"|\"\n")
	c := r.dial(t)
	long := strings.Repeat("0123456789", 10)
	write(t, c, "short|"+long[:50])
	write(t, c, long[50:]+"|after|")
	evs := r.Next(t, 3)
	if evs[0].str("message") != "short" || evs[2].str("message") != "after" || evs[2].tags() != "" {
		t.Errorf("lines around the long one: %v, %v", evs[0].doc, evs[2].doc)
	}
	if evs[1].str("message") != long[:16] || evs[1].tags() != "_truncated" {
		t.Errorf("long line: %v", evs[1].doc)
	}
	if n := r.in.counters.Truncated.Load(); n != 1 {
		t.Errorf("truncated counter %d, want 1", n)
	}
}

func TestConcurrentConnections(t *testing.T) {
	r := start(t, "")
	const clients, lines = 20, 200
	var wg sync.WaitGroup
	for i := range clients {
		c := r.dial(t)
		wg.Go(func() {
			var b strings.Builder
			for j := range lines {
				fmt.Fprintf(&b, "client %d line %d\n", i, j)
			}
			_, _ = io.WriteString(c, b.String())
			c.Close()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, g := range r.Next(t, clients*lines) {
		seen[g.str("message")] = true
	}
	if len(seen) != clients*lines {
		t.Fatalf("%d distinct lines, want %d", len(seen), clients*lines)
	}
}

func TestIdleTimeout(t *testing.T) {
	r := start(t, "idle_timeout: 100ms\n")
	c := r.dial(t)
	write(t, c, "hello")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read from an idle connection: %v, want EOF (closed by the input)", err)
	}
	if g := r.Next(t, 1); g[0].str("message") != "hello" {
		t.Fatalf("the unterminated line of an idle connection: %v", g[0].doc)
	}
}

func TestMaxConnections(t *testing.T) {
	r := start(t, "max_connections: 1\n")
	first := r.dial(t)
	write(t, first, "one\n")
	r.Next(t, 1) // the first connection is served
	second := r.dial(t)
	_ = second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection over max_connections was not closed")
	}
	if n := r.in.refused.Load(); n != 1 {
		t.Fatalf("refused %d, want 1", n)
	}
}

// TestShutdown checks that Run returns on cancel with open connections,
// publishes their unterminated lines and leaves no goroutine behind.
func TestShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	r := start(t, "")
	var conns []net.Conn
	for i := range 5 {
		c := r.dial(t)
		write(t, c, fmt.Sprintf("line %d\npartial %d", i, i))
		conns = append(conns, c)
	}
	r.Next(t, 5)
	for r.in.Connections() != 5 {
		time.Sleep(time.Millisecond)
	}
	r.Stop(t)
	partial := 0
	for len(r.Events) > 0 {
		if strings.HasPrefix((<-r.Events).str("message"), "partial ") {
			partial++
		}
	}
	if partial != 5 {
		t.Errorf("%d unterminated lines published at shutdown, want 5", partial)
	}
	if n := r.in.Connections(); n != 0 {
		t.Errorf("%d connections open after Run returned", n)
	}
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("a connection is still open after Run returned")
		}
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Run returned, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestConfig(t *testing.T) {
	cfg := new(Config)
	if err := spec.DecodeYAML("test.yml", "listen: 0.0.0.0:50000\n", cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Codec != "line" || cfg.delimiter() != "\n" || cfg.MaxLineBytes != 1<<20 || cfg.Mode != "server" {
		t.Fatalf("defaults: %+v", cfg)
	}
	for yaml, want := range map[string]string{
		"listen: 0.0.0.0:50000\nmode: client\n": "client mode",
		"{}\n":                                  `required key "listen"`,
		"listen: 50000\n":                       "want host:port",
		"listen: \":x\"\n":                      "is not a number",
		"listen: \":1\"\nmax_line_bytes: 0\n":   "max_line_bytes",
		"listen: \":1\"\ncodec: msgpack\n":      "not one of",
	} {
		if err := plugintest.ConfigError[Config](yaml); !strings.Contains(err, want) {
			t.Errorf("%q: error %q, want one containing %q", yaml, err, want)
		}
	}
	if got := (&Config{Listen: "0.0.0.0:5000"}).ListenAddrs(); len(got) != 1 || got[0] != "0.0.0.0:5000" {
		t.Errorf("ListenAddrs: %v", got)
	}
}

func TestRegister(t *testing.T) {
	r := plugin.NewRegistry()
	Register(r)
	if _, ok := r.Lookup(plugin.KindInput, "tcp"); !ok {
		t.Fatal("tcp input not registered")
	}
}
