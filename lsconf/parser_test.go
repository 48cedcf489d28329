package lsconf

import (
	"reflect"
	"strings"
	"testing"
)

func TestSections(t *testing.T) {
	// compiler_spec "multiple section declarations": several sections of a
	// kind, kept in order; any order of kinds.
	cfg := mustParse(t, `
output { stdout {} }
filter { aplugin { count => 1 } }
input { generator {} }
filter { aplugin { count => 2 } }
`)
	var kinds []string
	for _, s := range cfg.Sections {
		kinds = append(kinds, s.Kind)
	}
	if want := []string{"output", "filter", "input", "filter"}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	f := cfg.Plugins(KindFilter)
	if len(f) != 2 || FormatValue(f[0].Attrs[0].Value) != "1" || FormatValue(f[1].Attrs[0].Value) != "2" {
		t.Fatalf("filters out of order: %v", cfg)
	}
	// An empty file and empty sections are fine (compiler_spec "an empty
	// file", config_ast "should permit empty plugin sections").
	for _, src := range []string{"", "  # only a comment", "input {} output {}", "filter {\n}\n"} {
		mustParse(t, src)
	}
}

func TestPositions(t *testing.T) {
	// compiler_spec "two plugins": line 2, column 13 for the first plugin.
	src := "          filter {\n            aplugin { count => 1 }\n            aplugin { count => 2 }\n            }\n"
	cfg := mustParse(t, src)
	p := cfg.Sections[0].Items[0].(*Plugin)
	if p.Pos.Line != 2 || p.Pos.Col != 13 || p.Pos.File != "test.conf" {
		t.Fatalf("plugin at %v, want test.conf:2:13", p.Pos)
	}
	if a := p.Attrs[0]; a.Pos.String() != "test.conf:2:23" || a.Value.Position().String() != "test.conf:2:32" {
		t.Fatalf("attr at %v, value at %v", a.Pos, a.Value.Position())
	}
	// Columns count characters (code points), not bytes.
	cfg = mustParse(t, "filter { x { a => \"é\" b => 1 } }")
	pl := cfg.Sections[0].Items[0].(*Plugin)
	if got := pl.Attrs[1].Pos.Col; got != 23 {
		t.Fatalf("column of b = %d, want 23", got)
	}
}

func TestValues(t *testing.T) {
	// compiler_spec "a plugin with mixed parameter types".
	cfg := mustParse(t, `input { generator { aarg => [1] hasharg => {foo => bar} iarg => 123 farg => 123.123 sarg => 'hello'} }`)
	p := cfg.Plugins(KindInput)[0]
	if p.Name != "generator" || len(p.Attrs) != 5 {
		t.Fatalf("plugin %+v", p)
	}
	if a := p.Attr("aarg").Value.(*Array); len(a.Elems) != 1 || a.Elems[0].(*Number).Text != "1" {
		t.Errorf("aarg %s", FormatValue(a))
	}
	h := p.Attr("hasharg").Value.(*Hash)
	if h.Entries[0].Key.(*Bareword).Text != "foo" || h.Get("foo").(*Bareword).Text != "bar" {
		t.Errorf("hasharg %s", FormatValue(h))
	}
	if n := p.Attr("iarg").Value.(*Number); n.IsFloat() {
		t.Errorf("iarg %s is not an integer", n.Text)
	}
	if n := p.Attr("farg").Value.(*Number); !n.IsFloat() {
		t.Errorf("farg %s is not a float", n.Text)
	} else if f, _ := n.Float64(); f != 123.123 {
		t.Errorf("farg = %v", f)
	}
	if s := p.Attr("sarg").Value.(*String); s.Value != "hello" || s.Quote != '\'' {
		t.Errorf("sarg %+v", s)
	}

	// compiler_spec "a plugin with quoted parameter keys"; config_ast
	// "should permit single-quoted attribute names".
	cfg = mustParse(t, `input { generator { notquoted => 1 'singlequoted' => 2 "doublequoted" => 3 test => { 'bar' => 'baz' } } }`)
	var names []string
	for _, a := range cfg.Plugins(KindInput)[0].Attrs {
		names = append(names, a.Name)
	}
	if want := []string{"notquoted", "singlequoted", "doublequoted", "test"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %v", names)
	}

	// Booleans, negative and decimal numbers, barewords, codecs.
	cfg = mustParse(t, `output { x {
		a => true b => false c => -12 d => -0.5 e => 1.0 f => json_lines
		codec => json { charset => "UTF-8" }
		g => plain
		h => "x" i => [ ] j => { } k => [[1, 2], {aa => 1}, "s", foo {}]
	} }`)
	x := cfg.Plugins(KindOutput)[0]
	checks := map[string]string{
		"a": "*lsconf.Bool", "b": "*lsconf.Bool", "c": "*lsconf.Number", "d": "*lsconf.Number",
		"e": "*lsconf.Number", "f": "*lsconf.Bareword", "codec": "*lsconf.PluginValue",
		"g": "*lsconf.Bareword", "h": "*lsconf.String", "i": "*lsconf.Array", "j": "*lsconf.Hash", "k": "*lsconf.Array",
	}
	for name, typ := range checks {
		if got := reflect.TypeOf(x.Attr(name).Value).String(); got != typ {
			t.Errorf("%s is %s, want %s", name, got, typ)
		}
	}
	if codec := x.Attr("codec").Value.(*PluginValue).Plugin; codec.Name != "json" || ScalarText(codec.Attr("charset").Value) != "UTF-8" {
		t.Errorf("codec %+v", codec)
	}
	if b := x.Attr("b").Value.(*Bool); b.Value || b.Text() != "false" {
		t.Errorf("b = %+v", b)
	}
	k := x.Attr("k").Value.(*Array)
	if _, ok := k.Elems[3].(*PluginValue); !ok || len(k.Elems) != 4 {
		t.Errorf("k = %s", FormatValue(k))
	}

	// config_ast "permits hash to contains array".
	cfg = mustParse(t, `input{ example { match => { "message"=> ["pattern1", "pattern2", "pattern3"] } } }`)
	if arr := cfg.Plugins(KindInput)[0].Attr("match").Value.(*Hash).Get("message").(*Array); len(arr.Elems) != 3 {
		t.Errorf("match = %s", FormatValue(arr))
	}

	// Hash entries need no separator at all (hashentry (cs hashentry)*),
	// attributes need whitespace.
	cfg = mustParse(t, `filter { x { h => {"a"=>1"b"=>2 cc=>3} } }`)
	if h := cfg.Plugins(KindFilter)[0].Attr("h").Value.(*Hash); len(h.Entries) != 3 {
		t.Errorf("h = %s", FormatValue(h))
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		text  string
		i     int64
		float bool
		err   bool
	}{
		{"123", 123, false, false},
		{"-5", -5, false, false},
		{"0", 0, false, false},
		{"010", 8, false, false}, // config_ast "supports octal literals": Ruby's Integer("010")
		{"-010", -8, false, false},
		{"08", 0, false, true}, // not octal: Integer("08") raises
		{"1.5", 0, true, false},
		{"010.5", 0, true, false}, // Float() reads decimals as decimal
		{"1.", 0, true, true},     // Float("1.") raises
	} {
		n := &Number{Text: c.text}
		if n.IsFloat() != c.float {
			t.Errorf("%s: IsFloat = %v", c.text, n.IsFloat())
		}
		err := n.check()
		if (err != nil) != c.err {
			t.Errorf("%s: check error %v", c.text, err)
		}
		if !c.float && !c.err {
			if i, err := n.Int64(); err != nil || i != c.i {
				t.Errorf("%s: Int64 = %d, %v", c.text, i, err)
			}
		}
	}
	if f, err := (&Number{Text: "010.5"}).Float64(); err != nil || f != 10.5 {
		t.Errorf("010.5 = %v %v", f, err)
	}
	// Beyond int64 Ruby has big integers; not a parse error.
	mustParse(t, "input { x { n => 123456789012345678901234567890 } }")
}

func TestStrings(t *testing.T) {
	cases := []struct {
		src        string // the string literal
		raw        string
		plain, esc string // value without and with config.support_escapes
	}{
		// compiler_spec "when config.support_escapes".
		{`"The computer says, \"No\""`, `The computer says, \"No\"`, `The computer says, \"No\"`, `The computer says, "No"`},
		// configuration-file-structure.md, Escape sequences.
		{`'It\'s a beautiful day'`, `It\'s a beautiful day`, `It\'s a beautiful day`, `It's a beautiful day`},
		{`"a\tb\nc\rd\\e\0f"`, `a\tb\nc\rd\\e\0f`, `a\tb\nc\rd\\e\0f`, "a\tb\nc\rd\\e\x00f"},
		// Unknown escapes stay (StringEscape.process: else value).
		{`"\d+\.\d+"`, `\d+\.\d+`, `\d+\.\d+`, `\d+\.\d+`},
		// Only the own quote is special: \' in "..." is two characters
		// that escapes still turn into '.
		{`"it\'s"`, `it\'s`, `it\'s`, `it's`},
		{`'say "hi"'`, `say "hi"`, `say "hi"`, `say "hi"`},
		// Strings may span lines.
		{"\"a\nb\"", "a\nb", "a\nb", "a\nb"},
		// ssh_analysis_logstash.conf's codec delimiter.
		{`"\r\n"`, `\r\n`, `\r\n`, "\r\n"},
	}
	for _, c := range cases {
		for _, esc := range []bool{false, true} {
			cfg := mustParseOpts(t, "filter { x { v => "+c.src+" } }", ParseOptions{SupportEscapes: esc})
			s := cfg.Plugins(KindFilter)[0].Attr("v").Value.(*String)
			want := c.plain
			if esc {
				want = c.esc
			}
			if s.Raw != c.raw || s.Value != want {
				t.Errorf("%s (escapes %v): raw %q value %q, want %q %q", c.src, esc, s.Raw, s.Value, c.raw, want)
			}
		}
	}
	// Escapes apply to hash keys (HashEntry#expr) but not attribute names
	// (Attribute#expr strips the quotes only).
	cfg := mustParseOpts(t, `filter { x { "a\tb" => { "c\td" => 1 } } }`, ParseOptions{SupportEscapes: true})
	a := cfg.Plugins(KindFilter)[0].Attrs[0]
	if a.Name != `a\tb` || a.Value.(*Hash).Entries[0].KeyString() != "c\td" {
		t.Errorf("name %q key %q", a.Name, a.Value.(*Hash).Entries[0].KeyString())
	}
}

func TestCommentsInOddPlaces(t *testing.T) {
	// config_ast "commentary in odd places", ending in a comment at EOF.
	src := `# early
        input # bla
        { # bla
          plugin # bla
          # bla
          { # bla
            # bla
            arg  # bla
            => # bla
            bareword # bla
            # bla
            hasharg => {
              #preentry
              "firstkey" => "firstvalue"
              # bla
              "middle" # bla
              # bla
              => # bla
              # bla
              "midvalue"  # bla
              # bla
              "lastkey" => "lastvalue"
              # bla
            }
          } # bla
        # bla
        } # bla
        # comment ending in EOF:`
	cfg := mustParse(t, src)
	p := cfg.Plugins(KindInput)[0]
	if p.Name != "plugin" || ScalarText(p.Attr("arg").Value) != "bareword" {
		t.Fatalf("plugin %s", cfg)
	}
	if h := p.Attr("hasharg").Value.(*Hash); len(h.Entries) != 3 || ScalarText(h.Get("middle")) != "midvalue" {
		t.Fatalf("hasharg %s", FormatValue(h))
	}
	// A # inside strings, selectors and regexps is not a comment.
	cfg = mustParse(t, "filter { if [a#b] =~ /#x/ { x { s => \"#y\" } } }")
	if got := FormatExpr(cfg.Sections[0].Items[0].(*Branch).Cases[0].Cond); got != "[a#b] =~ /#x/" {
		t.Errorf("cond %s", got)
	}
}

func TestPEGCorners(t *testing.T) {
	// Keywords need no word boundary, and a failed branch falls back to a
	// plugin, as in the PEG: a plugin may be called iff, if-x or even if.
	cfg := mustParse(t, "filter { iff { } if-x { a => 1 } if { } elsewhere {} }")
	var names []string
	for _, p := range cfg.Plugins(KindFilter) {
		names = append(names, p.Name)
	}
	if want := []string{"iff", "if-x", "if", "elsewhere"}; !reflect.DeepEqual(names, want) {
		t.Errorf("plugins %v", names)
	}
	// After an if block, `elseif {}` is a plugin, `elseif [a] {}` an else if.
	cfg = mustParse(t, "filter { if [a] { } elseif { } }")
	if len(cfg.Sections[0].Items) != 2 {
		t.Errorf("items %s", cfg)
	}
	cfg = mustParse(t, "filter { if [a] { } elseif [b] { } else{ } }")
	br := cfg.Sections[0].Items[0].(*Branch)
	if len(br.Cases) != 2 || br.Else == nil || len(br.Else) != 0 {
		t.Errorf("branch %s", cfg)
	}
	// No spaces needed around operators and brackets.
	c := condOf(t, `[a]and[b]or"x"in[c]`)
	if got := sexpr(c); got != `(or (and [a] [b]) (in "x" [c]))` {
		t.Errorf("got %s", got)
	}
	// Items need no whitespace between them.
	cfg = mustParse(t, "filter{a{}b{}if[x]{c{}}}")
	if len(cfg.Sections[0].Items) != 3 {
		t.Errorf("items %s", cfg)
	}
	// A name followed by { is a plugin value, whatever the name.
	cfg = mustParse(t, `filter { x { a => json {} b => 123 { } c => -x{} } }`)
	for _, a := range cfg.Plugins(KindFilter)[0].Attrs {
		if _, ok := a.Value.(*PluginValue); !ok {
			t.Errorf("%s is %T", a.Name, a.Value)
		}
	}
}

func TestPlugins(t *testing.T) {
	cfg := mustParse(t, `filter {
  a {}
  if [x] { b {} if [y] { c {} } else { d {} } } else if [z] { e {} } else { f {} }
  g { codec => h {} }
}`)
	var names []string
	for _, p := range cfg.Plugins(KindFilter) {
		names = append(names, p.Name)
	}
	if want := []string{"a", "b", "c", "d", "e", "f", "g"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("plugins %v", names)
	}
	if cfg.Plugins(KindInput) != nil {
		t.Fatal("no inputs expected")
	}
}

func TestInspect(t *testing.T) {
	cfg := mustParse(t, `filter { if [a] == "x" and ![b] { p { h => { "k" => ["v", q { z => 1 }] } } } else { r {} } }`)
	var kinds []string
	Inspect(cfg, func(n Node) bool {
		kinds = append(kinds, reflect.TypeOf(n).Elem().Name())
		_, isHash := n.(*Hash)
		return !isHash // do not descend into hashes
	})
	want := "Config Section Branch Case Binary Compare Selector String Not Selector Plugin Attr Hash Plugin"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	n := 0
	Inspect(cfg, func(Node) bool { n++; return true })
	if n != 22 {
		t.Errorf("%d nodes", n)
	}
}
