package logstash

import (
	"strings"
	"testing"
)

const beatsIn = "input { beats { port => 5044 include_codec_tag => false } }\n"

// TestMutateOrder: one Logstash mutate applies its operations in
// mutate.rb's order (rename, update, replace, convert, gsub, uppercase,
// lowercase, strip, split, copy, then add_field, remove_field, add_tag,
// remove_tag) whatever order they are written in, and whatever ingestd's
// own mutate order is.
func TestMutateOrder(t *testing.T) {
	p := build(t, beatsIn+`
filter {
  mutate {
    # Written first, run last but one: copy comes after replace, so b
    # receives the replaced value.
    copy      => { "a" => "b" }
    replace   => { "a" => "new %{x}" }
    # lowercase runs after uppercase: the text ends lower-cased.
    lowercase => ["u"]
    uppercase => ["u"]
    # strip runs before split, gsub before both.
    split     => { "list" => "," }
    strip     => ["list"]
    gsub      => ["list", "(\w)(\w)", "\2\1", "list", ";", "$"]
    # rename comes first: the renamed field is what replace and convert see.
    rename    => { "old" => "num" }
    convert   => { "num" => "integer" }
    # the common options after everything, in filter_matched's order.
    add_field    => { "added" => "%{[num]}" }
    remove_field => ["x"]
    add_tag      => ["t1", "t2"]
    remove_tag   => ["t1"]
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","a":"old a","x":"X","u":"MiXed","list":"  ab;cd,ef  ","old":"42"}`)
	want := map[string]any{
		"a":     "new X",
		"b":     "new X",
		"u":     "mixed",
		"list":  []any{"ba$dc", "fe"},
		"num":   float64(42),
		"added": "42",
		"tags":  []any{"t2"},
	}
	for k, v := range want {
		if asJSON(doc[k]) != asJSON(v) {
			t.Errorf("%s: %s, want %s", k, asJSON(doc[k]), asJSON(v))
		}
	}
	for _, k := range []string{"x", "old"} {
		if _, ok := doc[k]; ok {
			t.Errorf("%s is still there: %s", k, asJSON(doc))
		}
	}
	if t.Failed() {
		t.Log(p.yaml)
	}
}

// TestMutateDocsSplitExample is the example of the mutate documentation
// on the order of operations: split runs before add_field in one mutate,
// so %{[hostname][0]} reads the first part of the split name.
func TestMutateDocsSplitExample(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate {
    split     => ["hostname", "."]
    add_field => { "shortHostname" => "%{[hostname][0]}" }
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","hostname":"web1.example.org"}`)
	if asJSON(doc["shortHostname"]) != `"web1"` || asJSON(doc["hostname"]) != `["web1","example","org"]` {
		t.Errorf("shortHostname %s, hostname %s", asJSON(doc["shortHostname"]), asJSON(doc["hostname"]))
	}
}

// TestMutateRubySplit: mutate's split is Ruby's String#split(separator)
// (mutate.rb: value.split(separator)): trailing empty strings dropped, a
// one-space separator splits at runs of whitespace, leading whitespace
// ignored.
func TestMutateRubySplit(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate { split => { "csv" => "," "words" => " " } }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","csv":"a,,b,,","words":"  big   bird\tsesame "}`)
	if asJSON(doc["csv"]) != `["a","","b"]` || asJSON(doc["words"]) != `["big","bird","sesame"]` {
		t.Errorf("csv %s, words %s", asJSON(doc["csv"]), asJSON(doc["words"]))
	}
}

// TestAddField: add_field sets a missing field and turns an existing one
// into an array with the value appended (Decorators.add_fields); a list
// of values appends each.
func TestAddField(t *testing.T) {
	p := build(t, beatsIn+`
filter {
  mutate { add_field => { "a" => "two" "l" => ["x", "y"] "n" => 5 } }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct{ in, a, l, n string }{
		{`{"message":"m"}`, `"two"`, `["x","y"]`, `"5"`},
		{`{"message":"m","a":"one","l":"w","n":1}`, `["one","two"]`, `["w","x","y"]`, `[1,"5"]`},
		{`{"message":"m","a":["one","1.5"]}`, `["one","1.5","two"]`, `["x","y"]`, `"5"`},
	} {
		doc, _ := p.run(tc.in)
		if asJSON(doc["a"]) != tc.a || asJSON(doc["l"]) != tc.l || asJSON(doc["n"]) != tc.n {
			t.Errorf("%s: a %s l %s n %s, want %s %s %s", tc.in, asJSON(doc["a"]), asJSON(doc["l"]), asJSON(doc["n"]), tc.a, tc.l, tc.n)
		}
	}
}

// TestMutateUpdateAndEntryOrder: update only touches a present field;
// replace values are strings (event.sprintf); entries of one operation
// that depend on each other run in the order written.
func TestMutateUpdateAndEntryOrder(t *testing.T) {
	p := build(t, beatsIn+`
filter {
  mutate {
    update  => { "present" => "updated" "absent" => "created?" }
    replace => { "num" => 7 }
    # Logstash renames b to c, then a to b; sorted, a would go first
    # and overwrite b before it moved.
    rename  => { "b" => "c" "a" => "b" }
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","present":"x","a":"A","b":"B"}`)
	if doc["present"] != "updated" || doc["absent"] != nil || doc["num"] != "7" || doc["b"] != "A" || doc["c"] != "B" || doc["a"] != nil {
		t.Errorf("got %s\n%s", asJSON(doc), p.yaml)
	}
	if strings.Count(p.yaml, "rename:") != 2 {
		t.Errorf("the dependent renames should be two blocks:\n%s", p.yaml)
	}
}

// TestMutateRefused: operations ingestd's mutate lacks are errors at
// their position.
func TestMutateRefused(t *testing.T) {
	got := problems(t, beatsIn+`filter {
  mutate {
    capitalize => ["a"]
    join => { "l" => "," }
    convert => { "n" => "float_european" }
    frobnicate => true
  }
}
output { stdout { codec => json_lines } }`)
	want := []string{
		`test.conf:6:25: filter "mutate": convert n to "float_european" is not supported (ingestd converts to integer, float, boolean, string, integer_eu and float_eu)`,
		`test.conf:7:5: filter "mutate": option frobnicate is not supported by the conversion`,
	}
	if asJSON(got) != asJSON(want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConvertEU: integer_eu and float_eu read 1.234,5 as Logstash's mutate
// does (convert_integer_eu, convert_float_eu).
func TestConvertEU(t *testing.T) {
	p := build(t, beatsIn+`filter { mutate { convert => { "i" => "integer_eu" "f" => "float_eu" } } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","i":"1.234","f":"1.234,5"}`)
	if asJSON(doc["i"]) != "1234" || asJSON(doc["f"]) != "1234.5" {
		t.Errorf("document %s", asJSON(doc))
	}
}

// TestSprintfAsLogstash: a reference to a missing field keeps its text and
// an array is joined with commas (StringInterpolation in logstash-core):
// the converted mutate renders with sprintf: logstash.
func TestSprintfAsLogstash(t *testing.T) {
	p := build(t, beatsIn+`
filter {
  mutate { replace => { "r" => "%{[nope]}" } add_field => { "a" => "%{[tags]}-%{[nope][x]}" } }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","tags":["t1","t2"]}`)
	if asJSON(doc["r"]) != `"%{[nope]}"` || asJSON(doc["a"]) != `"t1,t2-%{[nope][x]}"` {
		t.Errorf("r %s, a %s, tags %s", asJSON(doc["r"]), asJSON(doc["a"]), asJSON(doc["tags"]))
	}
}

// TestMutateLogstashOnlyOps: coerce, capitalize, join and merge convert,
// in mutate.rb's order (coerce first; uppercase, capitalize, lowercase;
// split, join, merge; copy last).
func TestMutateLogstashOnlyOps(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate {
    copy       => { "joined" => "copied" }
    merge      => { "list" => "extra" }
    join       => { "joined" => "," }
    split      => { "joined" => "-" }
    capitalize => [ "name" ]
    coerce     => { "level" => "INFO" }
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","level":null,"name":"aLICE","joined":"a-b-c","list":["x"],"extra":"y"}`)
	if asJSON(doc["level"]) != `"INFO"` || asJSON(doc["name"]) != `"Alice"` || asJSON(doc["joined"]) != `"a,b,c"` ||
		asJSON(doc["copied"]) != `"a,b,c"` || asJSON(doc["list"]) != `["x","y"]` {
		t.Errorf("document %s\n%s", asJSON(doc), p.yaml)
	}
}

// TestSprintfTags checks that tags are sprintf templates, as Logstash's
// filter_matched and LogStash::Util::Decorators.add_tags render them
// (event.sprintf(tag)), in a filter's add_tag and remove_tag and in an
// input's tags; a missing field keeps its reference text.
func TestSprintfTags(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 tags => ["from_%{[agent][type]}"] } }
filter {
  mutate { add_tag => ["%{type}_seen", "%{missing}"] remove_tag => ["old_%{type}"] }
}
output { stdout { codec => json_lines } }
`)
	doc, _ := p.run(`{"type":"web","agent":{"type":"filebeat"},"tags":["old_web","keep"],"message":"m"}`)
	if got := asJSON(doc["tags"]); got != `["keep","from_filebeat","beats_input_codec_plain_applied","web_seen","%{missing}"]` {
		t.Errorf("tags %s", got)
	}
}

// TestRepeatedOptions: a repeated hash option keeps every value of a key
// written twice, as Logstash's :hash validation (config/mixin.rb) and
// hash_merge_with_dups do: the DigitalOcean tutorial's two add_field =>
// ["[geoip][coordinates]", ...] make an array of both, and two grok
// match => ["source", ...] try both patterns.
func TestRepeatedOptions(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate {
    add_field => [ "[geo][coordinates]", "%{[geo][longitude]}" ]
    add_field => [ "[geo][coordinates]", "%{[geo][latitude]}" ]
  }
  grok {
    match => ["source", "^a-%{INT:a}$"]
    match => ["source", "^b-%{INT:b}$"]
    ecs_compatibility => disabled
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","geo":{"longitude":1.5,"latitude":2.5},"source":"b-7"}`)
	if got := asJSON(get(doc, "geo.coordinates")); got != `["1.5","2.5"]` {
		t.Errorf("coordinates %s", got)
	}
	if doc["b"] != "7" || doc["tags"] != nil && asJSON(doc["tags"]) != `["beats_input_codec_plain_applied"]` {
		t.Errorf("second grok pattern: %s", asJSON(doc))
	}
}

// TestDateReferencesInAddField: %{+YYYY.MM.dd} and %{+%s} in a mutate
// value render from @timestamp as Logstash's sprintf does (a common way to
// name an index in [@metadata]).
func TestDateReferencesInAddField(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate { add_field => { "[@metadata][index]" => "wazuh-%{+YYYY.MM.dd}" "epoch" => "%{+%s}" } }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","@timestamp":"2026-01-02T10:00:00.000Z"}`)
	meta, _ := doc["@metadata"].(map[string]any)
	if meta["index"] != "wazuh-2026.01.02" || doc["epoch"] != "1767348000" {
		t.Errorf("index %v, epoch %v", meta["index"], doc["epoch"])
	}
}

// A conversion that fails ends Logstash's mutate (mutate.rb filter: the
// exception is rescued after the operations, so those after it and
// filter_matched — add_field, add_tag — are skipped, and tag_on_failure is
// added); one that succeeds runs them all.
func TestMutateConvertFailureEndsTheFilter(t *testing.T) {
	p := build(t, beatsIn+`filter {
  mutate {
    convert => { "n" => "integer" }
    gsub => [ "msg", "a", "b" ]
    copy => { "msg" => "copied" }
    add_field => { "added" => "yes" }
    add_tag => [ "mutated" ]
  }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","n":"abc","msg":"aaa","tags":["_mutate_error_before"]}`)
	if doc["n"] != "abc" || doc["msg"] != "aaa" || doc["copied"] != nil || doc["added"] != nil || asJSON(doc["tags"]) != `["_mutate_error_before","_mutate_error"]` {
		t.Errorf("failed conversion: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"message":"m","n":"12","msg":"aaa"}`)
	if asJSON(doc["n"]) != "12" || doc["msg"] != "bbb" || doc["copied"] != "bbb" || doc["added"] != "yes" || asJSON(doc["tags"]) != `["mutated"]` {
		t.Errorf("conversion: %s", asJSON(doc))
	}
	if t.Failed() {
		t.Log(p.yaml)
	}
}

// add_field's names are sprintf templates too, as in the common options'
// own example (Logstash docs, "Common options": add_field => {
// "foo_%{somefield}" => "Hello world, from %{host}" }); a field holding
// null takes the value alone, in an array (add_fields: Array(nil) << v).
func TestAddFieldTemplateName(t *testing.T) {
	p := build(t, beatsIn+`filter { mutate { add_field => { "foo_%{somefield}" => "Hello world, from %{host}" "n" => "z" } } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","somefield":"bar","host":"web1","n":null}`)
	if doc["foo_bar"] != "Hello world, from web1" || asJSON(doc["n"]) != `["z"]` {
		t.Errorf("%s\n%s", asJSON(doc), p.yaml)
	}
}
