package dissect

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestDissect(t *testing.T) {
	f := pt.Filter(t, New, `
mapping: {message: "%{log_level}|%{[log][logger]}|%{?ts}|%{message}"}
`)
	e := pt.Apply(t, f, `{"message":"INFO|apps.x|2025-01-01T00:00:00.000|a|b|c"}`)
	pt.SameDoc(t, e, `{"message":"a|b|c","log_level":"INFO","log":{"logger":"apps.x"}}`)

	e = pt.Apply(t, f, `{"message":"no delimiters here"}`)
	if !e.HasTag("_dissectfailure") || e.Has(pathOf("log_level")) {
		t.Fatalf("failure: %s", e.AppendJSON(nil))
	}
}

func TestPaddingAppendAndConvert(t *testing.T) {
	f := pt.Filter(t, New, `
mapping: {message: "[%{ts} %{+ts}] %{level->} %{n} %{}"}
convert_datatype: {n: int}
`)
	e := pt.Apply(t, f, `{"message":"[2025-01-01 12:00] INFO     42 rest"}`)
	pt.SameDoc(t, e, `{"message":"[2025-01-01 12:00] INFO     42 rest","ts":"2025-01-01 12:00","level":"INFO","n":42}`)
}

// Indirect fields, as logstash-filter-dissect's docs show them: the text
// of %{?key} names the field that %{&key}'s text goes to.
func TestIndirectField(t *testing.T) {
	f := pt.Filter(t, New, `mapping: {message: "%{?k1}=%{&k1} %{?k2}=%{&k2} %{rest}"}`)
	e := pt.Apply(t, f, `{"message":"user=bob [req][id]=42 the rest"}`)
	pt.SameDoc(t, e, `{"message":"user=bob [req][id]=42 the rest","user":"bob","req":{"id":"42"},"rest":"the rest"}`)
}

func TestBadMappings(t *testing.T) {
	for src, want := range map[string]string{
		`mapping: {message: "%{a}%{b}"}`:     "no delimiter",
		`mapping: {message: "plain"}`:        "no %{key}",
		`mapping: {message: "%{&a} %{b}"}`:   "needs a %{?a} or %{a} before it",
		`mapping: {message: "%{a} tail %{"}`: "unterminated",
	} {
		if msg := pt.ConfigError[Config](src); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want …%s", src, msg, want)
		}
	}
}

func BenchmarkDissectPipe(b *testing.B) {
	f := pt.Filter(b, New, `mapping: {message: "%{log_level}|%{logger_name}|%{ts}|%{message}"}`)
	e := pt.Event(b, `{"message":"INFO|apps.parcels.views|2025-02-02T12:34:56.123|Some message"}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := e.Clone()
		f.Apply(c)
	}
}
func pathOf(s string) event.Path { return event.Path{s} }

// TestTrailingDelimiter: text after the last key is that key's delimiter,
// and what follows it is skipped, as logstash-filter-dissect's Dissector
// does (FINAL_DELIMITER_PATTERN, ?auto_added_skip; DissectorTest.
// testTrailingDelimiter).
func TestTrailingDelimiter(t *testing.T) {
	f := pt.Filter(t, New, `mapping: {message: "%{a},%{b},"}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"message":"x,y,rest"}`), `{"message":"x,y,rest","a":"x","b":"y"}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"message":"x,y,"}`), `{"message":"x,y,","a":"x","b":"y"}`)
	if e := pt.Apply(t, f, `{"message":"x,y"}`); !e.HasTag("_dissectfailure") {
		t.Errorf("no final delimiter: %s", e.AppendJSON(nil))
	}
}

// The cases of logstash-filter-dissect's spec/fixtures/dissect_tests.json
// (run by its dissect_spec.rb "Compatibility suite") that append, order
// and take an indirect name from a plain key: an append joins with the
// delimiter before it in the pattern (AppendField.joinString), %{+key/N}
// stores in N's order, %{&key} may take its name from %{key}.
func TestLogstashFixtures(t *testing.T) {
	for _, tc := range []struct{ name, tok, msg, want string }{
		{"simple append", `%{key}-%{+key}-%{+key}`, "1-2-3", `{"key":"1-2-3"}`},
		{"simple ordered", `%{+key/3} %{+key/1} %{+key/2}`, "1 2 3", `{"key":"2 3 1"}`},
		{"indirect field", `%{key} %{&key}`, "hello world", `{"key":"hello","hello":"world"}`},
		{"named skiped field with indirect", `%{?key} %{&key}`, "hello world", `{"hello":"world"}`},
		{"skip field", `%{} %{key}`, "hello world", `{"key":"world"}`},
		{"ignore right padding", `%{id} %{function->} %{server}`, "00000043 ViewReceive     machine-321", `{"id":"00000043","function":"ViewReceive","server":"machine-321"}`},
		// The docs' ordered append example, and a date joined by its T.
		{"docs ordered", `%{+a/2} %{+a/1} %{+a/4} %{+a/3}`, "1 2 3 go", `{"a":"2 1 go 3"}`},
		{"append across T", `%{ts}T%{+ts} %{rest}`, "2024-01-01T10:00:00 hello", `{"ts":"2024-01-01T10:00:00","rest":"hello"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := pt.Filter(t, New, "mapping: {msg: "+strconv.Quote(tc.tok)+"}")
			e := pt.Apply(t, f, `{"msg":`+strconv.Quote(tc.msg)+`}`)
			e.Delete(event.Path{"msg"})
			pt.SameDoc(t, e, tc.want)
		})
	}
}
