package date

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

func ts(e *event.Event) string { return e.GetString(event.Path{"@timestamp"}) }

func TestJavaFormats(t *testing.T) {
	f := pt.Filter(t, New, `match: [t, "yyyy-MM-dd HH:mm:ss,SSS", "yyyy.MM.dd HH:mm:ss:SSS", "dd/MMM/yyyy:HH:mm:ss Z", ISO8601, UNIX_MS, UNIX]`)
	cases := map[string]string{
		"2025-12-30 21:58:43,005":     "2025-12-30T21:58:43.005Z",
		"2025.12.31 03:43:58:782":     "2025-12-31T03:43:58.782Z",
		"10/Oct/2000:13:55:36 -0700":  "2000-10-10T20:55:36.000Z",
		"2025-12-30T21:16:01.340":     "2025-12-30T21:16:01.340Z",
		"2025-12-30T17:31:18-03:30":   "2025-12-30T21:01:18.000Z",
		"2025-12-30T23:03:03.356805Z": "2025-12-30T23:03:03.356805Z",
		"1767128198060":               "2025-12-30T20:56:38.060Z",
	}
	for in, want := range cases {
		if got := ts(pt.Apply(t, f, `{"t":"`+in+`"}`)); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
}

// logstash-filter-date's spec/filters/date_spec.rb, "parsing microsecond-
// precise times with UNIX (#213)": "1350414944.123456" is
// 2012-10-16T12:15:44.123-07:00, .123 "since Joda time only supports
// milliseconds".
// With precision ms, as ingestd convert sets it; by default the digits
// parsed are kept.
func TestMillisecondsAsLogstash(t *testing.T) {
	f := pt.Filter(t, New, `{match: [mydate, UNIX], precision: ms}`)
	if got := ts(pt.Apply(t, f, `{"mydate":"1350414944.123456"}`)); got != "2012-10-16T19:15:44.123Z" {
		t.Fatalf("got %s", got)
	}
	f = pt.Filter(t, New, `{match: [mydate, UNIX]}`)
	if got := ts(pt.Apply(t, f, `{"mydate":"1350414944.123456"}`)); got != "2012-10-16T19:15:44.123456Z" {
		t.Fatalf("precision parsed: got %s", got)
	}
}

func TestTimezoneAndFailure(t *testing.T) {
	f := pt.Filter(t, New, `{match: [t, "yyyy-MM-dd HH:mm:ss"], timezone: Europe/Berlin}`)
	if got := ts(pt.Apply(t, f, `{"t":"2025-07-01 12:00:00"}`)); got != "2025-07-01T10:00:00.000Z" {
		t.Errorf("Berlin summer time: %s", got)
	}
	for _, bad := range []string{"2025-02-30 12:00:00", "2025-01-01 25:00:00", "yesterday", "2025-01-01 12:00:00 trailing"} {
		e := pt.Apply(t, f, `{"t":"`+bad+`"}`)
		if !e.HasTag("_dateparsefailure") || ts(e) != "" {
			t.Errorf("%q: %s", bad, e.AppendJSON(nil))
		}
	}
	if msg := pt.ConfigError[Config](`{match: [t, "yyyy-MM-dd"], timezone: Mars/Olympus}`); !strings.Contains(msg, "Mars/Olympus") {
		t.Errorf("bad zone accepted: %q", msg)
	}
	if msg := pt.ConfigError[Config](`{match: [t, "yyyy-qq"]}`); !strings.Contains(msg, "unsupported letter") {
		t.Errorf("bad format accepted: %q", msg)
	}
}

// The billing rule: year from the file's date, minus one for a December
// line in a January file.
func TestYearInference(t *testing.T) {
	f := pt.Filter(t, New, `{match: [t, "MM.dd HH:mm:ss"], year_from: "[file]"}`)
	cases := []struct{ line, file, want string }{
		{"12.31 23:59:58", "billing-2026.01.01", "2025-12-31T23:59:58.000Z"},
		{"01.01 00:00:01", "billing-2026.01.01", "2026-01-01T00:00:01.000Z"},
		{"12.30 21:03:10", "2025-12-30", "2025-12-30T21:03:10.000Z"},
		{"11.30 21:03:10", "billing-2026.01.01", "2026-11-30T21:03:10.000Z"},
		// Logstash's parseAndGuessYear: January read in December is next
		// year's.
		{"01.01 00:00:01", "billing-2026.12.31", "2027-01-01T00:00:01.000Z"},
	}
	for _, c := range cases {
		if got := ts(pt.Apply(t, f, `{"t":"`+c.line+`","file":"`+c.file+`"}`)); got != c.want {
			t.Errorf("%s in %s: got %s want %s", c.line, c.file, got, c.want)
		}
	}
}

func TestPipelineTimezoneIsTheDefault(t *testing.T) {
	var cfg Config
	if err := spec.DecodeYAML("t.yml", `match: [t, "yyyy-MM-dd HH:mm:ss"]`, &cfg); err != nil {
		t.Fatal(err)
	}
	f, err := New(&cfg, plugin.Env{Timezone: "Asia/Tokyo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ts(pt.Apply(t, f, `{"t":"2025-01-01 09:00:00"}`)); got != "2025-01-01T00:00:00.000Z" {
		t.Errorf("got %s", got)
	}
}

// TestUnixRange: UNIX refuses seconds past 2^31-1 as Logstash's does, so
// that match [field, UNIX, UNIX_MS] reads milliseconds (logstash-filter-date
// spec "parsing with UNIX and UNIX_MS": 1000000000123 is
// 2001-09-09T01:46:40.123Z).
func TestUnixRange(t *testing.T) {
	if _, err := parseEpoch("1000000000123", time.Second); err == nil {
		t.Error("seconds past 2^31-1 parsed")
	}
	got, err := parseEpoch("2147483647", time.Second)
	if err != nil || got.Format(time.RFC3339) != "2038-01-19T03:14:07Z" {
		t.Errorf("2^31-1: %v %v", got, err)
	}
	if got, err := parseEpoch("1000000000123", time.Millisecond); err != nil || got.Format(time.RFC3339Nano) != "2001-09-09T01:46:40.123Z" {
		t.Errorf("ms: %v %v", got, err)
	}
}

// TestDayAndMonthNames: day-of-week names (E) are parsed and checked, and
// month and day names are read short or full as Joda's text parsing does;
// the Logstash docs' apache2 Filebeat-module pipeline matches
// "EEE MMM dd H:m:s YYYY" (the error log's time).
func TestDayAndMonthNames(t *testing.T) {
	f := pt.Filter(t, New, `match: [t, "EEE MMM dd H:m:s YYYY", "EEEE, MMMM d yyyy HH:mm"]`)
	for in, want := range map[string]string{
		"Mon Dec 16 13:42:7 2019":        "2019-12-16T13:42:07.000Z",
		"Thursday, January 2 2026 10:00": "2026-01-02T10:00:00.000Z",
		"Thu, Jan 2 2026 10:00":          "2026-01-02T10:00:00.000Z",
	} {
		if got := ts(pt.Apply(t, f, `{"t":"`+in+`"}`)); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
	if e := pt.Apply(t, f, `{"t":"Xyz Dec 16 13:42:7 2019"}`); !e.HasTag("_dateparsefailure") {
		t.Errorf("a wrong day name parsed: %s", e.AppendJSON(nil))
	}
}

// TestInferYearRules pins both of Logstash's year guesses
// (JodaParser.parseAndGuessYear) against the reference month.
func TestInferYearRules(t *testing.T) {
	for _, c := range []struct{ month, refYear, refMonth, want int }{
		{12, 2026, 1, 2025}, {1, 2026, 12, 2027}, {6, 2026, 12, 2026}, {1, 2026, 1, 2026},
	} {
		if got := inferYear(c.month, refDate{c.refYear, c.refMonth}); got != c.want {
			t.Errorf("month %d read in %d-%02d: %d, want %d", c.month, c.refYear, c.refMonth, got, c.want)
		}
	}
}

// findRefDate finds what the regular expression it replaced found.
func TestFindRefDateEqualsItsRegexp(t *testing.T) {
	re := regexp.MustCompile(`(\d{4})[.-](\d{2})`)
	for _, s := range []string{"", "2025-12-30", "2025.12.30", "billing-2025.12.30", "x12345-67", "1234-5", "12345.6789-12",
		"2025/12/30", "a2025.1", "99999-99", "٢٠٢٥-١٢", "20x5-12 2024-01", "2024-1x 2023.02"} {
		want := refDate{}
		if m := re.FindStringSubmatch(s); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			want = refDate{y, mo}
		}
		if got := findRefDate(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}

// A timezone template reads each event's zone (Logstash's date filter
// sprintfs its timezone per event); a missing or unknown zone tags.
func TestTimezoneFromTheEvent(t *testing.T) {
	f := pt.Filter(t, New, `{match: [t, "yyyy-MM-dd HH:mm:ss"], timezone: "%{[tz]}"}`)
	zones := map[string]string{"Europe/Berlin": "2025-07-01T10:00:00.000Z", "America/New_York": "2025-07-01T16:00:00.000Z", "UTC": "2025-07-01T12:00:00.000Z"}
	for tz, want := range zones {
		for range 2 { // the second from the cache
			if got := ts(pt.Apply(t, f, `{"t":"2025-07-01 12:00:00","tz":"`+tz+`"}`)); got != want {
				t.Errorf("%s: %s, want %s", tz, got, want)
			}
		}
	}
	if known := len(f.(*filter).zones.known); known != len(zones) {
		t.Errorf("%d zones cached for %d named twice each", known, len(zones))
	}
	for _, in := range []string{`{"t":"2025-07-01 12:00:00"}`, `{"t":"2025-07-01 12:00:00","tz":"Mars/Olympus"}`, `{"t":"2025-07-01 12:00:00","tz":""}`} {
		if e := pt.Apply(t, f, in); !e.HasTag("_dateparsefailure") || ts(e) != "" {
			t.Errorf("%s: %s", in, e.AppendJSON(nil))
		}
	}
}
