package grok

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

func build(t *testing.T, yaml string) *Filter {
	t.Helper()
	return plugintest.Filter(t, New, yaml).(*Filter)
}

var (
	newEvent = plugintest.Event
	sameDoc  = plugintest.SameDoc
)

func TestTypedNestedCaptures(t *testing.T) {
	f := build(t, `
match:
  message: ['^%{WORD:[http][method]} %{INT:[http][status]:int} %{NUMBER:took:float} (?<[user][name]>\w+) (?<ok>true|false)$']
`)
	e := newEvent(t, `{"message":"GET 200 1.5 alice true"}`)
	f.Apply(e)
	sameDoc(t, e, `{"message":"GET 200 1.5 alice true","http":{"method":"GET","status":200},"ok":"true","took":1.5,"user":{"name":"alice"}}`)
}

func TestFailureTagAndBreakOnMatch(t *testing.T) {
	f := build(t, `
match:
  message: ['^a%{INT:first:int}', '^a%{INT:second:int}']
tag_on_failure: [_nope]
`)
	e := newEvent(t, `{"message":"a1"}`)
	f.Apply(e)
	if e.Has(event.Path{"second"}) || !e.Has(event.Path{"first"}) {
		t.Fatalf("break_on_match: %s", e.AppendJSON(nil))
	}
	e = newEvent(t, `{"message":"b1"}`)
	f.Apply(e)
	if !e.HasTag("_nope") {
		t.Fatalf("no failure tag: %s", e.AppendJSON(nil))
	}
	all := build(t, "match: {message: ['^a%{INT:first:int}', '^a%{INT:second:int}']}\nbreak_on_match: false")
	e = newEvent(t, `{"message":"a1"}`)
	all.Apply(e)
	if !e.Has(event.Path{"second"}) {
		t.Fatalf("break_on_match false must try every pattern: %s", e.AppendJSON(nil))
	}
}

func TestEmptyCapturesAndOverwrite(t *testing.T) {
	f := build(t, `
match:
  message: ['^(?<message>[^|]*)\|(?<a>[^|]*)\|(?<b>[^|]*)(?:\|(?<c>x))?$']
overwrite: [message]
keep_empty_fields: [a]
`)
	e := newEvent(t, `{"message":"m||"}`)
	f.Apply(e)
	sameDoc(t, e, `{"message":"m","a":""}`)
	// Without overwrite an existing field becomes an array, as in Logstash.
	g := build(t, `match: {message: ['^(?<tag>\w+)']}`)
	e = newEvent(t, `{"message":"x","tag":"old"}`)
	g.Apply(e)
	if got := e.GetString(event.Path{"tag"}); got != `["old","x"]` {
		t.Fatalf("tag = %s", got)
	}
}

func TestPatternSources(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine"), []byte("# comment\nSHOUT [A-Z]+\n"), 0o644)
	f := build(t, `
match: {message: ['^%{SHOUT:s} %{WHISPER:w}$']}
patterns_dir: [`+dir+`]
pattern_definitions: {WHISPER: '[a-z]+'}
`)
	e := newEvent(t, `{"message":"HEY there"}`)
	f.Apply(e)
	if e.GetString(event.Path{"s"}) != "HEY" || e.GetString(event.Path{"w"}) != "there" {
		t.Fatalf("got %s", e.AppendJSON(nil))
	}
}

func TestCompileErrorsAreConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		`match: {message: ['%{NOSUCHPATTERN:x}']}`: "no pattern found for %{NOSUCHPATTERN}",
		`match: {message: ['(unclosed']}`:          "missing closing )",
		`match: {message: ['%{INT:x:nonsense}']}`:  "unknown conversion",
	} {
		err := plugintest.ConfigError[Config](src)
		if !strings.Contains(err, want) || !strings.HasPrefix(err, "test.yml:1:") {
			t.Errorf("%s: got %q, want test.yml:1:…%s", src, err, want)
		}
	}
}

func TestMatchIndex(t *testing.T) {
	f := build(t, `match: {message: ['^a$', '^b$']}`)
	if f.MatchIndex("message", "b") != 1 || f.MatchIndex("message", "c") != -1 {
		t.Fatal("MatchIndex")
	}
}

// TestLegacyPatternsMatch: Logstash's legacy pattern set is shipped
// (logstash-filter-grok spec "simple syslog line").
func TestLegacyPatternsMatch(t *testing.T) {
	f := build(t, `match: {message: ["%{SYSLOGLINE}"]}`)
	e := newEvent(t, `{"message":"Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]"}`)
	f.Apply(e)
	for field, want := range map[string]string{"logsource": "evita", "program": "postfix/smtpd", "pid": "1713", "timestamp": "Mar 16 00:01:25"} {
		if got := e.GetString(event.Path{field}); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}

// TestECSPatterns: with ecs_compatibility v8, COMBINEDAPACHELOG captures
// into ECS fields, as logstash-patterns-core's ecs-v1 httpd patterns do
// (its spec/patterns/httpd_spec.rb, "ecs_compatibility => :v1": source.address,
// http.request.method, url.original, http.version,
// http.response.status_code as an integer, http.response.body.bytes,
// http.request.referrer, user_agent.original).
func TestECSPatterns(t *testing.T) {
	f := build(t, `
ecs_compatibility: v8
match: {message: ["%{COMBINEDAPACHELOG}"]}
`)
	e := newEvent(t, `{"message":"83.149.9.216 - - [24/Feb/2015:23:13:42 +0000] \"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1\" 200 203023 \"http://semicomplete.com/presentations/logstash-monitorama-2013/\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)\""}`)
	f.Apply(e)
	for ref, want := range map[string]string{
		"[source][address]": `"83.149.9.216"`, "[http][request][method]": `"GET"`,
		"[url][original]": `"/presentations/logstash-monitorama-2013/images/kibana-search.png"`,
		"[http][version]": `"1.1"`, "[http][response][status_code]": `200`,
		"[http][response][body][bytes]": `203023`,
		"[http][request][referrer]":     `"http://semicomplete.com/presentations/logstash-monitorama-2013/"`,
		"[user_agent][original]":        `"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)"`,
		"[timestamp]":                   `"24/Feb/2015:23:13:42 +0000"`,
	} {
		v, ok := e.Get(event.MustPath(ref))
		if !ok || string(v.AppendJSON(nil)) != want {
			t.Errorf("%s = %s, want %s", ref, v.AppendJSON(nil), want)
		}
	}
	if len(e.Tags()) != 0 {
		t.Errorf("tags %v: %s", e.Tags(), e.AppendJSON(nil))
	}
	legacy := build(t, `match: {message: ["%{COMBINEDAPACHELOG}"]}`)
	e = newEvent(t, `{"message":"83.149.9.216 - - [24/Feb/2015:23:13:42 +0000] \"GET / HTTP/1.1\" 200 203 \"-\" \"curl\""}`)
	legacy.Apply(e)
	if e.GetString(event.MustPath("[clientip]")) != "83.149.9.216" || e.GetString(event.MustPath("[verb]")) != "GET" {
		t.Errorf("legacy: %s", e.AppendJSON(nil))
	}
}
