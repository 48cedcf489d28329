package convert

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Ruby's number parsing as Logstash runs it (JRuby 9.4), for the
// conversions that must give what Logstash gives: Kernel#Float,
// BigDecimal(string).to_i, String#strip, Float#to_s. Each was checked
// against JRuby's own behaviour, quirks included (Float("1e+") is 1.0,
// BigDecimal("1x") is 1, BigDecimal("1.5 junk") raises).

// errSyntax is Ruby's ArgumentError ("invalid value for Float()" and the
// like); errDomain its FloatDomainError (Infinity.to_i).
var (
	errSyntax = errors.New("invalid value")
	errDomain = errors.New("not a finite number")
)

// maxIntDigits bounds the integers a conversion makes: BigDecimal("1e9999")
// is an integer of ten thousand digits in Ruby, which no document needs.
const maxIntDigits = 4096

// RubyStrip is String#strip in JRuby: leading whitespace (tab, line feed,
// vertical tab, form feed, carriage return, space) and trailing whitespace
// or NUL bytes go.
func RubyStrip(s string) string {
	isSpace := func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && (isSpace(s[j-1]) || s[j-1] == 0) {
		j--
	}
	return s[i:j]
}

// rubyFloat is Kernel#Float on a string in JRuby: a decimal number as
// JRuby's strict DoubleConverter reads it (at most 30 significant digits
// kept, underscores between digits, surrounding whitespace), or an
// unsigned hexadecimal one ("0x1A", "0x1.8p1"). An exponent past ±999
// (or too large a result) is an infinity or a zero, not an error, as in
// Ruby.
func rubyFloat(s string) (float64, error) {
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		// JRuby takes a string that starts with "0x" (exactly: no
		// sign, no space, no "0X") as hexadecimal.
		return hexFloat(rest)
	}
	d := dconv{b: s}
	return d.parse()
}

// RubyFloat is Kernel#Float on a string as Logstash (JRuby) runs it; ok
// is false where it raises. An out of range number is an infinity.
func RubyFloat(s string) (f float64, ok bool) {
	f, err := rubyFloat(s)
	return f, err == nil
}

// floatSpace is the whitespace of JRuby's DoubleConverter (no vertical tab).
func floatSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r' && c != '\v') }

// dconv is JRuby's ConvertDouble.DoubleConverter in strict mode: it
// copies the significant characters of the text into chars, then parses
// that as Java's Double.parseDouble does (correctly rounded).
type dconv struct {
	b        string
	i        int
	chars    []byte
	sig      int // significant digits kept
	adj      int // exponent adjustment for digits dropped or skipped
	wroteExp bool
	special  *float64 // an out-of-range exponent's result
}

const (
	sigDigitsLimit = 30
	maxExponent    = 999
)

func (d *dconv) eos() bool  { return d.i >= len(d.b) }
func (d *dconv) next() byte { d.i++; return d.b[d.i-1] }

func (d *dconv) parse() (float64, error) {
	for !d.eos() && floatSpace(d.b[d.i]) {
		d.i++
	}
	if !d.eos() {
		switch d.b[d.i] {
		case '-':
			d.chars = append(d.chars, '-')
			d.i++
		case '+':
			d.i++
		}
	}
	if !d.eos() {
		if err := d.digits(); err != nil {
			return 0, err
		}
		if d.special != nil {
			return *d.special, nil
		}
	}
	return d.complete()
}

func (d *dconv) complete() (float64, error) {
	n := len(d.chars)
	switch {
	case n == 0 || (n == 1 && d.chars[0] == '-'):
		return 0, errSyntax
	case d.chars[n-1] == 'e' || d.chars[n-1] == 'E':
		return 0, errSyntax
	case !d.eos():
		return 0, errSyntax
	}
	if !d.wroteExp && d.adj != 0 {
		d.chars = append(d.chars, 'E')
		d.chars = strconv.AppendInt(d.chars, int64(d.adj), 10)
	}
	f, err := strconv.ParseFloat(string(d.chars), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errSyntax
	}
	return f, nil // out of range: ±Inf or 0, as Java's parseDouble
}

// afterDigit reads a byte of the digits of an integer part or fraction
// that is no digit (nor the point): an exponent, an underscore between
// digits, trailing whitespace, else a syntax error. more tells whether the
// digits go on.
func (d *dconv) afterDigit(c byte) (more bool, err error) {
	switch {
	case c == 'e' || c == 'E':
		d.chars = append(d.chars, c)
		return false, d.exponent()
	case c == '_':
		return true, d.underscore()
	case floatSpace(c):
		d.trailing()
		return false, nil
	}
	return false, errSyntax
}

// trailing skips whitespace after the number; anything after it is an
// error (complete sees it).
func (d *dconv) trailing() {
	for !d.eos() && floatSpace(d.b[d.i]) {
		d.i++
	}
}

// underscore checks that a '_' just read is followed by a digit.
func (d *dconv) underscore() error {
	if d.eos() || !isDigit(d.b[d.i]) {
		return errSyntax
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (d *dconv) digits() error {
	c := d.next()
	switch {
	case isDigit(c):
		if c != '0' {
			d.sig++
		}
		d.chars = append(d.chars, c)
	case c == '.':
		d.chars = append(d.chars, c)
		return d.fraction()
	default:
		return errSyntax
	}
	for !d.eos() {
		c := d.next()
		switch {
		case isDigit(c):
			if d.sig < sigDigitsLimit {
				if c != '0' || d.sig > 0 {
					d.sig++
					d.chars = append(d.chars, c)
				}
			} else {
				d.adj++
			}
		case c == '.':
			d.chars = append(d.chars, c)
			return d.fraction()
		default:
			if more, err := d.afterDigit(c); !more || err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *dconv) fraction() error {
	if d.eos() {
		return errSyntax
	}
	c := d.next()
	if !isDigit(c) {
		return errSyntax // "5." and "1._5"
	}
	if d.sig < sigDigitsLimit {
		if !(c == '0' && d.sig == 0) {
			d.sig++
		}
	} else {
		c = '0'
	}
	d.chars = append(d.chars, c)
	for !d.eos() {
		c := d.next()
		switch {
		case isDigit(c):
			if d.sig < sigDigitsLimit {
				if c == '0' && d.sig == 0 {
					d.adj--
				} else {
					d.sig++
					d.chars = append(d.chars, c)
				}
			}
		default:
			if more, err := d.afterDigit(c); !more || err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *dconv) exponent() error {
	if !d.eos() && d.b[d.i] == '_' {
		return errSyntax
	}
	if d.eos() {
		return nil // complete rejects the bare exponent
	}
	neg := false
	switch d.b[d.i] {
	case '-':
		neg = true
		d.i++
	case '+':
		d.i++
	}
	exp, digits := 0, 0
	spaced := false
loop:
	for !d.eos() {
		c := d.next()
		switch {
		case isDigit(c):
			if digits >= 3 {
				// JRuby takes "1e1000" and "1e10000" as Infinity, but
				// raises on anything but digits after them.
				if strings.Trim(d.b[d.i:], "0123456789") != "" {
					return errSyntax
				}
				d.tooLarge(neg)
				return nil
			}
			if c != '0' || digits > 0 {
				digits++
				exp = 10*exp + int(c-'0')
			}
		case floatSpace(c):
			d.trailing()
			spaced = true
			break loop
		case c == '_':
			if err := d.underscore(); err != nil {
				return err
			}
		default:
			return errSyntax
		}
	}
	// "1e+" ends here with exponent 0: JRuby reads it as 1.0.
	if neg {
		exp = -exp
	}
	exp += d.adj
	if exp < -maxExponent || exp > maxExponent {
		if spaced {
			return errSyntax
		}
		d.tooLarge(neg)
		return nil
	}
	d.chars = strconv.AppendInt(d.chars, int64(exp), 10)
	d.wroteExp = true
	return nil
}

// tooLarge is the result of an exponent of four digits or more: a zero
// for a negative exponent, else an infinity, signed as the number.
func (d *dconv) tooLarge(negExp bool) {
	f := math.Inf(1)
	if negExp {
		f = 0
	}
	if len(d.chars) > 0 && d.chars[0] == '-' {
		f = -f
	}
	d.i = len(d.b)
	d.special = &f
}

// hexFloat reads what follows "0x": hexadecimal digits (single
// underscores between them), an optional fraction, an optional binary
// exponent (p), then only whitespace.
func hexFloat(s string) (float64, error) {
	s = strings.TrimRightFunc(s, func(r rune) bool { return r < utf8.RuneSelf && floatSpace(byte(r)) })
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "p")
	whole, frac, hasDot := strings.Cut(mant, ".")
	if !hexDigits(whole) || (hasDot && !hexDigits(frac)) {
		return 0, errSyntax
	}
	if hasExp {
		e := strings.TrimLeft(exp, "+-")
		if len(exp)-len(e) > 1 || e == "" || strings.Trim(e, "0123456789") != "" {
			return 0, errSyntax
		}
	} else {
		exp = "0"
	}
	lit := "0x" + strings.ReplaceAll(whole, "_", "")
	if hasDot {
		lit += "." + strings.ReplaceAll(frac, "_", "")
	}
	f, err := strconv.ParseFloat(lit+"p"+exp, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errSyntax
	}
	return f, nil
}

// hexDigits: one or more hexadecimal digits, single underscores between.
func hexDigits(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isDigit(c) || (c >= 'a' && c <= 'f') || c == '_') {
			return false
		}
	}
	return true
}

// FloatString is Float#to_s as JRuby writes it: the shortest digits that
// read back, positional up to 10^19 and down to 10^-4, else d.ddde±XX;
// always with a fraction.
func FloatString(f float64) string { return FloatText(f, 19) }

// FloatText is Ruby's Float#to_s with positional notation for decimal
// points up to maxPoint digits from the left: JRuby (FloatString) writes
// 19, MRI's flo_to_s 16; further out (and below 10^-4) d.ddde±XX. The
// shortest digits that read back, always with a fraction.
func FloatText(f float64, maxPoint int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if decpt := x + 1; decpt > -4 && decpt <= maxPoint {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := byte('+')
	if x < 0 {
		sign, x = '-', -x
	}
	exp = strconv.Itoa(x)
	if len(exp) < 2 {
		exp = "0" + exp
	}
	return mant + "e" + string(sign) + exp
}
