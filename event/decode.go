package event

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxJSONDepth bounds nesting so a hostile event cannot exhaust the stack.
const maxJSONDepth = 100

// DecodeJSON parses one JSON object into a Value. It copies data once (the
// caller may reuse it, as go-lumber does with its frame buffer) and every
// unescaped string of the result points into that copy. All members of all
// objects share one arena allocation.
func DecodeJSON(data []byte) (Value, error) {
	return decodeBuf(append(make([]byte, 0, len(data)), data...), false, rootSpare)
}

// DecodeJSONString is DecodeJSON for text in a string, which, never
// written, is decoded where it is: strings of the result point into it
// (the json filter decodes a field's text this way, without the two
// copies DecodeJSON([]byte(s)) makes).
func DecodeJSONString(s string) (Value, error) {
	return decodeBuf(unsafe.Slice(unsafe.StringData(s), len(s)), false, rootSpare)
}

// DecodeJSON is DecodeJSONString for a text read from e (a field holding
// JSON, see Event.Text): the members of the result come from e's arena,
// given back with its batch, rather than from an allocation per record
// (the json filter on every accounting record). Like e's own members,
// the result must be copied (Value.Clone) to outlive e.
func (e *Event) DecodeJSON(s string) (Value, error) {
	return decode(unsafe.Slice(unsafe.StringData(s), len(s)), false, rootSpare, nil, e.arena)
}

// rootSpare is room left in a decoded event's top-level object for the
// fields filters add, so they do not reallocate it one by one.
const rootSpare = 12

// decodeBuf decodes buf in place: strings of the result point into it, so
// it must never be written again.
// spare is the room left in the top-level object for members to come.
func decodeBuf(buf []byte, lazy bool, spare int) (Value, error) {
	return decodeBufIn(buf, lazy, spare, nil)
}

// decodeBufIn is decodeBuf with a lazy decode's members from a batch
// Arena (nil: allocated for this value alone).
func decodeBufIn(buf []byte, lazy bool, spare int, a *Arena) (Value, error) {
	return decode(buf, lazy, spare, a, nil)
}

// decode decodes buf in place; a lazy decode takes its members from a, an
// eager one settles them in late's late chunks (Arena.lateFieldsFor); nil
// arenas: allocations of their own.
func decode(buf []byte, lazy bool, spare int, a, late *Arena) (Value, error) {
	sc := scratchPool.Get().(*scratch)
	d := decoder{buf: buf, stack: sc.stack[:0], lazy: lazy, spare: spare, batch: a, late: late}
	if !lazy {
		// Eager: members are collected in a pooled scratch arena, sized
		// by a cheap upper bound (every member follows a ':' or ',' —
		// counting those in strings too, which only oversizes the reused
		// scratch), then settled into one exact allocation. Lazy decoding
		// has few members (the top level's) and allocates them directly.
		bound := bytes.Count(buf, []byte{':'}) + bytes.Count(buf, []byte{','}) + 1
		if cap(sc.arena) < bound {
			sc.arena = make([]Field, 0, bound)
		}
		d.arena = sc.arena[:0]
	}
	defer func() {
		// Drop the references the scratch holds (only what was used), so
		// pooled memory does not keep events alive.
		clear(d.arena[:len(d.arena)])
		clear(d.stack[:d.stackHigh])
		if !lazy {
			sc.arena = d.arena[:0]
		}
		sc.stack = d.stack[:0]
		if cap(sc.arena) <= maxPooledFields && cap(sc.stack) <= maxPooledFields {
			scratchPool.Put(sc)
		}
	}()
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return Value{}, err
	}
	d.skipSpace()
	if d.pos != len(d.buf) {
		return Value{}, d.errorf("unexpected data after the top-level value")
	}
	if lazy {
		if v.kind == KindObject && v.n == 0 {
			v.setItems(a.fieldsFor(spare))
		}
		return v, nil
	}
	return d.settle(v, spare), nil
}

// scratch is a decoder's reusable memory.
type scratch struct {
	arena []Field
	stack []Field
}

// maxPooledFields keeps one huge event from pinning a huge scratch arena.
const maxPooledFields = 1 << 16

var scratchPool = sync.Pool{New: func() any { return &scratch{arena: make([]Field, 0, 256), stack: make([]Field, 0, 64)} }}

// settle copies the members out of the scratch arena into one exact
// allocation (plus spare room for the top-level object, which the decoder
// popped last) and points every object and array at its new home.
func (d *decoder) settle(v Value, spare int) Value {
	used := len(d.arena)
	if used == 0 || len(v.items()) == 0 {
		if v.kind == KindObject {
			v.setItems(make([]Field, 0, spare))
		}
		return v
	}
	exact := d.late.lateFieldsFor(used + spare)[:used]
	copy(exact, d.arena)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(d.arena)))
	size := unsafe.Sizeof(Field{})
	var rebase func(items []Field) []Field
	rebase = func(items []Field) []Field {
		off := int((uintptr(unsafe.Pointer(unsafe.SliceData(items))) - base) / size)
		out := exact[off : off+len(items) : off+len(items)]
		for i := range out {
			if len(out[i].Value.items()) > 0 {
				out[i].Value.setItems(rebase(out[i].Value.items()))
			}
		}
		return out
	}
	root := rebase(v.items())
	if n := len(root); &root[0] == &exact[used-n] {
		root = exact[used-n : used : used+spare] // the spare room after it
	}
	v.setItems(root)
	return v
}

type decoder struct {
	stackHigh int // the most members the stack held, for clearing
	buf       []byte
	pos       int
	arena     []Field
	stack     []Field // members of the objects/arrays being parsed
	// lazy keeps objects nested in the top-level object raw when they
	// can be written out byte for byte (see lazy.go).
	lazy  bool
	spare int // room for members to come in the top-level object
	// inMetadata is set while a lazy decode decodes @metadata.
	inMetadata bool
	batch      *Arena // where a lazy decode's members go (nil: their own allocations)
	late       *Arena // where an eager decode's members settle (nil: their own allocation)
}

// SyntaxError is a JSON syntax error with the byte offset where it was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

func (d *decoder) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (Value, error) {
	if d.pos >= len(d.buf) {
		return Value{}, d.errorf("unexpected end of input")
	}
	switch c := d.buf[d.pos]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.stringValue()
	case c == 't':
		return d.literal("true", strValue(KindBool, "true"))
	case c == 'f':
		return d.literal("false", strValue(KindBool, "false"))
	case c == 'n':
		return d.literal("null", Value{})
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		return Value{}, d.errorf("unexpected character %q", c)
	}
}

func (d *decoder) literal(word string, v Value) (Value, error) {
	if !bytes.HasPrefix(d.buf[d.pos:], []byte(word)) {
		return Value{}, d.errorf("invalid literal")
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) number() (Value, error) {
	start := d.pos
	if d.buf[d.pos] == '-' {
		d.pos++
	}
	first := d.pos
	digits := d.digits()
	if digits == 0 || (digits > 1 && d.buf[first] == '0') { // JSON has no leading zeros
		return Value{}, d.errorf("invalid number")
	}
	if d.pos < len(d.buf) && d.buf[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return Value{}, d.errorf("invalid number")
		}
	}
	if d.pos < len(d.buf) && (d.buf[d.pos] == 'e' || d.buf[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.buf) && (d.buf[d.pos] == '+' || d.buf[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return Value{}, d.errorf("invalid number")
		}
	}
	return strValue(KindNumber, d.str(start, d.pos)), nil
}

func (d *decoder) digits() int {
	start := d.pos
	for d.pos < len(d.buf) && d.buf[d.pos] >= '0' && d.buf[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// str returns buf[i:j] as a string without copying: buf is private to the
// decoded event and never written after decoding.
func (d *decoder) str(i, j int) string {
	if i == j {
		return ""
	}
	return unsafe.String(&d.buf[i], j-i)
}

func (d *decoder) string() (string, error) {
	d.pos++ // opening quote
	start := d.pos
	// Jump to the next quote (IndexByte is vectorised); the string is plain
	// unless a backslash comes before it. Raw control characters, which
	// strict JSON forbids, are accepted: the encoder escapes them again.
	q := bytes.IndexByte(d.buf[start:], '"')
	if q < 0 {
		d.pos = len(d.buf)
		return "", d.errorf("unterminated string")
	}
	if b := bytes.IndexByte(d.buf[start:start+q], '\\'); b >= 0 {
		d.pos = start + b
		return d.escapedString(start)
	}
	d.pos = start + q + 1
	return d.str(start, start+q), nil
}

// nextQuoteOrBackslash returns the index of the first '"' or '\\' in b at
// or after i, or len(b).
func nextQuoteOrBackslash(b []byte, i int) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, s := w^(lsb*'"'), w^(lsb*'\\')
		// A zero byte in q or s is a match; the lowest flagged byte is
		// exact (borrows only flag bytes above a real match).
		if m := ((q-lsb)&^q | (s-lsb)&^s) & msb; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '"' || b[i] == '\\' {
			return i
		}
	}
	return len(b)
}

// escapedString finishes a string that contains escapes into a new buffer,
// copying the runs between escapes whole. Log messages quote a lot (JSON
// in the message: an escape every dozen bytes), so the runs are found
// eight bytes at a time rather than with a call per run.
func (d *decoder) escapedString(start int) (string, error) {
	// Unescaping only shrinks: the rest of the buffer bounds the result,
	// so out never grows. The string is usually the last member (the
	// message): the bound is then tight; otherwise the result is copied
	// to its size below.
	out := make([]byte, 0, len(d.buf)-start)
	out = append(out, d.buf[start:d.pos]...)
	for {
		i := nextQuoteOrBackslash(d.buf, d.pos)
		out = append(out, d.buf[d.pos:i]...)
		d.pos = i
		if i >= len(d.buf) {
			break
		}
		if d.buf[i] == '"' {
			d.pos++
			if cap(out)-len(out) > len(out)/4+64 {
				return string(out), nil
			}
			return unsafe.String(unsafe.SliceData(out), len(out)), nil
		}
		if d.pos+1 >= len(d.buf) {
			break
		}
		var err error
		if out, err = d.escape(out); err != nil {
			return "", err
		}
	}
	return "", d.errorf("unterminated string")
}

// escape appends what the escape at d.pos (a backslash, and at least one
// byte after it) stands for, and moves past it. A surrogate \u escape
// pairs with the one after it, or becomes U+FFFD.
func (d *decoder) escape(out []byte) ([]byte, error) {
	e := d.buf[d.pos+1]
	d.pos += 2
	switch e {
	case '"', '\\', '/':
		out = append(out, e)
	case 'b':
		out = append(out, '\b')
	case 'f':
		out = append(out, '\f')
	case 'n':
		out = append(out, '\n')
	case 'r':
		out = append(out, '\r')
	case 't':
		out = append(out, '\t')
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return out, d.errorf("invalid \\u escape")
		}
		if utf16.IsSurrogate(r) {
			r2 := rune(-1)
			if d.pos+1 < len(d.buf) && d.buf[d.pos] == '\\' && d.buf[d.pos+1] == 'u' {
				save := d.pos
				d.pos += 2
				var ok2 bool
				if r2, ok2 = d.hex4(); !ok2 {
					return out, d.errorf("invalid \\u escape")
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
				} else {
					d.pos = save
					r = utf8.RuneError
				}
			} else {
				r = utf8.RuneError
			}
		}
		out = utf8.AppendRune(out, r)
	default:
		return out, d.errorf("invalid escape \\%c", e)
	}
	return out, nil
}

func (d *decoder) hex4() (rune, bool) {
	r, ok := hexRune(d.buf[d.pos:])
	if ok {
		d.pos += 4
	}
	return r, ok
}

func (d *decoder) object(depth int) (Value, error) {
	if depth > maxJSONDepth {
		return Value{}, d.errorf("nesting deeper than %d", maxJSONDepth)
	}
	d.pos++ // {
	base := len(d.stack)
	d.skipSpace()
	if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
		d.pos++
		return Value{kind: KindObject}, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
			return Value{}, d.errorf("expected object key")
		}
		key, err := d.string()
		if err != nil {
			return Value{}, err
		}
		d.skipSpace()
		if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
			return Value{}, d.errorf("expected ':' after object key")
		}
		d.pos++
		d.skipSpace()
		v, err := d.member(depth, key)
		if err != nil {
			return Value{}, err
		}
		d.stack = append(d.stack, Field{Key: key, Value: v})
		d.stackHigh = max(d.stackHigh, len(d.stack))
		d.skipSpace()
		if d.pos >= len(d.buf) {
			return Value{}, d.errorf("unterminated object")
		}
		if d.buf[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.buf[d.pos] == '}' {
			d.pos++
			return itemsValue(KindObject, d.pop(base, depth)), nil
		}
		return Value{}, d.errorf("expected ',' or '}' in object")
	}
}

func (d *decoder) array(depth int) (Value, error) {
	if depth > maxJSONDepth {
		return Value{}, d.errorf("nesting deeper than %d", maxJSONDepth)
	}
	d.pos++ // [
	base := len(d.stack)
	d.skipSpace()
	if d.pos < len(d.buf) && d.buf[d.pos] == ']' {
		d.pos++
		return Value{kind: KindArray}, nil
	}
	for {
		d.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		d.stack = append(d.stack, Field{Value: v})
		d.stackHigh = max(d.stackHigh, len(d.stack))
		d.skipSpace()
		if d.pos >= len(d.buf) {
			return Value{}, d.errorf("unterminated array")
		}
		if d.buf[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.buf[d.pos] == ']' {
			d.pos++
			return itemsValue(KindArray, d.pop(base, depth)), nil
		}
		return Value{}, d.errorf("expected ',' or ']' in array")
	}
}

// pop moves the members collected since base from the scratch stack into
// the scratch arena (settle later copies them out).
//
// Without an arena (lazy decoding, and rawMember) each container gets its
// own allocation, exact, plus the spare room for the top level (depth 1).
// With one, the bound in decodeBuf keeps it from overflowing.
func (d *decoder) pop(base, depth int) []Field {
	members := d.stack[base:]
	start := len(d.arena)
	if d.arena == nil {
		extra := 0
		switch {
		case depth == 1:
			extra = d.spare
		case depth == 2 && d.inMetadata:
			extra = 4 // filters write the line's time and such into @metadata
		}
		out := d.batch.fieldsFor(len(members) + extra)[:len(members)]
		copy(out, members)
		d.stack = d.stack[:base]
		return out
	}
	if start+len(members) > cap(d.arena) {
		panic("event: decode arena overflow") // the bound makes this unreachable
	}
	d.arena = append(d.arena, members...)
	d.stack = d.stack[:base]
	end := len(d.arena)
	return d.arena[start:end:end]
}

// ErrNotObject is returned when an event is valid JSON but not an object.
var ErrNotObject = errors.New("event is not a JSON object")

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes a JSON string holds as they are.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
