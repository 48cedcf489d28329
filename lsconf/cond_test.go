package lsconf

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf/fieldref"
)

func TestConditions(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		// compiler_spec "conditional expressions".
		{"2 > 1 and 1 < 2", "(and (> 2 1) (< 1 2))"},
		{"'foo' in ['foo', 'bar']", `(in "foo" ["foo" "bar"])`},
		{"'foo' not in ['foo', 'bar']", `(not-in "foo" ["foo" "bar"])`},
		{"!(1 > 2)", "(! (> 1 2))"},
		{"[foo]", "[foo]"},
		{"[foo] == 5", "(== [foo] 5)"},
		{"[foo] != 5", "(!= [foo] 5)"},
		{"[foo] > 5", "(> [foo] 5)"},
		{"[foo] < 5", "(< [foo] 5)"},
		{"[foo] >= 5", "(>= [foo] 5)"},
		{"[foo] <= 5", "(<= [foo] 5)"},
		{"[foo] =~ /^abc$/", "(=~ [foo] /^abc$/)"},
		{`[foo] =~ "\.\."`, `(=~ [foo] "\\.\\.")`}, // "Believe it or not, "\.\." is a valid regexp!"
		{"[foo] !~ /^abc$/", "(!~ [foo] /^abc$/)"},
		{"[foo] == [bar]", "(== [foo] [bar])"},
		// conditionals_spec "operators", "negated expressions", "value as an
		// expression", "logic operators", "field references".
		{"[message] == 'sample'", `(== [message] "sample")`},
		{"'sample' == [message]", `(== "sample" [message])`},
		{"'value' == 'value'", `(== "value" "value")`},
		{"7 == 7", "(== 7 7)"},
		{"!([message] =~ /sample/)", "(! (=~ [message] /sample/))"},
		{"!([message] !~ /sample/)", "(! (!~ [message] /sample/))"},
		{"[message] and ![message]", "(and [message] (! [message]))"},
		{"![message] nand ![message]", "(nand (! [message]) (! [message]))"},
		{"[message] xor [message]", "(xor [message] [message])"},
		{"![message] or [message]", "(or (! [message]) [message])"},
		{"[field with space] == 'hurray'", `(== [field with space] "hurray")`},
		{"[nested field][reference with][some spaces] == 'hurray'", `(== [nested field][reference with][some spaces] "hurray")`},
		{`"foo" not in "baz"`, `(not-in "foo" "baz")`},
		{`!("foo" not in "foo")`, `(! (not-in "foo" "foo"))`},
		{`("foo" in [tags])`, `(in "foo" [tags])`},
		// event-dependent-configuration.md.
		{`[action] == "login"`, `(== [action] "login")`},
		{`[loglevel] == "ERROR" and [deployment] == "production"`, `(and (== [loglevel] "ERROR") (== [deployment] "production"))`},
		{"[foo] in [foobar]", "(in [foo] [foobar])"},
		{`[foo] in "foo"`, `(in [foo] "foo")`},
		{`"hello" in [greeting]`, `(in "hello" [greeting])`},
		{`[foo] in ["hello", "world", "foo"]`, `(in [foo] ["hello" "world" "foo"])`},
		{`!("foo" in ["hello", "world"])`, `(! (in "foo" ["hello" "world"]))`},
		{`"_grokparsefailure" not in [tags]`, `(not-in "_grokparsefailure" [tags])`},
		{`[@metadata][test] == "Hello"`, `(== [@metadata][test] "Hello")`},
		{`[@metadata][date] and [@metadata][time]`, `(and [@metadata][date] [@metadata][time])`},
		{`[@metadata][time] < "16:30"`, `(< [@metadata][time] "16:30")`},
		// A one-element list is a field reference (selector comes before
		// array in rvalue): elastic/logstash#1850, #2129.
		{`[format] in ["html"]`, `(in [format] ["html"])`},
		{`[format] in [ "dummy", "html" ]`, `(in [format] ["dummy" "html"])`},
		{`[x] in [1, 2]`, `(in [x] [1 2])`},
		{`[x] in [aa, bb]`, `(in [x] [aa bb])`}, // array elements are values: barewords allowed
		{`[x] in []`, `(in [x] [])`},
		// Other rvalues, and oddities the grammar allows.
		{`[a] == -1.5`, `(== [a] -1.5)`},
		{`/re/ in [a]`, `(in /re/ [a])`},
		{`"x"`, `"x"`},
		{`[a] =~ /a\/b/`, `(=~ [a] /a\/b/)`},
		{`[a] not    in [b]`, `(not-in [a] [b])`},
		{"[a]\n  or [b]\n  or [c]", "(or [a] (or [b] [c]))"}, // config_ast "if with multiline conditionals"
		{"! [a]", "(! [a])"},
		{"!\n(\n[a]\n)", "(! [a])"},
		{"(([a]))", "[a]"},
		{"!(![a])", "(! (! [a]))"},
	} {
		if got := sexpr(condOf(t, c.cond)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.cond, got, c.want)
		}
	}
}

func TestSingleElementListIsAField(t *testing.T) {
	// The trap of elastic/logstash#1850: ["html"] reads as the field named
	// "html" with its quotes.
	sel, ok := condOf(t, `[format] in ["html"]`).(*In).R.(*Selector)
	if !ok || len(sel.Ref.Path) != 1 || sel.Ref.Path[0] != `"html"` {
		t.Fatalf("R = %#v", sel)
	}
}

func TestPrecedence(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		// compiler_spec "and or precedence".
		{"2 > 1 and 1 < 2 or 3 < 2", "(or (and (> 2 1) (< 1 2)) (< 3 2))"},
		// compiler_spec "multiple or": equal operators group to the right.
		{"2 > 1 or 1 < 2 or 3 < 2", "(or (> 2 1) (or (< 1 2) (< 3 2)))"},
		// compiler_spec "a complex expression".
		{"1 > 2 and 3 > 4 or 6 > 7 and 8 > 9", "(or (and (> 1 2) (> 3 4)) (and (> 6 7) (> 8 9)))"},
		// compiler_spec "a complex nested expression".
		{"1 > 2 and (1 > 2 and 3 > 4 or 6 > 7 and 8 > 9) or 6 > 7 and 8 > 9",
			"(or (and (> 1 2) (or (and (> 1 2) (> 3 4)) (and (> 6 7) (> 8 9)))) (and (> 6 7) (> 8 9)))"},
		// The brief's question: a or b and c.
		{"[a] or [b] and [c]", "(or [a] (and [b] [c]))"},
		{"[a] and [b] or [c]", "(or (and [a] [b]) [c])"},
		{"[a] and [b] and [c]", "(and [a] (and [b] [c]))"},
		// lscl.rb's shunting yard moves at most one operator to the output
		// per incoming operator, so these differ from textbook precedence
		// ((a and b and c) or d; (a or (b and c and d)) or e). Logstash
		// evaluates these trees, so we build them.
		{"[a] and [b] and [c] or [d]", "(and [a] (or (and [b] [c]) [d]))"},
		{"[a] or [b] and [c] and [d] or [e]", "(or [a] (and [b] (or (and [c] [d]) [e])))"},
		// Parentheses are levels of their own.
		{"([a] or [b]) and [c]", "(and (or [a] [b]) [c])"},
		{"([a] xor [b]) and ([c] nand [d])", "(and (xor [a] [b]) (nand [c] [d]))"},
	} {
		if got := sexpr(condOf(t, c.cond)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.cond, got, c.want)
		}
	}
}

func TestBranches(t *testing.T) {
	// compiler_spec "if elsif elsif else" and "nested ifs".
	cfg := mustParse(t, `filter {
                if [foo] == [bar] { tplugin {} }
                else if [bar] == [baz] { eifplugin {} }
                else if [baz] == [bot] { eeifplugin {} }
                else { fplugin {} }
                if [foo] == [bar] {
                  if [bar] == [baz] { aplugin {} }
                } else {
                  if [bar] == [baz] { bplugin {} }
                  else if [baz] == [bot] { cplugin {} }
                  else { dplugin {} }
                }
              }`)
	items := cfg.Sections[0].Items
	br := items[0].(*Branch)
	if len(br.Cases) != 3 || len(br.Else) != 1 || br.Else[0].(*Plugin).Name != "fplugin" {
		t.Fatalf("first branch %s", cfg)
	}
	for i, want := range []string{"(== [foo] [bar])", "(== [bar] [baz])", "(== [baz] [bot])"} {
		if got := sexpr(br.Cases[i].Cond); got != want {
			t.Errorf("case %d: %s", i, got)
		}
	}
	if br.Cases[1].Pos.Line != 3 || br.Cases[1].Pos.Col != 17 || br.ElsePos.Line != 5 {
		t.Errorf("positions %v %v", br.Cases[1].Pos, br.ElsePos)
	}
	nested := items[1].(*Branch)
	if inner := nested.Else[0].(*Branch); len(inner.Cases) != 2 || inner.Else[0].(*Plugin).Name != "dplugin" {
		t.Errorf("nested %s", cfg)
	}
	// compiler_spec "empty if statement", "only false branch".
	cfg = mustParse(t, "output { if [foo] == [bar] { } else { fplugin {} } if [a] {} }")
	if br := cfg.Sections[0].Items[0].(*Branch); len(br.Cases[0].Items) != 0 || len(br.Else) != 1 {
		t.Errorf("got %s", cfg)
	}
	if br := cfg.Sections[0].Items[1].(*Branch); br.Else != nil {
		t.Errorf("no else expected: %s", cfg)
	}
	// config_ast "elsif with multiline conditionals".
	mustParse(t, `filter {
          if [notathing] {
          } else if [something]
                or [anotherthing]
                or [onemorething] {
          }
        }`)
	// Branches work in every section.
	for _, kind := range []string{"input", "filter", "output"} {
		mustParse(t, kind+" { if [a] { x {} } }")
	}
}

func TestConditionErrors(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		// elastic/logstash#12810: barewords are not values in conditions.
		{`[type] == apache`, `test.conf:1:23: unexpected bareword "apache" in a condition: quote a string ("apache") or write a field reference ([apache]); Logstash conditions take neither barewords nor true/false`},
		{`[enabled] == true`, `test.conf:1:26: unexpected bareword "true" in a condition`},
		// lscl.rb: "Not implemented because no one uses this".
		{`len([a]) > 1`, `test.conf:1:13: method call len(...) is not supported`},
		// negative_expression takes a selector or a parenthesised condition.
		{`!"x"`, `test.conf:1:14: expected ( or a field reference such as [field] after !, found '"'`},
		// ![a] is a whole expression: ![a] == 1 leaves == 1 over.
		{`![a] == 1`, `test.conf:1:18: expected { after the if condition, found '='`},
		{`[a] not	in [b]`, "test.conf:1:20: write `not in` with a space after not"},
		{`[a] not [b]`, `test.conf:1:21: expected in after not, found '['`},
		{`[a] =~ [b]`, `test.conf:1:20: expected a /regexp/ or a string after =~, found '['`},
		{`[a] == `, `test.conf:1:21: expected a value ("string", number, [field], [list] or /regexp/), found '{'`},
		{`([a] == 1`, `test.conf:1:23: expected ) to close ( at test.conf:1:13, found '{'`},
		{`[a] and`, `test.conf:1:21: expected a value`},
		{`[a] =~ /x`, `test.conf:1:20: unterminated regexp: missing closing /`},
		{`[a][b`, `test.conf:1:16: expected { after the if condition, found '['`},
		{`[a] in ["x", ]`, `test.conf:1:24: trailing comma in array`},
		// lscl.rb's precedence() knows only and/or.
		{`[a] and [b] xor [c]`, `test.conf:1:25: xor cannot be combined with other boolean operators without parentheses`},
		{`[a] nand [b] or [c]`, `test.conf:1:17: nand cannot be combined`},
		{`[a] xor [b] xor [c]`, `test.conf:1:17: xor cannot be combined`},
	} {
		errs := parseErrors("filter { if "+c.cond+" { } }", ParseOptions{})
		if len(errs) == 0 || !strings.HasPrefix(errs[0], c.want) {
			t.Errorf("%s:\n got %q\nwant %s", c.cond, errs, c.want)
		}
	}
}

// In conditions, selectors are unescaped with the configured style.
func TestSelectorsUnescapeWithTheConfiguredStyle(t *testing.T) {
	cfg := mustParseOpts(t, "filter { if [a%5Bb%5D] { } }", ParseOptions{FieldRefEscape: fieldref.EscapePercent})
	sel := cfg.Sections[0].Items[0].(*Branch).Cases[0].Cond.(*Selector)
	if sel.Raw != "[a%5Bb%5D]" || sel.Ref.Path[0] != "a[b]" {
		t.Errorf("%+v", sel)
	}
}
