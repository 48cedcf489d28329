package event

import (
	"fmt"
	"strconv"
	"strings"
)

// Conversion names accepted by filters that convert text (grok captures,
// mutate convert, dissect).
const (
	ConvertString  = "string"
	ConvertInt     = "int"
	ConvertFloat   = "float"
	ConvertBoolean = "boolean"
)

// CheckConversion reports whether name is a known conversion.
func CheckConversion(name string) error {
	switch name {
	case ConvertString, ConvertInt, "integer", ConvertFloat, ConvertBoolean, "bool":
		return nil
	}
	return fmt.Errorf("unknown conversion %q (use string, int, float or boolean)", name)
}

// Convert turns text into a value of the named type. Integers accept an
// optional sign; booleans accept true/false, yes/no, 1/0 (any case).
func Convert(text, to string) (Value, error) {
	switch to {
	case ConvertString, "":
		return String(text), nil
	case ConvertInt, "integer":
		t := strings.TrimSpace(text)
		if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			f, ferr := strconv.ParseFloat(t, 64)
			if ferr != nil {
				return Value{}, fmt.Errorf("%q is not an integer", text)
			}
			return Int(int64(f)), nil
		}
		return RawNumber(strings.TrimPrefix(t, "+")), nil
	case ConvertFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not a number", text)
		}
		return Float(f), nil
	case ConvertBoolean, "bool":
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "t", "yes", "y", "1":
			return Bool(true), nil
		case "false", "f", "no", "n", "0":
			return Bool(false), nil
		}
		return Value{}, fmt.Errorf("%q is not a boolean", text)
	}
	return Value{}, CheckConversion(to)
}

// ConvertValue converts an existing value (arrays element by element).
func ConvertValue(v Value, to string) (Value, error) {
	if v.kind == KindArray {
		items := make([]Field, len(v.items()))
		for i, f := range v.items() {
			c, err := ConvertValue(f.Value, to)
			if err != nil {
				return Value{}, err
			}
			items[i].Value = c
		}
		return itemsValue(KindArray, items), nil
	}
	if v.kind == KindObject {
		return Value{}, fmt.Errorf("cannot convert an object to %s", to)
	}
	return Convert(v.Text(), to)
}

// AddTags adds every tag of tags to e (a failure tag list of a filter).
func (e *Event) AddTags(tags []string) {
	for _, t := range tags {
		e.AddTag(t)
	}
}

// RemoveTag removes tag from e if present.
func (e *Event) RemoveTag(tag string) {
	v, ok := e.Get(tagsPath)
	if !ok || v.kind != KindArray {
		if ok && v.kind == KindString && v.str() == tag {
			e.Delete(tagsPath)
		}
		return
	}
	items := make([]Field, 0, len(v.items()))
	for _, f := range v.items() {
		if !(f.Value.kind == KindString && f.Value.str() == tag) {
			items = append(items, f)
		}
	}
	e.Set(tagsPath, itemsValue(KindArray, items))
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
