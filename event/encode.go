package event

import (
	"math/bits"
	"unicode/utf8"
)

// AppendJSON appends the JSON encoding of v to dst.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBool, KindNumber:
		return append(dst, v.text()...)
	case KindString:
		if v.quoted { // checked when decoded: it may stand between quotes as it is
			dst = append(dst, '"')
			dst = append(dst, v.text()...)
			return append(dst, '"')
		}
		return AppendQuoted(dst, v.text())
	case KindObject:
		if v.raw { // checked when decoded, written as received
			return append(dst, v.text()...)
		}
		dst = append(dst, '{')
		items := v.items()
		for i := range items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendQuoted(dst, items[i].Key)
			dst = append(dst, ':')
			dst = items[i].Value.AppendJSON(dst)
		}
		return append(dst, '}')
	case KindArray:
		dst = append(dst, '[')
		items := v.items()
		for i := range items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = items[i].Value.AppendJSON(dst)
		}
		return append(dst, ']')
	}
	return dst
}

// MarshalJSON implements json.Marshaler.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendQuoted appends s as a JSON string. Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON.
func AppendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time up to one that needs a look (a quote,
		// a backslash, a control or a non-ASCII byte): most text has none.
		for ; i+8 <= len(s); i += 8 {
			if m := specialBytes(load64(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// specialBytes has the high bit set in each byte of w that is a quote, a
// backslash, a control character or not ASCII (and possibly in bytes
// after the first such one).
func specialBytes(w uint64) uint64 {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	q, b := w^(lsb*'"'), w^(lsb*'\\')
	return ((q-lsb)&^q | (b-lsb)&^b | (w - lsb*0x20) | w) & msb
}

// load64 reads s[i:i+8] little-endian (the compiler makes it one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
