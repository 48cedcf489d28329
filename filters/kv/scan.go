package kv

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Logstash's kv builds one Ruby regex per filter and runs String#scan:
//
//	key value_split value? (field_split | $)
//
// key    = (?:\\.|[^<value_split><field_split>])+          (char-class mode)
//	      or ((?:(?!vs|fs)(?:\\.|.))+)                   (pattern mode)
//	value  = "…" | '…' | (…) | […] | <…> | unquoted run up to field_split
//
// with " *…* " around value_split when whitespace is lenient. Go's RE2 has
// no lookahead, so the scanner below walks the text by hand and reproduces
// that regex's backtracking where it is observable: a quoted value not
// followed by a field split falls back to the unquoted form, and an escape
// (\x) may be re-read as a plain backslash when that lets value_split match.
// Pattern mode uses Go regexps anchored at the current position for the
// split patterns, so those patterns are RE2 syntax (no lookaround).

// charClass is a Ruby/RE2 bracket expression such as "&?" or "<>,", tested
// a rune at a time. ASCII is looked up in a table built once.
type charClass struct {
	ascii [utf8.RuneSelf]bool
	re    *regexp.Regexp // for runes beyond ASCII
}

// newClass compiles "[" + chars + "]" (negated when negate).
func newClass(chars string, negate bool) (*charClass, error) {
	src := "[" + chars + "]"
	if negate {
		src = "[^" + chars + "]"
	}
	re, err := regexp.Compile(`^` + src + `$`)
	if err != nil {
		return nil, fmt.Errorf("character class %q: %w", src, err)
	}
	c := &charClass{re: re}
	var buf [1]byte
	for b := range utf8.RuneSelf {
		buf[0] = byte(b)
		c.ascii[b] = re.Match(buf[:])
	}
	return c, nil
}

func (c *charClass) has(r rune) bool {
	if r < utf8.RuneSelf {
		return c.ascii[r]
	}
	return c.re.MatchString(string(r))
}

// trim removes leading and trailing runs of the class's runes (trim_key,
// trim_value: Ruby's gsub(/^[c]+|[c]+$/, "")).
func (c *charClass) trim(s string) string { return strings.TrimFunc(s, c.has) }

// remove drops every rune of the class (remove_char_key/value).
func (c *charClass) remove(s string) string {
	return strings.Map(func(r rune) rune {
		if c.has(r) {
			return -1
		}
		return r
	}, s)
}

// splitter matches a separator at a position: one rune of a class, or a
// regexp anchored there.
type splitter struct {
	class   *charClass
	re      *regexp.Regexp // anchored with ^
	lenient bool           // value split: spaces allowed around it (class mode)
}

// at returns the length of the separator at s[i:], or -1.
func (sp *splitter) at(s string, i int) int {
	if sp.re != nil {
		loc := sp.re.FindStringIndex(s[i:])
		if loc == nil {
			return -1
		}
		return loc[1]
	}
	if !sp.lenient {
		return sp.classAt(s, i)
	}
	// / *[vs] */: the leading spaces are greedy but give back one when the
	// class itself holds a space (value_split => " ").
	sp0 := spaces(s, i)
	for j := sp0; j >= 0; j-- {
		if n := sp.classAt(s, i+j); n > 0 {
			end := i + j + n
			return end + spaces(s, end) - i
		}
	}
	return -1
}

func (sp *splitter) classAt(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if sp.class.has(r) {
		return n
	}
	return -1
}

func spaces(s string, i int) int {
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j - i
}

// scanner holds the compiled grammar of one filter.
type scanner struct {
	fs, vs   splitter
	pattern  bool       // field_split_pattern or value_split_pattern given
	keyStop  *charClass // class mode: runes that end a key (value and field split)
	valStop  *charClass // class mode: runes that end an unquoted value
	brackets bool
}

// pair is one key and its raw value as scanned.
type pair struct{ key, value string }

// scan calls fn for each key=value found in s, as Ruby's String#scan with
// the plugin's regex would yield them.
func (sc *scanner) scan(s string, fn func(pair)) {
	p := 0
	for p < len(s) {
		next, ok := sc.matchAt(s, p, fn)
		if !ok {
			// Every start inside the key that failed ends the same key at
			// the same place and fails alike: resume after it.
			if next <= p {
				_, n := utf8.DecodeRuneInString(s[p:])
				next = p + n
			}
		}
		p = next
	}
}

// matchAt tries the regex at p. On success it reports the pair and returns
// the end of the match; on failure it returns where the greedy key ended.
func (sc *scanner) matchAt(s string, p int, fn func(pair)) (int, bool) {
	end, escapes := sc.keyRun(s, p)
	if end == p {
		return p, false
	}
	// Greedy key first, then shorter keys ending right after a backslash
	// that the greedy pass read as the start of an escape.
	for c := len(escapes); c >= 0; c-- {
		k := end
		if c < len(escapes) {
			k = escapes[c]
		}
		n := sc.vs.at(s, k)
		if n < 0 {
			continue
		}
		value, stop := sc.value(s, k+n)
		fn(pair{key: s[p:k], value: value})
		return stop, true
	}
	return end, false
}

// keyRun returns the end of the greedy key starting at p and the positions
// just after each backslash read as an escape.
func (sc *scanner) keyRun(s string, p int) (end int, escapes []int) {
	i := p
	for i < len(s) {
		if sc.pattern {
			if s[i] == '\n' || sc.vs.at(s, i) >= 0 || sc.fs.at(s, i) >= 0 {
				break
			}
		}
		if n := escapeLen(s, i); n > 0 {
			escapes = append(escapes, i+1)
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !sc.pattern && sc.keyStop.has(r) {
			break
		}
		i += n
	}
	return i, escapes
}

// escapeLen is the length of `\\.` at i (a backslash and any rune but a
// newline, which Ruby's . does not match), or 0.
func escapeLen(s string, i int) int {
	if s[i] != '\\' || i+1 >= len(s) || s[i+1] == '\n' {
		return 0
	}
	_, n := utf8.DecodeRuneInString(s[i+1:])
	return 1 + n
}

// closers pairs each opening quote with its closing one, in the order the
// regex tries them.
var closers = [...][2]byte{{'"', '"'}, {'\'', '\''}, {'(', ')'}, {'[', ']'}, {'<', '>'}}

// value reads the (optional) value at v and the field split after it. It
// returns the value text and the end of the match.
func (sc *scanner) value(s string, v int) (string, int) {
	if v < len(s) {
		for qi, q := range closers {
			if qi >= 2 && !sc.brackets {
				break
			}
			if s[v] != q[0] {
				continue
			}
			if val, end, ok := sc.quoted(s, v, q[1]); ok {
				return val, end
			}
		}
		if val, end, ok := sc.unquoted(s, v); ok {
			return val, end
		}
	}
	// Empty value: field split or end of line must follow (it does, or the
	// unquoted form would have matched).
	return "", v + max(sc.fs.at(s, v), 0)
}

// quoted matches open (?:\\.|[^close])* close followed by a field split or
// end of line, trying the greedy close first and then earlier escaped ones.
func (sc *scanner) quoted(s string, open int, closeQ byte) (string, int, bool) {
	i := open + 1
	var cands []int
	for i < len(s) && s[i] != closeQ {
		if n := escapeLen(s, i); n > 0 {
			if s[i+1] == closeQ {
				cands = append(cands, i+1)
			}
			i += n
			continue
		}
		i++
	}
	if i < len(s) {
		cands = append(cands, i)
	}
	for j := len(cands) - 1; j >= 0; j-- {
		c := cands[j]
		if end, ok := sc.afterValue(s, c+1); ok {
			return s[open+1 : c], end, true
		}
	}
	return "", 0, false
}

// unquoted matches a non-empty run up to a field split (or, in pattern
// mode, a newline).
func (sc *scanner) unquoted(s string, v int) (string, int, bool) {
	i := v
	for i < len(s) {
		if sc.pattern && (s[i] == '\n' || sc.fs.at(s, i) >= 0) {
			break
		}
		if n := escapeLen(s, i); n > 0 {
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !sc.pattern && sc.valStop.has(r) {
			break
		}
		i += n
	}
	if i == v {
		return "", 0, false
	}
	end, _ := sc.afterValue(s, i)
	return s[v:i], end, true
}

// afterValue matches (field_split | $) at i: the field split is consumed,
// the end of a line is not.
func (sc *scanner) afterValue(s string, i int) (int, bool) {
	if n := sc.fs.at(s, i); n >= 0 {
		return i + n, true
	}
	if i == len(s) || s[i] == '\n' {
		return i, true
	}
	return i, false
}
