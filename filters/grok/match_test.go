package grok

import (
	"path/filepath"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/internal/race"
	"github.com/ingestd/ingestd/patterns"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

// TestMatcherAgreesWithVjeantet runs every shipped pattern over every
// corpus message with both engines: the captures (and match or not) must
// be the same, the fast tail paths included. The comparison is one
// goroutine's: under the race detector, which finds nothing in it and
// slows the regexp engines 14-fold (61 s instead of 4.4), it takes every
// twelfth message and every other multi-line one (the tail paths).
func TestMatcherAgreesWithVjeantet(t *testing.T) {
	corpus := filepath.Join("..", "..", "..", "shared", "corpus")
	var lines []string
	for _, family := range []string{"dcache", "applog", "accounting"} {
		lines = append(lines, messages(t, filepath.Join(corpus, family, "events.jsonl"))...)
	}
	if race.Enabled {
		var sample []string
		multi := 0
		for i, l := range lines {
			if strings.Contains(l, "\n") {
				if multi++; multi%2 == 0 {
					sample = append(sample, l)
				}
			} else if i%12 == 0 {
				sample = append(sample, l)
			}
		}
		lines = sample
	}
	defs, err := Definitions(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tails := 0
	// The patterns ingestd ships and maintains; Logstash's legacy set
	// (hundreds more) is vjeantet's own data, compared with one pattern of
	// it in TestLegacyPatternsMatch.
	own := patterns.Own()
	for name := range defs {
		if _, ok := own[name]; !ok {
			continue
		}
		f, err := compile(&Config{Match: FieldPatterns{{Field: "message", Patterns: []string{"%{" + name + "}"}}}, BreakOnMatch: true, TagOnFailure: []string{"_grokparsefailure"}})
		if err != nil {
			// Logstash's legacy set has patterns Go's RE2 cannot compile
			// (lookaheads, possessive quantifiers): a config using one
			// fails validate, there is nothing to compare.
			continue
		}
		p := f.sources[0].patterns[0]
		if p.m.tail != noTail {
			tails++
		}
		for _, line := range lines {
			want, _ := f.g.Parse(p.expanded, line)
			got, ok := p.m.match(line, nil)
			if ok != (len(want) > 0) {
				t.Fatalf("%s on %q: matched %v, vjeantet %v", name, line, ok, len(want) > 0)
			}
			if !ok {
				continue
			}
			for i, s := range p.m.stores {
				if got[i] != want[s.name] {
					t.Fatalf("%s on %q: %s = %q, vjeantet %q", name, line, s.name, got[i], want[s.name])
				}
			}
		}
	}
	if tails < 4 {
		t.Fatalf("only %d shipped patterns take the tail path", tails)
	}
}

func TestMatcherTails(t *testing.T) {
	f := build(t, `match: {message: ['^(?<a>\w+) (?<b>[^\n]*?)(?:\n(?<trace>(?s:.+)))?$', '^x(?<c>.)(?<rest>(?s:.*))$', '^y|z(?<r2>(?s:.*))$', '^(?<m>(?s:.*?))(?:\n(?<tb>Trace:(?s:.*)))?$', '^(?<k>\w+) "(?<v>[^\n]*)"''(?:\n(?<t>(?s:.+)))?$', '^(?<k2>\w+) "(?<v2>[^\n]*)"(?<r>(?s:.*))$', '^(?<h>[^:]+):(?<p>(?:/|null).*)$', '^(?<g>.+):(?<q>/.*)$', '^(?<h2>\w+) (?<p2>=(?s:.*))$']}`)
	ms := f.sources[0].patterns
	if ms[0].m.tail != optionalLineTail || ms[1].m.tail != restTail || ms[2].m.tail != noTail || ms[3].m.tail != literalSplit ||
		ms[4].m.runLit != `"'` || ms[5].m.runLit != `"` || ms[6].m.tail != prefixedTail || !ms[6].m.tailNL || ms[8].m.tail != prefixedTail || ms[8].m.tailNL {
		t.Fatalf("tail kinds %v %v %v %v, runs %q %q", ms[0].m.tail, ms[1].m.tail, ms[2].m.tail, ms[3].m.tail, ms[4].m.runLit, ms[5].m.runLit)
	}
	for _, c := range []struct {
		p    int
		line string
		want []string // in the order of the names in the pattern
		ok   bool
	}{
		{0, "one two", []string{"one", "two", ""}, true},
		{0, "one two\nTrace\n  x", []string{"one", "two", "Trace\n  x"}, true},
		{0, "one two\n", []string{"one", "two\n", ""}, false}, // the lone newline: the whole regex decides
		{1, "xy\nz\n", []string{"y", "\nz\n"}, true},
		{1, "x", nil, false},
		{2, "yes", []string{""}, true},
		{3, "a\nb", []string{"a\nb", ""}, true},
		{3, "x\nTrace: y\nz", []string{"x", "Trace: y\nz"}, true},
		{3, "x\nTrace:", []string{"x", "Trace:"}, true},
		{3, "", []string{"", ""}, true},
		{3, "\nTrace:1\nTrace:2", []string{"", "Trace:1\nTrace:2"}, true},
		{3, "Trace: at the start", []string{"Trace: at the start", ""}, true},
		{4, `a "x"'`, []string{"a", "x", ""}, true},
		{4, `a "x"' y"'`, []string{"a", `x"' y`, ""}, true},
		{4, "a \"x\"'\ntrace\n  more", []string{"a", "x", "trace\n  more"}, true},
		{4, `a "x" no`, nil, false},
		{4, `a "x"'z`, nil, false},
		{4, "a \"x\"'\n", nil, false},
		{5, "a \"x\" y \"z\" w\nmore\"", []string{"a", `x" y "z`, " w\nmore\""}, true},
		{5, "a \"x\nmore\"", nil, false},
		// prefixedTail: the path from where / or null matched to the end.
		{6, "host:/a/b c", []string{"host", "/a/b c"}, true},
		{6, "host:null", []string{"host", "null"}, true},
		{6, "host:nullx:/y", []string{"host", "nullx:/y"}, true},
		{6, "h:x:/y", nil, false},
		{6, "host:/a\nb", nil, false},
		{6, "host:", nil, false},
		{7, "a:/b:/c", []string{"a:/b", "/c"}, true}, // greedy: the last ":/"
		{7, "a:/b\nc:/d", nil, false},
		{7, "a:/b:/c\n", nil, false},
		{8, "k =v\nw", []string{"k", "=v\nw"}, true},
		{8, "k v", nil, false},
	} {
		p := ms[c.p]
		want, _ := f.g.Parse(p.expanded, c.line)
		got, ok := p.m.match(c.line, nil)
		if ok != (len(want) > 0) {
			t.Fatalf("%q: ok %v, vjeantet %v", c.line, ok, want)
		}
		if ok != c.ok {
			t.Fatalf("%q: ok %v, want %v", c.line, ok, c.ok)
		}
		if !ok {
			continue
		}
		for i, s := range p.m.stores {
			if got[i] != want[s.name] {
				t.Fatalf("%q: %s = %q, vjeantet %q", c.line, s.name, got[i], want[s.name])
			}
		}
		if !slices.Equal(got, c.want) {
			t.Fatalf("%q: %q, want %q", c.line, got, c.want)
		}
	}
}

// FuzzMatcherAgreesWithVjeantet: on any text, the matcher's captures for
// the app-log patterns (every tail form) are vjeantet's.
func FuzzMatcherAgreesWithVjeantet(f *testing.F) {
	for _, s := range []string{
		"INFO|apps.x|2025-02-02T12:34:56.123|msg\nTraceback (most recent call last):\n  x\nValueError: y",
		"ERROR 2025-02-02T12:34:56.123 'f /a/b.py \"m \"q\"'\nTraceback (most recent call last):\nE: z\n",
		"[2025-02-02 12:34:56,123] [INFO] [l] [Process Memory: 1] [Available RAM: 2] [Available Swap: 3] m",
		"2025-02-02 12:34:56,123 - l - t - WARNING - m\n", "x\nTraceback (most recent call last):", "",
	} {
		f.Add(s)
	}
	var fs []*Filter
	for _, name := range []string{"APPLOG_PIPE", "APPLOG_PROD", "APPLOG_CELERY", "APPLOG_DETAILED", "APPLOG_MESSAGE", "APPLOG_EXCEPTION"} {
		fs = append(fs, plugintest.Filter(f, New, `match: {message: ["%{`+name+`}"]}`).(*Filter))
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, fl := range fs {
			p := fl.sources[0].patterns[0]
			want, _ := fl.g.Parse(p.expanded, line)
			got, ok := p.m.match(line, nil)
			if ok != (len(want) > 0) {
				t.Fatalf("%s on %q: matched %v, vjeantet %v", p.Source, line, ok, want)
			}
			for i, s := range p.m.stores {
				if ok && got[i] != want[s.name] {
					t.Fatalf("%s on %q: %s = %q, vjeantet %q", p.Source, line, s.name, got[i], want[s.name])
				}
			}
		}
	})
}

// The literal an anchored pattern starts with rules out texts without it
// before the regexp runs; only a literal at the start of an anchored
// pattern is one.
func TestAnchoredPrefix(t *testing.T) {
	for re, want := range map[string]string{
		`^(?P<a>Remote\w*DataTransfer)-(?P<b>[^:]+)$`: "Remote",
		`^(?P<a>Https?)-x`:                            "Http",
		`^(?:(?P<a>ab)c)d+`:                           "abc",
		`^abc|^abd`:                                   "",
		`(?P<a>billing(?:-error)?)-\d`:                "",
		`(?i)^abc`:                                    "",
		`(?m)^abc`:                                    "",
		`^(?P<a>[A-Za-z0-9]+)-`:                       "",
		`a^b`:                                         "",
		`^\Qa.b\E(?P<x>.*)`:                           "a.b",
		`^(?:x)?y`:                                    "",
		"^(?P<a>x\uFFFDab)":                           "x", // U+FFFD matches any invalid byte: the prefix ends before it
	} {
		tree, err := syntax.Parse(re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := anchoredPrefix(dropUnnamed(tree)); got != want {
			t.Errorf("%s: prefix %q, want %q", re, got, want)
		}
	}
	m, err := newMatcher("^(?P<a>\uFFFDab)")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.match("\xffab", nil); !ok {
		t.Error("U+FFFD in a pattern no longer matches an invalid byte, as Go's regexp does")
	}
}
