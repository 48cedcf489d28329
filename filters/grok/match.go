package grok

import (
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The matcher. vjeantet/grok expands and checks the patterns (and serves
// explain), but its Parse builds a map per attempt, a miss included, and
// runs the whole regex even where a pattern ends by capturing the rest of
// a multi-line event: Go's regexp then tracks captures byte by byte over a
// kilobyte traceback. The filter matches with the same expanded regex
// itself, and when the pattern ends in such a tail it matches the head
// only and takes the tail by index (see tailKind). A test holds the
// captures equal to vjeantet's on every shipped pattern and corpus line.

// tailKind is how a pattern ends.
type tailKind uint8

const (
	// noTail: the whole regex runs.
	noTail tailKind = iota
	// restTail: (?P<n>(?s:.*))$ — n is everything after the head, which
	// can always take it: the head's preferred match is the match.
	restTail
	// optionalLineTail: (?:\n(?P<n>(?s:.+)))?$ — n is what follows a
	// newline after the head, or absent at the end of the text. When the
	// head's preferred match leaves anything else, the whole regex runs
	// (it may match the head differently).
	optionalLineTail
	// literalSplit: the whole pattern is ^(?P<a>(?s:.*?))(?:L(?P<b>M(?s:.*)))?$
	// with literals L and M (a message, then an optional traceback that
	// starts with a known line): a is the text before the first L+M, b
	// the rest after L; without L+M, a is the text and b absent.
	literalSplit
	// prefixedTail: (?P<n>X.*)$ — n runs from where X matched to the end
	// of the text: the head ends with (?P<n>X). With . not matching a
	// newline (no s flag), the rest after X must hold none, else the
	// whole regex decides. dcache.yml's HTTP protocol pattern ends in
	// (?<[dcache][http_path]>(?:/|null).*)$: the regexp engine stepped
	// through every byte of the path.
	prefixedTail
)

// splitTail finds a tail of the forms above at the end of the pattern re
// and cuts it off re (in place), returning the tail's capture name; nl
// tells whether a prefixedTail's run stops at a newline.
func splitTail(re *syntax.Regexp, nl *bool) (kind tailKind, name string) {
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return noTail, ""
	}
	t := re.Sub[len(re.Sub)-2]
	anyRun := func(r *syntax.Regexp, op syntax.Op) bool {
		return r.Op == op && r.Sub[0].Op == syntax.OpAnyChar
	}
	switch {
	case t.Op == syntax.OpCapture && t.Name != "" && anyRun(t.Sub[0], syntax.OpStar):
		kind, name = restTail, t.Name
	case t.Op == syntax.OpQuest && t.Sub[0].Op == syntax.OpConcat && len(t.Sub[0].Sub) == 2:
		nl, c := t.Sub[0].Sub[0], t.Sub[0].Sub[1]
		if nl.Op != syntax.OpLiteral || string(nl.Rune) != "\n" || c.Op != syntax.OpCapture || c.Name == "" || !anyRun(c.Sub[0], syntax.OpPlus) {
			return noTail, ""
		}
		kind, name = optionalLineTail, c.Name
	case t.Op == syntax.OpCapture && t.Name != "" && t.Sub[0].Op == syntax.OpConcat && len(t.Sub[0].Sub) >= 2:
		c := t.Sub[0]
		star := c.Sub[len(c.Sub)-1]
		if star.Op != syntax.OpStar || star.Flags&syntax.NonGreedy != 0 || (star.Sub[0].Op != syntax.OpAnyChar && star.Sub[0].Op != syntax.OpAnyCharNotNL) {
			return noTail, ""
		}
		*nl = star.Sub[0].Op == syntax.OpAnyCharNotNL
		if len(c.Sub) == 2 {
			t.Sub[0] = c.Sub[0]
		} else {
			c.Sub = c.Sub[:len(c.Sub)-1]
		}
		re.Sub = re.Sub[:len(re.Sub)-1] // the capture stays, holding X
		return prefixedTail, t.Name
	default:
		return noTail, ""
	}
	re.Sub = re.Sub[:len(re.Sub)-2]
	return kind, name
}

// withinLine reports whether every match of re lies within one line: it
// cannot match a newline and does not look for the end of the text (which
// a line's end would fake).
func withinLine(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpAnyChar, syntax.OpEndText:
		return false
	case syntax.OpLiteral:
		if slices.Contains(re.Rune, '\n') {
			return false
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return false
			}
		}
	}
	for _, sub := range re.Sub {
		if !withinLine(sub) {
			return false
		}
	}
	return true
}

// splitRun cuts a final (?P<run>[^\n]*)L (L a literal without a newline)
// off the head re, returning run's name and L.
func splitRun(re *syntax.Regexp) (name, lit string) {
	if re.Op != syntax.OpConcat || len(re.Sub) < 3 {
		return "", ""
	}
	c, l := re.Sub[len(re.Sub)-2], re.Sub[len(re.Sub)-1]
	if l.Op != syntax.OpLiteral || l.Flags&syntax.FoldCase != 0 || slices.Contains(l.Rune, '\n') || len(l.Rune) == 0 {
		return "", ""
	}
	if c.Op != syntax.OpCapture || c.Name == "" || c.Sub[0].Op != syntax.OpStar || c.Sub[0].Flags&syntax.NonGreedy != 0 {
		return "", ""
	}
	class := c.Sub[0].Sub[0]
	notNL := class.Op == syntax.OpAnyCharNotNL ||
		class.Op == syntax.OpCharClass && slices.Equal(class.Rune, []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune})
	if !notNL {
		return "", ""
	}
	re.Sub = re.Sub[:len(re.Sub)-2]
	return c.Name, string(l.Rune)
}

// anchoredStart reports whether re begins with ^ (the start of the text).
func anchoredStart(re *syntax.Regexp) bool {
	for {
		switch re.Op {
		case syntax.OpBeginText:
			return true
		case syntax.OpConcat, syntax.OpCapture:
			if len(re.Sub) == 0 {
				return false
			}
			re = re.Sub[0]
		default:
			return false
		}
	}
}

// anchoredPrefix returns the literal that every match of re, anchored at
// the start of the text, begins with ("" when re is not anchored or begins
// with something else). dcache.yml tries three anchored patterns on each
// transfer's protocol (Remote…, Http…, then any name): Go's regexp clears
// a bitmap the size of the program times the text before it looks at the
// first byte, so a pattern whose first letter cannot match still cost
// as much as one that matched.
func anchoredPrefix(re *syntax.Regexp) string {
	var prefix []rune
	anchored := false
	pending := []*syntax.Regexp{re}
	for len(pending) > 0 {
		r := pending[0]
		pending = pending[1:]
		switch {
		case r.Op == syntax.OpConcat:
			pending = append(slices.Clone(r.Sub), pending...)
		case r.Op == syntax.OpCapture:
			pending = append([]*syntax.Regexp{r.Sub[0]}, pending...)
		case r.Op == syntax.OpBeginText && !anchored && len(prefix) == 0:
			anchored = true
		case r.Op == syntax.OpLiteral && anchored && r.Flags&syntax.FoldCase == 0:
			// A literal U+FFFD matches any invalid byte in Go's regexp,
			// not only its own encoding: the prefix ends before it.
			if i := slices.Index(r.Rune, utf8.RuneError); i >= 0 {
				return string(append(prefix, r.Rune[:i]...))
			}
			prefix = append(prefix, r.Rune...)
		default:
			pending = nil
		}
	}
	return string(prefix)
}

// splitForm recognises the literalSplit form on the whole pattern re and
// returns a's and b's names and the literals.
func splitForm(re *syntax.Regexp) (a, b, l, m string, ok bool) {
	if re.Op != syntax.OpConcat || len(re.Sub) != 4 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[3].Op != syntax.OpEndText {
		return
	}
	ca, q := re.Sub[1], re.Sub[2]
	if ca.Op != syntax.OpCapture || ca.Name == "" || ca.Sub[0].Op != syntax.OpStar || ca.Sub[0].Flags&syntax.NonGreedy == 0 || ca.Sub[0].Sub[0].Op != syntax.OpAnyChar {
		return
	}
	if q.Op != syntax.OpQuest || q.Sub[0].Op != syntax.OpConcat || len(q.Sub[0].Sub) != 2 {
		return
	}
	lit, cb := q.Sub[0].Sub[0], q.Sub[0].Sub[1]
	if lit.Op != syntax.OpLiteral || lit.Flags&syntax.FoldCase != 0 || cb.Op != syntax.OpCapture || cb.Name == "" || cb.Sub[0].Op != syntax.OpConcat || len(cb.Sub[0].Sub) != 2 {
		return
	}
	mlit, rest := cb.Sub[0].Sub[0], cb.Sub[0].Sub[1]
	if mlit.Op != syntax.OpLiteral || mlit.Flags&syntax.FoldCase != 0 || rest.Op != syntax.OpStar || rest.Flags&syntax.NonGreedy != 0 || rest.Sub[0].Op != syntax.OpAnyChar {
		return
	}
	return ca.Name, cb.Name, string(lit.Rune), string(mlit.Rune), true
}

// dropUnnamed turns the unnamed groups (vjeantet wraps every %{NAME} in
// one) into plain groups: nothing stores them, and Go's regexp copies
// every capture slot of every thread at every byte.
func dropUnnamed(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture && re.Name == "" {
		re = re.Sub[0]
	}
	for i := range re.Sub {
		re.Sub[i] = dropUnnamed(re.Sub[i])
	}
	return re
}

// matcher is a pattern compiled for matching.
type matcher struct {
	full *regexp.Regexp // the expanded pattern, unnamed groups dropped
	head *regexp.Regexp // without its tail (tail != noTail)
	// prefix is what every match starts with (anchoredPrefix): a text
	// without it is no match, without running the regexp.
	prefix string
	tail   tailKind
	// tailNL: a prefixedTail's rest holds no newline.
	tailNL bool
	// firstLine: head matches within a line and is anchored at the start,
	// so it runs on the first line only. Go's regexp picks its engine by
	// the length of the input: its backtracker for short inputs, its much
	// slower NFA for long ones, such as a whole event with a traceback.
	firstLine bool
	// runLit: head ended in (?P<run>[^\n]*)L, which is cut off too: run
	// is the line up to the L the tail accepts (a long message in quotes
	// would otherwise cost the regex engine its whole length).
	runLit string
	// The literalSplit form: a and b are the stores' indexes.
	splitL, splitLM string // L, and L+M
	splitA, splitB  int
	// stores lists the captures to store, in the order their names first
	// appear in the pattern (Logstash's grok yields them in the order of
	// Ruby's Regexp#named_captures), each at the last group of that name
	// (what vjeantet's map keeps).
	stores []store
}

type store struct {
	name  string
	group int // in full
	// inHead is the group in head, or -1 for the tail, -2 for the run.
	inHead int
	// fromGroup: the text from group inHead's start to the end (a
	// prefixedTail).
	fromGroup bool
}

// lastGroups maps each capture name of re to its last group.
func lastGroups(re *regexp.Regexp) map[string]int {
	last := map[string]int{}
	for i, name := range re.SubexpNames() {
		if name != "" {
			last[name] = i
		}
	}
	return last
}

// newMatcher compiles an expanded pattern (its captures renamed, without
// the sentinel).
func newMatcher(expanded string) (*matcher, error) {
	tree, err := syntax.Parse(expanded, syntax.Perl)
	if err != nil {
		return nil, err
	}
	tree = dropUnnamed(tree)
	full, err := regexp.Compile(regexpSource(tree))
	if err != nil {
		return nil, err
	}
	m := &matcher{full: full, prefix: anchoredPrefix(tree)}
	last := lastGroups(full)
	for _, name := range full.SubexpNames() {
		if g, ok := last[name]; ok {
			m.stores = append(m.stores, store{name: name, group: g})
			delete(last, name)
		}
	}
	last = lastGroups(full)

	if a, b, l, lm, ok := splitForm(tree); ok && len(m.stores) == 2 {
		m.tail, m.splitL, m.splitLM = literalSplit, l, l+lm
		for i, s := range m.stores {
			if s.name == a {
				m.splitA = i
			} else if s.name == b {
				m.splitB = i
			}
		}
		if m.stores[m.splitA].name == a && m.stores[m.splitB].name == b && a != b {
			return m, nil
		}
		m.tail = noTail
	}
	var tailNL bool
	kind, tailName := splitTail(tree, &tailNL)
	if kind == noTail || slices.Index(full.SubexpNames(), tailName) != last[tailName] {
		return m, nil // no tail, or its name is used twice
	}
	runName, runLit := "", ""
	if withinLine(tree) && anchoredStart(tree) {
		runName, runLit = splitRun(tree)
	}
	head, err := regexp.Compile(regexpSource(tree))
	if err != nil {
		return m, nil
	}
	inHead := lastGroups(head)
	for i := range m.stores {
		s := &m.stores[i]
		g, ok := inHead[s.name]
		switch {
		case s.name == tailName && kind == prefixedTail:
			if !ok {
				return m, nil
			}
			s.inHead, s.fromGroup = g, true
		case s.name == tailName:
			s.inHead = -1
		case s.name == runName && !ok:
			s.inHead = -2
		case ok:
			s.inHead = g
		default:
			return m, nil
		}
	}
	m.head, m.tail, m.runLit, m.tailNL = head, kind, runLit, tailNL
	m.firstLine = withinLine(tree) && anchoredStart(tree)
	return m, nil
}

// match returns, for each store, the captured text ("" when the group did
// not take part, as vjeantet reports it), or ok false.
func (m *matcher) match(text string, out []string) (_ []string, ok bool) {
	out = out[:0]
	if m.tail == literalSplit {
		out = append(out, "", "")
		if i := strings.Index(text, m.splitLM); i >= 0 {
			out[m.splitA], out[m.splitB] = text[:i], text[i+len(m.splitL):]
		} else {
			out[m.splitA] = text
		}
		return out, true
	}
	if !strings.HasPrefix(text, m.prefix) {
		return out, false
	}
	if m.head != nil {
		search := text
		if m.firstLine {
			if nl := strings.IndexByte(text, '\n'); nl >= 0 {
				search = text[:nl]
			}
		}
		if loc := m.head.FindStringSubmatchIndex(search); loc != nil {
			tail, fits := "", true
			end, run := loc[1], ""
			if m.runLit != "" { // search is the first line
				j := -1
				switch m.tail {
				case optionalLineTail: // the tail needs the line's end right after L
					if strings.HasSuffix(search, m.runLit) && len(search)-len(m.runLit) >= end {
						j = len(search) - len(m.runLit)
					}
				case restTail: // the greedy run reaches the line's last L
					if k := strings.LastIndex(search[end:], m.runLit); k >= 0 {
						j = end + k
					}
				}
				if j < 0 {
					fits = false // the whole regex decides
				} else {
					run, end = search[loc[1]:j], j+len(m.runLit)
				}
			}
			rest := text[end:]
			switch m.tail {
			case restTail:
				tail = rest
			case optionalLineTail:
				switch {
				case !fits:
				case rest == "":
				case len(rest) >= 2 && rest[0] == '\n':
					tail = rest[1:]
				default:
					fits = false
				}
			case prefixedTail:
				fits = fits && (!m.tailNL || strings.IndexByte(rest, '\n') < 0)
			}
			if fits {
				for _, s := range m.stores {
					switch s.inHead {
					case -1:
						out = append(out, tail)
					case -2:
						out = append(out, run)
					default:
						if s.fromGroup && loc[2*s.inHead] >= 0 {
							out = append(out, text[loc[2*s.inHead]:])
							continue
						}
						out = append(out, group(text, loc, s.inHead))
					}
				}
				return out, true
			}
		} else {
			return out, false // the head cannot match: neither can the whole
		}
	}
	loc := m.full.FindStringSubmatchIndex(text)
	if loc == nil {
		return out, false
	}
	for _, s := range m.stores {
		out = append(out, group(text, loc, s.group))
	}
	return out, true
}

// absent reports, for each store, whether its group took no part in the
// match of text (which matched): match gives "" for it, as vjeantet does,
// and Logstash's grok nil. Only keep_empty_captures tells them apart, so
// this runs the whole regex again, off the filter's usual path.
func (m *matcher) absent(text string) []bool {
	out := make([]bool, len(m.stores))
	loc := m.full.FindStringSubmatchIndex(text)
	for i, s := range m.stores {
		out[i] = loc == nil || loc[2*s.group] < 0
	}
	return out
}

func group(text string, loc []int, i int) string {
	if loc[2*i] < 0 {
		return ""
	}
	return text[loc[2*i]:loc[2*i+1]]
}

// compiledRegexp returns the regexp vjeantet/grok compiled for pattern
// (after g.Match or g.Parse compiled it). It has no API for it, and the
// filter must run exactly what vjeantet would: its default patterns and
// its expansion included. The cache it reads is a plain map field; a test
// fails should a vjeantet upgrade move it.
func compiledRegexp(g any, pattern string) (*regexp.Regexp, error) {
	cache := reflect.ValueOf(g).Elem().FieldByName("compiledPatterns")
	if !cache.IsValid() || cache.Kind() != reflect.Map {
		return nil, fmt.Errorf("vjeantet/grok: compiled pattern cache not found")
	}
	gr := cache.MapIndex(reflect.ValueOf(pattern))
	if !gr.IsValid() || gr.IsNil() {
		return nil, fmt.Errorf("vjeantet/grok: pattern not compiled")
	}
	re := gr.Elem().FieldByName("regexp")
	if !re.IsValid() || re.Type() != reflect.TypeOf((*regexp.Regexp)(nil)) || re.IsNil() {
		return nil, fmt.Errorf("vjeantet/grok: compiled regexp not found")
	}
	return (*regexp.Regexp)(re.UnsafePointer()), nil
}
