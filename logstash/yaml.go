package logstash

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

// ynode is a YAML value: *ymap, *yseq or *yscalar.
type ynode interface{ isYAML() }

// ymap is a mapping whose entries keep their order.
type ymap struct {
	entries []*yentry
}

// yentry is one key of a mapping. at (when valid) is the .conf position
// the entry comes from, label what it is (`filter "grok"`); lines below
// inherit both unless they have their own. comments are written as # lines
// before the entry.
type yentry struct {
	key      string
	val      ynode
	at       lsconf.Pos
	label    string
	comments []string
}

// yseq is a sequence; flow writes it on one line ([a, b]), which is only
// done for sequences of scalars.
type yseq struct {
	items []*yitem
	flow  bool
}

// yitem is one element of a sequence.
type yitem struct {
	val      ynode
	at       lsconf.Pos
	label    string
	comments []string
}

// yscalar is a scalar. A string is written quoted: single quotes when it
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
type yscalar struct {
	text    string
	literal bool
}

func (*ymap) isYAML()    {}
func (*yseq) isYAML()    {}
func (*yscalar) isYAML() {}

// str is a string that ingestd takes literally: ${ is escaped.
func str(s string) *yscalar { return &yscalar{text: strings.ReplaceAll(s, "${", "$${")} }

// rawStr is a string written as is (see yscalar).
func rawStr(s string) *yscalar { return &yscalar{text: s} }

// lit is a number or boolean written as is.
func lit(s string) *yscalar { return &yscalar{text: s, literal: true} }

func boolLit(b bool) *yscalar {
	if b {
		return lit("true")
	}
	return lit("false")
}

// set appends (or replaces) key in m and returns the entry.
func (m *ymap) set(key string, v ynode) *yentry {
	for _, e := range m.entries {
		if e.key == key {
			e.val = v
			return e
		}
	}
	e := &yentry{key: key, val: v}
	m.entries = append(m.entries, e)
	return e
}

// get returns the value of key, or nil.
func (m *ymap) get(key string) ynode {
	for _, e := range m.entries {
		if e.key == key {
			return e.val
		}
	}
	return nil
}

func (s *yseq) add(v ynode) *yitem {
	it := &yitem{val: v}
	s.items = append(s.items, it)
	return it
}

// strSeq is a flow sequence of strings (each escaped as str does).
func strSeq(vals []string) *yseq {
	s := &yseq{flow: true}
	for _, v := range vals {
		s.add(str(v))
	}
	return s
}

// origin is what a line of the generated YAML came from.
type origin struct {
	pos   lsconf.Pos
	label string
}

// yamlWriter renders nodes and records the origin of every line.
type yamlWriter struct {
	b     strings.Builder
	lines []origin // lines[i] is the origin of line i+1
	cur   origin
}

func (w *yamlWriter) line(indent int, text string) {
	w.b.WriteString(strings.Repeat(" ", indent))
	w.b.WriteString(text)
	w.b.WriteByte('\n')
	w.lines = append(w.lines, w.cur)
}

func (w *yamlWriter) comments(indent int, cs []string) {
	for _, c := range cs {
		for _, l := range strings.Split(c, "\n") {
			w.line(indent, strings.TrimRight("# "+l, " "))
		}
	}
}

// enter makes at/label the origin of the lines that follow, when valid,
// and returns the previous origin to restore.
func (w *yamlWriter) enter(at lsconf.Pos, label string) origin {
	prev := w.cur
	if at.IsValid() {
		w.cur = origin{pos: at, label: label}
	} else if label != "" {
		w.cur.label = label
	}
	return prev
}

// mapping writes the entries of m at indent.
func (w *yamlWriter) mapping(indent int, m *ymap) {
	for _, e := range m.entries {
		w.entry(indent, "", e)
	}
}

// entry writes one key; prefix ("- ") starts a sequence item on the
// key's line.
func (w *yamlWriter) entry(indent int, prefix string, e *yentry) {
	prev := w.enter(e.at, e.label)
	defer func() { w.cur = prev }()
	if prefix == "" {
		w.comments(indent, e.comments)
	}
	head := prefix + yamlKey(e.key) + ":"
	at := indent - len(prefix)
	switch v := e.val.(type) {
	case *yscalar:
		w.line(at, head+" "+v.render())
	case *ymap:
		if len(v.entries) == 0 {
			w.line(at, head+" {}")
			return
		}
		w.line(at, head)
		w.mapping(indent+2, v)
	case *yseq:
		if len(v.items) == 0 {
			w.line(at, head+" []")
			return
		}
		if v.flow {
			w.line(at, head+" "+v.renderFlow())
			return
		}
		w.line(at, head)
		w.sequence(indent+2, v)
	}
}

// sequence writes the items of s at indent.
func (w *yamlWriter) sequence(indent int, s *yseq) {
	for _, it := range s.items {
		prev := w.enter(it.at, it.label)
		w.comments(indent, it.comments)
		switch v := it.val.(type) {
		case *yscalar:
			w.line(indent, "- "+v.render())
		case *yseq:
			if v.flow || len(v.items) == 0 {
				w.line(indent, "- "+v.renderFlow())
			} else {
				w.line(indent, "-")
				w.sequence(indent+2, v)
			}
		case *ymap:
			if len(v.entries) == 0 {
				w.line(indent, "- {}")
				break
			}
			w.comments(indent, v.entries[0].comments)
			w.entry(indent+2, "- ", v.entries[0])
			for _, e := range v.entries[1:] {
				w.entry(indent+2, "", e)
			}
		}
		w.cur = prev
	}
}

func (s *yseq) renderFlow() string {
	parts := make([]string, len(s.items))
	for i, it := range s.items {
		switch v := it.val.(type) {
		case *yscalar:
			parts[i] = v.render()
		case *yseq:
			parts[i] = v.renderFlow()
		default:
			parts[i] = "{}" // not produced: flow sequences hold scalars
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlKey writes a key plainly when it is a simple word that YAML does
// not read as anything else, quoted otherwise.
func yamlKey(k string) string {
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
func nodeText(n ynode) string {
	switch v := n.(type) {
	case *yscalar:
		return v.render()
	case *yseq:
		return v.renderFlow()
	}
	return fmt.Sprint(n)
}

func (s *yscalar) render() string {
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

// text returns the scalar text set under key, if any.
func (m *ymap) text(key string) (string, bool) {
	for _, e := range m.entries {
		if e.key == key {
			if sc, ok := e.val.(*yscalar); ok {
				return sc.text, true
			}
		}
	}
	return "", false
}
