package elasticsearch

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

func TestDocumentID(t *testing.T) {
	base := `{"agent":{"id":"a1","name":"vm"},"host":{"name":"vm"},"log":{"file":{"path":"/var/log/x.log","inode":"7","device_id":"9"},"offset":120},"message":"m"}`
	id := originID(pt.Event(t, base), new(idState))
	if len(id) != 22 {
		t.Fatalf("id %q", id)
	}
	if again := originID(pt.Event(t, base), new(idState)); again != id {
		t.Fatal("the id of the same line must not change (a resent batch must hit 409)")
	}
	for _, other := range []string{
		strings.Replace(base, `"offset":120`, `"offset":121`, 1),
		strings.Replace(base, `"inode":"7"`, `"inode":"8"`, 1),
		strings.Replace(base, `"id":"a1"`, `"id":"a2"`, 1),
		strings.Replace(base, `/var/log/x.log`, `/var/log/y.log`, 1),
	} {
		if originID(pt.Event(t, other), new(idState)) == id {
			t.Errorf("different origin, same id: %s", other)
		}
	}
	// The pieces a split made of one line share its origin, not its id;
	// each keeps its own id when sent again.
	seen := map[string]bool{id: true}
	for _, piece := range []uint64{1, 2, 1 << 40} {
		e := pt.Event(t, base)
		e.Piece = piece
		pid := originID(e, new(idState))
		if seen[pid] {
			t.Errorf("piece %d: id %s taken already", piece, pid)
		}
		seen[pid] = true
		again := pt.Event(t, base)
		again.Piece = piece
		if originID(again, new(idState)) != pid {
			t.Errorf("piece %d: the id changed", piece)
		}
	}
	if got := originID(pt.Event(t, `{"message":"no origin"}`), new(idState)); got != "" {
		t.Errorf("an event without origin got id %q", got)
	}
	action := func(doc string, autoID bool) string {
		e := pt.Event(t, doc)
		e.DataStream = "logs-x-y"
		enc := lineEncoder{autoID: autoID}
		lines, err := enc.appendLines(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		return strings.SplitAfter(string(lines), "\n")[0]
	}
	if got := action(base, false); got != `{"create":{"_index":"logs-x-y"}}`+"\n" {
		t.Errorf("document_id none gave %q", got)
	}
	if got := action(`{"@metadata":{"_id":"mine"},"log":{"offset":1,"file":{"path":"p"}}}`, true); got != `{"create":{"_index":"logs-x-y","_id":"mine"}}`+"\n" {
		t.Errorf("[@metadata][_id] must win: %q", got)
	}
}

func TestFNV128aMatchesHashFNV(t *testing.T) {
	for _, in := range []string{"", "a", "agent-1\x00/var/log/x.log\x00", strings.Repeat("xyz\xff", 100)} {
		std := fnv.New128a()
		std.Write([]byte(in))
		h := newFNV128a()
		h.writeString(in)
		var got [16]byte
		binary.BigEndian.PutUint64(got[:8], h[0])
		binary.BigEndian.PutUint64(got[8:], h[1])
		if !bytes.Equal(std.Sum(nil), got[:]) {
			t.Fatalf("%q: %x, hash/fnv %x", in, got, std.Sum(nil))
		}
	}
}

func TestEncodeBulkLines(t *testing.T) {
	a := pt.Event(t, `{"@timestamp":"2025-01-01T00:00:00.000Z","message":"a\"b"}`)
	a.DataStream = "logs-django-pt"
	b := pt.Event(t, `{"message":"c","log":{"offset":1,"file":{"path":"p"}},"host":{"name":"h"}}`)
	b.DataStream = "logs-x-y"
	enc := lineEncoder{autoID: true}
	body, err := enc.appendLines(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(body); got != `{"create":{"_index":"logs-django-pt"}}`+"\n"+`{"@timestamp":"2025-01-01T00:00:00.000Z","message":"a\"b"}`+"\n" {
		t.Fatalf("event a: %q", got)
	}
	more, err := enc.appendLines(body, b)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(more[len(body):]), "\n")
	if !strings.HasPrefix(lines[0], `{"create":{"_index":"logs-x-y","_id":"`) || lines[1] != `{"message":"c","log":{"offset":1,"file":{"path":"p"}},"host":{"name":"h"}}`+"\n" {
		t.Fatalf("event b: %q", lines)
	}
	if items := newItems(0, 100, []*event.Event{a, b}); int(items[0].size) != len(a.Raw())+100 || items[1].ev != b {
		t.Fatalf("items %+v", items)
	}
}

func TestHostListAndEnable(t *testing.T) {
	var c Config
	if err := spec.DecodeYAML("t.yml", `hosts: "http://a:9200, https://b:9200/"`, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Hosts) != 2 || c.Hosts[1] != "https://b:9200" || !c.Enabled() {
		t.Fatalf("hosts %v", c.Hosts)
	}
	var off Config
	if err := spec.DecodeYAML("t.yml", `hosts: ""`, &off); err != nil || off.Enabled() {
		t.Fatalf("empty hosts must disable the output: %v %v", off.Hosts, err)
	}
	if msg := pt.ConfigError[Config](`hosts: [ftp://x]`); !strings.Contains(msg, "not an http(s) URL") {
		t.Fatalf("bad URL accepted: %q", msg)
	}
}

func TestErrorsFlag(t *testing.T) {
	if errorsTrue([]byte(`{"errors":false,"took":3,"items":[]}`)) || errorsTrue([]byte(`{"took":3, "errors": false}`)) {
		t.Fatal("errors false read as true")
	}
	if !errorsTrue([]byte(`{"errors":true}`)) || !errorsTrue([]byte(`{"weird":1}`)) {
		t.Fatal("errors true (or unknown) must decode the items")
	}
}

func TestBackoffBounds(t *testing.T) {
	o := &Output{cfg: Config{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	for attempt := 0; attempt < 40; attempt++ {
		d := o.backoff(attempt)
		step := min(100*time.Millisecond<<min(attempt, 20), time.Second)
		if d < step/2 || d > step {
			t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, step/2, step)
		}
	}
}

// TestDocumentIDStateIsExact: ids computed through one idState across a
// request's events (reusing the agent-and-file part) equal ids computed
// afresh, whatever changes from one event to the next.
func TestDocumentIDStateIsExact(t *testing.T) {
	docs := []string{
		`{"agent":{"id":"a1"},"log":{"file":{"path":"/x","inode":"7","device_id":"9"},"offset":1}}`,
		`{"agent":{"id":"a1"},"log":{"file":{"path":"/x","inode":"7","device_id":"9"},"offset":2}}`,
		`{"agent":{"id":"a1"},"log":{"file":{"path":"/x","inode":"8","device_id":"9"},"offset":2}}`,
		`{"agent":{"id":"a2"},"log":{"file":{"path":"/x","inode":"8","device_id":"9"},"offset":2}}`,
		`{"agent":{},"host":{"name":"h1"},"log":{"file":{"path":"/x"},"offset":3}}`,
		`{"agent":{},"host":{"name":"h2"},"log":{"file":{"path":"/x"},"offset":3}}`,
		`{"agent":{"name":"n"},"log":{"file":{"path":"/x"},"offset":3}}`,
		`{"agent":{"name":"n"},"log":{"file":{"path":"/x"},"offset":4}}`,
		`{"agent":{"name":"n"},"log":{"offset":5}}`,
		`{"agent":{"name":"n"},"log":{"file":{"path":"/x"},"offset":6}}`,
	}
	var shared idState
	for i, d := range docs {
		e := pt.Event(t, d)
		if i == 7 {
			e.SetString(event.MustPath("[log][file][path]"), "/y") // decoded, no longer raw
		}
		got := originID(e, &shared)
		want := originID(e, new(idState))
		if got != want {
			t.Fatalf("event %d: %q through the shared state, %q afresh", i, got, want)
		}
	}
}

// TestItemIsSmall: the output's queue holds thousands of items; the
// pipeline name of each is an index, not a string.
func TestItemIsSmall(t *testing.T) {
	if n := unsafe.Sizeof(item{}); n > 24 {
		t.Fatalf("item is %d bytes, want at most 24", n)
	}
	var names pipelineNames
	a, b := names.indexOf("pt"), names.indexOf("dcache")
	if names.indexOf("pt") != a || a == b || names.name(a) != "pt" || names.name(b) != "dcache" {
		t.Fatalf("pipeline names: %d %d %q %q", a, b, names.name(a), names.name(b))
	}
}

// Hosts without a scheme are read as Logstash's and Filebeat's outputs
// read them: http, and port 9200 when none is given; URLs stay as written.
func TestHostsWithoutScheme(t *testing.T) {
	for in, want := range map[string]string{
		"es:9200":                "http://es:9200",
		"localhost":              "http://localhost:9200",
		"10.0.0.1":               "http://10.0.0.1:9200",
		"[::1]":                  "http://[::1]:9200",
		"[::1]:9201":             "http://[::1]:9201",
		"https://es.example:443": "https://es.example:443",
		"http://es/":             "http://es",
	} {
		var c Config
		if err := spec.DecodeYAML("test.yml", "hosts: ["+strconv.Quote(in)+"]", &c); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if len(c.Hosts) != 1 || c.Hosts[0] != want {
			t.Errorf("%s: %v, want %s", in, c.Hosts, want)
		}
	}
}
