package format

import (
	"strings"
	"time"
)

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
			// A name (CET, ChST), a number where tzdata has no name
			// ("-03", "+0545"), or Java's GMT+01:00.
			n := 0
			for pos+n < len(s) && isLetter(s[pos+n]) {
				n++
			}
			name := s[pos : pos+n]
			if n == 0 || (name == "GMT" || name == "UTC") && pos+n < len(s) && (s[pos+n] == '+' || s[pos+n] == '-') {
				off, k, ok := scanOffset(s, pos+n)
				if !ok {
					return pos, false
				}
				tp.Offset, tp.HasOffset, pos = off, true, pos+n+k
				continue
			}
			tp.Zone, pos = name, pos+n
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

// FutureSlack is how far after now a time of day without a date may be
// and still be today's: a writer's clock a little ahead of ingestd's. A
// time later than that is yesterday's (a line written at 23:59:59 and
// read after midnight).
const FutureSlack = time.Hour

// Time builds the timestamp in the time's own zone: its offset (%z), its
// zone's name (%Z, resolved as zoneOffsets says: a name that does not
// resolve does not convert), else loc. now is when the line was read
// (the filter passes the time it processes it); it dates a time that
// lacks parts:
//
//   - a missing year is inferred as the date filter does (this year, the
//     year before for a December line in January);
//   - a time of day with no date at all (Python's datefmt "%H:%M:%S" or
//     "%X", which write none) is on now's date in the time's zone, or
//     the day before when that puts it more than FutureSlack after
//     now. Without a now (zero) it does not convert.
func (p *TimeParts) Time(loc *time.Location, now time.Time) (time.Time, bool) {
	if p.HasEpoch && !p.HasDate {
		return time.Unix(p.EpochSec, int64(p.EpochNanos)).UTC(), true
	}
	if !p.HasDate {
		return time.Time{}, false
	}
	if p.HasOffset {
		loc = time.FixedZone("", p.Offset)
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
	if hour > 23 || p.Minute > 59 || p.Second > 60 {
		return time.Time{}, false
	}
	if p.Month == 0 && p.Day == 0 && p.YearDay == 0 && !p.HasYear {
		if now.IsZero() {
			return time.Time{}, false
		}
		n := now.In(loc)
		t, ok := p.at(n.Year(), int(n.Month()), n.Day(), hour, loc)
		if ok && t.Sub(now) > FutureSlack {
			t, ok = p.at(n.Year(), int(n.Month()), n.Day()-1, hour, loc)
		}
		return t, ok
	}
	month, day := p.Month, p.Day
	if p.YearDay > 0 && month == 0 {
		month, day = 1, p.YearDay
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
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
	if p.YearDay == 0 && time.Date(year, time.Month(month), day, 12, 0, 0, 0, time.UTC).Day() != day {
		return time.Time{}, false // 31 February
	}
	return p.at(year, month, day, hour, loc)
}

// at is the time at that date and the parts' clock, in the zone the
// parts name, else loc.
func (p *TimeParts) at(year, month, day, hour int, loc *time.Location) (time.Time, bool) {
	if p.Zone != "" && !p.HasOffset {
		return zoneTime(year, month, day, hour, p.Minute, p.Second, p.Nanos, p.Zone, loc)
	}
	return time.Date(year, time.Month(month), day, hour, p.Minute, p.Second, p.Nanos, loc), true
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
