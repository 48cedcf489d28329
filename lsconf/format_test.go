package lsconf

import (
	"reflect"
	"testing"

	"github.com/ingestd/ingestd/lsconf/fieldref"
)

func TestFormatCanonical(t *testing.T) {
	src := `input{beats{port=>5044 codec=>json{charset=>"UTF-8"}}}
filter {
  # comments are dropped
  if [a] or [b] and [c] { mutate { add_field => { "x" => 'y' "n" => 1 } remove_field => ["a", "b"] } }
  else if !([d] in [1, 2]) { drop {} } else { }
  x { users => [ {id => 1}, {id => 2} ] empty => {} list => [] }
}
output { if "_grokparsefailure" not in [tags] { stdout { codec => rubydebug } } }
`
	want := `input {
  beats {
    port => 5044
    codec => json {
      charset => "UTF-8"
    }
  }
}

filter {
  if [a] or ([b] and [c]) {
    mutate {
      add_field => {
        "x" => 'y'
        "n" => 1
      }
      remove_field => ["a", "b"]
    }
  } else if !([d] in [1, 2]) {
    drop {}
  } else {}
  x {
    users => [
      {
        id => 1
      },
      {
        id => 2
      }
    ]
    empty => {}
    list => []
  }
}

output {
  if "_grokparsefailure" not in [tags] {
    stdout {
      codec => rubydebug
    }
  }
}
`
	cfg := mustParse(t, src)
	if got := cfg.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	roundTrip(t, "canonical", cfg, ParseOptions{})
}

// roundTrip checks that formatting cfg and parsing the text gives the same
// tree, and that formatting is then stable.
func roundTrip(t *testing.T, name string, cfg *Config, opts ParseOptions) {
	t.Helper()
	text := Format(cfg)
	again, err := ParseString(name+" (formatted)", text, opts)
	if err != nil {
		t.Fatalf("%s: formatted text does not parse: %v\n%s", name, err, text)
	}
	if text2 := Format(again); text2 != text {
		t.Fatalf("%s: format not stable:\n%s\n---\n%s", name, text, text2)
	}
	a, b := cfg.Clone(), again
	clearPositions(a)
	clearPositions(b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("%s: trees differ after format/parse:\n%s", name, text)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		src  string
		opts ParseOptions
	}{
		{"names that need quotes", `filter { x { "a b" => 1 'say "hi"' => 2 "" => 3 } }`, ParseOptions{}},
		{"strings keep their text", `filter { x { a => "q\"q" b => 'it\'s' c => "multi
line" d => "\t" } }`, ParseOptions{}},
		{"escapes on", `filter { x { a => "q\"q\n" b => 'it\'s' } }`, ParseOptions{SupportEscapes: true}},
		{"precedence quirks", `filter { if [a] and [b] and [c] or [d] { } if [a] or [b] and [c] and [d] or [e] { } if ([a] xor [b]) nand [c] { } }`, ParseOptions{}},
		{"negations", `filter { if !([a] == 1) and ![b] and !(![c]) and !([d] or [e]) { } }`, ParseOptions{}},
		{"rvalues", `filter { if [a] =~ /x\/y/ and [b] !~ "s" and -1.5 <= [c] and [d] not in ["x", 1, [2], {aa => 1}, pl {}] { } }`, ParseOptions{}},
		{"one-element list kept a list", "filter { if [a] in [\"x\" # a comma, as a comment\n] { } }", ParseOptions{}},
		{"plugin values everywhere", `output { x { codec => json {} a => [p {}, q { b => 1 }] h => { kk => r { } } } }`, ParseOptions{}},
		{"empty blocks", `filter { if [a] { } else if [b] { } else { } } input { } output { }`, ParseOptions{}},
		{"odd but valid", `filter { iff { } if-x { a => 1 } x { n => 010 m => -0 f => 1.50 } }`, ParseOptions{}},
		{"selectors as written", `filter { if [ a ][b c] and ["html"] and [1] { } }`, ParseOptions{}},
		{"percent escapes", `filter { if [a%5Bb%5D] { } }`, ParseOptions{FieldRefEscape: fieldref.EscapePercent}},
	} {
		roundTrip(t, c.name, mustParseOpts(t, c.src, c.opts), c.opts)
	}
}

func TestFormatBuiltTrees(t *testing.T) {
	// Nodes built by code have no Raw text; Format chooses the quoting.
	cfg := &Config{Sections: []*Section{{Kind: KindFilter, Items: []Item{
		&Branch{Cases: []*Case{{
			Cond:  &Binary{Op: OpAnd, L: NewSelector("a", "b"), R: &Compare{Op: "==", L: NewSelector("c"), R: &String{Value: "v"}}},
			Items: []Item{&Plugin{Name: "mutate", Attrs: []*Attr{{Name: "add_tag", Value: &String{Value: `say "hi"`}}}}},
		}}},
	}}}}
	want := "filter {\n  if [a][b] and [c] == \"v\" {\n    mutate {\n      add_tag => 'say \"hi\"'\n    }\n  }\n}\n"
	if got := Format(cfg); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The parsed tree has the Raw text the built one lacks; compare prints.
	if again := mustParse(t, want); Format(again) != want {
		t.Errorf("reformatted:\n%s", Format(again))
	}
}
