package logstash

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// condEvent is the event the condition cases are evaluated on.
const condEvent = `{"s":"abc","n":5,"f":1.5,"e":"","fa":"false","b":false,"t":true,"z":0,
 "arr":["x","y"],"tags":["t1"],"o":{"k":1},"ml":"first line\nsecond line","nested":{"a":{"b":"deep"}}}`

// TestConditions translates each operator and checks the result on
// condEvent against what Logstash's EventCondition gives.
func TestConditions(t *testing.T) {
	cases := []struct {
		cond string
		want bool
		expr string // the translation, when the case pins it
	}{
		// Truthiness (valueIsTruthy: missing, null, false, "" and "false" are false).
		{`[s]`, true, `lsTruthy(field("[s]"))`},
		{`[missing]`, false, ""},
		{`[e]`, false, ""},
		{`[fa]`, false, ""},
		{`[b]`, false, ""},
		{`[t]`, true, ""},
		{`[z]`, true, ""}, // 0 is true, as in Ruby
		{`[arr]`, true, ""},
		{`[o]`, true, ""},
		{`[nested][a][b]`, true, ""},
		{`![s]`, false, `!(lsTruthy(field("[s]")))`},
		{`![missing]`, true, ""},
		{`"abc"`, true, "true"}, // a constant: its own truth
		// == and != (Ruby equality).
		{`[s] == "abc"`, true, `field("[s]") == "abc"`},
		{`"abc" == [s]`, true, ""},
		{`[n] == 5`, true, `field("[n]") == 5`},
		{`[n] == "5"`, false, ""},
		{`[f] == 1.5`, true, ""},
		{`[n] != 5`, false, ""},
		{`[missing] != "x"`, true, ""},
		{`[nested][a][b] == "deep"`, true, `field("[nested][a][b]") == "deep"`},
		{`[s] == [s]`, true, ""},
		// Ordering.
		{`[n] > 3`, true, `field("[n]") > 3`},
		{`[n] < 3`, false, ""},
		{`[n] >= 5`, true, ""},
		{`[n] <= 4`, false, ""},
		{`[s] > "abb"`, true, ""},
		// Regular expressions: only a string matches; ^ and $ at lines (Ruby).
		{`[s] =~ /^a/`, true, `type(field("[s]")) == "string" && field("[s]") matches "(?m)^a"`},
		{`[s] !~ /^a/`, false, `!(type(field("[s]")) == "string" && field("[s]") matches "(?m)^a")`},
		{`[s] =~ "b"`, true, `type(field("[s]")) == "string" && field("[s]") matches "b"`},
		{`[missing] =~ /.*/`, false, ""},
		{`[missing] !~ /x/`, true, ""},
		{`[n] =~ /5/`, false, ""},
		{`[n] !~ /5/`, true, ""},
		{`[ml] =~ /^second/`, true, ""},
		{`[ml] =~ /line$/`, true, ""},
		{`[s] =~ /\//`, false, ""},
		// in and not in.
		{`"x" in [arr]`, true, `lsIn("x", field("[arr]"))`},
		{`"q" in [arr]`, false, ""},
		{`"bc" in [s]`, true, ""},
		{`"t1" in [tags]`, true, ""},
		{`"t2" not in [tags]`, true, `!(lsIn("t2", field("[tags]")))`},
		{`"t1" not in [tags]`, false, ""},
		{`[s] in "xxabcxx"`, true, `lsIn(field("[s]"), "xxabcxx")`},
		{`[s] in ["abc", "d"]`, true, `field("[s]") != nil && string(field("[s]")) in ["abc", "d"]`},
		{`[n] in ["5", "6"]`, true, ""}, // FieldInConstantList compares texts
		{`[n] in [5, 6]`, true, ""},
		{`[missing] in ["a", "b"]`, false, ""},
		{`[missing] not in ["a", "b"]`, true, ""},
		{`"x" in [missing]`, false, ""},
		{`[s] in [arr]`, false, ""},
		{`[o] in [arr]`, false, ""},
		// Boolean operators and Logstash's precedence (and over or).
		{`[s] == "abc" or [n] == 1 and [b]`, true, ""},
		{`[s] == "q" or [n] == 5 and [missing]`, false, ""},
		{`([s] == "q" or [n] == 5) and [t]`, true, ""},
		{`[s] == "q" or [n] == 5`, true, `field("[s]") == "q" || field("[n]") == 5`},
		{`!([s] == "q" or [n] == 6)`, true, ""},
		{`[s] and [missing]`, false, ""},
		{`[s] or [missing]`, true, ""},
		{`[s] xor [missing]`, true, ""},
		{`[s] xor [t]`, false, ""},
		{`[s] nand [t]`, false, ""},
		{`[s] nand [missing]`, true, ""},
	}
	e, err := event.DecodeEvent([]byte(strings.ReplaceAll(condEvent, "\n ", "")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		cfg := parse(t, "filter { if "+tc.cond+" { } }")
		c := &lsconv.Conv{Kept: map[lsconv.PosKey]string{}}
		x, ok := c.Cond(cfg.Sections[0].Items[0].(*lsconf.Branch).Cases[0].Cond)
		if !ok {
			t.Errorf("%s: not converted: %v", tc.cond, c.Problems)
			continue
		}
		if tc.expr != "" && x != tc.expr {
			t.Errorf("%s:\n got %s\nwant %s", tc.cond, x, tc.expr)
		}
		compiled, err := condition.Compile(x)
		if err != nil {
			t.Errorf("%s: %s does not compile: %v", tc.cond, x, err)
			continue
		}
		if got := compiled.Match(e); got != tc.want {
			t.Errorf("%s (%s): %v, want %v", tc.cond, x, got, tc.want)
		}
	}
}

// TestConditionProblems: what cannot be translated is an error at the
// position of the offending node.
func TestConditionProblems(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"filter {\n  if [a] =~ /(?<=x)y/ { drop {} }\n}",
			"test.conf:2:13: condition: regular expression /(?<=x)y/ uses lookaround assertions ((?=, (?!, (?<=, (?<!), which Ruby has and Go's RE2 does not"},
		{"filter {\n  if [a] =~ /a++/ { drop {} }\n}",
			"test.conf:2:13: condition: regular expression /a++/ uses possessive quantifiers (*+, ++, ?+), which Ruby has and Go's RE2 does not"},
		{"filter {\n  if [a] !~ /(x)\\1/ { drop {} }\n}",
			"test.conf:2:13: condition: regular expression /(x)\\1/ uses back-references (\\1), which Ruby has and Go's RE2 does not"},
		{"output {\n  if [a] =~ /\\h+/ { stdout {} }\n}",
			`test.conf:2:13: condition: regular expression /\h+/ uses the escapes \h, \H, \R, \X, \Z and \G, which Ruby has and Go's RE2 does not`},
	} {
		got := problems(t, "input { beats { port => 5044 } }\n"+tc.src)
		found := false
		for _, g := range got {
			// The test sources start on line 2 of the full text.
			if g == strings.Replace(tc.want, "test.conf:2:", "test.conf:3:", 1) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s:\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

// TestNestedBranches: an if / else if / else chain runs its conditions
// once, before its filters, whatever they change; nested chains see the
// case of the chain around them; a flag of a chain that did not run
// cannot leak into the filters of another.
func TestNestedBranches(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
filter {
  if [a] == "x" {
    mutate { add_tag => ["ax"] }
    if [b] == "y" {
      mutate { add_tag => ["by"] }
    } else {
      mutate { add_tag => ["bnot"] }
    }
  } else if [a] == "z" {
    # Changes [a] so that the first case would hold if it ran again.
    mutate { replace => { "a" => "x" } }
    mutate { add_tag => ["az"] }
  } else {
    mutate { add_tag => ["other"] }
    if [b] == "y" {
      mutate { add_tag => ["other_by"] }
    }
  }
  if [a] == "x" {
    mutate { add_tag => ["after"] }
  }
}
output { stdout { codec => json_lines } }`)
	for _, tc := range []struct {
		in   string
		tags []string
	}{
		{`{"message":"m","a":"x","b":"y"}`, []string{"beats_input_codec_plain_applied", "ax", "by", "after"}},
		{`{"message":"m","a":"x","b":"n"}`, []string{"beats_input_codec_plain_applied", "ax", "bnot", "after"}},
		// The second case runs once: the first is not evaluated again
		// after [a] became "x", but the if after the chain sees it.
		{`{"message":"m","a":"z","b":"y"}`, []string{"beats_input_codec_plain_applied", "az", "after"}},
		{`{"message":"m","a":"q","b":"y"}`, []string{"beats_input_codec_plain_applied", "other", "other_by"}},
		{`{"message":"m","b":"n"}`, []string{"beats_input_codec_plain_applied", "other"}},
	} {
		doc, _ := p.run(tc.in)
		if got := asJSON(doc["tags"]); got != asJSON(tc.tags) {
			t.Errorf("%s: tags %s, want %s\n%s", tc.in, got, asJSON(tc.tags), p.yaml)
		}
	}
}

// TestOutputConditions: an output's when is the conjunction of its
// enclosing conditions; else if and else negate the cases before them.
func TestOutputConditions(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
output {
  if [a] == "x" {
    if [b] == "y" {
      stdout { id => "xy" codec => json_lines }
    } else {
      stdout { id => "xnoty" codec => json_lines }
    }
  } else if [a] == "z" {
    stdout { id => "z" codec => json_lines }
  } else {
    stdout { id => "rest" codec => json_lines }
  }
  stdout { id => "all" codec => json_lines }
}`)
	for _, tc := range []struct {
		in   string
		outs []string
	}{
		{`{"a":"x","b":"y"}`, []string{"xy", "all"}},
		{`{"a":"x"}`, []string{"xnoty", "all"}},
		{`{"a":"z","b":"y"}`, []string{"z", "all"}},
		{`{"a":"q"}`, []string{"rest", "all"}},
		{`{}`, []string{"rest", "all"}},
	} {
		_, outs := p.run(tc.in)
		if asJSON(outs) != asJSON(tc.outs) {
			t.Errorf("%s: outputs %v, want %v\n%s", tc.in, outs, tc.outs, p.yaml)
		}
	}
}
