package event

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds a Value can have. The zero Value is Null.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
)

// Value is one JSON value of an event. It is deliberately small (24 bytes)
// and flat: strings and number literals point into the event's decoded
// buffer, objects and arrays at one array of Fields (array elements have an
// empty Key), through the same pointer. Decoding a Filebeat event therefore
// costs a handful of allocations, not one per field as
// map[string]interface{} does, and a member is 40 bytes: the members the
// pipeline scans share cache lines.
type Value struct {
	ptr  unsafe.Pointer // string bytes, or the first Field of items
	n    uint32         // string length, or number of items
	c    uint32         // capacity of items
	kind Kind
	raw  bool // an object still held as its JSON text (see lazy.go)
	// quoted: a string held as its JSON text, the bytes between the
	// quotes as received (see quoted.go); esc: the escapes that text
	// holds (reading a text with any unescapes it).
	quoted bool
	esc    escapes
}

// strValue returns a value of kind holding s (a string, a number literal,
// "true"/"false", or a raw object's text).
func strValue(kind Kind, s string) Value {
	if len(s) == 0 {
		return Value{kind: kind}
	}
	return Value{kind: kind, ptr: unsafe.Pointer(unsafe.StringData(s)), n: uint32(len(s))}
}

// itemsValue returns an object or array holding items (not copied).
func itemsValue(kind Kind, items []Field) Value {
	v := Value{kind: kind}
	v.setItems(items)
	return v
}

// str returns the text of a string (unescaped), number, boolean or raw
// object.
func (v Value) str() string {
	if v.kind == KindArray || (v.kind == KindObject && !v.raw) {
		return ""
	}
	if v.esc != 0 {
		return unescapeQuoted(v.text())
	}
	return v.text()
}

// text returns the bytes a scalar or raw object holds: for a quoted
// string its JSON text, escapes included (str unescapes).
func (v Value) text() string { return unsafe.String((*byte)(v.ptr), v.n) }

// items returns the members or elements of a decoded object or array.
func (v Value) items() []Field {
	if v.raw || v.kind < KindObject {
		return nil
	}
	return unsafe.Slice((*Field)(v.ptr), v.c)[:v.n]
}

// setItems makes v hold items (v is an object or array).
func (v *Value) setItems(items []Field) {
	v.raw = false
	if cap(items) == 0 {
		v.ptr, v.n, v.c = nil, 0, 0
		return
	}
	v.ptr, v.n, v.c = unsafe.Pointer(unsafe.SliceData(items)), uint32(len(items)), uint32(cap(items))
}

// Field is a member of an object (or, with an empty Key, an array element).
type Field struct {
	Key   string
	Value Value
}

// String returns a string value.
func String(s string) Value { return strValue(KindString, s) }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return strValue(KindBool, "true")
	}
	return strValue(KindBool, "false")
}

// Int returns an integer number value.
func Int(n int64) Value { return strValue(KindNumber, strconv.FormatInt(n, 10)) }

// Float returns a floating point number value; NaN and the infinities,
// which JSON cannot hold, are null. An integral value keeps a fraction
// ("12.0"), as Logstash writes a Float: Elasticsearch's dynamic mapping
// would make a field whose first value is "12" a long, and truncate the
// 2.5 that comes next.
func Float(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return strValue(KindNumber, s)
}

// IntText returns the integer n read from its decimal text s: the text
// itself when it is how n is written (no sign but a minus, no leading
// zero), which spares formatting n again, else n formatted. s must live
// as long as the value.
func IntText(s string, n int64) Value {
	if s != "" && s[0] != '+' && (s[0] != '0' || len(s) == 1) && !(s[0] == '-' && (len(s) == 1 || s[1] == '0')) {
		return RawNumber(s)
	}
	return Int(n)
}

// RawNumber returns a number value from its JSON literal, which the caller
// guarantees is valid.
func RawNumber(lit string) Value { return strValue(KindNumber, lit) }

// Object returns an object value holding fields (not copied).
func Object(fields ...Field) Value { return itemsValue(KindObject, fields) }

// Array returns an array value of elems.
func Array(elems ...Value) Value {
	items := make([]Field, len(elems))
	for i, e := range elems {
		items[i].Value = e
	}
	return itemsValue(KindArray, items)
}

// StringArray returns an array of strings.
func StringArray(elems ...string) Value {
	items := make([]Field, len(elems))
	for i, e := range elems {
		items[i].Value = String(e)
	}
	return itemsValue(KindArray, items)
}

// Kind reports the JSON type of v.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is JSON null (or the zero Value).
func (v Value) IsNull() bool { return v.kind == KindNull }

// Str returns the contents of a string value, or "" for other kinds.
func (v Value) Str() string {
	if v.kind == KindString {
		return v.str()
	}
	return ""
}

// Text renders scalars as text: strings as themselves, numbers as their
// literal, booleans as true/false, null as "". Objects and arrays render as
// JSON. It is what %{[field]} references substitute.
func (v Value) Text() string {
	switch v.kind {
	case KindString, KindNumber, KindBool:
		return v.str()
	case KindNull:
		return ""
	default:
		return string(v.AppendJSON(nil))
	}
}

// BoolValue returns the value of a boolean.
func (v Value) BoolValue() bool { return v.kind == KindBool && v.str() == "true" }

// Number returns a number value as float64.
func (v Value) Number() (float64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.str(), 64)
	return f, err == nil
}

// Len returns the number of members or elements of an object or array.
func (v Value) Len() int {
	if v.raw {
		return len(expandRaw(v.text()).items())
	}
	return len(v.items())
}

// Fields returns the members of an object. The slice is shared: copy before
// keeping it.
func (v Value) Fields() []Field {
	if v.kind != KindObject {
		return nil
	}
	if v.raw {
		return expandRaw(v.text()).items()
	}
	return v.items()
}

// Elems returns the elements of an array as Fields with empty keys.
func (v Value) Elems() []Field {
	if v.kind != KindArray {
		return nil
	}
	return v.items()
}

// Member returns the member key of an object.
func (v Value) Member(key string) (Value, bool) {
	if v.kind != KindObject {
		return Value{}, false
	}
	if v.raw {
		return rawMember(v.text(), key)
	}
	items := v.items()
	for i := range items {
		if k := items[i].Key; len(k) == len(key) && (k == "" || k[0] == key[0]) && k == key {
			return items[i].Value, true
		}
	}
	return Value{}, false
}

// Get returns the value at p inside v: object members by key, array
// elements by index, as Event.Get.
func (v Value) Get(p Path) (Value, bool) { return get(v, p) }

// RawText returns the JSON text of an object still held as it was
// received (objects nested in a decoded event are, until written), and
// true; for anything else "" and false. Equal texts are equal objects,
// which lets a caller reuse what it derived from one.
func (v Value) RawText() (string, bool) {
	if v.raw {
		return v.text(), true
	}
	return "", false
}

// Members looks up several members of an object in one pass (for an
// object still held as JSON text, one scan instead of one per key): out[i]
// receives the first member named keys[i], and bit i of found is set when
// there is one. At most 64 keys; out must be as long as keys.
func (v Value) Members(keys []string, out []Value) (found uint64) {
	if v.kind != KindObject || len(keys) > 64 {
		return 0
	}
	if v.raw {
		return rawMembers(v.text(), keys, out)
	}
	for _, f := range v.items() {
		for i, k := range keys {
			if found&(1<<i) == 0 && f.Key == k {
				out[i] = f.Value
				found |= 1 << i
				break
			}
		}
	}
	return found
}

// Interface converts v to the plain Go values encoding/json would produce:
// nil, bool, float64 or int64, string, map[string]any, []any.
func (v Value) Interface() any {
	switch v.kind {
	case KindBool:
		return v.str() == "true"
	case KindNumber:
		if n, err := strconv.ParseInt(v.str(), 10, 64); err == nil {
			return n
		}
		f, _ := strconv.ParseFloat(v.str(), 64)
		return f
	case KindString:
		return v.str()
	case KindObject:
		m := make(map[string]any, len(v.items()))
		for _, f := range v.Fields() {
			m[f.Key] = f.Value.Interface()
		}
		return m
	case KindArray:
		a := make([]any, len(v.items()))
		for i, f := range v.items() {
			a[i] = f.Value.Interface()
		}
		return a
	}
	return nil
}

// Constant converts a value from a config (as FromInterface does) into a
// Value that every event may be given: each object in it, at the top or
// inside arrays, is kept as its JSON text (RawObject), which the first
// write into it decodes for that event alone. Shared decoded members
// would be written in place: a filter that sets [o][a] in one event would
// change [o] in every later one. Arrays themselves are never written in
// place (a write replaces them, AddTag copies them).
func Constant(x any) Value { return shareable(FromInterface(x)) }

func shareable(v Value) Value {
	switch v.kind {
	case KindObject:
		return RawObject(string(v.AppendJSON(nil)))
	case KindArray:
		for i, f := range v.items() {
			v.items()[i].Value = shareable(f.Value)
		}
	}
	return v
}

// FromInterface converts plain Go values (as produced by encoding/json or
// YAML) to a Value. Unsupported types render with strconv-like text.
func FromInterface(x any) Value {
	switch t := x.(type) {
	case nil:
		return Value{}
	case Value:
		return t
	case bool:
		return Bool(t)
	case string:
		return String(t)
	case int:
		return Int(int64(t))
	case int64:
		return Int(t)
	case float64:
		return Float(t)
	case map[string]any:
		fields := make([]Field, 0, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			fields = append(fields, Field{Key: k, Value: FromInterface(t[k])})
		}
		return Object(fields...)
	case []any:
		vals := make([]Value, len(t))
		for i, e := range t {
			vals[i] = FromInterface(e)
		}
		return Array(vals...)
	case []string:
		return StringArray(t...)
	}
	return String(fmt.Sprint(x))
}
