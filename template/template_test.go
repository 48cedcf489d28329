package template

import (
	"testing"

	"github.com/ingestd/ingestd/event"
)

func TestRender(t *testing.T) {
	e, err := event.DecodeEvent([]byte(`{"fields":{"service":"django","group":"pt"},"n":7,"empty":""}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		src, want string
		ok        bool
	}{
		{"logs", "logs", true},
		{"%{[fields][service]}", "django", true},
		{"%{[fields][service]}-%{[fields][group]}", "django-pt", true},
		{"n=%{n}", "n=7", true},
		{"%{missing}", "", false},
		{"x-%{empty}", "x-", false},
	} {
		tp, err := Parse(c.src)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		if got, ok := tp.Render(e); got != c.want || ok != c.ok {
			t.Errorf("%q: %q %v, want %q %v", c.src, got, ok, c.want, c.ok)
		}
	}
}

func TestParse(t *testing.T) {
	tp, err := Parse("a-%{[b][c]}-d")
	if err != nil {
		t.Fatal(err)
	}
	if tp.IsLiteral() || tp.Pattern("*") != "a-*-d" || len(tp.Literals()) != 2 {
		t.Fatalf("literal %v, pattern %q, literals %q", tp.IsLiteral(), tp.Pattern("*"), tp.Literals())
	}
	lit, _ := Parse("logs")
	if !lit.IsLiteral() || lit.Text() != "logs" {
		t.Fatalf("literal template: %v %q", lit.IsLiteral(), lit.Text())
	}
	for _, bad := range []string{"%{unterminated", "%{[a]"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	var u Template
	if err := u.UnmarshalText([]byte("%{[x]}")); err != nil || u.IsLiteral() {
		t.Fatalf("UnmarshalText: %v", err)
	}
}

// TestRenderLogstash: Logstash's sprintf (StringInterpolation in
// logstash-core) keeps the reference of a missing field as written and
// joins an array's elements with commas.
func TestRenderLogstash(t *testing.T) {
	e, _ := event.DecodeEvent([]byte(`{"a":"x","tags":["t1","t2"],"o":{"k":1},"n":null,"num":5}`))
	for src, want := range map[string]string{
		"%{a}-%{[missing][x]}":     "x-%{[missing][x]}",
		"%{[tags]}":                "t1,t2",
		"%{[o]}":                   `{"k":1}`,
		"%{n}|%{num}|%{[tags][1]}": "%{n}|5|t2",
		"plain":                    "plain",
	} {
		tp, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := tp.RenderLogstash(e); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}

// TestParseLogstash: Logstash's sprintf never fails to parse; what names
// no field stays as written.
func TestParseLogstash(t *testing.T) {
	e, _ := event.DecodeEvent([]byte(`{"a":"x"}`))
	for src, want := range map[string]string{
		"%{a}/%{+yyyy.MM.dd}/%{[b":   "x/%{+yyyy.MM.dd}/%{[b",
		"%{[a]}-%{}":                 "x-%{}",
		"plain %{missing} text %{a}": "plain %{missing} text x",
	} {
		if got := ParseLogstash(src).RenderLogstash(e); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
	if !ParseLogstash("%{+yyyy}").IsLiteral() || ParseLogstash("%{a}").IsLiteral() {
		t.Error("IsLiteral")
	}
}
