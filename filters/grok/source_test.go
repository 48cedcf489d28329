package grok

import (
	"maps"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/patterns"
	"github.com/ingestd/ingestd/plugin"
)

// regexpSource must print a tree that parses back into what Go's own
// String parses back into, compared as compiled programs (Equal also
// compares flags that change nothing, such as FoldCase on a digit; the
// tree itself keeps the capture numbers and unmerged literals dropUnnamed
// leaves), for every node the parser makes: every shipped pattern, legacy
// and ECS, with its unnamed groups dropped as the matcher drops them, and
// hand-picked shapes the pattern sets lack.
func TestRegexpSourceParsesAsString(t *testing.T) {
	check := func(name string, tree *syntax.Regexp) {
		t.Helper()
		want, err := syntax.Parse(tree.String(), syntax.Perl)
		if err != nil {
			t.Fatalf("%s: String %q: %v", name, tree.String(), err)
		}
		src := regexpSource(tree)
		got, err := syntax.Parse(src, syntax.Perl)
		if err != nil {
			t.Errorf("%s: %q: %v", name, src, err)
			return
		}
		if g, w := program(t, got), program(t, want); g != w {
			t.Errorf("%s: source %q\n compiles to %s\n String %q to %s", name, src, g, tree.String(), w)
		}
	}
	for _, expr := range []string{
		`(?i)abc`, `(?i:a)b`, `(?s)a.b`, `a.b`, `(?m)^a$`, `^a$`, `\Aa\z`, `\bx\B`, `[^\]]+`, `[^"\\]*`,
		`x{2,}`, `x{3}`, `x{2,5}?`, `(?:ab)+?`, `ab*`, `[\x00-\x1f\x7f]`, `é+ü`, `[-a]`, `[a-]`, `\pL+\p{Greek}`,
		`(?i)[a-z]+`, `a|b|`, `()`, `(?P<n>)`, `\Q.*+\E`, `[[:alpha:]]`, `\d\D\s\S\w\W`, `[^\x00-\x{10FFFF}]`,
		`(?U)a+b*`, `a|(?:b|c)d`, `(a|b)*`, `[\^\-\]\[]`, `\{\}\(\)\|\$\^\.\*\+\?`, "\t\n\u00a0\u2028", `(?i)ǅ`,
	} {
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		check(expr, tree)
	}
	for _, set := range []struct {
		ecs  plugin.ECSMode
		defs map[string]string
	}{{"disabled", patterns.Shipped()}, {"v8", patterns.ShippedECS()}} {
		for _, name := range slices.Sorted(maps.Keys(set.defs)) {
			f, err := compileChecked(&Config{Match: FieldPatterns{{Field: "message", Patterns: []string{"%{" + name + ":x}"}}}, EcsCompatibility: set.ecs}, true)
			if err != nil {
				continue // a definition that does not compile on its own (RE2 lacks it)
			}
			re, err := compiledRegexp(f.g, f.sources[0].patterns[0].expanded)
			if err != nil {
				t.Fatal(err)
			}
			tree, err := syntax.Parse(strings.TrimSuffix(re.String(), sentinelGroup), syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			check(string(set.ecs)+"/"+name, dropUnnamed(tree))
		}
	}
}

// program returns the text of re's compiled program.
func program(t *testing.T, re *syntax.Regexp) string {
	t.Helper()
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		t.Fatal(err)
	}
	return prog.String()
}
