package event

import "time"

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
// ±HH:MM, ±HHMM or nothing (UTC). The form Beats send
// (2026-01-02T10:00:00.000Z) is checked without time.Parse.
func IsTimestamp(s string) bool {
	if len(s) == 24 && s[23] == 'Z' && s[19] == '.' && isDigits(s[20:23]) && isDateTime(s[:19], 'T') {
		return true
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// timestampLayouts are the forms IsTimestamp reads beyond the one Beats
// send; time.Parse takes a fraction after the seconds of any of them.
var timestampLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z0700", "2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02",
}

// isDateTime checks YYYY-MM-DD<sep>HH:MM:SS as digits in range (the
// calendar's finer points are time.Parse's when it matters).
func isDateTime(s string, sep byte) bool {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != sep || s[13] != ':' || s[16] != ':' {
		return false
	}
	if !isDigits(s[:4]) || !isDigits(s[5:7]) || !isDigits(s[8:10]) || !isDigits(s[11:13]) || !isDigits(s[14:16]) || !isDigits(s[17:19]) {
		return false
	}
	month, day := two(s[5:7]), two(s[8:10])
	return month >= 1 && month <= 12 && day >= 1 && day <= 31 && two(s[11:13]) <= 23 && two(s[14:16]) <= 59 && two(s[17:19]) <= 60
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func two(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
