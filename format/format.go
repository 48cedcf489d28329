// Package format compiles a declared log line format — a Python logging
// format string, an nginx log_format, a gunicorn access_log_format, a
// dCache billing template — into a scanner that cuts a line at the
// format's literals and checks each piece against its field's kind. The
// front ends (packages pylog, weblog, billing) turn a declaration into
// Pieces; this package compiles and runs them and converts the pieces.
//
// A scan is exact: a line either fits the whole format, every field its
// kind, or it fails with the position and the piece that was expected
// there. It never returns part of a parse. Fields whose text ends at a
// literal (free text) try the literal's occurrences in order and take the
// first with which the rest of the line fits, so a logger name holding
// " - " still parses; the tries are bounded (maxTries), so no line costs
// more than a few passes over it.
package format

import (
	"fmt"
	"strings"
)

// Kind says how a field's text is found in the line and what it means.
type Kind uint8

// The kinds of field. Kinds marked "self-delimiting" are scanned by their
// own grammar; the others end at the next literal (or the line's end).
const (
	// Text is any text up to the next literal, on one line.
	Text Kind = iota
	// Message is the record's message: any text, across lines when it is
	// the last field.
	Message
	// Token is text without spaces.
	Token
	// Int is an optionally signed decimal integer (self-delimiting).
	Int
	// Float is a decimal number (self-delimiting).
	Float
	// Level is a log level name or letter, normalised by NormalizeLevel
	// (self-delimiting).
	Level
	// Time is a timestamp in the field's Layout (self-delimiting).
	Time
	// Millis is the milliseconds of the timestamp (Python's msecs).
	Millis
	// Epoch is seconds since 1970 with an optional fraction: the time.
	Epoch
	// Request is an HTTP request line, "METHOD URI HTTP/x.y".
	Request
	// HostPort is "address:port" (an IPv6 address in brackets).
	HostPort
	// Status is an HTTP status code, optionally followed by its phrase
	// ("200 OK", uvicorn).
	Status
	// Seconds, Millisecs and Microsecs are durations (event.duration).
	Seconds
	Millisecs
	Microsecs
	// Protocol is "HTTP/1.1" (http.version takes "1.1").
	Protocol
	// LevelNumber is Python's levelno (self-delimiting); LevelName names
	// it.
	LevelNumber
	// Enum is one of the keys of the field's Enum table, stored as the
	// key's value (redis' role letter M → master).
	Enum
)

var kindNames = [...]string{
	Text: "text", Message: "message", Token: "token", Int: "integer", Float: "number",
	Level: "log level", Time: "time", Millis: "milliseconds", Epoch: "epoch seconds",
	Request: "HTTP request line", HostPort: "address:port", Status: "HTTP status",
	Seconds: "seconds", Millisecs: "milliseconds", Microsecs: "microseconds", Protocol: "HTTP protocol",
	LevelNumber: "level number", Enum: "one of a list",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// selfDelimiting kinds are scanned by their grammar, not cut at a literal.
func (k Kind) selfDelimiting() bool {
	switch k {
	case Int, Float, Level, Time, Millis, Epoch, LevelNumber, Seconds, Millisecs, Microsecs:
		return true
	}
	return false
}

// Field is one variable part of a format.
type Field struct {
	// Name is the field as declared ("%(levelname)s", "$status"), for
	// messages and explain output.
	Name string
	// Target is the event field that receives the value, as a field
	// reference ("[process][pid]"); empty to check the text and drop it.
	Target string
	Kind   Kind
	// Layout is the timestamp layout of a Time field.
	Layout *Layout
	// Width pads the value with spaces up to Width characters, after it
	// when LeftAlign (Python's "%-8s"), before it otherwise.
	Width     int
	LeftAlign bool
	// Precision truncates the value to that many characters (Python's
	// "%.1s": tornado writes the level's first letter).
	Precision int
	// Dash means "-" stands for no value (nginx, gunicorn, common log).
	Dash bool
	// Quoted fields cannot hold '"': nginx escapes it inside variables,
	// so a quoted variable ends at the first quote. With Escaped, a quote
	// inside is written \" (gunicorn) and Unescape undoes it.
	Quoted  bool
	Escaped bool
	// Enum maps an Enum field's possible texts to the values stored.
	Enum map[string]string
	// Exclude are bytes a free-text field cannot hold (grok's [^:\]]):
	// the search for its end skips ends whose text holds one.
	Exclude string
}

// Piece is a literal, a field or padding of a format, in order.
type Piece struct {
	Literal string
	Field   *Field
	// Pad is padding with spaces up to PadTo characters counted from the
	// start of the field before it (uvicorn writes the level, a colon and
	// spaces up to 9 characters: "INFO:    "); PadTo 0 is any number of
	// spaces (spaces the next literal starts with are left to it).
	Pad   bool
	PadTo int
}

// Lit, F and Pad build Pieces.
func Lit(s string) Piece    { return Piece{Literal: s} }
func F(f Field) Piece       { return Piece{Field: &f} }
func Pad(width int) Piece   { return Piece{Pad: true, PadTo: width} }
func (p Piece) isLit() bool { return p.Field == nil && !p.Pad }

// maxTries bounds how many ends a free-text field tries before the scan
// gives up, so a hostile line costs O(maxTries × its length) at worst.
const maxTries = 16

// Format is a compiled line format. It is immutable and safe for
// concurrent use.
type Format struct {
	name   string
	source string
	// steps alternate freely between literals and fields; adjacent
	// literals are merged at compile time.
	steps  []step
	fields []*Field
	// prefix is the format's leading literal, checked before anything.
	prefix string
	// first says which bytes can start a line of this format (all when
	// the format starts with free text).
	first *[256]bool
}

type step struct {
	lit   string
	pad   bool
	padTo int
	// padFrom is the field whose start the padding counts from.
	padFrom int
	field   int // index in fields, -1 for a literal
	// next is the literal that follows a field ("" when another field or
	// the end follows).
	next string
	last bool // the field runs to the end of the line
}

// Compile builds a format from pieces. name names it in messages; source
// is the declaration as the user wrote it.
func Compile(name, source string, pieces []Piece) (*Format, error) {
	f := &Format{name: name, source: source}
	for _, p := range pieces {
		if p.Pad {
			if len(f.fields) == 0 {
				return nil, fmt.Errorf("format %s: padding before any field", name)
			}
			f.steps = append(f.steps, step{pad: true, padTo: p.PadTo, padFrom: len(f.fields) - 1, field: -1})
			continue
		}
		if p.isLit() {
			if p.Literal == "" {
				continue
			}
			if n := len(f.steps); n > 0 && f.steps[n-1].field < 0 && !f.steps[n-1].pad {
				f.steps[n-1].lit += p.Literal
				continue
			}
			f.steps = append(f.steps, step{lit: p.Literal, field: -1})
			continue
		}
		fd := p.Field
		if fd.Kind == Time && fd.Layout == nil {
			return nil, fmt.Errorf("format %s: %s: a time field needs a layout", name, fd.Name)
		}
		if n := len(f.steps); n > 0 && f.steps[n-1].field >= 0 {
			prev := f.fields[f.steps[n-1].field]
			if !prev.Kind.selfDelimiting() && !(prev.Precision > 0 && prev.Width == prev.Precision) {
				return nil, fmt.Errorf("format %s: %s and %s have no text between them, so where one ends is unknown", name, prev.Name, fd.Name)
			}
		}
		f.steps = append(f.steps, step{field: len(f.fields)})
		f.fields = append(f.fields, fd)
	}
	if len(f.fields) == 0 {
		return nil, fmt.Errorf("format %s: no fields", name)
	}
	for i := range f.steps {
		if f.steps[i].field < 0 {
			continue
		}
		if i+1 < len(f.steps) && f.steps[i+1].field < 0 {
			if f.steps[i+1].pad {
				return nil, fmt.Errorf("format %s: padding after %s: put it after a literal", name, f.fields[f.steps[i].field].Name)
			}
			f.steps[i].next = f.steps[i+1].lit
		}
		f.steps[i].last = i == len(f.steps)-1
		if fd := f.fields[f.steps[i].field]; fd.Kind == Message && !f.steps[i].last && f.steps[i].next == "" {
			return nil, fmt.Errorf("format %s: %s must be followed by text or end the format", name, fd.Name)
		}
	}
	if f.steps[0].field < 0 && !f.steps[0].pad {
		f.prefix = f.steps[0].lit
	}
	if f.steps[0].pad {
		return nil, fmt.Errorf("format %s: starts with padding", name)
	}
	f.first = f.firstBytes()
	return f, nil
}

// MustCompile is Compile for declarations known to be good (the shipped
// library's tests compile every entry).
func MustCompile(name, source string, pieces []Piece) *Format {
	f, err := Compile(name, source, pieces)
	if err != nil {
		panic(err)
	}
	return f
}

// Name is the format's name.
func (f *Format) Name() string { return f.name }

// Source is the declaration the format was compiled from.
func (f *Format) Source() string { return f.source }

// Fields are the format's fields in order; Match.Spans index them.
func (f *Format) Fields() []*Field { return f.fields }

// CanStart reports whether a line starting with byte b may fit the
// format: a cheap test before Scan when many formats are tried.
func (f *Format) CanStart(b byte) bool { return f.first == nil || f.first[b] }

func (f *Format) firstBytes() *[256]bool {
	var set [256]bool
	if f.prefix != "" {
		set[f.prefix[0]] = true
		return &set
	}
	fd := f.fields[0]
	if fd.Width > 0 && !fd.LeftAlign {
		set[' '] = true
	}
	switch fd.Kind {
	case Int, Millis, Epoch, Status, LevelNumber, Float, Seconds, Millisecs, Microsecs:
		for c := '0'; c <= '9'; c++ {
			set[c] = true
		}
		if fd.Kind == Int {
			set['-'] = true
		}
	case Level:
		for c := 'A'; c <= 'Z'; c++ {
			set[c] = true
		}
		for c := 'a'; c <= 'z'; c++ {
			set[c] = true
		}
		for _, c := range ".-*#" {
			set[c] = true
		}
	case Time:
		if !fd.Layout.firstBytes(&set) {
			return nil
		}
	default:
		return nil
	}
	if fd.Dash {
		set['-'] = true
	}
	return &set
}

// Span is where a field's text is in the line; Start < 0 when the field
// has no value (a "-").
type Span struct{ Start, End int }

// Match is the result of a scan. Reuse one across scans: its slices keep
// their capacity.
type Match struct {
	Spans []Span
	// Fail says where the last failed scan left the format.
	Fail     Failure
	retrying bool
}

// Failure is where a line leaves its format: the byte offset and what
// was expected there (Expected). It is built without formatting, so a
// line tried against many formats costs no text for the ones it misses.
type Failure struct {
	Pos   int
	what  failWhat
	lit   string
	field *Field
	n     int
}

type failWhat uint8

const (
	wantNothing failWhat = iota
	wantLiteral
	wantField
	wantPadding
	wantPadTo
	wantEnd
	wantTries
	wantAfter
	wantAfterOnLine
)

// Expected says what the format expected at Pos.
func (fl Failure) Expected() string {
	switch fl.what {
	case wantLiteral:
		return fmt.Sprintf("%q", fl.lit)
	case wantField:
		return fl.field.expected()
	case wantPadding:
		return fmt.Sprintf("padding of %s", fl.field.Name)
	case wantPadTo:
		return fmt.Sprintf("padding to %d characters", fl.n)
	case wantEnd:
		return "the end of the line"
	case wantTries:
		return fmt.Sprintf("%s to end before %q within %d tries", fl.field.Name, fl.lit, maxTries)
	case wantAfter:
		return fmt.Sprintf("%s then %q (which the rest of the line lacks)", fl.field.Name, fl.lit)
	case wantAfterOnLine:
		return fmt.Sprintf("%q after %s (before the line ends)", fl.lit, fl.field.Name)
	}
	return "nothing (the line fits)"
}

func (fl Failure) String() string {
	return fmt.Sprintf("at byte %d: expected %s", fl.Pos, fl.Expected())
}

// Scan fits line to the format. On success m.Spans holds one span per
// field; on failure m.Fail says where and why.
func (f *Format) Scan(line string, m *Match) bool {
	if cap(m.Spans) < len(f.fields) {
		m.Spans = make([]Span, len(f.fields))
	}
	m.Spans = m.Spans[:len(f.fields)]
	m.Fail = Failure{Pos: -1}
	m.retrying = false
	if !strings.HasPrefix(line, f.prefix) {
		m.Fail = Failure{Pos: mismatchAt(line, f.prefix, 0), what: wantLiteral, lit: f.prefix}
		return false
	}
	tries := 0
	return f.scan(line, 0, 0, m, &tries)
}

// scan matches steps[i:] at line[pos:].
func (f *Format) scan(line string, i, pos int, m *Match, tries *int) bool {
	for ; i < len(f.steps); i++ {
		st := &f.steps[i]
		if st.pad {
			if st.padTo > 0 {
				n := st.padTo - (pos - m.Spans[st.padFrom].Start)
				for ; n > 0; n-- {
					if pos >= len(line) || line[pos] != ' ' {
						m.fail(pos, Failure{what: wantPadTo, n: st.padTo})
						return false
					}
					pos++
				}
				continue
			}
			n := 0
			for pos+n < len(line) && line[pos+n] == ' ' {
				n++
			}
			if i+1 < len(f.steps) && f.steps[i+1].field < 0 {
				keep := len(f.steps[i+1].lit) - len(strings.TrimLeft(f.steps[i+1].lit, " "))
				n = max(n-keep, 0)
			}
			pos += n
			continue
		}
		if st.field < 0 {
			if !strings.HasPrefix(line[pos:], st.lit) {
				m.fail(mismatchAt(line, st.lit, pos), Failure{what: wantLiteral, lit: st.lit})
				return false
			}
			pos += len(st.lit)
			continue
		}
		fd := f.fields[st.field]
		if fd.Kind.selfDelimiting() || (fd.Precision > 0 && fd.Width == fd.Precision) {
			start, end, ok := scanField(fd, line, pos)
			if !ok {
				m.fail(start, Failure{what: wantField, field: fd})
				return false
			}
			if fd.Dash && line[start:end] == "-" {
				m.Spans[st.field] = Span{-1, -1}
			} else {
				m.Spans[st.field] = Span{start, end}
			}
			pos = f.afterPad(fd, line, start, end)
			if pos < 0 {
				m.fail(end, Failure{what: wantPadding, field: fd})
				return false
			}
			continue
		}
		if st.last {
			end := len(line)
			if fd.Kind != Message {
				if j := strings.IndexByte(line[pos:], '\n'); j >= 0 {
					end = pos + j
				}
			}
			if end != len(line) {
				m.fail(end, Failure{what: wantEnd})
				return false
			}
			if !f.setText(fd, line, pos, end, m, st.field) {
				return false
			}
			return true
		}
		// A free-text field: try each occurrence of the next literal. When
		// a later one is missing too, the first try's failure explains the
		// line best, so only a field with no end at all records one.
		from := pos
		// A byte the field cannot hold bounds its end: no later
		// occurrence of the literal can be its end either.
		limit := len(line)
		if stop := fd.stopBytes(); stop != "" {
			if k := strings.IndexAny(line[pos:], stop); k >= 0 {
				limit = pos + k
			}
		}
		for tried := false; ; tried = true {
			*tries++
			if *tries > maxTries {
				m.fail(pos, Failure{what: wantTries, lit: st.next, field: fd})
				return false
			}
			j := strings.Index(line[from:], st.next)
			if j < 0 {
				if !tried {
					// Where the field starts: from there on the literal
					// never comes.
					m.fail(pos, Failure{what: wantAfter, lit: st.next, field: fd})
				}
				return false
			}
			end := from + j
			if end > limit && tried {
				return false
			}
			if end-pos < fd.Width {
				// Python pads a value to its width: the field's text is
				// at least that long, so this literal is inside it.
				from = end + 1
				continue
			}
			if nl := strings.IndexByte(line[pos:end], '\n'); nl >= 0 && fd.Kind != Message {
				if !tried {
					m.fail(pos+nl, Failure{what: wantAfterOnLine, lit: st.next, field: fd})
				}
				return false
			}
			if f.setText(fd, line, pos, end, m, st.field) && f.scan(line, i+1, end, m, tries) {
				return true
			}
			m.retrying = true
			from = end + 1
			if from > len(line) {
				return false
			}
		}
	}
	if pos != len(line) {
		m.fail(pos, Failure{what: wantEnd})
		return false
	}
	return true
}

// stopBytes are bytes a free-text field's text cannot hold at all, so the
// search for its end stops at the first: spaces in a token, a quote in a
// quoted value (unless escaped), the excluded bytes, a line break outside
// the message.
func (fd *Field) stopBytes() string {
	stop := fd.Exclude
	if fd.Kind == Token && fd.Width == 0 { // padding is spaces
		stop += " "
	}
	if fd.Quoted && !fd.Escaped {
		stop += `"`
	}
	if fd.Kind != Message {
		stop += "\n"
	}
	return stop
}

// setText checks a free-text field's text [start,end) and records it.
func (f *Format) setText(fd *Field, line string, start, end int, m *Match, idx int) bool {
	s, e := start, end
	if fd.Width > 0 && e-s <= fd.Width {
		// The value was shorter than the width: the spaces are padding.
		if fd.LeftAlign {
			e = s + trimmedLen(line[s:e])
		} else {
			for s < e && line[s] == ' ' {
				s++
			}
		}
	}
	if fd.Dash && line[s:e] == "-" {
		m.Spans[idx] = Span{-1, -1}
		return true
	}
	if !checkText(fd, line[s:e]) {
		m.fail(s, Failure{what: wantField, field: fd})
		return false
	}
	m.Spans[idx] = Span{s, e}
	return true
}

func trimmedLen(s string) int { return len(strings.TrimRight(s, " ")) }

// afterPad skips a self-delimiting field's padding: Python pads a value
// shorter than the width with exactly the missing spaces.
func (f *Format) afterPad(fd *Field, line string, start, end int) int {
	if fd.Width == 0 || !fd.LeftAlign {
		return end
	}
	n := fd.Width - (end - start)
	for ; n > 0; n-- {
		if end >= len(line) || line[end] != ' ' {
			return -1
		}
		end++
	}
	return end
}

func (m *Match) fail(pos int, fl Failure) {
	// The failure of the first choices explains the line: the ones met
	// while later occurrences of a literal are tried only say that those
	// did not help either.
	if !m.retrying {
		fl.Pos = pos
		m.Fail = fl
		m.retrying = true
	}
}

func mismatchAt(line, lit string, pos int) int {
	for i := 0; i < len(lit); i++ {
		if pos+i >= len(line) || line[pos+i] != lit[i] {
			return pos + i
		}
	}
	return pos
}

func (fd *Field) expected() string {
	if fd.Kind == Time {
		return fmt.Sprintf("%s as %s", fd.Name, fd.Layout.source)
	}
	return fmt.Sprintf("%s (%s)", fd.Name, fd.Kind)
}
