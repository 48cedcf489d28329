package lsconf

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/ingestd/ingestd/lsconf/fieldref"
)

// ParseOptions are the Logstash settings that change how a configuration
// reads. The zero value is Logstash's default.
type ParseOptions struct {
	// SupportEscapes is config.support_escapes: when true, \" \' \\ \n \r
	// \t and \0 in quoted strings are processed; when false (Logstash's
	// default) strings are taken verbatim, backslashes included.
	SupportEscapes bool
	// FieldRefEscape is config.field_reference.escape_style, applied to
	// field references in conditions.
	FieldRefEscape fieldref.EscapeStyle
}

// maxErrors bounds how many problems one file reports.
const maxErrors = 20

// maxDepth bounds nesting (of values, conditions and blocks) so that
// hostile input cannot exhaust the stack.
const maxDepth = 500

// Parse parses one configuration file. file names the source in positions
// and errors.
//
// The error, when not nil, is an ErrorList. The Config is returned even
// then, holding what was parsed, for tools that want to show it; it must
// not be run.
func Parse(file string, src []byte, opts ParseOptions) (*Config, error) {
	p := &parser{scanner: scanner{src: src}, lines: newLineIndex(file, src), opts: opts}
	cfg := &Config{}
	if err := p.checkEncoding(); err != nil {
		return cfg, ErrorList{err}
	}
	func() {
		defer p.recoverBailout()
		p.parseConfig(cfg)
	}()
	p.errs.sortByOffset()
	return cfg, p.errs.Err()
}

// ParseString is Parse for a configuration held in a string, such as
// config.string or -e.
func ParseString(file, src string, opts ParseOptions) (*Config, error) {
	return Parse(file, []byte(src), opts)
}

type parser struct {
	scanner
	lines *lineIndex
	opts  ParseOptions
	errs  ErrorList
	depth int
	// section is the kind of the section being parsed; Logstash checks
	// input and output plugins for repeated codecs.
	section string
}

// bailout carries a syntax error up to Parse (or to an attempt) by panic:
// after a syntax error there is nothing sensible left to parse, and
// returning errors through every level would bury the grammar.
type bailout struct{ err *Error }

func (p *parser) recoverBailout() {
	if r := recover(); r != nil {
		b, ok := r.(bailout)
		if !ok {
			panic(r)
		}
		p.errs = append(p.errs, b.err)
	}
}

func (p *parser) errorAt(off int, format string, args ...any) *Error {
	return &Error{Pos: p.lines.pos(off), Msg: fmt.Sprintf(format, args...)}
}

// fail reports a syntax error at off and abandons the parse.
func (p *parser) fail(off int, format string, args ...any) {
	panic(bailout{p.errorAt(off, format, args...)})
}

// report records a problem that does not stop the parse.
func (p *parser) report(off int, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, p.errorAt(off, format, args...))
	}
}

// attempt runs f as one alternative of an ordered choice: if f hits a
// syntax error, the position and the problems f reported are rolled back
// and the error returned, so that the caller can try another alternative.
func (p *parser) attempt(f func()) (err *Error) {
	off, nerrs, depth := p.off, len(p.errs), p.depth
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			p.off, p.errs, p.depth = off, p.errs[:nerrs], depth
			err = b.err
		}
	}()
	f()
	return nil
}

// probe reports whether f would parse without a syntax error, leaving the
// position and the reported problems as they were either way.
func (p *parser) probe(f func()) bool {
	off, nerrs, depth := p.off, len(p.errs), p.depth
	err := p.attempt(f)
	p.off, p.errs, p.depth = off, p.errs[:nerrs], depth
	return err == nil
}

// farther returns the error found further into the text, as a PEG parser
// reports the failure at the furthest position it reached; a tie goes to a.
func farther(a, b *Error) *Error {
	if b.Pos.Offset > a.Pos.Offset {
		return b
	}
	return a
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.off, "nesting deeper than %d levels", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// cs skips whitespace and comments (the grammar's cs rule).
func (p *parser) cs() {
	if bad := p.skipCS(); bad >= 0 {
		p.fail(bad, "comment ends with a carriage return not followed by a newline (Logstash's grammar rejects it)")
	}
}

func (p *parser) checkEncoding() *Error {
	if !utf8.Valid(p.src) {
		off := 0
		for off < len(p.src) {
			r, n := utf8.DecodeRune(p.src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		// Logstash refuses such files outright: "The following config files
		// contains non-ascii characters but are not UTF-8 encoded".
		return p.errorAt(off, "file is not valid UTF-8")
	}
	if bytes.HasPrefix(p.src, []byte("\uFEFF")) {
		// Treetop sees the byte order mark as a character where a section
		// should start, so Logstash rejects the file.
		return p.errorAt(0, "file starts with a UTF-8 byte order mark, which Logstash rejects; save it without one")
	}
	return nil
}

// describe names what is at off, for error messages.
func (p *parser) describe(off int) string {
	if off >= len(p.src) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.src[off:])
	switch {
	case r == '\n' || r == '\r':
		return "end of line"
	case isNameChar(p.src[off]):
		end := off
		for end < len(p.src) && isNameChar(p.src[end]) && end-off < 40 {
			end++
		}
		return fmt.Sprintf("%q", p.src[off:end])
	}
	return fmt.Sprintf("%q", r)
}

// parseConfig parses (cs plugin_section)* cs.
func (p *parser) parseConfig(cfg *Config) {
	for {
		p.cs()
		if p.eof() {
			return
		}
		cfg.Sections = append(cfg.Sections, p.parseSection())
	}
}

// parseSection parses plugin_type cs "{" cs (branch_or_plugin cs)* "}".
func (p *parser) parseSection() *Section {
	start := p.off
	word := p.scanName()
	if word == "" {
		p.fail(start, "expected a section (input, filter or output), found %s", p.describe(start))
	}
	switch word {
	case KindInput, KindFilter, KindOutput:
	default:
		// Keep going: the body of a misspelt section usually parses, and
		// reporting its own problems too saves the user a round trip.
		p.report(start, "unknown section %q (input, filter or output)", word)
	}
	p.cs()
	if p.peek() != '{' {
		p.fail(p.off, "expected { after %q, found %s", word, p.describe(p.off))
	}
	sec := &Section{Kind: word, Pos: p.lines.pos(start)}
	open := p.off
	p.off++
	p.section = word
	sec.Items = p.parseItems(open, "section "+word)
	return sec
}

// parseItems parses cs (branch_or_plugin cs)* "}" after an opening brace at
// open; what names the block for the error at end of file.
func (p *parser) parseItems(open int, what string) []Item {
	p.enter()
	defer p.leave()
	var items []Item
	for {
		p.cs()
		switch {
		case p.peek() == '}':
			p.off++
			return items
		case p.eof():
			p.fail(p.off, "expected } to close %s opened at %s", what, p.lines.pos(open))
		}
		it := p.parseItem()
		if pl, ok := it.(*Plugin); ok {
			p.checkCodecs(pl)
		}
		items = append(items, it)
	}
}

// checkCodecs mirrors Plugin#validate in lscl.rb: an input or output plugin
// may not set codec twice to different values.
func (p *parser) checkCodecs(pl *Plugin) {
	if p.section != KindInput && p.section != KindOutput {
		return
	}
	var first *Attr
	for _, a := range pl.Attrs {
		switch {
		case a.Name != "codec":
		case first == nil:
			first = a
		case FormatValue(a.Value) != FormatValue(first.Value):
			p.report(a.Pos.Offset, "plugin %q sets codec more than once; Logstash allows one codec per %s plugin", pl.Name, p.section)
			return
		}
	}
}

// parseItem parses branch / plugin. The grammar tries the branch first, and
// since its "if" needs no word boundary a plugin may still be called iff or
// if-x; so a failed branch falls back to a plugin, and if both fail the
// error that got further wins, as in a PEG parser.
func (p *parser) parseItem() Item {
	if !p.hasPrefix("if") {
		return p.parsePlugin()
	}
	var br *Branch
	errBranch := p.attempt(func() { br = p.parseBranch() })
	if errBranch == nil {
		return br
	}
	var pl *Plugin
	errPlugin := p.attempt(func() { pl = p.parsePlugin() })
	if errPlugin == nil {
		return pl
	}
	panic(bailout{farther(errBranch, errPlugin)})
}

// parseBranch parses if (cs else_if)* (cs else)?.
func (p *parser) parseBranch() *Branch {
	br := &Branch{Pos: p.lines.pos(p.off)}
	br.Cases = append(br.Cases, p.parseCase(br.Pos.Offset, "if"))
	for {
		save := p.off
		p.cs()
		if !p.hasPrefix("else") {
			p.off = save
			return br
		}
		elseOff := p.off
		p.off += len("else")
		p.cs()
		switch {
		case p.hasPrefix("if"):
			var c *Case
			err := p.attempt(func() { c = p.parseCase(elseOff, "else if") })
			if err == nil {
				br.Cases = append(br.Cases, c)
				continue
			}
			// Like the grammar, give up the else if and end the branch if
			// what follows reads as a plugin (one called elseif, say);
			// otherwise the else if's own error is the one to report.
			p.off = save
			if !p.probe(func() { p.cs(); p.parsePlugin() }) {
				panic(bailout{err})
			}
			return br
		case p.peek() == '{':
			open := p.off
			p.off++
			br.ElsePos = p.lines.pos(elseOff)
			br.Else = p.parseItems(open, "else block")
			if br.Else == nil {
				br.Else = []Item{}
			}
			return br
		default:
			// "else" starts something else (a plugin named elsewhere...).
			p.off = save
			return br
		}
	}
}

// parseCase parses "if" cs condition cs "{" cs (branch_or_plugin cs)* "}",
// positioned on "if"; start is where the case begins (the else of an else
// if).
func (p *parser) parseCase(start int, what string) *Case {
	c := &Case{Pos: p.lines.pos(start)}
	p.off += len("if")
	p.cs()
	c.Cond = p.parseCondition()
	p.cs()
	if p.peek() != '{' {
		p.fail(p.off, "expected { after the %s condition, found %s", what, p.describe(p.off))
	}
	open := p.off
	p.off++
	c.Items = p.parseItems(open, what+" block")
	return c
}
