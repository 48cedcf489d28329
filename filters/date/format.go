package date

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// layout is a compiled Java-style (Joda) date format such as
// "yyyy-MM-dd HH:mm:ss,SSS" or "MM.dd HH:mm:ss". Supported letters: y
// (year), M (month: M or MM digits, MMM or more a name), d, H, h with a
// (am/pm), m, s, S (fraction, any count), E (day-of-week name, checked and
// otherwise ignored), Z/ZZ/X (zone offset); z is not supported (Joda cannot
// parse zone names either). Text in single quotes and any other character
// are literals. Month and day names are English, short or full, as Joda
// parses text fields (either form, whatever the letter count).
type layout struct {
	source           string
	tokens           []token
	hasYear, hasZone bool
}

type token struct {
	kind  byte // letter, or 0 for a literal
	count int
	lit   string
}

func compileLayout(src string) (*layout, error) {
	l := &layout{source: src}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(src[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("format %q: unterminated quote", src)
			}
			if end == 0 {
				l.tokens = append(l.tokens, token{lit: "'"})
			} else {
				l.tokens = append(l.tokens, token{lit: src[i+1 : i+1+end]})
			}
			i += end + 2
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			n := 1
			for i+n < len(src) && src[i+n] == c {
				n++
			}
			switch c {
			case 'y', 'Y', 'u':
				l.hasYear = true
			case 'Z', 'X':
				l.hasZone = true
			case 'M', 'd', 'H', 'h', 'm', 's', 'S', 'a', 'E':
			default:
				return nil, fmt.Errorf("format %q: unsupported letter %q", src, c)
			}
			l.tokens = append(l.tokens, token{kind: c, count: n})
			i += n
		default:
			l.tokens = append(l.tokens, token{lit: string(c)})
			i++
		}
	}
	return l, nil
}

var (
	months = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	days   = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

// nameAt matches one of names (full, or its first three letters) at the
// start of s, case-insensitively; it returns the index and the length
// matched, or -1.
func nameAt(s string, names []string) (int, int) {
	for i, n := range names {
		if len(s) >= len(n) && strings.EqualFold(s[:len(n)], n) {
			return i, len(n)
		}
	}
	for i, n := range names {
		if len(s) >= 3 && strings.EqualFold(s[:3], n[:3]) {
			return i, 3
		}
	}
	return -1, 0
}

// parsed holds the fields a layout found; year is -1 when absent.
type parsed struct {
	year, month, day, hour, min, sec, nsec int
	pm, hasAMPM                            bool
	offset                                 int // seconds east of UTC
	hasZone                                bool
}

func (l *layout) parse(s string) (parsed, error) {
	p := parsed{year: -1, month: 1, day: 1}
	pos := 0
	for _, t := range l.tokens {
		if t.kind == 0 {
			if !strings.HasPrefix(s[pos:], t.lit) {
				return p, fmt.Errorf("expected %q at offset %d", t.lit, pos)
			}
			pos += len(t.lit)
			continue
		}
		switch t.kind {
		case 'M':
			if t.count >= 3 {
				idx, n := nameAt(s[pos:], months)
				if idx < 0 {
					return p, fmt.Errorf("month name expected at offset %d", pos)
				}
				p.month = idx + 1
				pos += n
				continue
			}
		case 'E':
			idx, n := nameAt(s[pos:], days)
			if idx < 0 {
				return p, fmt.Errorf("day-of-week name expected at offset %d", pos)
			}
			pos += n
			continue
		case 'a':
			if pos+2 > len(s) {
				return p, fmt.Errorf("AM/PM expected")
			}
			switch strings.ToUpper(s[pos : pos+2]) {
			case "AM":
			case "PM":
				p.pm = true
			default:
				return p, fmt.Errorf("AM/PM expected at offset %d", pos)
			}
			p.hasAMPM = true
			pos += 2
			continue
		case 'Z', 'X':
			n, err := parseZone(s[pos:], &p.offset)
			if err != nil {
				return p, err
			}
			p.hasZone = true
			pos += n
			continue
		}
		// Numeric fields: exactly count digits when count > 1 (fixed
		// width, as in the formats we parse), else 1 or more digits.
		maxDigits := t.count
		if t.count == 1 || t.kind == 'y' && t.count != 2 {
			maxDigits = 9
		}
		if t.kind == 'S' {
			maxDigits = 9
		}
		end := pos
		for end < len(s) && end-pos < maxDigits && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		if end == pos || (t.count > 1 && t.kind != 'S' && t.kind != 'y' && end-pos != t.count) {
			return p, fmt.Errorf("%d digits expected at offset %d", t.count, pos)
		}
		n, _ := strconv.Atoi(s[pos:end])
		switch t.kind {
		case 'y', 'Y', 'u':
			if end-pos == 2 {
				n += 2000
			}
			p.year = n
		case 'M':
			p.month = n
		case 'd':
			p.day = n
		case 'H', 'h':
			p.hour = n
		case 'm':
			p.min = n
		case 's':
			p.sec = n
		case 'S':
			frac := s[pos:end]
			for len(frac) < 9 {
				frac += "0"
			}
			p.nsec, _ = strconv.Atoi(frac[:9])
		}
		pos = end
	}
	if pos != len(s) {
		return p, fmt.Errorf("unexpected text %q after the date", s[pos:])
	}
	if p.hasAMPM {
		if p.hour == 12 {
			p.hour = 0
		}
		if p.pm {
			p.hour += 12
		}
	}
	return p, nil
}

// parseZone reads Z, +HH:MM, +HHMM or +HH and returns the bytes consumed.
func parseZone(s string, offset *int) (int, error) {
	if strings.HasPrefix(s, "Z") {
		*offset = 0
		return 1, nil
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("zone offset expected")
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, err := strconv.Atoi(s[1:3])
	if err != nil {
		return 0, fmt.Errorf("zone offset expected")
	}
	n, m := 3, 0
	rest := s[3:]
	if strings.HasPrefix(rest, ":") {
		rest, n = rest[1:], n+1
	}
	if len(rest) >= 2 && rest[0] >= '0' && rest[0] <= '9' {
		if m, err = strconv.Atoi(rest[:2]); err != nil {
			return 0, fmt.Errorf("zone offset expected")
		}
		n += 2
	} else if n == 4 {
		return 0, fmt.Errorf("zone offset minutes expected")
	}
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("zone offset out of range")
	}
	*offset = sign * (h*3600 + m*60)
	return n, nil
}

// toTime builds the instant, checking the calendar (no 31 April, no hour
// 25), reading a zone-less time in loc.
func (p parsed) toTime(loc *time.Location) (time.Time, error) {
	if p.month < 1 || p.month > 12 || p.day < 1 || p.hour > 23 || p.min > 59 || p.sec > 60 {
		return time.Time{}, fmt.Errorf("date out of range")
	}
	if p.sec == 60 {
		p.sec = 59 // leap second: keep the record
	}
	if p.hasZone {
		loc = time.FixedZone("", p.offset)
	}
	t := time.Date(p.year, time.Month(p.month), p.day, p.hour, p.min, p.sec, p.nsec, loc)
	if t.Day() != p.day || int(t.Month()) != p.month {
		return time.Time{}, fmt.Errorf("no such day %04d-%02d-%02d", p.year, p.month, p.day)
	}
	return t, nil
}

// iso8601 parses YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][zone]; a time without
// zone is read in loc.
func iso8601(s string, loc *time.Location) (time.Time, error) {
	for _, l := range isoLayouts {
		if p, err := l.parse(s); err == nil {
			return p.toTime(loc)
		}
	}
	return time.Time{}, fmt.Errorf("%q is not ISO8601", s)
}

var isoLayouts = func() []*layout {
	var ls []*layout
	for _, sep := range []string{"'T'", " "} {
		for _, f := range []string{"yyyy-MM-dd" + sep + "HH:mm:ss.SSSZ", "yyyy-MM-dd" + sep + "HH:mm:ss.SSS", "yyyy-MM-dd" + sep + "HH:mm:ss,SSSZ", "yyyy-MM-dd" + sep + "HH:mm:ss,SSS", "yyyy-MM-dd" + sep + "HH:mm:ssZ", "yyyy-MM-dd" + sep + "HH:mm:ss", "yyyy-MM-dd" + sep + "HH:mmZ", "yyyy-MM-dd" + sep + "HH:mm"} {
			l, err := compileLayout(f)
			if err != nil {
				panic(err)
			}
			ls = append(ls, l)
		}
	}
	return ls
}()
