package lsconf

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// processEscapes applies config.support_escapes to the text of a quoted
// string, as LogStash::Config::StringEscape.process_escapes does:
// input.gsub(/\\./) maps \" \' \\ to the character, \n \r \t \0 to the
// control character, and leaves any other pair (\d, \.) as written. Ruby's
// . does not match a newline, so a backslash before a newline stays too.
func processEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) || s[i+1] == '\n' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case '"', '\'', '\\':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsFloat reports whether the literal has a decimal point, which is how
// Number#expr in lscl.rb chooses between Float() and Integer().
func (n *Number) IsFloat() bool { return strings.Contains(n.Text, ".") }

// Int64 returns an integer literal's value as Ruby's Integer() reads it: a
// leading zero means octal (010 is 8, 08 is an error).
func (n *Number) Int64() (int64, error) {
	if n.IsFloat() {
		return 0, fmt.Errorf("number %s is not an integer", n.Text)
	}
	digits, neg := strings.CutPrefix(n.Text, "-")
	base := 10
	if len(digits) > 1 && digits[0] == '0' {
		base = 8
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return 0, fmt.Errorf("invalid number %s: a leading 0 makes it octal (Ruby's Integer()), and %s has a digit 8 or 9", n.Text, n.Text)
	}
	if neg {
		v.Neg(v)
	}
	if !v.IsInt64() {
		return 0, fmt.Errorf("number %s: %w", n.Text, errOutOfRange)
	}
	return v.Int64(), nil
}

// Float64 returns the literal's value as a float. A decimal literal must
// have digits after its point: Ruby's Float("1.") raises, so Logstash
// rejects `1.` although the grammar takes it.
func (n *Number) Float64() (float64, error) {
	if !n.IsFloat() {
		i, err := n.Int64()
		return float64(i), err
	}
	if strings.HasSuffix(n.Text, ".") {
		return 0, fmt.Errorf("invalid number %s: Logstash (Ruby's Float()) needs digits after the decimal point", n.Text)
	}
	return strconv.ParseFloat(n.Text, 64)
}

// errOutOfRange is returned for integers beyond int64; Logstash (Ruby)
// would take them as big integers, so the parser does not report them.
var errOutOfRange = errors.New("out of the 64-bit integer range")

// check reports a literal that the grammar accepts but Logstash's compiler
// cannot convert.
func (n *Number) check() error {
	if _, err := n.Float64(); err != nil && !errors.Is(err, errOutOfRange) {
		return err
	}
	return nil
}
