package event

import (
	"fmt"
	"strconv"
	"strings"
)

// Path addresses a field of an event: "[log][file][path]" in the Logstash
// field-reference syntax, or a bare top-level name such as "message".
// A bare name with dots is one key: "log.file.path" is not nested.
type Path []string

// ParsePath parses a field reference.
func ParsePath(ref string) (Path, error) {
	if ref == "" {
		return nil, fmt.Errorf("empty field reference")
	}
	if ref[0] != '[' {
		if strings.ContainsAny(ref, "[]") {
			return nil, fmt.Errorf("field reference %q: brackets must enclose every part, as in [a][b]", ref)
		}
		return Path{ref}, nil
	}
	var p Path
	rest := ref
	for rest != "" {
		if rest[0] != '[' {
			return nil, fmt.Errorf("field reference %q: expected '[' at %q", ref, rest)
		}
		// The fragment's closing bracket, at the same depth: a fragment may
		// itself be a reference ([[a][b]][c] is a, b, c, as Logstash's
		// FieldReference reads an embedded reference).
		depth, end := 0, -1
		for i := 0; i < len(rest) && end < 0; i++ {
			switch rest[i] {
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("field reference %q: missing ']'", ref)
		}
		part := rest[1:end]
		switch {
		case part == "":
			return nil, fmt.Errorf("field reference %q: empty part", ref)
		case part[0] == '[':
			inner, err := ParsePath(part)
			if err != nil {
				return nil, fmt.Errorf("field reference %q: %w", ref, err)
			}
			p = append(p, inner...)
		case strings.ContainsAny(part, "[]"):
			return nil, fmt.Errorf("field reference %q: brackets inside a name", ref)
		default:
			p = append(p, part)
		}
		rest = rest[end+1:]
	}
	return p, nil
}

// MustPath is ParsePath for references known at compile time.
func MustPath(ref string) Path {
	p, err := ParsePath(ref)
	if err != nil {
		panic(err)
	}
	return p
}

// String renders p in bracket syntax.
func (p Path) String() string {
	var b strings.Builder
	for _, part := range p {
		b.WriteByte('[')
		b.WriteString(part)
		b.WriteByte(']')
	}
	return b.String()
}

// get follows path inside v. In an array, a key that is an integer reads
// an element, counting from the end when negative ([tags][0],
// [list][-1]), as Logstash's field references do.
func get(v Value, path Path) (Value, bool) {
	for _, key := range path {
		if v.kind == KindArray {
			var ok bool
			if v, ok = v.element(key); !ok {
				return Value{}, false
			}
			continue
		}
		var ok bool
		if v, ok = v.Member(key); !ok {
			return Value{}, false
		}
	}
	return v, true
}

// element returns the element of an array that an integer key names.
func (v Value) element(key string) (Value, bool) {
	i, ok := v.elementIndex(key, 0)
	if !ok {
		return Value{}, false
	}
	return v.items()[i].Value, true
}

// elementIndex reads key as the index of an element of the array v,
// counting from the end when negative; it may be up to past elements
// after the last (a set there grows the array).
func (v Value) elementIndex(key string, past int) (int, bool) {
	i, err := strconv.Atoi(key)
	if err != nil {
		return 0, false
	}
	n := int(v.n)
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n+past
}

// set stores val at path inside the object *v, creating intermediate
// objects. A non-object in the way is replaced, as Logstash does, but for
// an array, whose elements an integer key names.
// Objects that grow take their members from a (the heap's when nil). It
// reports whether it added a member (in place, maybe in memory another
// value shares).
func set(v *Value, path Path, val Value, a *Arena) (added bool) {
	for depth, key := range path {
		if v.kind == KindArray {
			// An element, as Logstash's Accessors set one: an index past
			// the end grows the array with nulls; a key that is no index
			// leaves the array as it is (Logstash refuses such a set).
			i, ok := v.elementIndex(key, maxArrayGrowth)
			if !ok {
				return added
			}
			items := v.items()
			if i >= len(items) {
				for len(items) <= i {
					items = a.appendField(items, Field{})
				}
				v.setItems(items)
			}
			if depth == len(path)-1 {
				items[i].Value = val
				return added
			}
			v = &items[i].Value
			continue
		}
		if v.kind != KindObject {
			*v = Value{kind: KindObject}
		}
		v.own()
		i := v.index(key)
		if i < 0 {
			v.setItems(a.appendField(v.items(), Field{Key: key}))
			i = len(v.items()) - 1
			added = true
		}
		if depth == len(path)-1 {
			v.items()[i].Value = val
			return added
		}
		v = &v.items()[i].Value
	}
	return added
}

// maxArrayGrowth is how far past an array's end a set may name an element
// (it grows the array with nulls; a bigger number would only make a huge
// array of nulls).
const maxArrayGrowth = 1024

// remove deletes path inside v and reports whether it existed.
func remove(v *Value, path Path) (Value, bool) {
	for depth, key := range path {
		if v.kind == KindArray {
			i, ok := v.elementIndex(key, 0)
			if !ok {
				return Value{}, false
			}
			items := v.items()
			if depth == len(path)-1 {
				old := items[i].Value
				copy(items[i:], items[i+1:])
				items[len(items)-1] = Field{}
				v.setItems(items[:len(items)-1])
				return old, true
			}
			v = &items[i].Value
			continue
		}
		if v.kind != KindObject {
			return Value{}, false
		}
		v.own()
		i := v.index(key)
		if i < 0 {
			return Value{}, false
		}
		if depth == len(path)-1 {
			// Shifted in place, keeping the room after them for the
			// fields filters add: an object's members belong to it alone
			// (Clone and mutate's copy copy them, constants are raw
			// until written, the decoder carves each object its own).
			// A copy here made the next set reallocate them: a rename of
			// message allocated the root twice.
			items := v.items()
			old := items[i].Value
			copy(items[i:], items[i+1:])
			items[len(items)-1] = Field{}
			v.setItems(items[:len(items)-1])
			return old, true
		}
		v = &v.items()[i].Value
	}
	return Value{}, false
}

func (v *Value) index(key string) int { return indexOf(v.items(), key) }

// indexOf is the index of the first member of items named key, or -1.
func indexOf(items []Field, key string) int {
	for i := range items {
		// The first byte settles most mismatches without a call.
		if k := items[i].Key; len(k) == len(key) && (k == "" || k[0] == key[0]) && k == key {
			return i
		}
	}
	return -1
}

// FieldRef is a field reference in a config (such as "[dcache][rc]"),
// parsed at load time.
type FieldRef struct {
	Path Path
}

// UnmarshalText parses the reference when a config is decoded.
func (r *FieldRef) UnmarshalText(text []byte) error {
	p, err := ParsePath(string(text))
	if err != nil {
		return err
	}
	r.Path = p
	return nil
}

// IsZero reports whether the reference is unset.
func (r FieldRef) IsZero() bool { return len(r.Path) == 0 }

// String renders the reference.
func (r FieldRef) String() string { return r.Path.String() }
