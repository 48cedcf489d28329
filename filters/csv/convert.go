package csv

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
)

// The conversions of the convert option, as the plugin's CONVERTERS: each
// keeps the original text when it does not apply (Ruby's CSV converters
// rescue to the field), except boolean, which gives the text stripped and
// down-cased, and on an empty field raises in Logstash and so fails the
// event. float is Kernel#Float as Logstash's JRuby reads it (convert's
// RubyFloat): a number past a double's range is Infinity.
const (
	convInteger  = "integer"
	convFloat    = "float"
	convDate     = "date"
	convDateTime = "date_time"
	convBoolean  = "boolean"
)

func checkConversion(name string) error {
	switch name {
	case convInteger, convFloat, convDate, convDateTime, convBoolean:
		return nil
	}
	return fmt.Errorf("invalid conversion type %q (use integer, float, date, date_time or boolean)", name)
}

// errBooleanNil is Logstash's NoMethodError on nil.strip.
var errBooleanNil = fmt.Errorf("boolean conversion of an empty field")

// converter holds what conversions need beyond the text.
type converter struct {
	loc *time.Location // zone of a date (Ruby's Date#to_time is local midnight)
}

func (cv *converter) convert(c cell, to string) (event.Value, error) {
	if c.null {
		if to == convBoolean {
			return event.Value{}, errBooleanNil
		}
		return event.Value{}, nil
	}
	s := c.text
	switch to {
	case convInteger:
		if v, ok := rubyInteger(s); ok {
			return v, nil
		}
	case convFloat:
		if f, ok := convert.RubyFloat(s); ok {
			return convert.FloatValue(f), nil
		}
	case convBoolean:
		// value = value.strip.downcase: what is neither true nor false
		// comes out stripped and down-cased.
		switch b := strings.ToLower(convert.RubyStrip(s)); b {
		case "true":
			return event.Bool(true), nil
		case "false":
			return event.Bool(false), nil
		default:
			return event.String(b), nil
		}
	case convDate:
		if t, ok := cv.date(s); ok {
			return timestamp(t), nil
		}
	case convDateTime:
		if t, ok := cv.dateTime(s); ok {
			return timestamp(t), nil
		}
	}
	return event.String(s), nil
}

// timestamp renders t as Logstash writes a LogStash::Timestamp.
func timestamp(t time.Time) event.Value {
	return event.String(string(event.AppendTimestamp(nil, t)))
}

// rubyInteger is Kernel#Integer on a string: surrounding whitespace, a
// sign, 0x/0b/0o/0d/0 prefixes (a leading 0 is octal) and underscores
// between digits (not right after a prefix); any size.
func rubyInteger(s string) (event.Value, bool) {
	t := strings.Trim(s, " \t\n\v\f\r")
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	if t == "" || t[0] == '_' || t[0] == '+' || t[0] == '-' {
		return event.Value{}, false
	}
	if len(t) > 2 && t[0] == '0' && strings.ContainsRune("xXbBoOdD", rune(t[1])) && t[2] == '_' {
		return event.Value{}, false // Go takes 0x_1A, Ruby does not
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'd' || t[1] == 'D') {
		t = t[2:] // Ruby's explicit decimal prefix; Go has none
	}
	n, ok := new(big.Int).SetString(t, 0)
	if !ok {
		return event.Value{}, false
	}
	if neg {
		n.Neg(n)
	}
	return event.RawNumber(n.String()), true
}

// Ruby's CSV::DateMatcher and DateTimeMatcher: only text these match is
// given to Date.parse / DateTime.parse.
var (
	isoDate     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	wordDate    = regexp.MustCompile(`^(?:\w+,?\s+)?(\w+)\s+(\d{1,2}),?\s+(\d{2,4})$`)
	isoDateTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:[T\s](\d{2}:\d{2})(?::(\d{2}(?:\.\d+)?)(?:([+-]\d{2}(?::\d{2})?)|(Z))?)?)?$`)
	wordDT      = regexp.MustCompile(`^(?:\w+,?\s+)?(\w+)\s+(\d{1,2})\s+(\d{1,2}):(\d{1,2}):(\d{1,2}),?\s+(\d{2,4})$`)
)

// date is Date.parse(...).to_time: midnight in the pipeline's zone.
func (cv *converter) date(s string) (time.Time, bool) {
	if m := isoDate.FindStringSubmatch(s); m != nil {
		t, err := time.ParseInLocation("2006-01-02", s, cv.loc)
		return t, err == nil
	}
	if m := wordDate.FindStringSubmatch(s); m != nil {
		mon, ok := month(m[1])
		if !ok {
			return time.Time{}, false
		}
		return civil(year(m[3]), mon, atoi(m[2]), 0, 0, 0, 0, cv.loc)
	}
	return time.Time{}, false
}

// dateTime is DateTime.parse(...).to_time: a time without an offset is UTC
// (DateTime's default), unlike date.
func (cv *converter) dateTime(s string) (time.Time, bool) {
	if m := isoDateTime.FindStringSubmatch(s); m != nil {
		text := m[1] + "T" + orElse(m[2], "00:00") + ":" + orElse(m[3], "00")
		layout := "2006-01-02T15:04:05.999999999"
		switch {
		case m[4] != "":
			off := m[4]
			if len(off) == 3 {
				off += ":00"
			}
			text += off
			layout += "-07:00"
		case m[5] != "":
			text += "Z"
			layout += "Z07:00"
		}
		t, err := time.ParseInLocation(layout, text, time.UTC)
		return t, err == nil
	}
	if m := wordDT.FindStringSubmatch(s); m != nil {
		mon, ok := month(m[1])
		if !ok {
			return time.Time{}, false
		}
		return civil(year(m[6]), mon, atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), 0, time.UTC)
	}
	return time.Time{}, false
}

// civil builds a time, refusing out-of-range fields as Date.parse does
// (time.Date would normalise Feb 30 to Mar 2).
func civil(y int, mon time.Month, d, h, mi, sec, ns int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, mon, d, h, mi, sec, ns, loc)
	if t.Day() != d || t.Month() != mon || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	return t, true
}

func month(word string) (time.Month, bool) {
	if len(word) < 3 {
		return 0, false
	}
	w := strings.ToLower(word)
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if w == name || w == name[:3] {
			return m, true
		}
	}
	return 0, false
}

// year applies Date.parse's two-digit rule: 69-99 are 19xx, 00-68 20xx.
func year(s string) int {
	y := atoi(s)
	if len(s) == 2 {
		if y >= 69 {
			return 1900 + y
		}
		return 2000 + y
	}
	return y
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func orElse(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
