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

// TestCaptureIntoAnExistingField follows handle in Logstash's
// lib/logstash/filters/grok.rb (logstash-filter-grok 4.4, lines 418-443):
// without overwrite, an absent or nil field is set, an Array gets the
// capture appended (v << value), a String becomes [v, value], and any
// other value is left as it is, the capture dropped ("Not adding matched
// value - found existing"). A Filebeat event carries an agent object:
// %{COMBINEDAPACHELOG} (legacy patterns) captures agent, and turning the
// object into [{...}, "\"Mozilla/4.08\""] made Elasticsearch refuse the
// document.
func TestCaptureIntoAnExistingField(t *testing.T) {
	apache := build(t, `match: {message: ['%{COMBINEDAPACHELOG}']}`)
	e := newEvent(t, `{"message":"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"","agent":{"type":"filebeat","version":"8.12.0"}}`)
	apache.Apply(e)
	if got := e.GetString(event.Path{"agent"}); got != `{"type":"filebeat","version":"8.12.0"}` {
		t.Errorf("agent = %s, want the Filebeat object kept", got)
	}
	if got := e.GetString(event.Path{"referrer"}); got != `"http://www.example.com/start.html"` {
		t.Errorf("referrer = %s (the other captures must be stored)", got)
	}
	if e.HasTag("_grokparsefailure") {
		t.Error("the line matched: no failure tag")
	}

	f := build(t, `match: {message: ['^%{WORD:word} %{INT:port}$']}`)
	for _, c := range []struct{ in, want string }{
		{`{"message":"x 8080","port":80}`, `{"message":"x 8080","port":80,"word":"x"}`},                            // a number: kept
		{`{"message":"x 8080","port":true,"word":false}`, `{"message":"x 8080","port":true,"word":false}`},         // booleans: kept
		{`{"message":"x 8080","port":{"n":1}}`, `{"message":"x 8080","port":{"n":1},"word":"x"}`},                  // an object: kept
		{`{"message":"x 8080","port":null}`, `{"message":"x 8080","port":"8080","word":"x"}`},                      // nil: set
		{`{"message":"x 8080","port":"80"}`, `{"message":"x 8080","port":["80","8080"],"word":"x"}`},               // a String: [old, new]
		{`{"message":"x 8080","port":[80,"81"]}`, `{"message":"x 8080","port":[80,"81","8080"],"word":"x"}`},       // an Array: appended
		{`{"message":"x 8080","port":[]}`, `{"message":"x 8080","port":["8080"],"word":"x"}`},                      // an empty Array too
		{`{"message":"x 8080","port":{"n":1},"word":"w"}`, `{"message":"x 8080","port":{"n":1},"word":["w","x"]}`}, // each field on its own
	} {
		e := newEvent(t, c.in)
		f.Apply(e)
		sameDoc(t, e, c.want)
	}

	// overwrite replaces whatever the field holds.
	o := build(t, "match: {message: ['^%{WORD:word} %{INT:port:int}$']}\noverwrite: [port]")
	e = newEvent(t, `{"message":"x 8080","port":{"n":1}}`)
	o.Apply(e)
	sameDoc(t, e, `{"message":"x 8080","port":8080,"word":"x"}`)

	// Logstash's @timestamp is a LogStash::Timestamp, not a String: a
	// capture into it without overwrite is dropped.
	ts := build(t, `match: {message: ['^(?<@timestamp>\S+)']}`)
	e = newEvent(t, `{"message":"2024-01-02T03:04:05Z","@timestamp":"2024-05-06T07:08:09.000Z"}`)
	ts.Apply(e)
	sameDoc(t, e, `{"message":"2024-01-02T03:04:05Z","@timestamp":"2024-05-06T07:08:09.000Z"}`)

	// Under a target, the same rules at the target's field.
	tg := build(t, "match: {message: ['^%{WORD:word} %{INT:port}$']}\ntarget: parsed")
	e = newEvent(t, `{"message":"x 8080","parsed":{"port":443,"word":"w"}}`)
	tg.Apply(e)
	sameDoc(t, e, `{"message":"x 8080","parsed":{"port":443,"word":["w","x"]}}`)
}

// TestKeepEmptyCaptures follows logstash-filter-grok's spec
// (spec/filters/grok_spec.rb, "keep if keep_empty_captures is true" and
// "grok with nil coerced value and keep_empty_captures"): a group that
// took no part in the match is captured as nil, which handle stores (the
// spec reads it through to_hash, as the key is there with a nil value);
// without keep_empty_captures it is dropped ("drop by default").
func TestKeepEmptyCaptures(t *testing.T) {
	drop := build(t, `match: {message: ['1=%{WORD:foo1} *(2=%{WORD:foo2})?']}`)
	e := newEvent(t, `{"message":"1=test"}`)
	drop.Apply(e)
	sameDoc(t, e, `{"message":"1=test","foo1":"test"}`)

	keep := build(t, "match: {message: ['1=%{WORD:foo1} *(2=%{WORD:foo2})?']}\nkeep_empty_captures: true")
	e = newEvent(t, `{"message":"1=test"}`)
	keep.Apply(e)
	sameDoc(t, e, `{"message":"1=test","foo1":"test","foo2":null}`)

	coerced := build(t, "match: {message: ['test (N/A|%{BASE10NUM:duration:float}ms)']}\nkeep_empty_captures: true")
	e = newEvent(t, `{"message":"test N/A"}`)
	coerced.Apply(e)
	sameDoc(t, e, `{"message":"test N/A","duration":null}`)

	// A group that matched the empty string is "" (Ruby's match[i] is "").
	e = newEvent(t, `{"message":"a="}`)
	empty := build(t, "match: {message: ['^a=(?<v>\\w*)(?<w>x)?$']}\nkeep_empty_captures: true")
	empty.Apply(e)
	sameDoc(t, e, `{"message":"a=","v":"","w":null}`)
	// The same through the recall of the last texts (break_on_match).
	e = newEvent(t, `{"message":"a="}`)
	empty.Apply(e)
	sameDoc(t, e, `{"message":"a=","v":"","w":null}`)

	// nil into an existing String promotes it: [old, nil].
	e = newEvent(t, `{"message":"1=test","foo2":"old"}`)
	keep.Apply(e)
	sameDoc(t, e, `{"message":"1=test","foo1":"test","foo2":["old",null]}`)
}

// TestTwoCapturesIntoOneField: Logstash's grok yields a pattern's
// captures in the order of its named groups (jls-grok's
// compile_captures_func walks Regexp#named_captures, in the order the
// names appear), so the second capture into a field is appended after the
// first. ingestd stored them in the order of its internal names, where
// ig10 sorts before ig9: with eleven captures the field came out reversed.
func TestTwoCapturesIntoOneField(t *testing.T) {
	f := build(t, `match: {message: ['^%{WORD:a} %{WORD:b} %{WORD:c} %{WORD:d} %{WORD:e} %{WORD:f} %{WORD:g} %{WORD:h} %{WORD:i} %{WORD:x} %{WORD:x}$']}`)
	e := newEvent(t, `{"message":"a b c d e f g h i first second"}`)
	f.Apply(e)
	if got := e.GetString(event.Path{"x"}); got != `["first","second"]` {
		t.Fatalf("x = %s", got)
	}
}
