package logstash

import (
	"strings"
	"testing"
)

// TestGrokSuccessOptions: grok's add_field, remove_field, add_tag and
// remove_tag apply only when it matched (base.rb filter_matched), its
// tag_on_failure only when it did not; a failure tag the event carried
// before does not count as a failure of this grok.
func TestGrokSuccessOptions(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
filter {
  grok {
    match          => { "message" => "^%{WORD:word} %{INT:num:int}$" }
    tag_on_failure => ["_bad", "_grokparsefailure"]
    add_field      => { "from" => "%{word}" }
    remove_field   => ["message"]
    add_tag        => ["parsed"]
    remove_tag     => ["old"]
  }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"match", `{"message":"hello 42","tags":["old"]}`,
			map[string]string{"word": `"hello"`, "num": `42`, "from": `"hello"`, "message": `null`, "tags": `["beats_input_codec_plain_applied","parsed"]`}},
		{"no match", `{"message":"nope","tags":["old"]}`,
			map[string]string{"word": `null`, "from": `null`, "message": `"nope"`, "tags": `["old","beats_input_codec_plain_applied","_bad","_grokparsefailure"]`}},
		// A _grokparsefailure from an earlier grok: this one matched.
		{"match after an earlier failure", `{"message":"hi 1","tags":["_grokparsefailure"]}`,
			map[string]string{"from": `"hi"`, "tags": `["_grokparsefailure","beats_input_codec_plain_applied","parsed"]`}},
	} {
		doc, _ := p.run(tc.in)
		for k, v := range tc.want {
			if got := asJSON(doc[k]); got != v {
				t.Errorf("%s: %s = %s, want %s", tc.name, k, got, v)
			}
		}
	}
	if t.Failed() {
		t.Log(p.yaml)
	}
}

// TestGrokNoFailureTags: with tag_on_failure => [] a failure adds no tag,
// and an event that had none keeps none (no empty tags list).
func TestGrokNoFailureTags(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 include_codec_tag => false } }
filter {
  grok { match => { "message" => "^x$" } tag_on_failure => [] add_tag => ["x"] }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"y"}`)
	if _, has := doc["tags"]; has {
		t.Errorf("tags: %s\n%s", asJSON(doc["tags"]), p.yaml)
	}
	doc, _ = p.run(`{"message":"y","tags":["keep"]}`)
	if asJSON(doc["tags"]) != `["keep"]` {
		t.Errorf("tags: %s", asJSON(doc["tags"]))
	}
	doc, _ = p.run(`{"message":"x"}`)
	if asJSON(doc["tags"]) != `["x"]` {
		t.Errorf("tags: %s", asJSON(doc["tags"]))
	}
}

// TestDate: the date filter does nothing on an event without its field
// (no tag, no add_tag), tags a failure, and applies add_tag on success.
func TestDate(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 include_codec_tag => false } }
filter {
  date { match => ["ts", "ISO8601", "dd/MMM/yyyy:HH:mm:ss Z"] add_tag => ["dated"] timezone => "Europe/Paris" }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct{ in, ts, tags string }{
		{`{"message":"m","@timestamp":"2026-01-01T00:00:00.000Z","ts":"2025-12-30T21:16:01"}`, `"2025-12-30T20:16:01.000Z"`, `["dated"]`},
		{`{"message":"m","@timestamp":"2026-01-01T00:00:00.000Z","ts":"30/Dec/2025:21:16:01 +0000"}`, `"2025-12-30T21:16:01.000Z"`, `["dated"]`},
		{`{"message":"m","@timestamp":"2026-01-01T00:00:00.000Z","ts":"yesterday"}`, `"2026-01-01T00:00:00.000Z"`, `["_dateparsefailure"]`},
		{`{"message":"m","@timestamp":"2026-01-01T00:00:00.000Z"}`, `"2026-01-01T00:00:00.000Z"`, `null`},
	} {
		doc, _ := p.run(tc.in)
		if asJSON(doc["@timestamp"]) != tc.ts || asJSON(doc["tags"]) != tc.tags {
			t.Errorf("%s: @timestamp %s tags %s, want %s %s", tc.in, asJSON(doc["@timestamp"]), asJSON(doc["tags"]), tc.ts, tc.tags)
		}
	}
}

// TestJSON: skip_on_invalid_json skips invalid text silently, but a valid
// text that is not an object, without a target, is still a failure.
func TestJSON(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 include_codec_tag => false } }
filter {
  json { source => "message" skip_on_invalid_json => true }
  json { source => "other" target => "[parsed]" add_tag => ["ok"] }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct{ in, tags, a, parsed string }{
		{`{"message":"{\"a\":1}"}`, `null`, `1`, `null`},
		{`{"message":"not json"}`, `null`, `null`, `null`},
		{`{"message":"[1,2]"}`, `["_jsonparsefailure"]`, `null`, `null`},
		{`{"message":"x","other":"{\"b\":2}"}`, `["ok"]`, `null`, `{"b":2}`},
		{`{"message":"x","other":"{bad"}`, `["_jsonparsefailure"]`, `null`, `null`},
	} {
		doc, _ := p.run(tc.in)
		if asJSON(doc["tags"]) != tc.tags || asJSON(doc["a"]) != tc.a || asJSON(doc["parsed"]) != tc.parsed {
			t.Errorf("%s: tags %s a %s parsed %s, want %s %s %s", tc.in, asJSON(doc["tags"]), asJSON(doc["a"]), asJSON(doc["parsed"]), tc.tags, tc.a, tc.parsed)
		}
	}
}

// TestDissectAndDrop: dissect with convert_datatype and add_tag on
// success (JavaDissectorLibrary: filter_matched unless a mapping failed);
// drop under a condition.
func TestDissectAndDrop(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 include_codec_tag => false } }
filter {
  dissect {
    mapping => { "message" => "%{level} %{code} %{rest}" }
    convert_datatype => { "code" => "int" }
    add_tag => ["dissected"]
  }
  if [level] == "DEBUG" { drop { } }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"INFO 200 all good"}`)
	if doc["level"] != "INFO" || asJSON(doc["code"]) != "200" || doc["rest"] != "all good" || asJSON(doc["tags"]) != `["dissected"]` {
		t.Errorf("got %s\n%s", asJSON(doc), p.yaml)
	}
	if doc, _ := p.run(`{"message":"DEBUG 1 noise"}`); doc != nil {
		t.Errorf("not dropped: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"message":"short"}`)
	if asJSON(doc["tags"]) != `["_dissectfailure"]` {
		t.Errorf("failure: %s", asJSON(doc))
	}
	// Logstash skips a mapping whose field is missing (a warning in its
	// log, no tag) and still calls filter_matched. (No beats_input_raw_event
	// either: include_codec_tag is off, raw_event_transform.rb.)
	doc, _ = p.run(`{"other":"x"}`)
	if asJSON(doc["tags"]) != `["dissected"]` {
		t.Errorf("missing field: %s", asJSON(doc))
	}
}

// TestTranslate: an exact dictionary and regex keys (the first key that
// matches, in the order written); fallback when nothing matches; nothing
// at all without the source field; override false keeps the target.
func TestTranslate(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 include_codec_tag => false } }
filter {
  translate {
    source => "[code]" target => "[status]"
    dictionary => { "200" => "OK" "404" => "Not Found" }
    fallback => "other"
  }
  translate {
    source => "logger" target => "[stream]" regex => true
    dictionary => { "^django\." => "django" "^apps\." => "app$1" "s$" => "plural" }
  }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct{ in, status, stream string }{
		{`{"message":"m","code":"404","logger":"apps.parcels"}`, `"Not Found"`, `"app$1"`},
		{`{"message":"m","code":200,"logger":"django.request"}`, `"OK"`, `"django"`},
		{`{"message":"m","code":"500","logger":"celery.tasks"}`, `"other"`, `"plural"`},
		{`{"message":"m","logger":"root"}`, `null`, `null`},
		{`{"message":"m","code":"200","status":"kept","logger":"apps.x","stream":"kept"}`, `"kept"`, `"kept"`},
	} {
		doc, _ := p.run(tc.in)
		if asJSON(doc["status"]) != tc.status || asJSON(doc["stream"]) != tc.stream {
			t.Errorf("%s: status %s stream %s, want %s %s", tc.in, asJSON(doc["status"]), asJSON(doc["stream"]), tc.status, tc.stream)
		}
	}
	if t.Failed() {
		t.Log(p.yaml)
	}
}

// TestTranslateDefaultTarget: without target, translate.rb translates in
// place under ECS (Logstash 8's default: @target ||= ecs_select[disabled:
// 'translation', v1: @source]) and overrides there; with ECS disabled the
// target is "translation". "override => false" in place is refused.
func TestTranslateDefaultTarget(t *testing.T) {
	p := build(t, beatsIn+`filter { translate { source => "code" dictionary => { "200" => "OK" } } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","code":"200"}`)
	if doc["code"] != "OK" || doc["translation"] != nil {
		t.Errorf("ECS default: %v", doc)
	}
	p = build(t, beatsIn+`filter { translate { source => "code" dictionary => { "200" => "OK" } ecs_compatibility => disabled } }
output { stdout { codec => json_lines } }`)
	doc, _ = p.run(`{"message":"m","code":"200"}`)
	if doc["code"] != "200" || doc["translation"] != "OK" {
		t.Errorf("ECS disabled: %v", doc)
	}
	got := problems(t, beatsIn+`filter { translate { source => "code" target => "code" override => false dictionary => { "200" => "OK" } } }
output { stdout { } }`)
	if len(got) != 1 || !strings.Contains(got[0], "override => false") {
		t.Errorf("override false in place: %v", got)
	}
}

// TestTranslateCommonOptions checks that translate's add_tag and add_field
// apply when a dictionary entry or the fallback wrote the target
// (filter_matched in logstash-filter-translate's filter), and not when
// nothing was written.
func TestTranslateCommonOptions(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
filter {
  translate { source => "code" target => "name" dictionary => { "1" => "one" } add_tag => ["translated"] add_field => { "by" => "dict" } }
  translate { source => "other" target => "o" dictionary => { "x" => "y" } fallback => "unknown" add_tag => ["fell_back"] }
}
output { stdout { codec => json_lines } }
`)
	doc, _ := p.run(`{"code":"1","other":"z","message":"m"}`)
	if doc["name"] != "one" || doc["by"] != "dict" || doc["o"] != "unknown" || asJSON(doc["tags"]) != `["beats_input_codec_plain_applied","translated","fell_back"]` {
		t.Errorf("translated: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"code":"2","message":"m"}`)
	if doc["name"] != nil || doc["by"] != nil || asJSON(doc["tags"]) != `["beats_input_codec_plain_applied"]` {
		t.Errorf("not translated: %s", asJSON(doc))
	}
	if meta, _ := doc["@metadata"].(map[string]any); len(meta) != 0 {
		t.Errorf("metadata left: %v", meta)
	}
}

// TestJSONSkipWithCommonOptions: with skip_on_invalid_json, invalid JSON is
// left alone (no tag, no common options), valid JSON gets them
// (logstash-filter-json: return on a parse error when skip_on_invalid_json,
// filter_matched after a successful parse); without a target a JSON text
// that is not an object is still tagged.
func TestJSONSkipWithCommonOptions(t *testing.T) {
	p := build(t, beatsIn+`filter {
  json { source => "message" skip_on_invalid_json => true add_tag => ["parsed"] }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"{\"a\":1}"}`)
	if doc["a"] != 1.0 || asJSON(doc["tags"]) != `["parsed"]` {
		t.Errorf("valid: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"message":"not json"}`)
	if doc["tags"] != nil {
		t.Errorf("invalid: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"message":"[1,2]"}`)
	if asJSON(doc["tags"]) != `["_jsonparsefailure"]` {
		t.Errorf("not an object: %s", asJSON(doc))
	}
	if meta, _ := doc["@metadata"].(map[string]any); len(meta) != 0 {
		t.Errorf("metadata left: %v", meta)
	}
}

// TestDateOnTimestamp: a date filter matching @timestamp always fails in
// Logstash: @timestamp is a Timestamp, and logstash-filter-date's
// TextParserExecutor throws for anything but a String ("Cannot parse date
// for value of type ..."); the event is tagged and left as it was.
func TestDateOnTimestamp(t *testing.T) {
	p := build(t, beatsIn+`filter { date { match => [ "@timestamp", "ISO8601" ] target => "@timestamp" add_tag => ["dated"] } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","@timestamp":"2026-01-02T10:00:00.000Z"}`)
	if asJSON(doc["tags"]) != `["_dateparsefailure"]` || doc["@timestamp"] != "2026-01-02T10:00:00.000Z" {
		t.Errorf("%s", asJSON(doc))
	}
}
