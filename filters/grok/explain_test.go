package grok

import (
	"strings"
	"testing"
)

func TestExplainFindsTheFailingPiece(t *testing.T) {
	f := build(t, `match: {message: ['^%{WORD:a} %{INT:[b][c]:int}$']}`)
	xs, err := f.Explain([]string{`^%{WORD:a} %{INT:[b][c]:int}$`}, "hello 12x")
	if err != nil || len(xs) != 1 || xs[0].Matched {
		t.Fatalf("%+v %v", xs, err)
	}
	if x := xs[0]; x.Prefix != `^%{WORD:a} %{INT:[b][c]:int}` || x.LinePos != 8 || x.Next != "$" {
		t.Fatalf("prefix %q pos %d next %q", x.Prefix, x.LinePos, x.Next)
	}
	// Inside a named pattern: it descends into the definition.
	line := `12.30 22:36:45 [door:W@wDomain:request] ["o":1:2:c] [00AB,5] [/p] <Unknown> 0 zero {0:""}`
	xs, _ = f.Explain([]string{"%{DCACHE_DOOR}"}, line)
	if x := xs[0]; !strings.Contains(x.Next, "queuing_time") || x.LinePos != strings.Index(line, "zero") {
		t.Fatalf("next %q at %d", x.Next, x.LinePos)
	}
}

func TestExplainReportsWhichPatternMatched(t *testing.T) {
	f := build(t, `match: {message: ['^a', '^b']}`)
	xs, _ := f.Explain([]string{`^x%{INT:n}`, `^b%{INT:[n][m]:int} %{WORD:w}`}, "b42 x")
	if len(xs) != 2 || xs[0].Matched || !xs[1].Matched || xs[1].Captures["[n][m]"] != "42" {
		t.Fatalf("%+v", xs)
	}
	// What the filter stores: the conversion, not the text.
	if v := xs[1].Values; v["[n][m]"] != "42" || v["[w]"] != `"x"` {
		t.Fatalf("values %v", v)
	}
}

func TestSplitTopKeepsGroupsWhole(t *testing.T) {
	got := splitTop(`^a(?:b|c)+[x\]]*\d{2,3}%{INT:n}?z`)
	want := []string{"^", "a", "(?:b|c)+", `[x\]]*`, `\d{2,3}`, "%{INT:n}?", "z"}
	if strings.Join(got, "·") != strings.Join(want, "·") {
		t.Fatalf("got %q", got)
	}
}
