package mutate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// mutateSpec is logstash-plugins/logstash-filter-mutate
// spec/filters/mutate_spec.rb; each case names the describe/context it
// comes from, with the spec's input and expected values. The spec tells
// a Ruby Integer from a Float (be_a(Integer), be_a(Float)): so do these
// cases, by the JSON literal (an integer has no fraction or exponent).
const mutateSpec = "spec/filters/mutate_spec.rb"

type convertCase struct {
	name, config, in string
	want             map[string]string // field reference → expected JSON; "-" for absent
	tags             string            // expected tags as JSON ("" for none)
}

// typeCase is one sample of mutate_spec.rb's "convert makes type
// conversions" (Logstash 8.14 and later): {"a" => in} converted to, what
// comes out.
type typeCase struct{ to, in, want string }

var typeCases = []typeCase{
	// context "to string"
	{"string", `123`, `"123"`}, {"string", `123.0`, `"123.0"`}, {"string", `"123"`, `"123"`}, {"string", `"0x7b"`, `"0x7b"`},
	{"string", `"123.0"`, `"123.0"`}, {"string", `"1.230000e+02"`, `"1.230000e+02"`},
	{"string", `123.45`, `"123.45"`}, {"string", `"123.45"`, `"123.45"`}, {"string", `"1.234500e+02"`, `"1.234500e+02"`}, {"string", `"0x1.edcdp6"`, `"0x1.edcdp6"`},
	{"string", `16777217`, `"16777217"`}, {"string", `1.6777217E7`, `"16777217.0"`}, {"string", `"16777217"`, `"16777217"`}, {"string", `"16777217.0"`, `"16777217.0"`},
	{"string", `2147483648`, `"2147483648"`}, {"string", `2.147483648E9`, `"2147483648.0"`}, {"string", `"2147483648"`, `"2147483648"`}, {"string", `"2147483648.0"`, `"2147483648.0"`},
	{"string", `9007199254740993`, `"9007199254740993"`}, {"string", `"9007199254740993"`, `"9007199254740993"`}, {"string", `"9007199254740993.0"`, `"9007199254740993.0"`},
	{"string", `"9223372036854775808"`, `"9223372036854775808"`}, {"string", `"9223372036854775808.0"`, `"9223372036854775808.0"`},
	{"string", `"680564693277057720000000000000000000000"`, `"680564693277057720000000000000000000000"`},
	{"string", `"680564693277057720000000000000000000000.0"`, `"680564693277057720000000000000000000000.0"`},
	// context "to integer"
	{"integer", `123`, `123`}, {"integer", `123.0`, `123`}, {"integer", `"123"`, `123`}, {"integer", `"0x7b"`, `123`},
	{"integer", `"123.0"`, `123`}, {"integer", `"1.230000e+02"`, `123`},
	{"integer", `123.45`, `123`}, {"integer", `"123.45"`, `123`}, {"integer", `"1.234500e+02"`, `123`}, {"integer", `"0x1.edcdp6"`, `123`},
	{"integer", `-123.45`, `-123`}, {"integer", `"-123.45"`, `-123`}, {"integer", `"-1.234500e+02"`, `-123`}, {"integer", `"-0x1.edcdp6"`, `-123`},
	{"integer", `16777217`, `16777217`}, {"integer", `1.6777217E7`, `16777217`}, {"integer", `"16777217"`, `16777217`}, {"integer", `"16777217.0"`, `16777217`},
	{"integer", `2147483648`, `2147483648`}, {"integer", `2.147483648E9`, `2147483648`}, {"integer", `"2147483648"`, `2147483648`}, {"integer", `"2147483648.0"`, `2147483648`},
	{"integer", `9007199254740993`, `9007199254740993`}, {"integer", `"9007199254740993"`, `9007199254740993`},
	{"integer", `"9007199254740993.0"`, `9007199254740993`}, {"integer", `"9.007199254740993e+15"`, `9007199254740993`},
	{"integer", `"9223372036854775808"`, `9223372036854775808`}, {"integer", `"9223372036854775808.0"`, `9223372036854775808`},
	{"integer", `"680564693277057720000000000000000000000"`, `680564693277057720000000000000000000000`},
	{"integer", `"680564693277057720000000000000000000000.0"`, `680564693277057720000000000000000000000`},
	// context "to float"
	{"float", `123`, `123.0`}, {"float", `123.0`, `123.0`}, {"float", `"123"`, `123.0`}, {"float", `"0x7b"`, `123.0`},
	{"float", `"123.0"`, `123.0`}, {"float", `"1.230000e+02"`, `123.0`},
	{"float", `123.45`, `123.45`}, {"float", `"123.45"`, `123.45`}, {"float", `"1.234500e+02"`, `123.45`}, {"float", `"0x1.edcdp6"`, `123.4501953125`},
	{"float", `-123.45`, `-123.45`}, {"float", `"-123.45"`, `-123.45`}, {"float", `"-1.234500e+02"`, `-123.45`}, {"float", `"-0x1.edcdp6"`, `-123.4501953125`},
	{"float", `16777217`, `1.6777217E7`}, {"float", `1.6777217E7`, `1.6777217E7`}, {"float", `"16777217"`, `1.6777217E7`}, {"float", `"16777217.0"`, `1.6777217E7`},
	{"float", `2147483648`, `2.147483648E9`}, {"float", `2.147483648E9`, `2.147483648E9`}, {"float", `"2147483648"`, `2.147483648E9`}, {"float", `"2147483648.0"`, `2.147483648E9`},
	{"float", `9007199254740993`, `9.007199254740992E15`}, {"float", `"9007199254740993"`, `9.007199254740992E15`},
	{"float", `"9007199254740993.0"`, `9.007199254740992E15`}, {"float", `"9.007199254740993e+15"`, `9007199254740992.0`},
	{"float", `"9223372036854775808"`, `9.223372036854775808E18`}, {"float", `"9223372036854775808.0"`, `9.223372036854775808E18`},
	{"float", `"680564693277057720000000000000000000000"`, `6.805646932770577e+38`},
	{"float", `"680564693277057720000000000000000000000.0"`, `6.805646932770577e+38`},
}

var convertCases = []convertCase{
	{name: mutateSpec + ` "basics" (convert)`, config: `{convert: {intme: integer, floatme: float}}`,
		in:   `{"intme":["1234","7890.4","7.9"],"floatme":["1234.455"]}`,
		want: map[string]string{"intme": `[1234,7890,7]`, "floatme": `[1234.455]`}},
	{name: mutateSpec + ` "convert one field to string"`, config: `{convert: {unicorns: string}}`,
		in: `{"unicorns":1234}`, want: map[string]string{"unicorns": `"1234"`}},
	{name: mutateSpec + ` "convert strings to boolean values"`,
		config: `{convert: {true_field: boolean, false_field: boolean, true_upper: boolean, false_upper: boolean, true_one: boolean, false_zero: boolean,
			true_yes: boolean, false_no: boolean, true_y: boolean, false_n: boolean, wrong_field: boolean, integer_false: boolean, integer_true: boolean,
			integer_negative: boolean, integer_wrong: boolean, float_true: boolean, float_false: boolean, float_negative: boolean, float_wrong: boolean,
			float_wrong2: boolean, array: boolean, hash: boolean}}`,
		in: `{"true_field":"true","false_field":"false","true_upper":"True","false_upper":"False","true_one":"1","false_zero":"0","true_yes":"yes",
			"false_no":"no","true_y":"Y","false_n":"N","wrong_field":"none of the above","integer_false":0,"integer_true":1,"integer_negative":-1,
			"integer_wrong":2,"float_true":1.0,"float_false":0.0,"float_negative":-1.0,"float_wrong":1.0123,"float_wrong2":0.01,"array":["1","0",0,1,2],"hash":{"a":0}}`,
		want: map[string]string{"true_field": `true`, "false_field": `false`, "true_upper": `true`, "false_upper": `false`, "true_one": `true`,
			"false_zero": `false`, "true_yes": `true`, "false_no": `false`, "true_y": `true`, "false_n": `false`, "wrong_field": `"none of the above"`,
			"integer_false": `false`, "integer_true": `true`, "integer_negative": `-1`, "integer_wrong": `2`, "float_true": `true`, "float_false": `false`,
			"float_negative": `-1.0`, "float_wrong": `1.0123`, "float_wrong2": `0.01`, "array": `[true,false,false,true,2]`, "hash": `{"a":0}`}},
	{name: mutateSpec + ` "convert should work on nested fields"`, config: `{convert: {"[foo][bar]": integer}}`,
		in: `{"foo":{"bar":"1000"}}`, want: map[string]string{"[foo][bar]": `1000`}},
	{name: mutateSpec + ` "convert should work within arrays"`, config: `{convert: {"[foo][0]": integer}}`,
		in: `{"foo":["100","200"]}`, want: map[string]string{"[foo][0]": `100`}},
	{name: mutateSpec + ` "convert booleans to integer"`,
		config: `{convert: {"[foo][0]": integer, "[foo][1]": integer, "[foo][2]": integer, "[foo][3]": integer, "[foo][4]": integer}}`,
		in:     `{"foo":[false,true,"0","1","2"]}`, want: map[string]string{"foo": `[0,1,0,1,2]`}},
	{name: mutateSpec + ` "convert various US/UK strings" / "to integer"`,
		config: `{convert: {"[foo][0]": integer, "[foo][1]": integer, "[foo][2]": integer}}`,
		in:     `{"foo":["1,000","1,234,567.8","123.4"]}`, want: map[string]string{"foo": `[1000,1234567,123]`}},
	{name: mutateSpec + ` "convert various US/UK strings" / "to float"`,
		config: `{convert: {"[foo][0]": float, "[foo][1]": float, "[foo][2]": float}}`,
		in:     `{"foo":["1,000","1,234,567.8","123.4"]}`, want: map[string]string{"foo": `[1000.0,1234567.8,123.4]`}},
	{name: mutateSpec + ` "convert various EU style strings" / "to integer"`,
		config: `{convert: {"[foo][0]": integer_eu, "[foo][1]": integer_eu, "[foo][2]": integer_eu}}`,
		in:     `{"foo":["1.000","1.234.567,8","123,4"]}`, want: map[string]string{"foo": `[1000,1234567,123]`}},
	{name: mutateSpec + ` "convert various EU style strings" / "to float"`,
		config: `{convert: {"[foo][0]": float_eu, "[foo][1]": float_eu, "[foo][2]": float_eu}}`,
		in:     `{"foo":["1.000","1.234.567,8","123,4"]}`, want: map[string]string{"foo": `[1000.0,1234567.8,123.4]`}},
	{name: mutateSpec + ` "convert auto-frozen values to string"`, config: `{convert: {true_field: string, false_field: string}}`,
		in: `{"true_field":true,"false_field":false}`, want: map[string]string{"true_field": `"true"`, "false_field": `"false"`}},

	// Our own: the review's event, and what fails and what does not.
	{name: "review: commas, booleans to numbers, 1.0 and the empty string to boolean",
		config: `{convert: {a: integer, b: integer, c: float, d: boolean, e: boolean}}`,
		in:     `{"a":"1,000","b":true,"c":true,"d":"1.0","e":""}`,
		want:   map[string]string{"a": `1000`, "b": `1`, "c": `1.0`, "d": `true`, "e": `false`}},
	{name: "mutate.rb TRUE_REGEX: any line, and the dot of 1.0 is any character",
		config: `{convert: {a: boolean, b: boolean, c: boolean, d: boolean, e: boolean}}`,
		in:     `{"a":"note\nyes","b":"1x0","c":" yes","d":"NO","e":[1.0,0.0,-0.0,null]}`,
		want:   map[string]string{"a": `true`, "b": `true`, "c": `" yes"`, "d": `false`, "e": `[true,false,-0.0,null]`}},
	{name: "an unknown boolean is kept and not tagged (Logstash only warns)", config: `{convert: {a: boolean}, add_tag: [done]}`,
		in: `{"a":"maybe"}`, want: map[string]string{"a": `"maybe"`}, tags: `["done"]`},
	{name: "an object is left alone, untagged; null too", config: `{convert: {h: integer, n: float}, add_tag: [done]}`,
		in: `{"h":{"a":"1"},"n":null}`, want: map[string]string{"h": `{"a":"1"}`, "n": `null`}, tags: `["done"]`},
	{name: "integer of abc raises: tagged, the rest of the filter skipped",
		config: `{convert: {a: integer, b: integer}, gsub: [[s, x, y]], uppercase: [s], remove_field: [s], add_tag: [done]}`,
		in:     `{"a":"abc","b":"2","s":"x"}`, want: map[string]string{"a": `"abc"`, "b": `"2"`, "s": `"x"`}, tags: `["_mutate_error"]`},
	{name: "float of an empty string raises; conversions before it stay",
		config: `{convert: {a: integer, b: float, c: integer}, tag_on_failure: [bad]}`,
		in:     `{"a":"1","b":"","c":"3"}`, want: map[string]string{"a": `1`, "b": `""`, "c": `"3"`}, tags: `["bad"]`},
	{name: "an array fails whole when one element raises", config: `{convert: {a: integer}}`,
		in: `{"a":["1","x",null]}`, want: map[string]string{"a": `["1","x",null]`}, tags: `["_mutate_error"]`},
	{name: "nulls in an array are kept", config: `{convert: {a: float}}`,
		in: `{"a":["1",null,2]}`, want: map[string]string{"a": `[1.0,null,2.0]`}},
	{name: "BigDecimal syntax: underscores, d exponent, a last junk character", config: `{convert: {a: integer, b: integer, c: integer, d: integer, e: integer}}`,
		in: `{"a":"1_000","b":"1.5d2","c":"12x","d":" 1e3 ","e":"0x1_0"}`, want: map[string]string{"a": `1000`, "b": `150`, "c": `12`, "d": `1000`, "e": `16`}},
	{name: "Float syntax: no trailing dot, no junk", config: `{convert: {a: float}}`,
		in: `{"a":"5."}`, want: map[string]string{"a": `"5."`}, tags: `["_mutate_error"]`},
	{name: "a float past a double's range is Infinity, as Logstash writes it", config: `{convert: {a: float, b: float}}`,
		in: `{"a":"1e400","b":"-1e400"}`, want: map[string]string{"a": `"Infinity"`, "b": `"-Infinity"`}},
	{name: "string of arrays and objects inside an array is Ruby's inspect", config: `{convert: {a: string}}`,
		in: `{"a":[1,1.5e20,{"k":"v\n"},[null,true]]}`, want: map[string]string{"a": `["1","1.5e+20","{\"k\"=>\"v\\n\"}","[nil, true]"]`}},
	{name: "a missing field is skipped", config: `{convert: {missing: integer}, add_tag: [done]}`,
		in: `{"a":1}`, want: map[string]string{"missing": `-`}, tags: `["done"]`},
}

func TestConvertSpec(t *testing.T) {
	cases := convertCases
	for _, c := range typeCases {
		cases = append(cases, convertCase{
			name:   fmt.Sprintf(`%s "convert makes type conversions" / "to %s": %s`, mutateSpec, c.to, c.in),
			config: fmt.Sprintf(`{convert: {a: %s}}`, c.to),
			in:     `{"a":` + c.in + `}`, want: map[string]string{"a": c.want},
		})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := pt.Filter(t, New, c.config)
			e := pt.Apply(t, f, c.in)
			for ref, want := range c.want {
				got, ok := e.Get(event.MustPath(ref))
				if want == "-" {
					if ok {
						t.Errorf("%s: %s, want no field", ref, got.AppendJSON(nil))
					}
					continue
				}
				w := pt.Event(t, `{"v":`+want+`}`)
				wv, _ := w.Get(event.Path{"v"})
				if !ok || typed(got) != typed(wv) {
					t.Errorf("%s: %s (%s), want %s (%s)", ref, got.AppendJSON(nil), typed(got), want, typed(wv))
				}
			}
			tags, _ := e.Get(event.Path{"tags"})
			if got := string(tags.AppendJSON(nil)); (c.tags == "" && !tags.IsNull()) || (c.tags != "" && got != c.tags) {
				t.Errorf("tags %s, want %s", got, c.tags)
			}
		})
	}
}

// typed renders a value with its Ruby type: a number is an Integer (its
// digits) or a Float (its value), whatever the digits of the literal.
func typed(v event.Value) string {
	switch v.Kind() {
	case event.KindNumber:
		lit := v.Text()
		if !strings.ContainsAny(lit, ".eE") {
			return "Integer " + lit
		}
		f, _ := strconv.ParseFloat(lit, 64)
		if f == 0 && math.Signbit(f) {
			return "Float -0"
		}
		return "Float " + strconv.FormatFloat(f, 'g', -1, 64)
	case event.KindArray:
		parts := []string{}
		for _, el := range v.Elems() {
			parts = append(parts, typed(el.Value))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return string(v.AppendJSON(nil))
}
