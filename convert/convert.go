// Package convert turns text and values into the types filters convert to
// (grok captures, mutate convert, dissect): string, int, float, boolean.
package convert

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/event"
)

// Conversion names accepted by filters that convert text (grok captures,
// mutate convert, dissect).
const (
	String  = "string"
	Int     = "int"
	Float   = "float"
	Boolean = "boolean"
	// IntEU and FloatEU read numbers written the European way, as
	// Logstash's mutate does (convert_integer_eu, convert_float_eu):
	// dots group thousands, a comma starts the fraction ("1.234,5").
	IntEU   = "integer_eu"
	FloatEU = "float_eu"
)

// Check reports whether name is a known conversion.
func Check(name string) error {
	switch name {
	case String, Int, "integer", Float, Boolean, "bool", IntEU, FloatEU:
		return nil
	}
	return fmt.Errorf("unknown conversion %q (use string, int, float, boolean, integer_eu or float_eu)", name)
}

// Text turns text into a value of the named type. Integers accept an
// optional sign; booleans accept true/false, yes/no, 1/0 (any case).
func Text(text, to string) (event.Value, error) {
	switch to {
	case String, "":
		return event.String(text), nil
	case Int, "integer":
		t := strings.TrimSpace(text)
		if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			f, ok := decimal(t)
			if !ok || f >= 1<<63 || f < -(1<<63) {
				return event.Value{}, fmt.Errorf("%q is not an integer", text)
			}
			return event.Int(int64(f)), nil
		}
		return event.RawNumber(strings.TrimPrefix(t, "+")), nil
	case Float:
		f, ok := decimal(strings.TrimSpace(text))
		if !ok {
			return event.Value{}, fmt.Errorf("%q is not a number", text)
		}
		return event.Float(f), nil
	case IntEU, FloatEU:
		// Logstash: value.tr(".", "").tr(",", "."), then as integer or float.
		t := strings.ReplaceAll(strings.ReplaceAll(text, ".", ""), ",", ".")
		if to == IntEU {
			return Text(t, Int)
		}
		return Text(t, Float)
	case Boolean, "bool":
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "t", "yes", "y", "1":
			return event.Bool(true), nil
		case "false", "f", "no", "n", "0":
			return event.Bool(false), nil
		}
		return event.Value{}, fmt.Errorf("%q is not a boolean", text)
	}
	return event.Value{}, Check(to)
}

// Value converts an existing value (arrays element by element). A number
// or boolean is no European text: integer_eu and float_eu convert it as
// integer and float do (Logstash's cnv_replace_eu leaves non-strings).
func Value(v event.Value, to string) (event.Value, error) {
	if v.Kind() != event.KindString && v.Kind() != event.KindArray {
		switch to {
		case IntEU:
			to = Int
		case FloatEU:
			to = Float
		}
	}
	if v.Kind() == event.KindArray {
		elems := make([]event.Value, 0, v.Len())
		for _, f := range v.Elems() {
			c, err := Value(f.Value, to)
			if err != nil {
				return event.Value{}, err
			}
			elems = append(elems, c)
		}
		return event.Array(elems...), nil
	}
	if v.Kind() == event.KindObject {
		return event.Value{}, fmt.Errorf("cannot convert an object to %s", to)
	}
	return Text(v.Text(), to)
}

// decimal parses a finite number written in decimal (an optional sign,
// digits, a fraction, an exponent). Go's ParseFloat also takes NaN, Inf
// and hexadecimal floats, none of which JSON can hold.
func decimal(t string) (float64, bool) {
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9', c == '.', c == '+', c == '-', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
