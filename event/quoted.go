package event

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"
)

// Quoted strings: a decoded string that may stand between quotes as it
// came (escapes valid and not surrogates, no control characters, valid
// UTF-8) is kept as its JSON text, pointing into the event's buffer. Most
// strings pass through a pipeline unread or are only split (the message a
// dissect cuts into fields): they are then neither unescaped when decoded
// nor escaped again when written, where a log line quoting JSON costs an
// escape every dozen bytes both ways. Reading one (Value.Str, Text, a
// condition) unescapes it then; strings filters build are plain and
// escaped on output as before.

// escapes tells what escapes a JSON string text holds.
type escapes uint8

const (
	hasEscapes escapes = 1 << iota
	// hasCodeEscapes: \uXXXX or \/, which can stand for any character
	// (or for one that is also written plainly).
	hasCodeEscapes
)

// stringValue decodes the string at d.pos as a value.
func (d *decoder) stringValue() (Value, error) {
	start := d.pos
	if esc, ok := d.scanCleanString(); ok {
		v := strValue(KindString, d.str(start+1, d.pos-1))
		v.quoted, v.esc = true, esc
		return v, nil
	}
	d.pos = start // needs repair (or is invalid): the decoder says which
	s, err := d.string()
	return strValue(KindString, s), err
}

// JSONText returns the JSON text of a string held as received (the bytes
// between its quotes, escapes included) and true; "" and false for any
// other value. A filter that only cuts a string can cut this text instead
// and build the parts with Part, sparing the unescaping and the
// escaping again on output.
func (v Value) JSONText() (string, bool) {
	if v.kind != KindString || !v.quoted {
		return "", false
	}
	return v.text(), true
}

// CuttableText is JSONText for a text whose only escapes are \" \\ \b
// \f \n \r \t: every other character stands for itself, so a literal
// without those characters is found in the text exactly where it is found
// in the string (a \u escape could stand for the literal's characters).
func (v Value) CuttableText() (string, bool) {
	if v.esc&hasCodeEscapes != 0 {
		return "", false
	}
	return v.JSONText()
}

// Part returns a string value held as the JSON text part, which must be
// a piece of v's (see JSONText) cut where no escape is split: not inside
// `\n` or `\u00e9`, nor after a lone backslash. It is written out as it
// is, so anything else makes invalid or different JSON.
func (v Value) Part(part string) Value {
	p := strValue(KindString, part)
	p.quoted = true
	p.esc = v.esc & hasCodeEscapes // v's, as a bound: the part is not searched for them
	if strings.IndexByte(part, '\\') >= 0 {
		p.esc |= hasEscapes
	}
	return p
}

// Text is v.Text() for a value of e (read from it): a string held with
// escapes is unescaped into memory of e's arena, given back with its
// batch, rather than a new allocation per read (the message a filter
// parses: a quarter of the bytes the dCache family allocated). Like the
// rest of the event's text, the result must be copied to outlive the
// event.
func (e *Event) Text(v Value) string {
	if v.kind != KindString || v.esc == 0 || e.arena == nil {
		return v.Text()
	}
	t := v.text()
	return unescapeQuotedInto(t, e.arena.lateBytesFor(len(t)))
}

// unescapeQuoted returns the string the JSON text s (checked when
// decoded) stands for.
func unescapeQuoted(s string) string { return unescapeQuotedInto(s, make([]byte, 0, len(s))) }

// unescapeQuotedInto is unescapeQuoted writing into out (room for len(s)
// bytes: unescaping only shrinks).
//
// Log messages escape often: a Python traceback has a quote or a line
// break every nine bytes of its JSON text, and a search, a copy and a call
// per escape cost 140 instructions each (11% of the app-log family's).
// So the text is copied eight bytes at a time as it is searched (the
// store may run up to eight bytes ahead of the result, within the room
// the text's length guarantees, and is overwritten), and the one-byte
// escapes are replaced by a table lookup; \u takes the decoder's path.
func unescapeQuotedInto(s string, out []byte) string {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	base := len(out)
	buf := out[:base+len(s)] // the room; the result is a prefix of it
	dst := buf[base:]
	src := unsafe.Slice(unsafe.StringData(s), len(s))
	p, w := 0, 0
	for {
		// w ≤ p always (an escape shrinks), so a word stored at w while
		// p+8 ≤ len(s) stays inside dst.
		for p+8 <= len(src) {
			x := binary.LittleEndian.Uint64(src[p:])
			binary.LittleEndian.PutUint64(dst[w:], x)
			b := x ^ (lsb * '\\')
			if m := (b - lsb) &^ b & msb; m != 0 {
				k := bits.TrailingZeros64(m) / 8
				p, w = p+k, w+k
				goto escape
			}
			p, w = p+8, w+8
		}
		for p < len(src) && src[p] != '\\' {
			dst[w] = src[p]
			p, w = p+1, w+1
		}
		if p >= len(src) {
			break
		}
	escape:
		if p+1 >= len(src) {
			// A lone backslash at the end (not in checked text) stays.
			dst[w] = '\\'
			w++
			break
		}
		if c := unescapeByte[src[p+1]]; c != 0 {
			dst[w] = c
			p, w = p+2, w+1
			continue
		}
		// \u (or, outside checked text, anything else): the decoder's way.
		d := decoder{buf: src, pos: p}
		more, err := d.escape(dst[w:w])
		if err != nil {
			w += copy(dst[w:], src[p:]) // kept as it is
			break
		}
		p, w = d.pos, w+len(more)
	}
	out = buf[:base+w]
	return unsafe.String(unsafe.SliceData(out[base:]), w)
}

// unescapeByte is what each one-byte JSON escape (the byte after the
// backslash) stands for; 0 for the others (\u, or none).
var unescapeByte = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
