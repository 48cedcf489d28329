package load

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

func lookupIn(m map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestExpandString(t *testing.T) {
	env := lookupIn(map[string]string{"foo": "bar", "HOME": "/path", "EMPTY": "", "a.b_c": "dotted"})
	for _, c := range []struct{ in, want string }{
		// ConfigVariableExpanderTest.java.
		{"foo", "foo"},                         // testExpansionWithoutVariable
		{"${foo}", "bar"},                      // testSimpleExpansion
		{"${nope:baz}", "baz"},                 // testExpansionWithDefaultValue
		{"${foo:default}", "bar"},              // testPrecedenceOfEnvironmentVariableValue
		{"${HOME}/file.log", "/path/file.log"}, // environment-variables.md
		{"${nope:}", ""},                       // an empty default is a default
		{"${EMPTY:x}", ""},                     // a defined empty variable wins
		{"${a.b_c}", "dotted"},
		{"x${foo}y${foo}z", "xbarybarz"},
		{"${nope:a:b}", "a:b"},           // the default runs to the first }
		{"${1x}", "${1x}"},               // names cannot start with a digit: not a placeholder
		{"$foo ${ foo}", "$foo ${ foo}"}, // not placeholders either
	} {
		got, err := ExpandString(c.in, env)
		if err != nil || got != c.want {
			t.Errorf("%q: %q %v, want %q", c.in, got, err, c.want)
		}
	}
	_, err := ExpandString("${missing}", env)
	want := "Cannot evaluate `${missing}`. Replacement variable `missing` is not defined in a Logstash secret store or an environment entry and there is no default value given."
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
}

func TestSubstitute(t *testing.T) {
	src := `input {
  tcp {
    port => "${TCP_PORT}"
    other_port => "${TCP_PORT2:54321}"
    host => "${HOST}:${TCP_PORT}"
    codec => json { charset => "${CHARSET}" }
  }
}
filter {
  mutate {
    add_tag => [ "tag1", "${ENV_TAG}" ]
    add_field => { "my_path" => "${HOME}/file.log" "${KEY}" => "k" }
  }
  if [x] == "${ENV_TAG}" and [y] =~ "${RE}" and [z] in ["${ENV_TAG}", "a${ENV_TAG}"] and [w] =~ /${RE}/ {
    x { hosts => "${LIST}" quoted => "'${QUOTED}'" }
  }
}
`
	env := lookupIn(map[string]string{
		"TCP_PORT": "12345", "HOST": "example", "CHARSET": "UTF-8", "ENV_TAG": "tag2",
		"HOME": "/path", "KEY": "key", "RE": "re", "LIST": "x", "QUOTED": `["a", 'b',c]`,
	})
	cfg := mustParse(t, src)
	orig := lsconf.Format(cfg)
	out, err := Substitute(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if lsconf.Format(cfg) != orig {
		t.Error("Substitute changed its input")
	}
	tcp := out.Plugins(lsconf.KindInput)[0]
	for name, want := range map[string]string{"port": "12345", "other_port": "54321", "host": "example:12345"} {
		if got := lsconf.ScalarText(tcp.Attr(name).Value); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := lsconf.FormatValue(tcp.Attr("codec").Value); got != `json { charset => "UTF-8" }` {
		t.Errorf("codec %s", got)
	}
	mutate := out.Plugins(lsconf.KindFilter)[0]
	if got := lsconf.FormatValue(mutate.Attr("add_tag").Value); got != `["tag1", "tag2"]` {
		t.Errorf("add_tag %s", got)
	}
	// Hash values are substituted, keys are not.
	if got := lsconf.FormatValue(mutate.Attr("add_field").Value); got != `{ "my_path" => "/path/file.log" "${KEY}" => "k" }` {
		t.Errorf("add_field %s", got)
	}
	// Conditions: whole-value strings only, never regexps or the right of =~.
	cond := out.Sections[1].Items[1].(*lsconf.Branch).Cases[0].Cond
	if got := lsconf.FormatExpr(cond); got != `[x] == "tag2" and ([y] =~ "${RE}" and ([z] in ["tag2", "a${ENV_TAG}"] and [w] =~ /${RE}/))` {
		t.Errorf("cond %s", got)
	}
	// The refine step: after the in-string pass, enclosing quotes go and a
	// [..] text becomes a list; a value that was only ${VAR} is replaced by
	// the first pass and not refined.
	x := out.Plugins(lsconf.KindFilter)[1]
	if got := lsconf.FormatValue(x.Attr("hosts").Value); got != `"x"` {
		t.Errorf("hosts %s", got)
	}
	if got := lsconf.FormatValue(x.Attr("quoted").Value); got != `["a", "b", "c"]` {
		t.Errorf("quoted %s", got)
	}
}

func TestSubstituteErrors(t *testing.T) {
	src := "input {\n  tcp {\n    port => \"${TCP_PORT}\"\n    host => \"h-é-${HOST}\"\n  }\n}\nfilter {\n  if [a] == '${TAG}' {}\n}\n"
	cfg := mustParse(t, src)
	_, err := Substitute(cfg, lookupIn(nil))
	got := errorStrings(err)
	want := []string{
		"test.conf:3:14: Cannot evaluate `${TCP_PORT}`. Replacement variable `TCP_PORT` is not defined in a Logstash secret store or an environment entry and there is no default value given.",
		"test.conf:4:18: Cannot evaluate `${HOST}`.", // columns count é as one,
		"test.conf:8:14: Cannot evaluate `${TAG}`.",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %q\nwant %q", got[i], want[i])
		}
	}
	// With escapes processed the value no longer maps onto the source: the
	// error points at the string.
	cfg = mustParseOpts(t, `input { x { a => "\t${X}" } }`, lsconf.ParseOptions{SupportEscapes: true})
	_, err = Substitute(cfg, lookupIn(nil))
	if got := errorStrings(err); len(got) != 1 || !strings.HasPrefix(got[0], "test.conf:1:18: Cannot evaluate `${X}`") {
		t.Errorf("got %q", got)
	}
}

func TestRefine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// substitution_variables_spec.rb "stripes out quotes".
		{`"http://node1:9200"`, `"http://node1:9200"`},
		{`'["http://node3:9200", "http://node4:9200"]'`, `["http://node3:9200", "http://node4:9200"]`},
		{`"*"`, `"*"`},
		{`[a, , b,,]`, `["a", "", "b"]`}, // Ruby's split drops trailing empty fields only
		{`[]`, `[]`},
		{`'`, `""`},
		{`plain`, `"plain"`},
	} {
		if got := lsconf.FormatValue(refine(c.in, lsconf.Pos{})); got != c.want {
			t.Errorf("%s: %s, want %s", c.in, got, c.want)
		}
	}
}
