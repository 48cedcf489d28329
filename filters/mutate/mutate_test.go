package mutate

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestOperations(t *testing.T) {
	f := pt.Filter(t, New, `
rename: {old: "[new][place]"}
copy: {message: "[event][original]"}
replace: {where: "%{[host][name]}/x"}
add_field: {"[a][n]": 3, "[a][b]": true, "[a][s]": "s-%{[host][name]}"}
convert: {num: int, flag: boolean, f: float}
gsub: [[path, '\.', "-"]]
split: {list: ","}
strip: [pad]
lowercase: [up]
uppercase: [low]
remove_field: [gone]
add_tag: [t1]
remove_tag: [old]
`)
	e := pt.Apply(t, f, `{"old":1,"message":"m","host":{"name":"h"},"num":"42","flag":"true","f":"1.5","path":"2025.12.30","list":"a,b","pad":"  p ","up":"UP","low":"low","gone":1,"tags":["old","keep"]}`)
	pt.SameDoc(t, e, `{"message":"m","host":{"name":"h"},"num":42,"flag":true,"f":1.5,"path":"2025-12-30","list":["a","b"],"pad":"p","up":"up","low":"LOW","tags":["keep","t1"],
		"new":{"place":1},"event":{"original":"m"},"where":"h/x","a":{"n":3,"b":true,"s":"s-h"}}`)
}

func TestConversionFailureTags(t *testing.T) {
	f := pt.Filter(t, New, `convert: {n: int}`)
	e := pt.Apply(t, f, `{"n":"many"}`)
	if !e.HasTag("_mutate_error") || e.GetString(pathN) != "many" {
		t.Fatalf("%s", e.AppendJSON(nil))
	}
	if msg := pt.ConfigError[Config](`gsub: [[a, "(", "x"]]`); !strings.Contains(msg, "missing closing )") {
		t.Errorf("bad regex accepted: %q", msg)
	}
	if msg := pt.ConfigError[Config](`convert: {a: octal}`); !strings.Contains(msg, "unknown conversion") {
		t.Errorf("bad conversion accepted: %q", msg)
	}
}

var pathN = event.Path{"n"}

// TestAppend: append behaves as Logstash's add_field
// (LogStash::Util::Decorators.add_fields, logstash-core): an absent field
// is set, an existing value becomes an array with the new one appended,
// an array grows, and a list appends each of its values.
func TestAppend(t *testing.T) {
	f := pt.Filter(t, New, `
append:
  absent: "v-%{[host][name]}"
  scalar: new
  list: [x, y]
  arr: z
  "[obj][k]": 2
`)
	e := pt.Apply(t, f, `{"host":{"name":"h"},"scalar":"old","list":"first","arr":["a","b"],"obj":{"k":1}}`)
	pt.SameDoc(t, e, `{"host":{"name":"h"},"scalar":["old","new"],"list":["first","x","y"],"arr":["a","b","z"],"obj":{"k":[1,2]},"absent":"v-h"}`)
	// The array appended to is the event's own: another event sharing
	// nothing sees no change.
	e2 := pt.Apply(t, f, `{"arr":["a"]}`)
	if got, _ := e2.Get(event.MustPath("arr")); len(got.Elems()) != 2 {
		t.Fatalf("arr %s", got.AppendJSON(nil))
	}
}

// TestAppendAsAddFields: Logstash's add_fields sprintfs the field's name
// too (its docs' example: add_field => { "foo_%{somefield}" => "Hello
// world, from %{host}" }), and appends to a field holding null as to
// Array(nil), which is empty: the value alone in an array.
func TestAppendAsAddFields(t *testing.T) {
	for _, sprintf := range []string{"ingestd", "logstash"} {
		f := pt.Filter(t, New, `
sprintf: `+sprintf+`
append:
  "foo_%{somefield}": "Hello world, from %{host}"
  "[n]": z
`)
		e := pt.Apply(t, f, `{"somefield":"bar","host":"web1","n":null}`)
		pt.SameDoc(t, e, `{"somefield":"bar","host":"web1","n":["z"],"foo_bar":"Hello world, from web1"}`)
	}
	// A name rendered empty (ingestd's sprintf, a missing field) names no
	// field: nothing is added.
	f := pt.Filter(t, New, `append: {"%{missing}": v}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"a":1}`), `{"a":1}`)
}

// TestSprintfLogstash: with sprintf: logstash a missing field keeps its
// reference and an array is joined, as in Logstash.
func TestSprintfLogstash(t *testing.T) {
	f := pt.Filter(t, New, `
sprintf: logstash
replace: {r: "%{[missing]}"}
add_field: {a: "%{[tags]}"}
append: {p: "x-%{[nope][x]}"}
`)
	e := pt.Apply(t, f, `{"tags":["a","b"]}`)
	pt.SameDoc(t, e, `{"tags":["a","b"],"r":"%{[missing]}","a":"a,b","p":"x-%{[nope][x]}"}`)
}

// TestLogstashOnlyOperations: coerce, capitalize, join and merge as
// logstash-filter-mutate's mutate.rb does them (coerce only a field that
// exists and is null; Ruby's String#capitalize; Array#join; merge by
// Array() concatenation, objects member by member).
func TestLogstashOnlyOperations(t *testing.T) {
	f := pt.Filter(t, New, `
coerce: {nul: "default-%{[s]}", absent: "x"}
capitalize: [cap, caps]
join: {arr: "|", notarr: ","}
merge: {dest_arr: s, dest_str: s, dest_obj: obj2, missing_dest: arr2, mixed: obj2, multi: [s, arr2]}
`)
	e := pt.Apply(t, f, `{"nul":null,"s":"v","cap":"hELLO wORLD","caps":["aB","ÉCOLE",1],"arr":["a",2,"c"],"notarr":"x",`+
		`"dest_arr":["a"],"dest_str":"d","dest_obj":{"k":1,"j":2},"obj2":{"k":3,"z":4},"arr2":["p","q"],"mixed":"m","multi":"first"}`)
	pt.SameDoc(t, e, `{"nul":"default-v","s":"v","cap":"Hello world","caps":["Ab","École",1],"arr":"a|2|c","notarr":"x",`+
		`"dest_arr":["a","v"],"dest_str":["d","v"],"dest_obj":{"k":3,"j":2,"z":4},"obj2":{"k":3,"z":4},"arr2":["p","q"],"mixed":"m",`+
		`"multi":["first","v","p","q"],"missing_dest":["p","q"]}`)
}

// TestSprintfLogstashDate: with sprintf: logstash, %{+FORMAT} formats
// @timestamp as Logstash's sprintf does.
func TestSprintfLogstashDate(t *testing.T) {
	f := pt.Filter(t, New, `
sprintf: logstash
replace: {day: "%{+yyyy.MM.dd}", "[b]": "%{[a]}-%{+%s}"}
`)
	e := pt.Apply(t, f, `{"@timestamp":"2026-01-02T03:04:05.000Z","a":"x"}`)
	pt.SameDoc(t, e, `{"@timestamp":"2026-01-02T03:04:05.000Z","a":"x","day":"2026.01.02","b":"x-1767323045"}`)
}

// Values a config gives every event, and values copied from one field to
// another, share no members: a write into one event's or one field's
// object changes only it (the first wrote into the config's constant, and
// every later event had the write; the second wrote into both fields).
func TestConstantsAndCopiesShareNoMembers(t *testing.T) {
	set := pt.Filter(t, New, `replace: {"[o]": {a: 1, b: 2}}`)
	change := pt.Filter(t, New, `replace: {"[o][a]": 9}`)
	first := pt.Apply(t, set, `{"m":1}`)
	change.Apply(first)
	second := pt.Apply(t, set, `{"m":2}`)
	pt.SameDoc(t, first, `{"m":1,"o":{"a":9,"b":2}}`)
	pt.SameDoc(t, second, `{"m":2,"o":{"a":1,"b":2}}`)

	e := pt.Event(t, `{"m":1}`)
	e.Set(event.MustPath("[a][x]"), event.Int(1))
	e.Set(event.MustPath("[a][y]"), event.Int(2))
	e.Set(event.MustPath("[a][z]"), event.Int(3)) // room for a fourth member
	pt.Filter(t, New, `copy: {"[a]": "[b]"}`).Apply(e)
	e.Set(event.MustPath("[a][p]"), event.Int(4))
	e.Set(event.MustPath("[b][q]"), event.Int(5))
	pt.SameDoc(t, e, `{"m":1,"a":{"x":1,"y":2,"z":3,"p":4},"b":{"x":1,"y":2,"z":3,"q":5}}`)
}

// A constant object given to @metadata is kept by Event.Copy (the
// pipeline output's copy for a downstream pipeline).
func TestConstantMetadataSurvivesCopy(t *testing.T) {
	f := pt.Filter(t, New, `replace: {"@metadata": {route: audit}}`)
	e := pt.Apply(t, f, `{"m":1}`)
	c, err := e.Copy()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.GetString(event.MustPath("[@metadata][route]")); got != "audit" {
		t.Fatalf("the copy's [@metadata][route] = %q", got)
	}
}

// A gsub whose regex is one fixed string runs as strings.ReplaceAll: the
// same result as the regex for every pattern and replacement shape.
func TestGsubLiteralEqualsRegexp(t *testing.T) {
	patterns := []string{`\.`, `a{2}`, `(ab)`, `\Qa.b\E`, `^ab`, `ab$`, `(?i)ab`, `a.b`, `x`}
	repls := []string{"-", "", "$1", "[$0]", `\1`, "ab"}
	texts := []string{"", "ab", "aab.ab", "2025.12.30", "a.b.AB.aa", "xxx"}
	for _, pat := range patterns {
		for _, repl := range repls {
			f, err := New(&Config{Gsub: [][]string{{"f", pat, repl}}}, plugin.Env{})
			if err != nil {
				t.Fatal(err)
			}
			g := f.(*filter).gsub[0]
			for _, text := range texts {
				if got, want := g.replace(text), g.re.ReplaceAllString(text, repl); got != want {
					t.Errorf("gsub %q → %q on %q: %q, regexp %q (literal %q)", pat, repl, text, got, want, g.literal)
				}
			}
		}
	}
	if f, _ := New(&Config{Gsub: [][]string{{"f", `\.`, "-"}}}, plugin.Env{}); f.(*filter).gsub[0].literal != "." {
		t.Error(`'\.' did not take the literal path`)
	}
}

// merge gives the destination copies of what it merges in: a write into
// the merged object afterwards leaves the source as it was (it went
// untested: a review removed the Clone and every test still passed).
func TestMergeSharesNoMembers(t *testing.T) {
	f := pt.Filter(t, New, `merge: {"[a]": "[b]"}`)
	e := pt.Event(t, `{"a":{"n":0}}`)
	for i, k := range []string{"x", "y", "z"} { // decoded members (a raw object is copied on write anyway)
		e.Set(event.Path{"b", "k", k}, event.Int(int64(i+1)))
	}
	f.Apply(e)
	e.Set(event.MustPath("[a][k][x]"), event.Int(9))
	if got := e.GetString(event.MustPath("[b][k][x]")); got != "1" {
		t.Fatalf("a write into the merged [a][k] changed [b][k]: %s", e.AppendJSON(nil))
	}
}
