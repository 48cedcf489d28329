package codec

import (
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

type cut struct {
	line      string
	truncated bool
}

func feed(s *Splitter, chunks ...string) []cut {
	var got []cut
	emit := func(line []byte, truncated bool) { got = append(got, cut{string(line), truncated}) }
	for _, c := range chunks {
		s.Feed([]byte(c), emit)
	}
	s.Flush(emit)
	return got
}

func TestSplitter(t *testing.T) {
	long := strings.Repeat("x", 25)
	for _, tc := range []struct {
		name   string
		delim  string
		max    int
		chunks []string
		want   []cut
	}{
		{"lines and flushed rest", "\n", 100, []string{"a\nb", "c\n\nd"}, []cut{{"a", false}, {"bc", false}, {"", false}, {"d", false}}},
		{"no rest", "\n", 100, []string{"a\n"}, []cut{{"a", false}}},
		{"delimiter across chunks", "\r\n", 100, []string{"ab\r", "\ncd\r", "\n"}, []cut{{"ab", false}, {"cd", false}}},
		{"long line in one chunk", "\n", 10, []string{long + "\nok\n"}, []cut{{long[:10], true}, {"ok", false}}},
		{"long line over chunks", "\n", 10, []string{long[:8], long[8:], "\nok"}, []cut{{long[:10], true}, {"ok", false}}},
		{"long unterminated line", "\n", 10, []string{long}, []cut{{long[:10], true}}},
		{"long line, delimiter across chunks", "\r\n", 10, []string{long + "\r", "\nok\r\n"}, []cut{{long[:10], true}, {"ok", false}}},
		{"exactly max", "\n", 10, []string{long[:10] + "\n"}, []cut{{long[:10], false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := feed(NewSplitter(tc.delim, tc.max), tc.chunks...)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("line %d: got %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func decodeAll(t *testing.T, name, text string, truncated bool) []*event.Event {
	t.Helper()
	d := NewDecoder(name, nil)
	d.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC) }
	var out []*event.Event
	d.Decode([]byte(text), truncated, func(e *event.Event) { out = append(out, e) })
	return out
}

func TestDecoder(t *testing.T) {
	const ts = `"@timestamp":"2026-01-02T03:04:05.006Z","@version":"1"`
	for _, tc := range []struct {
		name, codec, text string
		truncated         bool
		want              []string
	}{
		{"plain", Plain, "hello", false, []string{`{"message":"hello",` + ts + `}`}},
		{"line, invalid utf-8", Line, "a\xffb", false, []string{`{"message":"a\ufffdb",` + ts + `}`}},
		{"truncated line", Line, "abc", true, []string{`{"message":"abc",` + ts + `,"tags":["_truncated"]}`}},
		{"json object", JSON, `{"a":1}`, false, []string{`{"a":1,` + ts + `}`}},
		{"json keeps its timestamp", JSONLines, `{"@timestamp":"2020-01-01T00:00:00.000Z","@version":"2"}`, false, []string{`{"@timestamp":"2020-01-01T00:00:00.000Z","@version":"2"}`}},
		// Logstash's Event made of a hash whose @timestamp is no time
		// (logstash-filter-json's json_spec.rb, "json contains invalid
		// timestamp"; the codecs make events the same way).
		{"json timestamp that is no time", JSONLines, `{"@timestamp":"foobar"}`, false, []string{`{"_@timestamp":"foobar","tags":["_timestampparsefailure"],` + ts + `}`}},
		{"json array", JSONLines, `[{"a":1},{"a":2}]`, false, []string{`{"a":1,` + ts + `}`, `{"a":2,` + ts + `}`}},
		{"json invalid", JSONLines, `{"a":`, false, []string{`{"message":"{\"a\":",` + ts + `,"tags":["_jsonparsefailure"]}`}},
		{"json scalar", JSON, `42`, false, []string{`{"message":"42",` + ts + `,"tags":["_jsonparsefailure"]}`}},
		{"json array of scalars", JSON, `[1]`, false, []string{`{"message":"[1]",` + ts + `,"tags":["_jsonparsefailure"]}`}},
		{"json truncated", JSONLines, `{"a":1}`, true, []string{`{"message":"{\"a\":1}",` + ts + `,"tags":["_truncated","_jsonparsefailure"]}`}},
		{"json blank", JSONLines, " \r", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, tc.codec, tc.text, tc.truncated)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events, want %d", len(got), len(tc.want))
			}
			for i, e := range got {
				plugintest.SameDoc(t, e, tc.want[i])
			}
		})
	}
}

func TestCounters(t *testing.T) {
	var c Counters
	d := NewDecoder(JSONLines, &c)
	d.Decode([]byte("nope"), false, func(*event.Event) {})
	d.Decode([]byte(`{"a":1}`), true, func(*event.Event) {})
	if c.Events.Load() != 2 || c.JSONFailures.Load() != 1 || c.Truncated.Load() != 1 {
		t.Fatalf("events %d, failures %d, truncated %d", c.Events.Load(), c.JSONFailures.Load(), c.Truncated.Load())
	}
}
