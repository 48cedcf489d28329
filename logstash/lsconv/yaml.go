package lsconv

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ingestd/ingestd/lsconf"
)

// The converted config is written by a small block-style YAML writer
// rather than yaml.v3's encoder, because the writer must know on which
// line each piece lands: every line records the logstash.conf position it
// came from, so that a problem ingestd's loader finds in the generated
// YAML is reported at FILE:LINE:COL of the .conf.

// YNode is a YAML value: *ymap, *yseq or *yscalar.
type YNode interface{ isYAML() }

// YMap is a mapping whose entries keep their order.
type YMap struct {
	Entries []*yentry
}

// yentry is one key of a mapping. at (when valid) is the .conf position
// the entry comes from, label what it is (`filter "grok"`); lines below
// inherit both unless they have their own. comments are written as # lines
// before the entry.
type yentry struct {
	key      string
	val      YNode
	At       lsconf.Pos
	Label    string
	Comments []string
}

// YSeq is a sequence; flow writes it on one line ([a, b]), which is only
// done for sequences of scalars.
type YSeq struct {
	Items []*YItem
	Flow  bool
}

// YItem is one element of a sequence.
type YItem struct {
	Val      YNode
	At       lsconf.Pos
	Label    string
	Comments []string
}

// YScalar is a scalar. A string is written quoted: single quotes when it
// is printable text (backslashes and quotes stay readable, which matters
// for regular expressions), double quotes with escapes otherwise. literal
// text (numbers, booleans) is written as is.
//
// ingestd expands ${VAR} in most config values (those its spec decodes as
// strings, templates, conditions), so a string that must reach ingestd as
// written has its ${ escaped as $${ (see str); raw strings (the values of
// mutate's replace and append, which ingestd decodes as untyped values and
// does not expand, and placeholders kept on purpose) are written as they
// are.
type YScalar struct {
	text    string
	literal bool
}

func (*YMap) isYAML()    {}
func (*YSeq) isYAML()    {}
func (*YScalar) isYAML() {}

// Str is a string that ingestd takes literally: ${ is escaped.
func Str(s string) *YScalar { return &YScalar{text: strings.ReplaceAll(s, "${", "$${")} }

// RawStr is a string written as is (see yscalar).
func RawStr(s string) *YScalar { return &YScalar{text: s} }

// Lit is a number or boolean written as is.
func Lit(s string) *YScalar { return &YScalar{text: s, literal: true} }

// BoolLit is a YAML boolean.
func BoolLit(b bool) *YScalar {
	if b {
		return Lit("true")
	}
	return Lit("false")
}

// Set appends (or replaces) key in m and returns the entry.
func (m *YMap) Set(key string, v YNode) *yentry {
	for _, e := range m.Entries {
		if e.key == key {
			e.val = v
			return e
		}
	}
	e := &yentry{key: key, val: v}
	m.Entries = append(m.Entries, e)
	return e
}

// Has reports whether the map holds key.
func (m *YMap) Has(key string) bool { return m.get(key) != nil }

// get returns the value of key, or nil.
func (m *YMap) get(key string) YNode {
	for _, e := range m.Entries {
		if e.key == key {
			return e.val
		}
	}
	return nil
}

// Add appends v to the sequence and returns its item.
func (s *YSeq) Add(v YNode) *YItem {
	it := &YItem{Val: v}
	s.Items = append(s.Items, it)
	return it
}

// StrSeq is a flow sequence of strings (each escaped as str does).
func StrSeq(vals []string) *YSeq {
	s := &YSeq{Flow: true}
	for _, v := range vals {
		s.Add(Str(v))
	}
	return s
}

// Origin is what a line of the generated YAML came from.
type Origin struct {
	Pos   lsconf.Pos
	Label string
}

// YAMLWriter renders nodes and records the origin of every line.
type YAMLWriter struct {
	Text  strings.Builder
	Lines []Origin // lines[i] is the origin of line i+1
	cur   Origin
}

func (w *YAMLWriter) line(indent int, text string) {
	w.Text.WriteString(strings.Repeat(" ", indent))
	w.Text.WriteString(text)
	w.Text.WriteByte('\n')
	w.Lines = append(w.Lines, w.cur)
}

// Comments writes cs as comment lines at indent.
func (w *YAMLWriter) Comments(indent int, cs []string) {
	for _, c := range cs {
		for _, l := range strings.Split(c, "\n") {
			w.line(indent, strings.TrimRight("# "+l, " "))
		}
	}
}

// enter makes at/label the origin of the lines that follow, when valid,
// and returns the previous origin to restore.
func (w *YAMLWriter) enter(at lsconf.Pos, label string) Origin {
	prev := w.cur
	if at.IsValid() {
		w.cur = Origin{Pos: at, Label: label}
	} else if label != "" {
		w.cur.Label = label
	}
	return prev
}

// Mapping writes the entries of m at indent.
func (w *YAMLWriter) Mapping(indent int, m *YMap) {
	for _, e := range m.Entries {
		w.entry(indent, "", e)
	}
}

// entry writes one key; prefix ("- ") starts a sequence item on the
// key's line.
func (w *YAMLWriter) entry(indent int, prefix string, e *yentry) {
	prev := w.enter(e.At, e.Label)
	defer func() { w.cur = prev }()
	if prefix == "" {
		w.Comments(indent, e.Comments)
	}
	head := prefix + YAMLKey(e.key) + ":"
	at := indent - len(prefix)
	switch v := e.val.(type) {
	case *YScalar:
		w.line(at, head+" "+v.Render())
	case *YMap:
		if len(v.Entries) == 0 {
			w.line(at, head+" {}")
			return
		}
		w.line(at, head)
		w.Mapping(indent+2, v)
	case *YSeq:
		if len(v.Items) == 0 {
			w.line(at, head+" []")
			return
		}
		if v.Flow {
			w.line(at, head+" "+v.renderFlow())
			return
		}
		w.line(at, head)
		w.sequence(indent+2, v)
	}
}

// sequence writes the items of s at indent.
func (w *YAMLWriter) sequence(indent int, s *YSeq) {
	for _, it := range s.Items {
		prev := w.enter(it.At, it.Label)
		w.Comments(indent, it.Comments)
		switch v := it.Val.(type) {
		case *YScalar:
			w.line(indent, "- "+v.Render())
		case *YSeq:
			if v.Flow || len(v.Items) == 0 {
				w.line(indent, "- "+v.renderFlow())
			} else {
				w.line(indent, "-")
				w.sequence(indent+2, v)
			}
		case *YMap:
			if len(v.Entries) == 0 {
				w.line(indent, "- {}")
				break
			}
			w.Comments(indent, v.Entries[0].Comments)
			w.entry(indent+2, "- ", v.Entries[0])
			for _, e := range v.Entries[1:] {
				w.entry(indent+2, "", e)
			}
		}
		w.cur = prev
	}
}

func (s *YSeq) renderFlow() string {
	parts := make([]string, len(s.Items))
	for i, it := range s.Items {
		switch v := it.Val.(type) {
		case *YScalar:
			parts[i] = v.Render()
		case *YSeq:
			parts[i] = v.renderFlow()
		default:
			parts[i] = "{}" // not produced: flow sequences hold scalars
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// YAMLKey writes a key plainly when it is a simple word that YAML does
// not read as anything else, quoted otherwise.
func YAMLKey(k string) string {
	if plainKey.MatchString(k) && !yamlSpecialWord(k) {
		return k
	}
	return quote(k)
}

// yamlSpecialWord lists the plain words YAML 1.1 or 1.2 resolve to
// booleans or null.
func yamlSpecialWord(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return true
	}
	return false
}

// nodeText is a scalar's or a flow sequence's text, for comparing values.
func nodeText(n YNode) string {
	switch v := n.(type) {
	case *YScalar:
		return v.Render()
	case *YSeq:
		return v.renderFlow()
	}
	return fmt.Sprint(n)
}

// Render is the scalar as YAML text: quoted when it must be.
func (s *YScalar) Render() string {
	if s.literal {
		return s.text
	}
	return quote(s.text)
}

// quote writes s as a YAML string: single-quoted when every character is
// printable (only ' needs doubling there), double-quoted with escapes
// otherwise.
func quote(s string) string {
	printable := utf8.ValidString(s)
	for _, r := range s {
		if !printable || (!unicode.IsPrint(r) && r != ' ') || r == '\uFEFF' {
			printable = false
			break
		}
	}
	if printable {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Invalid UTF-8 cannot be carried by YAML: write the
			// replacement character, as a decoder would read it.
			b.WriteString(`\uFFFD`)
			i++
			continue
		}
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case (unicode.IsPrint(r) || r == ' ') && r != '\uFEFF':
			b.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Text returns the scalar text set under key, if any.
func (m *YMap) Text(key string) (string, bool) {
	for _, e := range m.Entries {
		if e.key == key {
			if sc, ok := e.val.(*YScalar); ok {
				return sc.text, true
			}
		}
	}
	return "", false
}

// At makes an option's line come from the attribute a (when given), so a
// problem the loader finds there is reported at it.
func At(e *yentry, a *lsconf.Attr, label string) {
	if a != nil {
		e.At, e.Label = a.Pos, label
	}
}
