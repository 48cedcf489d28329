package event

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unsafe"
)

// Raw objects.
//
// A Filebeat event is mostly metadata nobody touches: agent, ecs, host,
// input, log. Building a tree for it and encoding that tree again costs
// more than the parsing and enrichment the pipeline exists for. So
// DecodeEvent decodes the top-level object only; an object nested in it is
// validated and kept as its raw JSON text (Value.raw set, the text where a
// string's would be) when it can be written out byte for byte. Reads
// (Member, Members, and through them every field reference) scan the text
// without building anything; an output copies it verbatim; the first write
// into it (set, remove) decodes it one level, and from then on it is an
// ordinary object.
//
// Invariant: the text of a raw object is valid JSON on one line that needs
// no repair: control characters only as escapes, valid UTF-8, no surrogate
// escapes. Anything else is decoded eagerly,
// which repairs it as before (U+FFFD, escapes on output, one line).

// RawObject returns an object held as its JSON text, which must keep the
// invariant above (as AppendJSON of an object writes it). A raw object is
// written as it is and decoded only when a filter writes into it, so a
// value shared by many events (a data_stream object) costs nothing per
// event.
func RawObject(text string) Value {
	v := strValue(KindObject, text)
	v.raw = true
	return v
}

// own turns a raw object into an ordinary one, about to be written.
func (v *Value) own() {
	if v.raw {
		*v = expandRaw(v.text())
	}
}

// expandRaw decodes a raw object one level (objects nested in it stay raw).
func expandRaw(raw string) Value {
	// The text was validated when the event was decoded and is never
	// written: decoding it in place makes the members point into it.
	v, err := decodeBuf(unsafe.Slice(unsafe.StringData(raw), len(raw)), true, 2)
	if err != nil || v.kind != KindObject {
		// Unreachable by the invariant; an empty object beats a panic.
		return Value{kind: KindObject}
	}
	return v
}

// member decodes the value of the member key of an object, keeping a
// nested object raw when the decoder is lazy and the member belongs to the
// top-level object (depth 1). @metadata is decoded at once: it is never
// written out (so never verbatim), and filters write into it (dissect and
// grok put the line's time there), which would decode it anyway.
func (d *decoder) member(depth int, key string) (Value, error) {
	if !d.lazy || depth != 1 || d.pos >= len(d.buf) || d.buf[d.pos] != '{' {
		return d.value(depth)
	}
	if key == MetadataKey {
		d.inMetadata = true // pop leaves it room for what filters add
		v, err := d.value(depth)
		d.inMetadata = false
		return v, err
	}
	start := d.pos
	if d.skipClean(depth) {
		return RawObject(d.str(start, d.pos)), nil
	}
	// Invalid, or valid but needing repair: the real decoder reports the
	// error at its position or builds the repaired tree.
	d.pos = start
	return d.value(depth)
}

// skipClean moves past the value at d.pos (whose parent is at depth) and
// reports whether it is valid JSON that can be written out as it is, on
// one line. On false d.pos is meaningless: the caller rewinds.
//
// It is one loop over the text with the open containers in a bit stack,
// not a call per token: the nested objects of a Filebeat event are dozens
// of short tokens, where calls would cost more than the bytes.
func (d *decoder) skipClean(depth int) bool {
	b := d.buf
	p := d.pos
	var arrays [(maxJSONDepth + 63) / 64]uint64 // bit n: open container n is an array
	open := 0
	for {
		// A value starts at p.
		if p >= len(b) {
			return false
		}
		complete := true
		switch c := b[p]; {
		case c == '{' || c == '[':
			if depth+open+1 > maxJSONDepth {
				return false
			}
			isArray := c == '['
			if isArray {
				arrays[open>>6] |= 1 << (open & 63)
			} else {
				arrays[open>>6] &^= 1 << (open & 63)
			}
			open++
			p = skipLineSpace(b, p+1)
			if p < len(b) && (b[p] == '}' && !isArray || b[p] == ']' && isArray) {
				p++
				open--
				break
			}
			if !isArray {
				var ok bool
				if p, ok = cleanKey(b, p); !ok {
					return false
				}
			}
			complete = false
		case c == '"':
			end, _, ok := scanCleanString(b, p)
			if !ok {
				return false
			}
			p = end
		case c == 't':
			if !bytes.HasPrefix(b[p:], []byte("true")) {
				return false
			}
			p += 4
		case c == 'f':
			if !bytes.HasPrefix(b[p:], []byte("false")) {
				return false
			}
			p += 5
		case c == 'n':
			if !bytes.HasPrefix(b[p:], []byte("null")) {
				return false
			}
			p += 4
		case c == '-' || (c >= '0' && c <= '9'):
			var ok bool
			if p, ok = scanNumber(b, p); !ok {
				return false
			}
		default:
			return false
		}
		if !complete {
			continue
		}
		// After a value: close containers until one goes on with a comma.
		for {
			if open == 0 {
				d.pos = p
				return true
			}
			p = skipLineSpace(b, p)
			if p >= len(b) {
				return false
			}
			isArray := arrays[(open-1)>>6]&(1<<((open-1)&63)) != 0
			if b[p] == ',' {
				p = skipLineSpace(b, p+1)
				if !isArray {
					var ok bool
					if p, ok = cleanKey(b, p); !ok {
						return false
					}
				}
				break
			}
			if b[p] == '}' && !isArray || b[p] == ']' && isArray {
				p++
				open--
				continue
			}
			return false
		}
	}
}

// skipLineSpace moves past spaces and tabs. A line break between tokens
// (pretty-printed JSON) stops it like any other byte, so the value is not
// kept raw: it would break the one-document-per-line formats it is copied
// into (bulk bodies, NDJSON). Such objects are decoded and written
// compactly.
func skipLineSpace(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\t') {
		p++
	}
	return p
}

// cleanKey moves past an object key at p, the colon and the spaces after
// it.
func cleanKey(b []byte, p int) (int, bool) {
	if p >= len(b) || b[p] != '"' {
		return 0, false
	}
	p, _, ok := scanCleanString(b, p)
	if !ok {
		return 0, false
	}
	p = skipLineSpace(b, p)
	if p >= len(b) || b[p] != ':' {
		return 0, false
	}
	return skipLineSpace(b, p+1), true
}

// scanNumber moves past the JSON number at p.
func scanNumber(b []byte, p int) (int, bool) {
	if b[p] == '-' {
		p++
	}
	first := p
	if p = skipDigits(b, p); p == first || (p-first > 1 && b[first] == '0') { // JSON has no leading zeros
		return 0, false
	}
	if p < len(b) && b[p] == '.' {
		frac := p + 1
		if p = skipDigits(b, frac); p == frac {
			return 0, false
		}
	}
	if p < len(b) && (b[p] == 'e' || b[p] == 'E') {
		p++
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			p++
		}
		exp := p
		if p = skipDigits(b, p); p == exp {
			return 0, false
		}
	}
	return p, true
}

// skipDigits moves past the decimal digits at p.
func skipDigits(b []byte, p int) int {
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		p++
	}
	return p
}

// scanCleanString moves past the string at d.pos, checking its escapes and
// its text, and reports which escapes it holds.
func (d *decoder) scanCleanString() (escapes, bool) {
	end, esc, ok := scanCleanString(d.buf, d.pos)
	if ok {
		d.pos = end
	}
	return esc, ok
}

// scanCleanString checks the string whose opening quote is at b[p] and
// returns the index after its closing quote and the escapes it holds. ok
// is false unless its text can be written out as it is. One pass, eight
// bytes at a time up to the next byte that needs a look: log lines
// quoting JSON escape every dozen bytes, where a search call per run
// costs more than the run.
func scanCleanString(b []byte, p int) (end int, esc escapes, ok bool) {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	p++
	for {
		// nextSpecial, by hand: a call per stop cost more than the stops
		// themselves where an escape or accent comes every few bytes.
		for p+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[p:])
			q, s := w^(lsb*'"'), w^(lsb*'\\')
			m := ((q-lsb)&^q | (s-lsb)&^s | (w - lsb*0x20) | w) & msb
			if m == 0 {
				p += 8
				continue
			}
			p += bits.TrailingZeros64(m) / 8
			// A one-byte escape (\" \n …, every few bytes in a traceback)
			// is passed here, without leaving the loop; anything else
			// takes the switch below.
			if b[p] != '\\' || p+1 >= len(b) || !oneByteEscape[b[p+1]] {
				break
			}
			esc |= hasEscapes
			p += 2
		}
		if p+8 > len(b) {
			p = nextSpecial(b, p)
		}
		if p >= len(b) {
			return 0, 0, false
		}
		switch c := b[p]; {
		case c == '"':
			return p + 1, esc, true
		case c == '\\':
			if p+1 >= len(b) {
				return 0, 0, false
			}
			esc |= hasEscapes
			switch b[p+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				p += 2
			case '/':
				esc |= hasCodeEscapes
				p += 2
			case 'u':
				// Surrogates (paired or not) take the repairing path.
				r, ok := hexRune(b[p+2:])
				if !ok || utf16.IsSurrogate(r) {
					return 0, 0, false
				}
				esc |= hasCodeEscapes
				p += 6
			default:
				return 0, 0, false
			}
		case c < 0x20:
			return 0, 0, false
		default:
			// From 0x80: a run of valid UTF-8 sequences, taken whole (CJK,
			// Cyrillic or Arabic text is a character every two or three
			// bytes, where a return to the eight-byte loop or a call per
			// character costs more than the character).
			for {
				n := utf8Seq(b, p)
				if n == 0 {
					return 0, 0, false
				}
				if p += n; p >= len(b) || b[p] < 0x80 {
					break
				}
			}
		}
	}
}

// utf8Seq returns the length of the valid UTF-8 sequence of two to four
// bytes at b[p], or 0 (an invalid, overlong or surrogate sequence, or a
// cut one), as utf8.DecodeRune decides, without its call.
func utf8Seq(b []byte, p int) int {
	c := b[p]
	switch {
	case c >= 0xc2 && c < 0xe0:
		if p+1 < len(b) && b[p+1]&0xc0 == 0x80 {
			return 2
		}
	case c >= 0xe0 && c < 0xf0:
		lo, hi := byte(0x80), byte(0xbf)
		if c == 0xe0 {
			lo = 0xa0 // shorter forms are overlong
		} else if c == 0xed {
			hi = 0x9f // above are the surrogates
		}
		if p+2 < len(b) && b[p+1] >= lo && b[p+1] <= hi && b[p+2]&0xc0 == 0x80 {
			return 3
		}
	case c >= 0xf0 && c < 0xf5:
		lo, hi := byte(0x80), byte(0xbf)
		if c == 0xf0 {
			lo = 0x90 // overlong
		} else if c == 0xf4 {
			hi = 0x8f // beyond U+10FFFF
		}
		if p+3 < len(b) && b[p+1] >= lo && b[p+1] <= hi && b[p+2]&0xc0 == 0x80 && b[p+3]&0xc0 == 0x80 {
			return 4
		}
	}
	return 0
}

// nextSpecial returns the index of the first byte at or after i in b that
// a JSON string text cannot hold as it is: '"', '\\', a control character
// or a byte from 0x80; or len(b).
func nextSpecial(b []byte, i int) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, s := w^(lsb*'"'), w^(lsb*'\\')
		// A zero byte in q or s is a quote or backslash; a byte below 0x20
		// borrows into its top bit, one from 0x80 has it. Borrows only
		// flag bytes above a real match, so the lowest flag is exact.
		if m := ((q-lsb)&^q | (s-lsb)&^s | (w - lsb*0x20) | w) & msb; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return i
}

// oneByteEscape marks the bytes that make a one-byte JSON escape after a
// backslash (\u and \/ are told apart: see hasCodeEscapes).
var oneByteEscape = [256]bool{'"': true, '\\': true, 'b': true, 'f': true, 'n': true, 'r': true, 't': true}

// hexRune parses the four hex digits at the start of b.
func hexRune(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
