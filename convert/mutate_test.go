package convert

import (
	"strconv"
	"testing"

	"github.com/ingestd/ingestd/event"
)

// TestMutateRuby: what Logstash's mutate makes of text, Ruby's parsing
// quirks included; each expectation is what JRuby answered for
// mutate.rb's convert_* methods ("ERR": the conversion raises). The spec's
// own cases are in filters/mutate's TestConvertSpec.
func TestMutateRuby(t *testing.T) {
	for _, c := range []struct{ to, in, want string }{
		// convert_integer: BigDecimal(value).to_i after strip, commas
		// dropped and downcase.
		{"integer", `" 12 "`, `12`}, {"integer", `"+12"`, `12`}, {"integer", `"1_000"`, `1000`}, {"integer", `"1__0"`, `ERR`},
		{"integer", `".5"`, `0`}, {"integer", `"5."`, `5`}, {"integer", `"1E5"`, `100000`}, {"integer", `"1e"`, `ERR`},
		{"integer", `"1e+"`, `ERR`}, {"integer", `"1d2"`, `100`}, {"integer", `"1.5D2"`, `150`}, {"integer", `"1.5e-3"`, `0`},
		{"integer", `"Infinity"`, `ERR`}, {"integer", `"NaN"`, `ERR`}, {"integer", `""`, `ERR`}, {"integer", `"  "`, `ERR`},
		{"integer", `"1,2,3"`, `123`}, {"integer", `"1.2.3"`, `ERR`}, {"integer", `"12abc"`, `ERR`}, {"integer", `"12a"`, `12`},
		{"integer", `"1 2"`, `1`}, {"integer", `"1.5 junk"`, `ERR`}, {"integer", `"1_2x"`, `ERR`}, {"integer", `"1.e3"`, `ERR`},
		{"integer", `"5-6"`, `5`}, {"integer", `"1e5-3"`, `ERR`}, {"integer", `"1e99999999999"`, `ERR`}, {"integer", `"1e-99999999999"`, `0`},
		{"integer", `"0.05e2"`, `5`}, {"integer", `"-0.0"`, `0`}, {"integer", `"017"`, `17`}, {"integer", `"١٢"`, `ERR`},
		{"integer", `"1.9999999999999999999"`, `1`}, {"integer", `"123456789012345678901234567890"`, `123456789012345678901234567890`},
		{"integer", `"0x1A"`, `26`}, {"integer", `"-0x1a"`, `-26`}, {"integer", `"0X1A"`, `26`}, {"integer", `"0x1_0"`, `16`},
		{"integer", `"0x_10"`, `ERR`}, {"integer", `"0x"`, `ERR`}, {"integer", `"0x1g"`, `ERR`},
		{"integer", `1e20`, `100000000000000000000`}, {"integer", `-1.5`, `-1`}, {"integer", `false`, `0`},
		{"integer", `"1e9999"`, `ERR`}, // ten thousand digits: over ingestd's bound
		// convert_float: Float(value) after the same.
		{"float", `" 12 "`, `12.0`}, {"float", `"1_000"`, `1000.0`}, {"float", `"1_"`, `ERR`}, {"float", `".5"`, `0.5`},
		{"float", `"-.5"`, `-0.5`}, {"float", `"5."`, `ERR`}, {"float", `"1e+"`, `1.0`}, {"float", `"1d2"`, `ERR`},
		{"float", `"1 2"`, `ERR`}, {"float", `"12a"`, `ERR`}, {"float", `"1e5_0"`, `1e+50`}, {"float", `"1e_5"`, `ERR`},
		{"float", `"-0"`, `-0.0`}, {"float", `"1.9999999999999999999"`, `2.0`}, {"float", `"0.000000000000000000001"`, `1e-21`},
		{"float", `"1e400"`, `"Infinity"`}, {"float", `"-1e400"`, `"-Infinity"`}, {"float", `"1e-400"`, `0.0`},
		{"float", `"3e78000"`, `"Infinity"`}, {"float", `"1e1000x"`, `ERR`}, {"float", `"0x1.8p1"`, `3.0`}, {"float", `"0x7b"`, `123.0`},
		{"float", `123456789012345678901234567890`, `1.2345678901234568e+29`}, {"float", `1.5`, `1.5`},
		// integer_eu and float_eu swap dots and commas first.
		{"integer_eu", `"1,2,3"`, `ERR`}, {"float_eu", `"1.234.567,8"`, `1234567.8`}, {"float_eu", `1.5`, `1.5`}, {"integer_eu", `true`, `1`},
		// convert_boolean: TRUE_REGEX and FALSE_REGEX on to_s.
		{"boolean", `"yes\nfoo"`, `true`}, {"boolean", `"foo\nno"`, `false`}, {"boolean", `"false\ntrue"`, `true`},
		{"boolean", `"1x0"`, `true`}, {"boolean", `"0x0"`, `false`}, {"boolean", `"Yeſ"`, `true`}, {"boolean", `" yes"`, `" yes"`},
		{"boolean", `1e0`, `true`}, {"boolean", `-0.0`, `-0.0`}, {"boolean", `2`, `2`}, {"boolean", `""`, `false`},
		// convert_string: to_s.
		{"string", `1e20`, `"1.0e+20"`}, {"string", `1e18`, `"1000000000000000000.0"`}, {"string", `0.0001`, `"0.0001"`},
		{"string", `0.00001`, `"1.0e-05"`}, {"string", `-0`, `"0"`}, {"string", `false`, `"false"`},
	} {
		if res := mutateResult(t, c.to, c.in); !sameNumberOrText(res, c.want) {
			t.Errorf("%s of %s: %s, want %s", c.to, c.in, res, c.want)
		}
	}
}

// mutateResult is Mutate's result on the JSON value in to type to: the
// value's JSON, "ERR" when it raises, "not set" when it leaves the field.
func mutateResult(t *testing.T, to, in string) string {
	t.Helper()
	e, err := event.DecodeEvent([]byte(`{"v":` + in + `}`))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.Get(event.Path{"v"})
	got, set, err := Mutate(v, to)
	switch {
	case err != nil:
		return "ERR"
	case !set:
		return "not set"
	}
	return string(got.AppendJSON(nil))
}

// sameNumberOrText: the same text, or two floats of one value (however
// the event writes a float), or two integers of the same digits.
func sameNumberOrText(got, want string) bool {
	if got == want {
		return true
	}
	gf, gerr := strconv.ParseFloat(got, 64)
	wf, werr := strconv.ParseFloat(want, 64)
	return gerr == nil && werr == nil && IsIntLiteral(got) == IsIntLiteral(want) && !IsIntLiteral(got) && gf == wf
}

// TestMutateContainers: arrays element by element (nulls kept, a nested
// array or object an error for numbers, inspect for strings), objects and
// null not set.
func TestMutateContainers(t *testing.T) {
	for _, c := range []struct{ to, in, want string }{
		{"integer", `["1",null,2.5,true]`, `[1,null,2,1]`},
		{"integer", `[1,[2]]`, `ERR`},
		{"float", `[{"a":1}]`, `ERR`},
		{"boolean", `[{"a":1},[1],"y"]`, `[{"a":1},[1],true]`},
		{"string", `[{"a":1,"b":"x\"#{y}"},[1,2.5,null,true],"\u0001"]`, `["{\"a\"=>1, \"b\"=>\"x\\\"\\#{y}\"}","[1, 2.5, nil, true]","\u0001"]`},
		{"integer", `{"a":"1"}`, `not set`},
		{"float", `null`, `not set`},
	} {
		if res := mutateResult(t, c.to, c.in); res != c.want {
			t.Errorf("%s of %s: %s, want %s", c.to, c.in, res, c.want)
		}
	}
}
