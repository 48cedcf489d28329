package template

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ingestd/ingestd/event"
)

// Logstash's sprintf formats the event's @timestamp, in UTC, where a
// reference starts with + (StringInterpolation in logstash-core):
// %{+yyyy.MM.dd} with a Joda-Time pattern, %{+%s} as seconds since the
// epoch. This is the part of Joda-Time's DateTimeFormat those references
// use.

// jodaFormat is a compiled Joda-Time pattern.
type jodaFormat []jodaToken

type jodaToken struct {
	letter byte // 0 for literal text
	count  int
	text   string
}

// CheckJoda reports why a %{+FORMAT} pattern would not render as a date
// (an unsupported letter, an unterminated quote, nothing in it): such a
// reference stays as written.
func CheckJoda(pattern string) error {
	_, err := compileJoda(pattern)
	return err
}

// compileJoda compiles a Joda-Time pattern: y Y u (year), M (month), d
// (day), D (day of year), H k h K (hours), m, s, S (fraction), a (am/pm),
// E (day name), Z (offset), z (zone name), w (week of weekyear), x
// (weekyear, the ISO year weeks count in: logstash-%{+xxxx.ww} is the
// weekly index Logstash's docs recommend), e (day of week); text in single
// quotes and any other character are literal. A pattern with nothing in it
// is an error: it would render nothing.
func compileJoda(pattern string) (jodaFormat, error) {
	var f jodaFormat
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(pattern[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("date format %q: unterminated quote", pattern)
			}
			text := pattern[i+1 : i+1+end]
			if end == 0 {
				text = "'"
			}
			f = append(f, jodaToken{text: text})
			i += end + 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n := 1
			for i+n < len(pattern) && pattern[i+n] == c {
				n++
			}
			if !strings.ContainsRune("yYuMdDHkhKmsSaEZzwex", rune(c)) {
				return nil, fmt.Errorf("date format %q: the letter %q is not supported", pattern, c)
			}
			f = append(f, jodaToken{letter: c, count: n})
			i += n
		default:
			f = append(f, jodaToken{text: string(c)})
			i++
		}
	}
	if len(f) == 0 {
		return nil, fmt.Errorf("date format %q is empty", pattern)
	}
	return f, nil
}

// format writes t (in UTC) with the pattern.
func (f jodaFormat) format(b *strings.Builder, t time.Time) {
	t = t.UTC()
	pad := func(v, n int) {
		s := strconv.Itoa(v)
		for k := len(s); k < n; k++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for _, tok := range f {
		n := tok.count
		switch tok.letter {
		case 0:
			b.WriteString(tok.text)
		case 'y', 'Y', 'u':
			if n == 2 {
				pad(t.Year()%100, 2)
			} else {
				pad(t.Year(), n)
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString(t.Month().String())
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				pad(int(t.Month()), n)
			}
		case 'd':
			pad(t.Day(), n)
		case 'D':
			pad(t.YearDay(), n)
		case 'H':
			pad(t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			pad(h, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, n)
		case 'K':
			pad(t.Hour()%12, n)
		case 'm':
			pad(t.Minute(), n)
		case 's':
			pad(t.Second(), n)
		case 'S':
			frac := fmt.Sprintf("%09d", t.Nanosecond())
			for len(frac) < n {
				frac += "0"
			}
			b.WriteString(frac[:n])
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'E':
			if n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'e':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			pad(wd, n)
		case 'w':
			_, w := t.ISOWeek()
			pad(w, n)
		case 'x':
			y, _ := t.ISOWeek()
			if n == 2 {
				pad(y%100, 2)
			} else {
				pad(y, n)
			}
		case 'Z':
			if n >= 2 {
				b.WriteString("+00:00")
			} else {
				b.WriteString("+0000")
			}
		case 'z':
			b.WriteString("UTC")
		}
	}
}

var timestampPath = event.Path{"@timestamp"}

// eventTime is the event's @timestamp, and whether it has one.
func eventTime(e *event.Event) (time.Time, bool) {
	v, ok := e.Get(timestampPath)
	if !ok || v.Kind() != event.KindString {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v.Str())
	return t, err == nil
}
