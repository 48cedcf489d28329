package format

import (
	"fmt"
	"strings"
)

// Layout is a timestamp layout compiled from a strftime format (Python's
// datefmt, tornado, nginx) or a Java SimpleDateFormat (dCache). Scanning
// one is deterministic: every item has a fixed or self-evident length.
type Layout struct {
	source string
	items  []timeItem
}

type itemKind uint8

const (
	tLit itemKind = iota
	tYear4
	tYear2
	tMonth2
	tMonthAbbr
	tMonthName
	tDay2
	tDaySpace // day of month, space-padded (%e)
	tDay1     // day of month, 1 or 2 digits (Java "d")
	tHour2
	tHour12
	tMinute2
	tSecond2
	tFrac // n digits of a second's fraction (n = 0: 1 to 9 digits)
	tAMPM
	tWeekdayAbbr
	tWeekdayName
	tOffset   // +hhmm, +hh:mm or Z
	tZoneName // a zone's name (UTC, CET, "-03", GMT+01:00): see zoneOffsets
	tYearDay
	tEpoch
)

type timeItem struct {
	kind itemKind
	lit  string
	n    int
}

// localeFormats are the strftime directives whose text depends on the
// locale, as the C (POSIX) locale writes them: Python leaves LC_TIME at
// "C" unless the program calls locale.setlocale, so logging's %c is
// "Sun Dec  6 19:56:20 2026", %x "12/06/26" and %X "19:56:20". %D, %R,
// %r and %T are the same in every locale (%r is "%I:%M:%S %p" in C).
var localeFormats = map[byte]string{
	'c': "%a %b %e %H:%M:%S %Y",
	'x': "%m/%d/%y",
	'X': "%H:%M:%S",
	'D': "%m/%d/%y",
	'R': "%H:%M",
	'r': "%I:%M:%S %p",
	'T': "%H:%M:%S",
	'F': "%Y-%m-%d",
}

// ParseStrftime compiles a strftime layout as Python's time.strftime
// writes it. "%f" is the microseconds datetime.strftime writes; Python's
// logging never writes it, but users copy datetime layouts. %Z is the
// local zone's name Python writes (CET, tzdata's "-03"), resolved as
// zoneOffsets says; %z is its offset (+0100).
func ParseStrftime(src string) (*Layout, error) {
	if strings.IndexByte(src, '%') >= 0 {
		var b strings.Builder
		for i := 0; i < len(src); i++ {
			if src[i] != '%' || i+1 == len(src) {
				b.WriteByte(src[i])
				continue
			}
			i++
			if exp, ok := localeFormats[src[i]]; ok {
				b.WriteString(exp)
			} else {
				b.WriteByte('%')
				b.WriteByte(src[i])
			}
		}
		return parseStrftime(src, b.String())
	}
	return parseStrftime(src, src)
}

// parseStrftime compiles src, the layout declared as source with its
// locale directives expanded.
func parseStrftime(source, src string) (*Layout, error) {
	l := &Layout{source: source}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '%' {
			l.lit(string(c))
			continue
		}
		i++
		if i >= len(src) {
			return nil, fmt.Errorf("datefmt %q ends with %%", source)
		}
		switch src[i] {
		case 'Y':
			l.add(tYear4, 0)
		case 'y':
			l.add(tYear2, 0)
		case 'm':
			l.add(tMonth2, 0)
		case 'b', 'h':
			l.add(tMonthAbbr, 0)
		case 'B':
			l.add(tMonthName, 0)
		case 'd':
			l.add(tDay2, 0)
		case 'e':
			l.add(tDaySpace, 0)
		case 'H':
			l.add(tHour2, 0)
		case 'I':
			l.add(tHour12, 0)
		case 'M':
			l.add(tMinute2, 0)
		case 'S':
			l.add(tSecond2, 0)
		case 'f':
			// "%f3" (an ingestd extension) is a fraction of 3 digits, for
			// Python's default asctime, which appends ",%03d" msecs.
			if i+1 < len(src) && src[i+1] >= '1' && src[i+1] <= '9' {
				l.add(tFrac, int(src[i+1]-'0'))
				i++
			} else {
				l.add(tFrac, 6)
			}
		case 'p':
			l.add(tAMPM, 0)
		case 'a':
			l.add(tWeekdayAbbr, 0)
		case 'A':
			l.add(tWeekdayName, 0)
		case 'z':
			l.add(tOffset, 0)
		case 'Z':
			l.add(tZoneName, 0)
		case 'j':
			l.add(tYearDay, 0)
		case 's':
			l.add(tEpoch, 0)
		case '%':
			l.lit("%")
		default:
			return nil, fmt.Errorf("datefmt %q: %%%c is not supported", source, src[i])
		}
	}
	return l, l.check()
}

// ParseJava compiles a Java SimpleDateFormat layout ("MM.dd HH:mm:ss",
// "yyyy.MM.dd HH:mm:ss:SSS"), the language of dCache's $date$.
func ParseJava(src string) (*Layout, error) {
	l := &Layout{source: src}
	for i := 0; i < len(src); {
		c := src[i]
		if c == '\'' { // quoted literal; '' is a quote
			j := i + 1
			var b strings.Builder
			for j < len(src) {
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			if j == i+1 {
				b.WriteByte('\'')
			}
			l.lit(b.String())
			i = j + 1
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			l.lit(string(c))
			i++
			continue
		}
		n := 1
		for i+n < len(src) && src[i+n] == c {
			n++
		}
		switch {
		case c == 'y' && n == 2:
			l.add(tYear2, 0)
		case c == 'y':
			l.add(tYear4, 0)
		case c == 'M' && n >= 4:
			l.add(tMonthName, 0)
		case c == 'M' && n == 3:
			l.add(tMonthAbbr, 0)
		case c == 'M':
			l.add(tMonth2, 0)
		case c == 'd' && n == 1:
			l.add(tDay1, 0)
		case c == 'd':
			l.add(tDay2, 0)
		case c == 'H':
			l.add(tHour2, 0)
		case c == 'h':
			l.add(tHour12, 0)
		case c == 'm':
			l.add(tMinute2, 0)
		case c == 's':
			l.add(tSecond2, 0)
		case c == 'S':
			l.add(tFrac, n)
		case c == 'a':
			l.add(tAMPM, 0)
		case c == 'E' && n >= 4:
			l.add(tWeekdayName, 0)
		case c == 'E':
			l.add(tWeekdayAbbr, 0)
		case c == 'Z' || c == 'X' || c == 'x':
			l.add(tOffset, 0)
		case c == 'z':
			l.add(tZoneName, 0)
		case c == 'D':
			l.add(tYearDay, 0)
		default:
			return nil, fmt.Errorf("date format %q: %q is not supported", src, strings.Repeat(string(c), n))
		}
		i += n
	}
	return l, l.check()
}

func (l *Layout) add(k itemKind, n int) { l.items = append(l.items, timeItem{kind: k, n: n}) }

// literals are the layout's literal text, joined: every time it scans
// holds them.
func (l *Layout) literals() string {
	var b strings.Builder
	for _, it := range l.items {
		if it.kind == tLit {
			b.WriteString(it.lit)
		}
	}
	return b.String()
}

func (l *Layout) lit(s string) {
	if n := len(l.items); n > 0 && l.items[n-1].kind == tLit {
		l.items[n-1].lit += s
		return
	}
	l.items = append(l.items, timeItem{kind: tLit, lit: s})
}

func (l *Layout) check() error {
	if len(l.items) == 0 {
		return fmt.Errorf("date format %q is empty", l.source)
	}
	for i, it := range l.items {
		// A 1-9 digit fraction or a zone name must be followed by a
		// non-digit, non-letter literal or end the layout.
		if (it.kind == tFrac && it.n == 0) || it.kind == tZoneName {
			if i+1 < len(l.items) && l.items[i+1].kind != tLit {
				return fmt.Errorf("date format %q: a field follows a variable-length one", l.source)
			}
		}
	}
	return nil
}

// Parse reads all of s as the layout into p.
func (l *Layout) Parse(s string, p *TimeParts) bool {
	end, ok := l.scan(s, 0, p)
	return ok && end == len(s)
}

// Source is the layout as declared.
func (l *Layout) Source() string { return l.source }

func (l *Layout) firstBytes(set *[256]bool) bool {
	it := l.items[0]
	switch it.kind {
	case tLit:
		set[it.lit[0]] = true
	case tYear4, tYear2, tMonth2, tDay2, tHour2, tHour12, tMinute2, tSecond2, tYearDay, tEpoch, tDay1, tFrac:
		for c := '0'; c <= '9'; c++ {
			set[c] = true
		}
	case tDaySpace:
		set[' '] = true
		for c := '1'; c <= '9'; c++ {
			set[c] = true
		}
	default:
		return false
	}
	return true
}
