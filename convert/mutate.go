package convert

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ingestd/ingestd/event"
)

// Mutate converts a field's value as logstash-filter-mutate's convert
// does (lib/logstash/filters/mutate.rb, the strict conversions of
// Logstash 8.14 and later). set is false when the value is left as it is
// without a conversion: null and objects (mutate skips a hash). An array
// is converted element by element, its nulls kept. err is set where
// Logstash's conversion raises, which fails the whole mutate filter
// (tag_on_failure); an unknown boolean is no error (Logstash logs a
// warning and keeps the value).
//
//   - integer: a string is stripped, its commas (thousands) dropped, and
//     read as BigDecimal(...).to_i ("1,000" → 1000, "123.9" → 123,
//     "1.5e3" → 1500), a hexadecimal one as Integer ("0x7b" → 123, any
//     size); true → 1, false → 0; a float is truncated; "abc" and "" raise.
//   - float: the same text read as Float(...) ("3,141.59" → 3141.59,
//     "0x1.8p1" → 3.0); true → 1.0, false → 0.0; an integer → its float;
//     "abc" and "" raise. A result past the range of a double is
//     Infinity, which Logstash writes as the string "Infinity".
//   - integer_eu, float_eu: a string's dots and commas swap first
//     ("1.234,5" → 1234.5); other values as integer and float.
//   - boolean: true for "true", "t", "yes", "y", "1", "1.0" (any case,
//     and "." any character, as mutate.rb's TRUE_REGEX), false for
//     "false", "f", "no", "n", "0", "0.0" and ""; numbers by their text
//     (1 and 1.0 true, 0 and 0.0 false); anything else is kept.
//   - string: Ruby's to_s: a float as Float#to_s ("123.0", "1.0e+20"),
//     an array or object inside an array as inspect.
func Mutate(v event.Value, to string) (out event.Value, set bool, err error) {
	switch v.Kind() {
	case event.KindNull, event.KindObject:
		return v, false, nil
	case event.KindArray:
		elems := make([]event.Value, 0, v.Len())
		for _, f := range v.Elems() {
			if f.Value.IsNull() {
				elems = append(elems, f.Value)
				continue
			}
			c, err := mutateOne(f.Value, to)
			if err != nil {
				return event.Value{}, false, err
			}
			elems = append(elems, c)
		}
		return event.Array(elems...), true, nil
	}
	c, err := mutateOne(v, to)
	if err != nil {
		return event.Value{}, false, err
	}
	return c, true, nil
}

func mutateOne(v event.Value, to string) (event.Value, error) {
	switch to {
	case String, "":
		return event.String(rubyToS(v)), nil
	case Int, "integer":
		return mutateInteger(v)
	case Float:
		return mutateFloat(v)
	case IntEU:
		return mutateInteger(swapEU(v))
	case FloatEU:
		return mutateFloat(swapEU(v))
	case Boolean, "bool":
		s := rubyToS(v)
		switch {
		case s == "":
			return event.Bool(false), nil
		case isASCIILine(s):
			// The regexps' answer without them (ASCII folds simply).
			switch strings.ToLower(s) {
			case "true", "t", "yes", "y", "1":
				return event.Bool(true), nil
			case "false", "f", "no", "n", "0":
				return event.Bool(false), nil
			}
			if len(s) == 3 && s[1] != '\n' && (s[0] == '1' || s[0] == '0') && s[2] == '0' {
				return event.Bool(s[0] == '1'), nil
			}
		case trueRE.MatchString(s):
			return event.Bool(true), nil
		case falseRE.MatchString(s):
			return event.Bool(false), nil
		}
		return v, nil
	}
	return event.Value{}, Check(to)
}

// mutate.rb's TRUE_REGEX and FALSE_REGEX: Ruby's ^ and $ match at every
// line, and the dot of 1.0 is any character.
var (
	trueRE  = regexp.MustCompile(`(?im)^(true|t|yes|y|1|1.0)$`)
	falseRE = regexp.MustCompile(`(?im)^(false|f|no|n|0|0.0)$`)
)

// isASCIILine: ASCII without a line feed, where the line-anchored and
// case-folding regexps below come down to plain comparisons.
func isASCIILine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == '\n' {
			return false
		}
	}
	return true
}

// swapEU is cnv_replace_eu: a string's commas and dots trade places.
func swapEU(v event.Value) event.Value {
	if v.Kind() != event.KindString {
		return v
	}
	return event.String(strings.Map(func(r rune) rune {
		switch r {
		case ',':
			return '.'
		case '.':
			return ','
		}
		return r
	}, v.Str()))
}

// mutateText is what convert_integer and convert_float read of a string:
// value.strip.delete(',').downcase.
func mutateText(s string) string {
	return strings.ToLower(strings.ReplaceAll(RubyStrip(s), ",", ""))
}

// isHex is parse_signed_hex_str's test: the regular expression only for
// a text that holds "0x" (lower-cased already), which most do not.
func isHex(s string) bool { return strings.Contains(s, "0x") && hexRE.MatchString(s) }

// hexRE is parse_signed_hex_str's test (line anchored, as Ruby's ^ is).
var (
	hexRE      = regexp.MustCompile(`(?m)^[+-]?0x`)
	lineSignRE = regexp.MustCompile(`(?m)^[+-]`)
)

// signedHex is parse_signed_hex_str: the sign, then Float of the rest.
func signedHex(s string) (float64, error) {
	unsigned := s
	if loc := lineSignRE.FindStringIndex(s); loc != nil {
		unsigned = s[:loc[0]] + s[loc[1]:]
	}
	f, err := rubyFloat(unsigned)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(s, "-") {
		f = -f
	}
	return f, nil
}

func mutateInteger(v event.Value) (event.Value, error) {
	switch v.Kind() {
	case event.KindBool:
		if v.BoolValue() {
			return event.Int(1), nil
		}
		return event.Int(0), nil
	case event.KindNumber:
		lit := v.Text()
		if IsIntLiteral(lit) {
			if lit == "-0" {
				return event.Int(0), nil
			}
			return v, nil
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil && !isRange(err) {
			return event.Value{}, fmt.Errorf("%s is not a number", lit)
		}
		n, err := floatToInt(f)
		if err != nil {
			return event.Value{}, fmt.Errorf("integer of %s: %w", lit, err)
		}
		return intValue(n)
	case event.KindString:
		s := mutateText(v.Str())
		if n, ok := plainInt(s); ok {
			return event.IntText(s, n), nil // no formatting again
		}
		var n *big.Int
		var err error
		if isHex(s) {
			var f float64
			if f, err = signedHex(s); err == nil {
				if !strings.Contains(s, ".") {
					n, err = rubyHexInteger(s)
				} else {
					n, err = floatToInt(f)
				}
			}
		} else {
			n, err = bigDecimalInt(s)
		}
		if err != nil {
			return event.Value{}, fmt.Errorf("%q is not an integer (%w)", v.Str(), err)
		}
		return intValue(n)
	}
	return event.Value{}, fmt.Errorf("cannot convert %s to an integer", kindName(v))
}

// plainInt reads the common case, a sign and up to 18 digits, without
// the general parser (BigDecimal("007").to_i is 7 too).
func plainInt(s string) (int64, bool) {
	t := s
	if t != "" && (t[0] == '-' || t[0] == '+') {
		t = t[1:]
	}
	if t == "" || len(t) > 18 {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func intValue(n *big.Int) (event.Value, error) {
	s := n.String()
	if len(strings.TrimPrefix(s, "-")) > maxIntDigits {
		return event.Value{}, fmt.Errorf("an integer of %d digits: %w", len(s), errDomain)
	}
	return event.RawNumber(s), nil
}

func mutateFloat(v event.Value) (event.Value, error) {
	switch v.Kind() {
	case event.KindBool:
		if v.BoolValue() {
			return event.Float(1), nil
		}
		return event.Float(0), nil
	case event.KindNumber:
		lit := v.Text()
		if !IsIntLiteral(lit) {
			return v, nil // already a Float
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil && !isRange(err) {
			return event.Value{}, fmt.Errorf("%s is not a number", lit)
		}
		return FloatValue(f), nil
	case event.KindString:
		s := mutateText(v.Str())
		var f float64
		var err error
		if isHex(s) {
			f, err = signedHex(s)
		} else {
			f, err = rubyFloat(s)
		}
		if err != nil {
			return event.Value{}, fmt.Errorf("%q is not a float (%w)", v.Str(), err)
		}
		return FloatValue(f), nil
	}
	return event.Value{}, fmt.Errorf("cannot convert %s to a float", kindName(v))
}

// FloatValue is a Ruby Float as Logstash writes it: an infinity, which
// JSON has no number for, as the string Jackson writes for it.
func FloatValue(f float64) event.Value {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return event.String(FloatString(f))
	}
	return event.Float(f)
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isIntLiteral: a JSON number without fraction or exponent, which
// Logstash holds as an Integer.
func IsIntLiteral(lit string) bool { return !strings.ContainsAny(lit, ".eE") }

func kindName(v event.Value) string {
	switch v.Kind() {
	case event.KindArray:
		return "an array"
	case event.KindObject:
		return "an object"
	}
	return "null"
}

// rubyToS is Ruby's to_s of the value Logstash holds.
func rubyToS(v event.Value) string {
	switch v.Kind() {
	case event.KindString:
		return v.Str()
	case event.KindNumber:
		return rubyNumber(v.Text())
	case event.KindBool:
		return v.Text()
	case event.KindNull:
		return ""
	}
	return string(appendInspect(nil, v))
}

// rubyNumber renders a JSON number literal as Ruby's to_s renders the
// Integer or Float Logstash reads it as.
func rubyNumber(lit string) string {
	if IsIntLiteral(lit) {
		if lit == "-0" {
			return "0"
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !isRange(err) {
		return lit
	}
	return FloatString(f)
}

// appendInspect writes Ruby's inspect of a value (Ruby 3.1, as JRuby
// 9.4): nil, [a, b], {"k"=>v}, strings quoted and escaped.
func appendInspect(b []byte, v event.Value) []byte {
	switch v.Kind() {
	case event.KindNull:
		return append(b, "nil"...)
	case event.KindString:
		return appendRubyQuoted(b, v.Str())
	case event.KindArray:
		b = append(b, '[')
		for i, f := range v.Elems() {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendInspect(b, f.Value)
		}
		return append(b, ']')
	case event.KindObject:
		b = append(b, '{')
		for i, f := range v.Fields() {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendRubyQuoted(b, f.Key)
			b = append(b, "=>"...)
			b = appendInspect(b, f.Value)
		}
		return append(b, '}')
	}
	return append(b, rubyToS(v)...)
}

// appendRubyQuoted is String#inspect as JRuby writes it.
func appendRubyQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = fmt.Appendf(b, `\x%02X`, s[i])
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@'):
			b = append(b, `\#`...)
		case r < 0x20 || r == 0x7f:
			if esc, ok := rubyEscapes[r]; ok {
				b = append(b, '\\', esc)
			} else {
				b = fmt.Appendf(b, `\u%04X`, r)
			}
		case (r >= 0x80 && r <= 0x9f && r != 0x85) || r == 0x2028 || r == 0x2029:
			b = fmt.Appendf(b, `\u%04X`, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

var rubyEscapes = map[rune]byte{'\n': 'n', '\t': 't', '\r': 'r', '\f': 'f', '\v': 'v', '\b': 'b', '\a': 'a', 0x1b: 'e'}
