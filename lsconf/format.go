package lsconf

import "strings"

// Format prints cfg in canonical Logstash syntax: two-space indentation,
// one attribute per line, hashes as blocks, and parentheses around every
// boolean operand that is itself an and/or/xor/nand, so that the grouping
// needs no knowledge of Logstash's precedence. Comments are not kept.
//
// Parsing the output with the same ParseOptions gives back an equal tree
// (positions aside): strings are printed as they were written (String.Raw),
// field references too (Selector.Raw).
func Format(cfg *Config) string {
	w := &printer{}
	for i, s := range cfg.Sections {
		if i > 0 {
			w.newline()
		}
		w.write(s.Kind + " ")
		w.block(s.Items)
		w.newline()
	}
	return w.b.String()
}

// String is Format(c).
func (c *Config) String() string { return Format(c) }

// FormatExpr prints a condition on one line.
func FormatExpr(e Expr) string { return formatExpr(e) }

// FormatValue prints a value on one line.
func FormatValue(v Value) string { return inlineValue(v) }

type printer struct {
	b         strings.Builder
	depth     int
	lineStart bool
}

// write appends s, indenting first if at the start of a line. s itself is
// never re-indented: a string literal may span lines.
func (w *printer) write(s string) {
	if w.b.Len() == 0 || w.lineStart {
		w.b.WriteString(strings.Repeat("  ", w.depth))
		w.lineStart = false
	}
	w.b.WriteString(s)
}

func (w *printer) newline() {
	w.b.WriteByte('\n')
	w.lineStart = true
}

// block prints { items } with the closing brace left open-ended, so that
// an else can follow on the same line.
func (w *printer) block(items []Item) {
	w.entries(len(items), func(i int) { w.item(items[i]) })
}

func (w *printer) item(it Item) {
	switch it := it.(type) {
	case *Plugin:
		w.plugin(it)
	case *Branch:
		for i, c := range it.Cases {
			if i == 0 {
				w.write("if " + formatExpr(c.Cond) + " ")
			} else {
				w.write(" else if " + formatExpr(c.Cond) + " ")
			}
			w.block(c.Items)
		}
		if it.Else != nil {
			w.write(" else ")
			w.block(it.Else)
		}
	}
}

func (w *printer) plugin(p *Plugin) {
	w.write(formatName(p.Name) + " ")
	w.entries(len(p.Attrs), func(i int) {
		w.write(formatName(p.Attrs[i].Name) + " => ")
		w.value(p.Attrs[i].Value)
	})
}

// entries prints n lines (`key => value`, or the items of a block), one
// per call of entry, between braces on their own lines ({} when there are
// none).
func (w *printer) entries(n int, entry func(i int)) {
	if n == 0 {
		w.write("{}")
		return
	}
	w.write("{")
	w.newline()
	w.depth++
	for i := range n {
		entry(i)
		w.newline()
	}
	w.depth--
	w.write("}")
}

// value prints a value in block form: hashes, plugins and arrays holding
// either span several lines.
func (w *printer) value(v Value) {
	switch v := v.(type) {
	case *Hash:
		w.entries(len(v.Entries), func(i int) {
			w.write(inlineValue(v.Entries[i].Key) + " => ")
			w.value(v.Entries[i].Value)
		})
	case *PluginValue:
		w.plugin(v.Plugin)
	case *Array:
		if !hasBlockValue(v) {
			w.write(inlineValue(v))
			return
		}
		w.write("[")
		w.newline()
		w.depth++
		for i, e := range v.Elems {
			w.value(e)
			if i < len(v.Elems)-1 {
				w.write(",")
			}
			w.newline()
		}
		w.depth--
		w.write("]")
	default:
		w.write(inlineValue(v))
	}
}

func hasBlockValue(a *Array) bool {
	for _, e := range a.Elems {
		switch e := e.(type) {
		case *Hash, *PluginValue:
			return true
		case *Array:
			if hasBlockValue(e) {
				return true
			}
		}
	}
	return false
}

func inlineValue(v Value) string {
	switch v := v.(type) {
	case *String:
		return formatString(v)
	case *Number:
		return v.Text
	case *Bool:
		return v.Text()
	case *Bareword:
		return v.Text
	case *Array:
		elems := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = inlineValue(e)
		}
		return "[" + strings.Join(elems, ", ") + "]"
	case *Hash:
		return inlineEntries(len(v.Entries), func(i int) string {
			return inlineValue(v.Entries[i].Key) + " => " + inlineValue(v.Entries[i].Value)
		})
	case *PluginValue:
		return inlinePlugin(v.Plugin)
	}
	return ""
}

func inlinePlugin(p *Plugin) string {
	return formatName(p.Name) + " " + inlineEntries(len(p.Attrs), func(i int) string {
		return formatName(p.Attrs[i].Name) + " => " + inlineValue(p.Attrs[i].Value)
	})
}

// inlineEntries prints n `key => value` pairs, one per call of entry, on
// one line between braces ({} when there are none).
func inlineEntries(n int, entry func(i int) string) string {
	if n == 0 {
		return "{}"
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		b.WriteString(" " + entry(i))
	}
	b.WriteString(" }")
	return b.String()
}

// formatName prints a plugin or attribute name bare when the grammar's
// name rule allows it, quoted otherwise.
func formatName(name string) string {
	if name != "" && strings.IndexFunc(name, func(r rune) bool { return r >= 0x80 || !isNameChar(byte(r)) }) < 0 {
		return name
	}
	return quoteRaw(name)
}

func formatString(s *String) string {
	if s.Quote == '"' || s.Quote == '\'' {
		return string(s.Quote) + s.Raw + string(s.Quote)
	}
	// Built by code: the value is written verbatim, which reads back the
	// same without config.support_escapes.
	return quoteRaw(s.Value)
}

// quoteRaw encloses raw text in the quote that lets the grammar read it
// back unchanged: double quotes unless raw holds a double quote not
// preceded by a backslash (or ends in a backslash), then single quotes. A
// text that fits neither cannot be written in Logstash's syntax; it gets
// double quotes anyway.
func quoteRaw(raw string) string {
	for _, q := range []byte{'"', '\''} {
		lit := string(q) + raw + string(q)
		s := scanner{src: []byte(lit)}
		if got, ok := s.scanQuoted(q); ok && s.off == len(lit) && got == raw {
			return lit
		}
	}
	return `"` + raw + `"`
}

func formatExpr(e Expr) string {
	switch e := e.(type) {
	case *Binary:
		return operand(e.L) + " " + e.Op + " " + operand(e.R)
	case *Not:
		if sel, ok := e.X.(*Selector); ok {
			return "!" + formatSelector(sel)
		}
		return "!(" + formatExpr(e.X) + ")"
	case *Compare:
		return formatExpr(e.L) + " " + e.Op + " " + formatExpr(e.R)
	case *Match:
		return formatExpr(e.L) + " " + e.Op + " " + formatExpr(e.R)
	case *In:
		op := " in "
		if e.Negate {
			op = " not in "
		}
		return formatExpr(e.L) + op + formatExpr(e.R)
	case *Selector:
		return formatSelector(e)
	case *Regex:
		return "/" + e.Pattern + "/"
	case *String, *Number:
		return inlineValue(e.(Value))
	case *Array:
		s := inlineValue(e)
		if len(e.Elems) == 1 && !strings.ContainsAny(s[1:len(s)-1], "[],") {
			// As an rvalue, ["x"] would read back as a field reference;
			// a comment holding a comma keeps it a list (see parseRvalue).
			s = s[:len(s)-1] + " #,\n]"
		}
		return s
	case *MethodCall:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = formatExpr(a)
		}
		return e.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return ""
}

// operand parenthesises nested boolean operators, whatever the precedence.
func operand(e Expr) string {
	if _, ok := e.(*Binary); ok {
		return "(" + formatExpr(e) + ")"
	}
	return formatExpr(e)
}

func formatSelector(s *Selector) string {
	if s.Raw != "" {
		return s.Raw
	}
	return s.Ref.String()
}
