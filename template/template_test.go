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
	if !ParseLogstash("%{[b").IsLiteral() || ParseLogstash("%{a}").IsLiteral() {
		t.Error("IsLiteral")
	}
}

// TestLogstashDates: %{+FORMAT} formats @timestamp in UTC with a Joda-Time
// pattern and %{+%s} writes its seconds, as Logstash's sprintf does (the
// Beats-to-Elasticsearch example's index "%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}",
// logstash-reference "Configuring Logstash for Filebeat").
func TestLogstashDates(t *testing.T) {
	e, _ := event.DecodeEvent([]byte(`{"@timestamp":"2026-01-02T03:04:05.678Z","@metadata":{"beat":"filebeat","version":"8.10.3"}}`))
	for src, want := range map[string]string{
		"%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}": "filebeat-8.10.3-2026.01.02",
		"logstash-%{+yyyy.MM.dd}":                                     "logstash-2026.01.02",
		"%{+HH:mm:ss.SSS}|%{+%s}":                                     "03:04:05.678|1767323045",
		"%{+yyyy-MM-dd'T'HH}|%{+MMM d, EEE}":                          "2026-01-02T03|Jan 2, Fri",
		"%{+yyyy.ww}":                                                 "2026.01",
		// The weekly index of the elasticsearch output's docs: Jan 2 2026
		// is in ISO week 1 of 2026; Dec 29 2025 (below) too.
		"logstash-%{+xxxx.ww}": "logstash-2026.01",
		"%{+QQ}":               "%{+QQ}", // not a pattern Joda knows here: as written
	} {
		if got := ParseLogstash(src).RenderLogstash(e); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
	dec, _ := event.DecodeEvent([]byte(`{"@timestamp":"2025-12-29T10:00:00.000Z"}`))
	if got := ParseLogstash("%{+xxxx.ww}|%{+yyyy}").RenderLogstash(dec); got != "2026.01|2025" {
		t.Errorf("weekyear at the year's end: %q", got)
	}
	noTime, _ := event.DecodeEvent([]byte(`{"a":1}`))
	if got := ParseLogstash("x-%{+yyyy}").RenderLogstash(noTime); got != "x-%{+yyyy}" {
		t.Errorf("without @timestamp: %q", got)
	}
	if ParseLogstash("x-%{+yyyy}").IsLiteral() {
		t.Error("a date reference is not literal")
	}
}
