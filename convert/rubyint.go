package convert

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Ruby's integer conversions as Logstash runs them (JRuby):
// Kernel#Integer of a hexadecimal string, Integer(float) and
// BigDecimal(string).to_i, which mutate's convert to integer goes through.

// rubyHexInteger is Kernel#Integer on a hexadecimal string: an optional
// sign, 0x, hexadecimal digits with single underscores between them.
func rubyHexInteger(s string) (*big.Int, error) {
	t := strings.ToLower(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	digits, ok := strings.CutPrefix(t, "0x")
	if !ok || !hexDigits(digits) {
		return nil, errSyntax
	}
	n, ok := new(big.Int).SetString(strings.ReplaceAll(digits, "_", ""), 16)
	if !ok {
		return nil, errSyntax
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}

// floatToInt is Integer(float): the integer part, exactly.
func floatToInt(f float64) (*big.Int, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errDomain
	}
	n, _ := big.NewFloat(math.Trunc(f)).Int(nil)
	return n, nil
}

// bigDecimalInt is BigDecimal(s).to_i as JRuby's RubyBigDecimal reads a
// string (strict): it trims characters up to ' ', takes digits,
// underscores before a digit, one dot followed by a digit, one exponent
// (e or d); the first character that fits none ends the number, and is
// forgiven when it is the last one but for whitespace ("1x", "1 x": 1;
// "1.5 junk" raises). A sign inside the number without an exponent ends
// it there ("5-6" is 5). The integer part is returned; an infinity (an
// exponent past what an int holds) raises FloatDomainError.
func bigDecimalInt(s string) (*big.Int, error) {
	str := utf16.Encode([]rune(s)) // Java chars
	st, e := 0, len(str)-1
	if e == 0 && str[0] >= '0' && str[0] <= '9' {
		return big.NewInt(int64(str[0] - '0')), nil
	}
	for st <= e && str[st] <= ' ' {
		st++
	}
	for st <= e && str[e] <= ' ' {
		e--
	}
	if st <= e && str[st] == '_' {
		return nil, errSyntax
	}
	// NaN and Infinity are case sensitive: mutate down-cases first, so
	// they never reach here as such.
	i, off := st, 0
	dD, dot := false, false
	exp, lastSign := -1, -1
	isDig := func(c uint16) bool { return unicode.IsDigit(rune(c)) }
loop:
	for i+off <= e {
		c := str[i+off]
		switch {
		case c == 'd' || c == 'D':
			if dD {
				e = i - 1
				continue
			}
			str[i] = 'E'
			dD = true
			if exp == -1 {
				exp = i
			} else {
				e = i - 1
				continue
			}
			i++
			continue
		case c == '_':
			if i+off == e || isDig(str[i+off+1]) {
				str[i] = str[i+off]
				off++
				continue
			}
			return nil, errSyntax
		case c >= '0' && c <= '9':
		case c == '.':
			if dot {
				e = i + off - 1
				break loop
			}
			dot = true
			if i+off+1 <= e && !isDig(str[i+off+1]) {
				e = i + off - 1
				break loop
			}
		case c == '-' || c == '+':
			lastSign = i
		case c == 'e' || c == 'E':
			if exp == -1 {
				exp = i
			} else {
				e = i - 1
				continue
			}
			if i+off+1 <= e {
				if n := str[i+off+1]; n != '-' && n != '+' && !isDig(n) {
					e = i + off - 1
					break loop
				}
			}
		default:
			e = i - 1
			continue
		}
		str[i] = str[i+off]
		i++
	}
	// What follows the number: whitespace, then at most a last character.
	if j := e + 1; j < len(str) {
		for j < len(str) {
			c := str[j]
			j++
			if !javaSpace(c) {
				break
			}
		}
		if j < len(str) {
			return nil, errSyntax
		}
	}
	e -= off
	if exp != -1 {
		if exp == e || (exp+1 == e && (str[exp+1] == '-' || str[exp+1] == '+')) {
			return nil, errSyntax
		}
		if exp+1 <= e && expOutOfRange(str[exp+1:e+1]) {
			zero := str[exp+1] == '-'
			if !zero {
				zero = true
				for _, c := range str[st:exp] {
					if c != '0' {
						zero = false
					}
				}
			}
			if zero {
				return new(big.Int), nil
			}
			return nil, errDomain
		}
	} else if lastSign > st {
		e = lastSign - 1
	}
	if e < st {
		return nil, errSyntax
	}
	return javaBigDecimalInt(str[st : e+1])
}

// expOutOfRange: an exponent (its sign and digits) outside what a Java
// int holds, read as JRuby's isExponentOutOfRange reads it (without
// checking that the characters are digits).
func expOutOfRange(s []uint16) bool {
	// int32 arithmetic, wrapping as Java's int does.
	num, sign := int32(0), int32(1)
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		num = '0' - int32(s[0])
	}
	limit := int32(-math.MaxInt32)
	if sign < 0 {
		limit = math.MinInt32 + 1
	}
	for _, c := range s[1:] {
		d := int32(c) - '0'
		if num < limit/10 {
			return true
		}
		num *= 10
		if num < limit+d {
			return true
		}
		num -= d
	}
	return false
}

// javaSpace is Java's Character.isWhitespace.
func javaSpace(c uint16) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	case 0xa0, 0x2007, 0x202f:
		return false
	}
	return unicode.In(rune(c), unicode.Zs, unicode.Zl, unicode.Zp)
}

// javaBigDecimalInt parses s as Java's new BigDecimal(char[]) does (a
// sign, digits with at most one dot, an exponent) and returns its integer
// part.
func javaBigDecimalInt(s []uint16) (*big.Int, error) {
	t := string(utf16.Decode(s))
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	mant, expText, hasExp := strings.Cut(strings.ToLower(t), "e")
	exp := int64(0)
	if hasExp {
		e := expText
		if e != "" && (e[0] == '-' || e[0] == '+') {
			e = e[1:]
		}
		if e == "" || strings.Trim(e, "0123456789") != "" {
			return nil, errSyntax
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(expText, "+"), 10, 32)
		if err != nil {
			return nil, errSyntax
		}
		exp = n
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole+frac == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return nil, errSyntax
	}
	// The significant digits, and where the point falls among them.
	digits := strings.TrimLeft(whole, "0")
	point := int64(len(digits)) + exp
	if digits == "" {
		digits = strings.TrimLeft(frac, "0")
		point -= int64(len(frac) - len(digits))
	} else {
		digits += frac
	}
	// digits × 10^(point − len(digits)): the integer part is the first
	// point digits.
	var text string
	switch {
	case digits == "" || point <= 0:
		return new(big.Int), nil
	case point > maxIntDigits:
		return nil, errDomain
	case point <= int64(len(digits)):
		text = digits[:point]
	default:
		text = digits + strings.Repeat("0", int(point)-len(digits))
	}
	n, ok := new(big.Int).SetString(text, 10)
	if !ok {
		return nil, errSyntax
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}
