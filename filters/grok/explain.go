package grok

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/ingestd/ingestd/event"
)

// Explanation says what a pattern made of a line.
type Explanation struct {
	Pattern  string            // as given
	Matched  bool              // the whole pattern matched
	Captures map[string]string // field → text, when it matched
	// Values are what the filter stores for each captured field, as JSON:
	// the text, or its conversion (%{NUMBER:n:int} stores 42, not "42").
	Values map[string]string
	// When it did not match: the longest prefix of the (expanded) pattern
	// that matches, how much of the line it consumed, and the piece of the
	// pattern that fails there.
	Prefix  string
	LinePos int
	Next    string

	line string
}

// String renders the explanation for people.
func (x Explanation) String() string {
	if x.Matched {
		return fmt.Sprintf("matched %q", x.Pattern)
	}
	return fmt.Sprintf("no match for %q: the pattern matches up to %q, which consumes %d bytes of the line; then %q does not match %q",
		x.Pattern, x.Prefix, x.LinePos, x.Next, snippet(x.line, x.LinePos))
}

func snippet(line string, pos int) string {
	if pos > len(line) {
		pos = len(line)
	}
	rest := line[pos:]
	if len(rest) > 40 {
		rest = rest[:40] + "…"
	}
	return rest
}

// Explain tries each pattern on line with the filter's pattern library. It
// stops at the first that matches (as break_on_match does).
func (f *Filter) Explain(patterns []string, line string) ([]Explanation, error) {
	var out []Explanation
	for _, p := range patterns {
		x, err := f.explain(p, line)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		if x.Matched {
			break
		}
	}
	return out, nil
}

var topRef = regexp.MustCompile(`^%\{(\w+)(?::([^:}]+))?(?::(\w+))?\}$`)

func (f *Filter) explain(pattern, line string) (Explanation, error) {
	x := Explanation{Pattern: pattern, line: line}
	if err := f.load(pattern); err != nil {
		return x, err
	}
	cp, err := f.compilePattern(pattern)
	if err != nil {
		return x, err
	}
	if caps, err := f.g.Parse(cp.expanded, line); err == nil && len(caps) > 0 {
		x.Matched, x.Captures, x.Values = true, map[string]string{}, map[string]string{}
		for name, text := range caps {
			if c, ok := f.captures[name]; ok {
				x.Captures[c.path.String()] = text
				x.Values[c.path.String()] = string(c.value(text).AppendJSON(nil))
			}
		}
		return x, nil
	}
	// Walk down: find the longest matching prefix of pieces; if the piece
	// that fails is a %{NAME}, inline its definition and look inside.
	current := pattern
	for depth := 0; depth < 12; depth++ {
		pieces := splitTop(current)
		best, pos := 0, 0
		for n := len(pieces); n >= 1; n-- {
			if ok, consumed := f.prefixMatches(strings.Join(pieces[:n], ""), line); ok {
				best, pos = n, consumed
				break
			}
		}
		x.Prefix, x.LinePos = strings.Join(pieces[:best], ""), pos
		if best == len(pieces) {
			x.Next = "(end of pattern: $ or what follows)"
			return x, nil
		}
		x.Next = pieces[best]
		m := topRef.FindStringSubmatch(x.Next)
		def, ok := f.defs[valueOr(m, 1)]
		// A pattern made of no other pattern (INT, WORD: a plain regex)
		// is the piece to show, with its capture name, not its regex.
		if m == nil || !ok || !strings.Contains(def, "%{") {
			return x, nil
		}
		// Inline the definition, keeping the capture as a named group.
		inlined := "(?:" + def + ")"
		if m[2] != "" {
			inlined = "(?<" + m[2] + ">" + def + ")"
		}
		current = x.Prefix + inlined + strings.Join(pieces[best+1:], "")
		if len(splitTop(current)) == len(pieces) {
			// The definition is one indivisible piece: look inside it.
			current = x.Prefix + def + strings.Join(pieces[best+1:], "")
		}
	}
	return x, nil
}

func valueOr(m []string, i int) string {
	if m == nil {
		return ""
	}
	return m[i]
}

// prefixMatches reports whether the pattern prefix matches (anchored as
// the pattern is) and how many bytes of the line it consumed.
func (f *Filter) prefixMatches(prefix, line string) (bool, int) {
	anchored := strings.HasPrefix(prefix, "^")
	body := strings.TrimPrefix(prefix, "^")
	wrapped := "(?P<explainprefix>" + body + ")"
	if anchored {
		wrapped = "^" + wrapped
	}
	cp, err := f.compilePattern(wrapped)
	if err != nil {
		return false, 0
	}
	caps, err := f.g.Parse(cp.expanded, line)
	if err != nil || len(caps) == 0 {
		return false, 0
	}
	text := caps["explainprefix"]
	if anchored {
		return true, len(text)
	}
	return true, strings.Index(line, text) + len(text)
}

// splitTop cuts a pattern into pieces at depth 0: each %{…}, each group
// (…) with its quantifier, each escape or character class, each other
// character with its quantifier. Any prefix of pieces is a valid regex.
func splitTop(p string) []string {
	var pieces []string
	i := 0
	for i < len(p) {
		start := i
		switch {
		case strings.HasPrefix(p[i:], "%{"):
			end := strings.IndexByte(p[i:], '}')
			if end < 0 {
				return append(pieces, p[i:])
			}
			i += end + 1
		case p[i] == '\\':
			i += 2
		case p[i] == '[':
			i++
			if i < len(p) && p[i] == '^' {
				i++
			}
			if i < len(p) && p[i] == ']' {
				i++
			}
			for i < len(p) && p[i] != ']' {
				if p[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case p[i] == '(':
			depth := 0
			for i < len(p) {
				switch p[i] {
				case '\\':
					i++
				case '[':
					for i++; i < len(p) && p[i] != ']'; i++ {
						if p[i] == '\\' {
							i++
						}
					}
				case '(':
					depth++
				case ')':
					depth--
				}
				i++
				if depth == 0 {
					break
				}
			}
		default:
			i++
		}
		// A quantifier belongs to the piece before it.
		for i < len(p) && strings.ContainsRune("*+?{", rune(p[i])) {
			if p[i] == '{' {
				end := strings.IndexByte(p[i:], '}')
				if end < 0 || !regexp.MustCompile(`^\{\d+(,\d*)?\}$`).MatchString(p[i:i+end+1]) {
					break
				}
				i += end + 1
				continue
			}
			i++
		}
		if i > len(p) {
			i = len(p)
		}
		pieces = append(pieces, p[start:i])
	}
	return pieces
}

// ExplainEvent implements plugin.Explainer: for each configured field
// whose patterns do not match, how far they got.
func (f *Filter) ExplainEvent(e *event.Event) []string {
	var out []string
	for _, src := range f.sources {
		v, ok := e.Get(src.path)
		if !ok {
			continue
		}
		var patterns []string
		for _, p := range src.patterns {
			patterns = append(patterns, p.Source)
		}
		xs, err := f.Explain(patterns, v.Text())
		if err != nil || len(xs) == 0 || xs[len(xs)-1].Matched {
			continue
		}
		for _, x := range xs {
			out = append(out, fmt.Sprintf("grok on %s: %s", src.path, x))
		}
	}
	return out
}

// ExplainLine implements plugin.LineExplainer (ingestd grok): it tries
// the patterns of the filter's first match entry on line, in order, and
// reports the one that matched with its captures (sorted by field), or how
// far each got.
func (f *Filter) ExplainLine(line string) (report []string, matched bool, err error) {
	if len(f.sources) == 0 {
		return nil, false, fmt.Errorf("grok: no pattern to try")
	}
	var patterns []string
	for _, p := range f.sources[0].patterns {
		patterns = append(patterns, p.Source)
	}
	xs, err := f.Explain(patterns, line)
	if err != nil {
		return nil, false, err
	}
	for i, x := range xs {
		if !x.Matched {
			report = append(report, fmt.Sprintf("pattern %d: %s", i+1, x))
			continue
		}
		report = append(report, fmt.Sprintf("pattern %d matched: %s", i+1, x.Pattern))
		for _, k := range slices.Sorted(maps.Keys(x.Values)) {
			report = append(report, fmt.Sprintf("  %s = %s", k, x.Values[k]))
		}
		return report, true, nil
	}
	return report, false, nil
}
