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
	// HostPort is "address:port"; an IPv6 address in brackets or bare
	// ("::1:41238", uvicorn), split at the last colon (SplitHostPort).
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

// Numeric kinds hold a number (an HTTP status among them).
func (k Kind) Numeric() bool {
	switch k {
	case Int, Float, Epoch, Millis, LevelNumber, Seconds, Millisecs, Microsecs, Status:
		return true
	}
	return false
}

// selfDelimiting kinds are scanned by their grammar, not cut at a literal.
// (A field is also when it has a fixed width: see Field.selfDelimiting.)
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
	// Width pads the value up to Width characters with Fill (a space
	// when 0): after it when LeftAlign (Python's "%-8s", "{name:<8}"),
	// on both sides when Center (str.format's "{levelname:^9}": half
	// the padding before, rounded down, the rest after), before it
	// otherwise ("%8s", "{name:>8}", a number's "{process:8}").
	Width     int
	LeftAlign bool
	Center    bool
	Fill      byte
	// Precision truncates the value to that many characters (Python's
	// "%.1s": tornado writes the level's first letter).
	Precision int
	// Dash means "-" stands for no value (nginx, gunicorn, common log).
	Dash bool
	// Absent, when set, is a text that stands for no value: Celery's
	// TaskFormatter writes "???" for the task of a record outside a task.
	Absent string
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

// fill is the byte the field is padded with.
func (fd *Field) fill() byte {
	if fd.Fill == 0 {
		return ' '
	}
	return fd.Fill
}

// fixedWidth is a field of exactly Width characters: Python's
// "%(levelname)1.1s" (tornado's level letter).
func (fd *Field) fixedWidth() bool { return fd.Precision > 0 && fd.Width == fd.Precision }

// selfDelimiting reports whether the field's end is found by reading it,
// not at the next literal.
func (fd *Field) selfDelimiting() bool { return fd.Kind.selfDelimiting() || fd.fixedWidth() }

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
func Lit(s string) Piece  { return Piece{Literal: s} }
func F(f Field) Piece     { return Piece{Field: &f} }
func Pad(width int) Piece { return Piece{Pad: true, PadTo: width} }

// Builder collects a format's pieces as a front end reads a declaration
// character by character: text accumulates into one literal until a
// field comes.
type Builder struct {
	pieces []Piece
	lit    strings.Builder
}

// Text adds literal text.
func (b *Builder) Text(s string) { b.lit.WriteString(s) }

// Byte adds one literal byte.
func (b *Builder) Byte(c byte) { b.lit.WriteByte(c) }

// Add adds pieces (fields, padding) after the text so far.
func (b *Builder) Add(p ...Piece) {
	b.flush()
	b.pieces = append(b.pieces, p...)
}

// Pieces are the pieces added, the trailing text included.
func (b *Builder) Pieces() []Piece {
	b.flush()
	return b.pieces
}

func (b *Builder) flush() {
	if b.lit.Len() > 0 {
		b.pieces = append(b.pieces, Lit(b.lit.String()))
		b.lit.Reset()
	}
}

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
	// needs are the bytes of the literals every line of the format has
	// on its first line (those before a field that may hold a line break:
	// see firstLineLiterals), each once, the rarer kinds first.
	needs []byte
}

// LineBytes tells which bytes a line's first line holds, looking each up
// once (a vectorised search), when a format asks (Format.MayFit).
// Counting them all up front cost a loop over the whole line, and lines
// of 100 KB come.
type LineBytes struct {
	line, first string
	split       bool
	known, has  [4]uint64
}

// NewLineBytes returns the LineBytes of line.
func NewLineBytes(line string) LineBytes { return LineBytes{line: line} }

func (lb *LineBytes) holds(b byte) bool {
	w, bit := b>>6, uint64(1)<<(b&63)
	if lb.known[w]&bit != 0 {
		return lb.has[w]&bit != 0
	}
	if !lb.split {
		lb.first, _, _ = strings.Cut(lb.line, "\n")
		lb.split = true
	}
	lb.known[w] |= bit
	if strings.IndexByte(lb.first, b) >= 0 {
		lb.has[w] |= bit
		return true
	}
	return false
}

// MayFit reports whether a line can fit the format, by the bytes of its
// first line: false when a literal the format has before its message
// needs a byte that is not there. Trying many formats on a line none
// fits (free text, a program's own format) costs a few searches instead
// of a scan per format (issue 16: a line no format matches should cost no
// more than one that does).
func (f *Format) MayFit(lb *LineBytes) bool {
	for _, b := range f.needs {
		if !lb.holds(b) {
			return false
		}
	}
	return true
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
	// stop are the field's stopBytes, joined once here, not per line.
	stop string
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
		if p.Field == nil {
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
			if !prev.selfDelimiting() {
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
		f.steps[i].stop = f.fields[f.steps[i].field].stopBytes()
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
	f.needs = f.firstLineLiterals()
	return f, nil
}

// firstLineLiterals is the bytes of the literals before the first field
// that may hold a line break (the message; a fixed-width field, which
// takes its characters as they come; a time whose layout has one) and
// before any line break a literal holds, each once: bytes other than
// letters, digits and spaces first (a line's words hold those).
func (f *Format) firstLineLiterals() []byte {
	var seen [256]bool
	var rare, common []byte
	for _, st := range f.steps {
		lit := st.lit
		if st.field >= 0 {
			fd := f.fields[st.field]
			if fd.Kind == Message || fd.fixedWidth() || fd.Layout != nil && strings.Contains(fd.Layout.source, "\n") {
				break
			}
			if fd.Kind != Time || fd.Layout == nil || fd.Dash {
				continue // (with Dash, "-" may stand for the time)
			}
			// A time's own literals are on the line too (the - and : of
			// 2025-02-02 12:34:56, the , of Python's asctime): the
			// variants of one format that differ by their clock are told
			// apart before each scans the fields ahead of it.
			lit = fd.Layout.literals()
		}
		lit, _, broken := strings.Cut(lit, "\n")
		for i := 0; i < len(lit); i++ {
			c := lit[i]
			if seen[c] {
				continue
			}
			seen[c] = true
			if c == ' ' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				common = append(common, c)
			} else {
				rare = append(rare, c)
			}
		}
		if broken {
			break
		}
	}
	return append(rare, common...)
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
		set[fd.fill()] = true
	}
	switch {
	case fd.Kind.Numeric():
		for c := '0'; c <= '9'; c++ {
			set[c] = true
		}
		if fd.Kind == Int {
			set['-'], set['+'] = true, true
		}
	case fd.Kind == Level:
		for c := 'A'; c <= 'Z'; c++ {
			set[c] = true
		}
		for c := 'a'; c <= 'z'; c++ {
			set[c] = true
		}
		for _, c := range ".-*#" {
			set[c] = true
		}
	case fd.Kind == Time:
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

// DollarName reads the "$name" or "${name}" reference at src[i] (a '$'),
// as Python's string.Template and nginx write them: the name, the
// reference as written, and its length; n is 0 when no name follows the
// '$'. Digits may start a name when digitFirst (nginx's $1).
func DollarName(src string, i int, digitFirst bool) (name, declared string, n int, err error) {
	if i+1 < len(src) && src[i+1] == '{' {
		end := strings.IndexByte(src[i:], '}')
		if end < 0 {
			return "", "", 0, fmt.Errorf("unclosed ${ at %d", i)
		}
		return src[i+2 : i+end], src[i : i+end+1], end + 1, nil
	}
	j := i + 1
	for j < len(src) {
		c := src[j]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (digitFirst || j > i+1) && c >= '0' && c <= '9') {
			break
		}
		j++
	}
	if j == i+1 {
		return "", "", 0, nil
	}
	return src[i+1 : j], src[i:j], j - i, nil
}
