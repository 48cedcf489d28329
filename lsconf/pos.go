package lsconf

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a configuration file.
//
// Line and Col are 1-based. Col counts Unicode code points, not bytes:
// Logstash reports columns with treetop's String#column_of, which indexes a
// UTF-8 Ruby string by character, so a column here matches the column in a
// Logstash error message. A tab counts as one column. Offset is the 0-based
// byte offset, for slicing the source.
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int
}

// IsValid reports whether p refers to a place in a file (the zero Pos does
// not; nodes built by code rather than parsed have it).
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as FILE:LINE:COL, LINE:COL without a file name, or "-"
// for the zero Pos.
func (p Pos) String() string {
	switch {
	case !p.IsValid() && p.File == "":
		return "-"
	case !p.IsValid():
		return p.File
	case p.File == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a problem found at a position: a syntax error, or a construct
// Logstash's grammar accepts but its compiler rejects.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is the set of problems found in one or more files, in source
// order. Parse keeps going after problems that do not derail the parse
// (an unknown section name, duplicate hash keys, ...) so one run reports
// several of them; a syntax error ends the file being parsed.
type ErrorList []*Error

// Error joins the messages, one per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Err returns l as an error, or nil when l is empty (a nil ErrorList stored
// in an error interface would not compare equal to nil).
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// sortByOffset orders the errors of one file by position; errors are found
// slightly out of order (a duplicate key is noticed when its hash closes).
func (l ErrorList) sortByOffset() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
}

// lineIndex turns byte offsets of one file into positions.
type lineIndex struct {
	file  string
	src   []byte
	lines []int  // byte offset where each line starts
	ascii []bool // whether each line is pure ASCII (columns are then bytes)
	// last is the previous answer: the parser asks mostly in increasing
	// order, so counting runes from there keeps long non-ASCII lines
	// linear.
	last Pos
}

func newLineIndex(file string, src []byte) *lineIndex {
	lines, ascii := []int{0}, []bool{true}
	for i, b := range src {
		// Only \n ends a line: treetop's String#line_of counts "\n", so a
		// lone \r is an ordinary character, as it is for Logstash.
		switch {
		case b == '\n':
			lines = append(lines, i+1)
			ascii = append(ascii, true)
		case b >= utf8.RuneSelf:
			ascii[len(ascii)-1] = false
		}
	}
	return &lineIndex{file: file, src: src, lines: lines, ascii: ascii}
}

func (x *lineIndex) pos(off int) Pos {
	off = max(0, min(off, len(x.src)))
	line := sort.Search(len(x.lines), func(i int) bool { return x.lines[i] > off }) - 1
	var col int
	switch {
	case x.ascii[line]:
		col = off - x.lines[line] + 1
	case x.last.Line == line+1 && x.last.Offset <= off:
		col = x.last.Col + utf8.RuneCount(x.src[x.last.Offset:off])
	default:
		col = utf8.RuneCount(x.src[x.lines[line]:off]) + 1
	}
	x.last = Pos{File: x.file, Line: line + 1, Col: col, Offset: off}
	return x.last
}

// Advance returns the position reached after text, starting at p: it lets
// errors point inside a string literal.
func (p Pos) Advance(text string) Pos {
	for _, r := range text {
		if r == '\n' {
			p.Line++
			p.Col = 1
		} else {
			p.Col++
		}
	}
	p.Offset += len(text)
	return p
}
