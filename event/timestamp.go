package event

import (
	"fmt"
	"time"
)

// What Logstash's Event does with an @timestamp that is not a time (a
// string no ISO 8601 parser reads, a number, an object): it keeps the
// value in _@timestamp, sets @timestamp to the time of the event's making
// and tags it _timestampparsefailure. Elasticsearch would refuse the
// document otherwise (a data stream's @timestamp is a date).
const (
	TimestampFailureTag   = "_timestampparsefailure"
	TimestampFailureField = "_@timestamp"
)

var (
	timestampKey          = Path{"@timestamp"}
	timestampFailureField = Path{TimestampFailureField}
)

// CheckTimestamp gives e the @timestamp Logstash's Event would when it is
// made of a hash: none becomes now (a data stream refuses a document
// without one); one that is no time moves to _@timestamp, @timestamp
// becomes now, and e is tagged _timestampparsefailure. It reports whether
// it changed e. now is called only when it is needed.
func (e *Event) CheckTimestamp(now func() time.Time) bool {
	v, ok := e.Get(timestampKey)
	if !ok {
		e.SetTimestamp(now())
		return true
	}
	if v.kind == KindString && IsTimestamp(e.Text(v)) {
		return false
	}
	if v.kind == KindString {
		e.SetString(timestampFailureField, e.Text(v))
	} else {
		e.Set(timestampFailureField, v)
	}
	e.SetTimestamp(now())
	e.AddTag(TimestampFailureTag)
	return true
}

// IsTimestamp tells whether s is an ISO 8601 time Logstash's Timestamp
// reads: YYYY-MM-DD, then T or a space and HH:MM[:SS[.fraction]], then Z,
// ±HH:MM, ±HHMM or nothing (UTC). The forms Beats and most clients send
// are ParseTimestamp's (no time.Parse, the calendar checked).
func IsTimestamp(s string) bool {
	if _, _, err := ParseTimestamp(s); err == nil {
		return true
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// timestampLayouts are the forms IsTimestamp reads beyond ParseTimestamp's;
// time.Parse takes a fraction after the seconds of any of them.
var timestampLayouts = []string{
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z0700", "2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02",
}

// ParseTimestamp parses YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM] strictly
// (calendar-valid, hours 0–23, offsets within ±23:59) into the instant it
// names, in UTC. assumedUTC is true when there was no zone designator. It
// scans by hand and builds no time.Location: every accounting record has
// two or three timestamps, and a regular expression took 7% of that
// family's CPU and a sixth of the bytes it allocated.
func ParseTimestamp(s string) (t time.Time, assumedUTC bool, err error) {
	n, nsec, zone, ok := scanTimestamp(s)
	if !ok {
		return time.Time{}, false, fmt.Errorf("%q is not YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM]", s)
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return time.Time{}, false, fmt.Errorf("%q is out of range", s)
	}
	off := 0
	switch {
	case zone == "":
		assumedUTC = true
	case zone != "Z":
		h, mi := twoDigits(zone[1:3]), twoDigits(zone[4:6])
		if h > 23 || mi > 59 {
			return time.Time{}, false, fmt.Errorf("%q: zone offset out of range", s)
		}
		off = h*3600 + mi*60
		if zone[0] == '-' {
			off = -off
		}
	}
	// The wall clock is checked as written, then moved by the offset.
	t = time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nsec, time.UTC)
	if t.Day() != n[2] || int(t.Month()) != n[1] {
		return time.Time{}, false, fmt.Errorf("%q: no such day", s)
	}
	return t.Add(-time.Duration(off) * time.Second), assumedUTC, nil
}

// scanTimestamp splits s as YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]: ASCII
// digits where digits go, nothing after the zone. n holds year, month,
// day, hour, minute, second; nsec the fraction; zone the designator ("",
// "Z" or "±HH:MM").
func scanTimestamp(s string) (n [6]int, nsec int, zone string, ok bool) {
	const fixed = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(fixed) {
		return n, 0, "", false
	}
	k := 0
	for i := 0; i < len(fixed); i++ {
		c := s[i]
		if fixed[i] != 'd' {
			if c != fixed[i] {
				return n, 0, "", false
			}
			k++
			continue
		}
		if c < '0' || c > '9' {
			return n, 0, "", false
		}
		n[k] = n[k]*10 + int(c-'0')
	}
	rest := s[len(fixed):]
	if len(rest) > 0 && rest[0] == '.' {
		digits := 0
		for digits < len(rest)-1 && rest[1+digits] >= '0' && rest[1+digits] <= '9' {
			digits++
		}
		if digits < 1 || digits > 9 {
			return n, 0, "", false
		}
		for i := 0; i < 9; i++ {
			nsec *= 10
			if i < digits {
				nsec += int(rest[1+i] - '0')
			}
		}
		rest = rest[1+digits:]
	}
	switch {
	case rest == "" || rest == "Z":
		return n, nsec, rest, true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[4]) && isDigit(rest[5]):
		return n, nsec, rest, true
	}
	return n, 0, "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// twoDigits is the value of two ASCII digits.
func twoDigits(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
