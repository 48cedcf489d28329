package lsconf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string // full messages, or prefixes ending in "..."
	}{
		{"unknown section, and the parse goes on", "fitler {\n  mutate { a => }\n}\n", []string{
			`test.conf:1:1: unknown section "fitler" (input, filter or output)`,
			`test.conf:2:17: expected a value (string, number, bareword, array, hash or plugin), found '}'`,
		}},
		{"missing =>", "filter {\n  mutate {\n    add_field { \"a\" => \"b\" }\n  }\n}\n", []string{
			// event-dependent-configuration.md's field reference example
			// writes add_field { ... } without =>: Logstash rejects it too.
			`test.conf:3:15: expected => after attribute name "add_field", found '{'`,
		}},
		{"unterminated string", "input {\n  x { a => \"abc\n}\n", []string{
			`test.conf:2:12: unterminated string: missing closing "`,
		}},
		{"a string cannot end in a backslash", `input { x { path => "C:\\" } }`, []string{
			`test.conf:1:21: unterminated string: missing closing "`,
		}},
		{"missing brace at end of file", "filter {\n  if [a] {\n    x {}\n", []string{
			`test.conf:4:1: expected } to close if block opened at test.conf:2:10`,
		}},
		{"plugin without braces", "input { stdin }", []string{
			`test.conf:1:15: expected { after plugin name "stdin", found '}'`,
		}},
		{"not a section", `"input" {}`, []string{
			`test.conf:1:1: expected a section (input, filter or output), found '"'`,
		}},
		{"section name glued to a word", "inputs { }", []string{
			`test.conf:1:1: unknown section "inputs" (input, filter or output)`,
		}},
		{"commas in a hash", `filter { mutate { add_field => { "a" => "b", "c" => "d" } } }`, []string{
			`test.conf:1:44: unexpected , in hash: Logstash separates hash entries with whitespace, not commas`,
		}},
		{"configuration-file-structure.md's array of hashes uses commas the grammar refuses",
			`input { x { users => [ {id => 1, name => bob}, {id => 2, name => jane} ] } }`, []string{
				`test.conf:1:32: unexpected , in hash...`,
			}},
		{"single-letter hash key", `filter { x { h => { a => 1 } } }`, []string{
			`test.conf:1:21: hash key "a" is a single letter: a bareword needs at least two characters; quote it`,
		}},
		{"single-letter bareword", `filter { x { h => a } }`, []string{
			`test.conf:1:19: expected a value, found "a": a bareword needs at least two characters; quote it`,
		}},
		{"trailing comma", "filter { x { h => [1, 2, ] } }", []string{
			`test.conf:1:24: trailing comma in array: Logstash's grammar does not allow one`,
		}},
		{"attributes need whitespace", `filter { x { a => "b"c => 1 } }`, []string{
			`test.conf:1:22: expected whitespace or } after the value of "a", found "c"`,
		}},
		{"a comment is not whitespace between attributes", "filter { x { a => 1# c\n b => 2 } }", []string{
			`test.conf:1:20: expected whitespace or } after the value of "a", found '#'`,
		}},
		{"bareword with a dash", `input { x { type => syslog-ng } }`, []string{
			`test.conf:1:27: expected whitespace or } after the value of "type", found "-ng" (a bareword holds only letters, digits and _; quote the value)`,
		}},
		{"config_ast: a key with multiple double quotes", "input { example { match => {\n \"message\"=> \"pattern1\"\n \"\"more\"\" => { \"cool\" => true } } } }", []string{
			`test.conf:3:4: expected => after hash key ""...`,
		}},
		{"lone carriage return after a comment", "input { # c\r}", []string{
			`test.conf:1:9: comment ends with a carriage return not followed by a newline (Logstash's grammar rejects it)`,
		}},
		{"else if without if", "filter { else if [a] { } }", []string{
			// (`else { }` alone is a plugin named else to the grammar.)
			`test.conf:1:15: expected { after plugin name "else", found "if"`,
		}},
	} {
		got := parseErrors(c.src, ParseOptions{})
		if !matchMessages(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// matchMessages compares messages; a wanted message ending in ... is a prefix.
func matchMessages(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if w, ok := strings.CutSuffix(want[i], "..."); ok {
			if !strings.HasPrefix(got[i], w) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestCompileErrors(t *testing.T) {
	// Constructs the grammar takes but lscl.rb refuses when it compiles;
	// they do not stop the parse, so several are reported at once.
	src := `input {
  example {
    match => {
      "message"=> "pattern1"
      "message"=> "pattern2"
      "more" => {
        "cool" => true
        "cool" => true
      }
    }
    n => 08
    f => 1.
  }
  generator { codec => plain codec => json }
  "stdin" {}
}
output { stdout { codec => plain codec => plain } }
`
	want := []string{
		// config_ast "rejects duplicate hash key", "... in nested hash".
		`test.conf:5:7: duplicate key "message" in hash (Logstash rejects the configuration: "Duplicate keys found")`,
		`test.conf:8:9: duplicate key "cool" in hash (Logstash rejects the configuration: "Duplicate keys found")`,
		// Ruby's Integer("08"), Float("1.").
		`test.conf:11:10: invalid number 08: a leading 0 makes it octal (Ruby's Integer()), and 08 has a digit 8 or 9`,
		`test.conf:12:10: invalid number 1.: Logstash (Ruby's Float()) needs digits after the decimal point`,
		// compiler_spec "an input plugin with multiple codecs" (the same
		// codec twice is merged, not an error: lscl.rb's `unless v == existing`).
		`test.conf:14:30: plugin "generator" sets codec more than once; Logstash allows one codec per input plugin`,
		// Plugin#plugin_name keeps the quotes.
		`test.conf:15:3: quoted plugin name "stdin": Logstash looks plugins up by the name with its quotes and would not find it`,
	}
	cfg, err := ParseString("test.conf", src, ParseOptions{})
	if got := errorStrings(err); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The tree is still returned.
	if cfg == nil || len(cfg.Sections) != 2 {
		t.Errorf("partial config %v", cfg)
	}
	// The keys are compared as written: "a" and 'a' differ to Logstash.
	mustParse(t, `filter { x { h => { "a" => 1 'a' => 2 } } }`)
	// A codec in a filter section is not checked (Plugin#validate).
	mustParse(t, "filter { x { codec => a1 codec => b2 } }")
}

func TestEncodingErrors(t *testing.T) {
	_, err := Parse("bad.conf", []byte("input {\n  x { a => \"\xff\" }\n}"), ParseOptions{})
	if got := errorStrings(err); len(got) != 1 || got[0] != "bad.conf:2:13: file is not valid UTF-8" {
		t.Errorf("got %q", got)
	}
	_, err = Parse("bom.conf", []byte("\uFEFFinput {}"), ParseOptions{})
	if got := errorStrings(err); len(got) != 1 || !strings.HasPrefix(got[0], "bom.conf:1:1: file starts with a UTF-8 byte order mark") {
		t.Errorf("got %q", got)
	}
}

func TestErrorList(t *testing.T) {
	_, err := ParseString("f.conf", "fitler {} inptu {}", ParseOptions{})
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("err %v", err)
	}
	var one *Error
	if !errors.As(err, &one) || one.Pos.Col != 1 {
		t.Fatalf("errors.As *Error: %v", one)
	}
	if err.Error() != "f.conf:1:1: unknown section \"fitler\" (input, filter or output)\nf.conf:1:11: unknown section \"inptu\" (input, filter or output)" {
		t.Errorf("message %q", err.Error())
	}
	if (ErrorList{}).Err() != nil {
		t.Error("empty list must be a nil error")
	}
	if s := (Pos{}).String(); s != "-" {
		t.Errorf("zero pos %q", s)
	}
}

func TestDeepNesting(t *testing.T) {
	src := "filter { x { a => " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + " } }"
	if errs := parseErrors(src, ParseOptions{}); len(errs) != 1 || !strings.Contains(errs[0], "nesting deeper than") {
		t.Errorf("got %q", errs)
	}
}
