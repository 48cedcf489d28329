package format

import (
	"fmt"
	"strings"
	"time"
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
	tZoneName // letters (UTC, GMT, CET)
	tYearDay
	tEpoch
)

type timeItem struct {
	kind itemKind
	lit  string
	n    int
}

// ParseStrftime compiles a strftime layout as Python's time.strftime
// writes it. "%f" is the microseconds datetime.strftime writes; Python's
// logging never writes it, but users copy datetime layouts.
func ParseStrftime(src string) (*Layout, error) {
	l := &Layout{source: src}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '%' {
			l.lit(string(c))
			continue
		}
		i++
		if i >= len(src) {
			return nil, fmt.Errorf("datefmt %q ends with %%", src)
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
		case 'T':
			l.add(tHour2, 0)
			l.lit(":")
			l.add(tMinute2, 0)
			l.lit(":")
			l.add(tSecond2, 0)
		case 'F':
			l.add(tYear4, 0)
			l.lit("-")
			l.add(tMonth2, 0)
			l.lit("-")
			l.add(tDay2, 0)
		case '%':
			l.lit("%")
		default:
			return nil, fmt.Errorf("datefmt %q: %%%c is not supported", src, src[i])
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

// TimeParts collects a timestamp's parts from one or more fields (a
// Python asctime and its msecs).
type TimeParts struct {
	Year, Month, Day        int
	Hour, Minute, Second    int
	Nanos                   int
	YearDay                 int
	PM, HasAMPM             bool
	HasYear, HasDate, Valid bool
	Offset                  int // seconds east of UTC
	HasOffset               bool
	Zone                    string
	EpochSec                int64
	EpochNanos              int
	HasEpoch                bool
}

var monthAbbrs = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var weekdayAbbrs = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
var weekdayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// scan reads the layout at s[pos:], filling p when p is not nil, and
// returns where it ends.
func (l *Layout) scan(s string, pos int, p *TimeParts) (int, bool) {
	var tp TimeParts
	for _, it := range l.items {
		switch it.kind {
		case tLit:
			if !strings.HasPrefix(s[pos:], it.lit) {
				return pos, false
			}
			pos += len(it.lit)
		case tYear4:
			v, ok := digits(s, pos, 4)
			if !ok {
				return pos, false
			}
			tp.Year, tp.HasYear, pos = v, true, pos+4
		case tYear2:
			v, ok := digits(s, pos, 2)
			if !ok {
				return pos, false
			}
			// strptime's rule: 69-99 are 1969-1999, 00-68 are 2000-2068.
			if v < 69 {
				v += 2000
			} else {
				v += 1900
			}
			tp.Year, tp.HasYear, pos = v, true, pos+2
		case tMonth2, tDay2, tHour2, tHour12, tMinute2, tSecond2:
			v, ok := digits(s, pos, 2)
			if !ok {
				return pos, false
			}
			pos += 2
			switch it.kind {
			case tMonth2:
				tp.Month = v
			case tDay2:
				tp.Day = v
			case tHour2, tHour12:
				tp.Hour = v
			case tMinute2:
				tp.Minute = v
			case tSecond2:
				tp.Second = v
			}
		case tDaySpace, tDay1:
			if it.kind == tDaySpace && pos < len(s) && s[pos] == ' ' {
				pos++
			}
			v, n := leadingDigits(s, pos, 2)
			if n == 0 {
				return pos, false
			}
			tp.Day, pos = v, pos+n
		case tYearDay:
			v, ok := digits(s, pos, 3)
			if !ok {
				return pos, false
			}
			tp.YearDay, pos = v, pos+3
		case tMonthAbbr, tMonthName:
			names := monthAbbrs
			if it.kind == tMonthName {
				names = monthNames
			}
			i, n := oneOf(s, pos, names)
			if n == 0 {
				return pos, false
			}
			tp.Month, pos = i+1, pos+n
		case tWeekdayAbbr, tWeekdayName:
			names := weekdayAbbrs
			if it.kind == tWeekdayName {
				names = weekdayNames
			}
			_, n := oneOf(s, pos, names)
			if n == 0 {
				return pos, false
			}
			pos += n
		case tAMPM:
			switch {
			case strings.HasPrefix(s[pos:], "AM") || strings.HasPrefix(s[pos:], "am"):
			case strings.HasPrefix(s[pos:], "PM") || strings.HasPrefix(s[pos:], "pm"):
				tp.PM = true
			default:
				return pos, false
			}
			tp.HasAMPM, pos = true, pos+2
		case tFrac:
			max := it.n
			if max == 0 {
				max = 9
			}
			v, n := leadingDigits(s, pos, max)
			if n == 0 || (it.n > 0 && n != it.n) {
				return pos, false
			}
			for k := n; k < 9; k++ {
				v *= 10
			}
			tp.Nanos, pos = v, pos+n
		case tOffset:
			off, n, ok := scanOffset(s, pos)
			if !ok {
				return pos, false
			}
			tp.Offset, tp.HasOffset, pos = off, true, pos+n
		case tZoneName:
			n := 0
			for pos+n < len(s) && (s[pos+n] >= 'A' && s[pos+n] <= 'Z' || s[pos+n] >= 'a' && s[pos+n] <= 'z') {
				n++
			}
			if n == 0 {
				return pos, false
			}
			tp.Zone, pos = s[pos:pos+n], pos+n
		case tEpoch:
			n := 0
			for pos+n < len(s) && s[pos+n] >= '0' && s[pos+n] <= '9' {
				n++
			}
			if n == 0 {
				return pos, false
			}
			var v int64
			for _, c := range s[pos : pos+n] {
				v = v*10 + int64(c-'0')
			}
			tp.EpochSec, tp.HasEpoch, pos = v, true, pos+n
		}
	}
	// A scan fits only a real time: no 13th month, no 25th hour.
	if tp.Month > 12 || tp.Day > 31 || tp.Hour > 23 || tp.Minute > 59 || tp.Second > 60 ||
		(tp.Month == 0 && hasItem(l, tMonth2)) || (tp.Day == 0 && hasItem(l, tDay2)) {
		return pos, false
	}
	if p != nil {
		p.merge(&tp)
	}
	return pos, true
}

func hasItem(l *Layout, k itemKind) bool {
	for _, it := range l.items {
		if it.kind == k {
			return true
		}
	}
	return false
}

func (p *TimeParts) merge(t *TimeParts) {
	nanos := p.Nanos
	*p = *t
	if t.Nanos == 0 {
		p.Nanos = nanos
	}
	p.HasDate = true
}

// SetMillis sets the milliseconds (Python's "%(msecs)03d").
func (p *TimeParts) SetMillis(ms int) { p.Nanos = ms * int(time.Millisecond) }

// SetEpoch sets the time from seconds since 1970 as written
// ("1371015002.547000"), its fraction read as digits: a float would make
// .547 a hair less and cut it to .546.
func (p *TimeParts) SetEpoch(text string) bool {
	whole, frac, _ := strings.Cut(text, ".")
	sec, n := leadingDigits64(whole)
	if n == 0 || n != len(whole) {
		return false
	}
	nanos := 0
	for i := 0; i < len(frac) && i < 9; i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return false
		}
		nanos = nanos*10 + int(c-'0')
	}
	for i := len(frac); i < 9; i++ {
		nanos *= 10
	}
	p.EpochSec, p.EpochNanos, p.HasEpoch = sec, nanos, true
	return true
}

func leadingDigits64(s string) (int64, int) {
	var v int64
	n := 0
	for n < len(s) && n < 18 && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int64(s[n]-'0')
		n++
	}
	return v, n
}

// Time builds the timestamp: its own offset when it has one, else loc; a
// missing year is inferred as the date filter does (this year, the year
// before for a December line in January).
func (p *TimeParts) Time(loc *time.Location, now time.Time) (time.Time, bool) {
	if p.HasEpoch && !p.HasDate {
		return time.Unix(p.EpochSec, int64(p.EpochNanos)).UTC(), true
	}
	if !p.HasDate {
		return time.Time{}, false
	}
	if p.HasOffset {
		loc = time.FixedZone("", p.Offset)
	} else if p.Zone == "UTC" || p.Zone == "GMT" || p.Zone == "Z" {
		loc = time.UTC
	}
	hour := p.Hour
	if p.HasAMPM {
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		hour %= 12
		if p.PM {
			hour += 12
		}
	}
	month, day := p.Month, p.Day
	if p.YearDay > 0 && month == 0 {
		month, day = 1, p.YearDay
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || p.Minute > 59 || p.Second > 60 {
		return time.Time{}, false
	}
	year := p.Year
	if !p.HasYear {
		// The date filter's rule: this year, the year before for a
		// December line read in January.
		now = now.In(loc)
		year = now.Year()
		if month == 12 && now.Month() == time.January {
			year--
		}
	}
	t := time.Date(year, time.Month(month), day, hour, p.Minute, p.Second, p.Nanos, loc)
	if p.YearDay == 0 && t.Day() != day {
		return time.Time{}, false // 31 February
	}
	return t, true
}

func digits(s string, pos, n int) (int, bool) {
	if pos+n > len(s) {
		return 0, false
	}
	v := 0
	for i := pos; i < pos+n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func leadingDigits(s string, pos, max int) (int, int) {
	v, n := 0, 0
	for pos+n < len(s) && n < max && s[pos+n] >= '0' && s[pos+n] <= '9' {
		v = v*10 + int(s[pos+n]-'0')
		n++
	}
	return v, n
}

func oneOf(s string, pos int, names []string) (int, int) {
	for i, name := range names {
		if len(s)-pos >= len(name) && strings.EqualFold(s[pos:pos+len(name)], name) {
			return i, len(name)
		}
	}
	return 0, 0
}

// scanOffset reads +hhmm, +hh:mm, +hh or Z.
func scanOffset(s string, pos int) (int, int, bool) {
	if pos < len(s) && s[pos] == 'Z' {
		return 0, 1, true
	}
	if pos >= len(s) || (s[pos] != '+' && s[pos] != '-') {
		return 0, 0, false
	}
	h, ok := digits(s, pos+1, 2)
	if !ok {
		return 0, 0, false
	}
	n := 3
	m := 0
	if v, ok := digits(s, pos+3, 2); ok {
		m, n = v, 5
	} else if pos+3 < len(s) && s[pos+3] == ':' {
		if v, ok := digits(s, pos+4, 2); ok {
			m, n = v, 6
		}
	}
	off := h*3600 + m*60
	if s[pos] == '-' {
		off = -off
	}
	return off, n, true
}
