package event

import (
	"bytes"
	"strings"
	"unsafe"
)

// Reads of raw objects (see lazy.go): a member, several members, or a
// path looked up in an object's JSON text without building it.

// rawMember looks key up in a raw object without building it. Nested
// objects come back raw, scalars decoded (strings kept as their text in
// raw, see quoted.go).
func rawMember(raw, key string) (Value, bool) {
	keys := [1]string{key}
	var out [1]Value
	found := rawMembers(raw, keys[:], out[:])
	return out[0], found != 0
}

// GetPlain is Get for an object held as its JSON text (see RawText) in
// which the caller found no backslash: no key or string in it holds an
// escape, so the path's keys are compared where they lie and a string is
// its text between the quotes, with no decoder step. A route reads
// [log][file][path] of every event through two such objects; Get's
// general scan made that half of the route's cost. Anything else is Get.
func (v Value) GetPlain(p Path) (Value, bool) {
	if !v.raw {
		return get(v, p)
	}
	raw := v.text()
	for depth, key := range p {
		start, ok := plainMember(raw, key)
		if !ok {
			return Value{}, false
		}
		last := depth == len(p)-1
		switch raw[start] {
		case '"':
			if !last {
				return Value{}, false
			}
			// No backslash: the next quote closes it.
			q := strings.IndexByte(raw[start+1:], '"')
			if q < 0 {
				return Value{}, false
			}
			return String(raw[start+1 : start+1+q]), true
		case '{':
			if last {
				return RawObject(raw[start:skipTrusted(plainBytes(raw), start)]), true
			}
			// Not cut at its end: the scan of its members stops at its
			// closing brace, and finding the end would read it twice.
			raw = raw[start:]
		default: // an array, a number, true, false, null: decoded as Get does
			text := raw[start:skipTrusted(plainBytes(raw), start)]
			d := decoder{buf: plainBytes(text)}
			val, err := d.value(1)
			if err != nil {
				return Value{}, false
			}
			return get(val, p[depth+1:])
		}
	}
	return RawObject(raw), true // an empty path
}

func plainBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// plainMember finds the member key of the object whose text starts raw
// (no backslash in it; raw may go on past the object's end) and returns
// where its value's text starts.
func plainMember(raw, key string) (start int, ok bool) {
	d := decoder{buf: plainBytes(raw), pos: 1}
	for d.skipSpace(); d.pos < len(d.buf) && d.buf[d.pos] == '"'; d.skipSpace() {
		q := strings.IndexByte(raw[d.pos+1:], '"')
		if q < 0 {
			return 0, false
		}
		k := raw[d.pos+1 : d.pos+1+q]
		d.pos += q + 2
		d.skipSpace()
		d.pos++ // ':'
		d.skipSpace()
		if d.pos >= len(d.buf) {
			return 0, false
		}
		if k == key {
			return d.pos, true
		}
		d.pos = skipTrusted(d.buf, d.pos)
		d.skipSpace()
		if d.pos >= len(d.buf) || d.buf[d.pos] != ',' {
			return 0, false
		}
		d.pos++
	}
	return 0, false
}

// rawMembers looks several keys up in one pass over a raw object: out[i]
// is the first member named keys[i], and bit i of found is set if there is
// one.
func rawMembers(raw string, keys []string, out []Value) (found uint64) {
	all := uint64(1)<<len(keys) - 1
	d := decoder{buf: unsafe.Slice(unsafe.StringData(raw), len(raw))}
	d.pos = 1
	d.skipSpace()
	if d.pos >= len(d.buf) || d.buf[d.pos] == '}' {
		return 0
	}
	for d.pos < len(d.buf) && found != all {
		d.skipSpace()
		k, err := d.string()
		if err != nil {
			return found
		}
		d.skipSpace()
		d.pos++ // ':'
		d.skipSpace()
		i := 0
		for i < len(keys) && (keys[i] != k || found&(1<<i) != 0) {
			i++
		}
		if i < len(keys) {
			found |= 1 << i
			if d.pos < len(d.buf) && d.buf[d.pos] == '{' {
				end := skipTrusted(d.buf, d.pos)
				out[i] = RawObject(d.str(d.pos, end))
				d.pos = end
			} else if out[i], err = d.value(1); err != nil {
				return found &^ (1 << i)
			}
		} else {
			d.pos = skipTrusted(d.buf, d.pos)
		}
		d.skipSpace()
		if d.pos >= len(d.buf) || d.buf[d.pos] != ',' {
			break
		}
		d.pos++
	}
	return found
}

// skipTrusted returns the end of the value starting at b[i], which was
// validated before: it only has to find the end.
func skipTrusted(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = endOfString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// endOfString returns the index after the closing quote of the string
// opening at b[i].
func endOfString(b []byte, i int) int {
	p := i + 1
	for {
		q := bytes.IndexByte(b[p:], '"')
		if q < 0 {
			return len(b)
		}
		q += p
		n := 0
		for k := q - 1; k > i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		p = q + 1
	}
}
