package format

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ingestd/ingestd/event"
)

// A message cut from the line was a new string, which the output escaped
// again, quote by quote and line break by line break (AppendQuoted was
// 9% of a pipe-format run, most of it the message and the traceback).
// The line came as JSON text: each character of the line is a byte of
// that text or an escape (\" \n … for one byte, \u00e9 for the bytes of
// its character), so a piece of the line is a piece of the text, found
// by counting the escapes before it. Stored as that piece
// (event.Value.Part), the output copies it as it came.

// jsonText maps the line a format scans back to the source field's JSON
// text. The zero jsonText maps nothing.
type jsonText struct {
	src  event.Value // the source field, held as its JSON text
	json string      // that text
	line string      // what it stands for: the line
}

// newJSONText returns the mapping of line, read from src, or the zero
// jsonText when src is not held as its JSON text.
func newJSONText(src event.Value, line string) jsonText {
	json, ok := src.JSONText()
	if !ok {
		return jsonText{}
	}
	return jsonText{src: src, json: json, line: line}
}

// offset returns where the character at u in the line starts in the JSON
// text.
func (t *jsonText) offset(u int) int {
	if u == len(t.line) {
		return len(t.json)
	}
	j, k := 0, 0 // the same place in json and in line
	for {
		b := strings.IndexByte(t.json[j:], '\\')
		if b < 0 || k+b >= u {
			return j + u - k
		}
		k, j = k+b, j+b // to the escape
		if t.json[j+1] != 'u' {
			k, j = k+1, j+2
			continue
		}
		// \uXXXX: the bytes of its character (a surrogate, which quoted
		// text never holds, would have been repaired to U+FFFD).
		r, _ := strconv.ParseUint(t.json[j+2:j+6], 16, 32)
		n := utf8.RuneLen(rune(r))
		if n < 0 {
			n = len(string(utf8.RuneError))
		}
		k, j = k+n, j+6
	}
}

// piece returns text[start:end] as the piece of the JSON text that stands
// for it, or as a string of its own when t maps nothing. text is the line
// t maps or the start of it (a record cut off its traceback).
func (t *jsonText) piece(text string, start, end int) event.Value {
	if t.json == "" || !runeStart(text, start) || !runeStart(text, end) {
		// A cut inside a character is not a piece of valid JSON text.
		return event.String(text[start:end])
	}
	return t.src.Part(t.json[t.offset(start):t.offset(end)])
}

// tail is piece for s, the end of the line t maps (a traceback).
func (t *jsonText) tail(s string) event.Value {
	if t.json == "" || !runeStart(s, 0) {
		return event.String(s)
	}
	return t.src.Part(t.json[t.offset(len(t.line)-len(s)):])
}

// runeStart reports whether s may be cut at i: at its ends or where a
// character starts.
func runeStart(s string, i int) bool { return i >= len(s) || utf8.RuneStart(s[i]) }
