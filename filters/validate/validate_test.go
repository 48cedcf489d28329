package validate

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	jsonfilter "github.com/ingestd/ingestd/filters/json"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

const model = `
source: rec
unknown_to: extra
fields:
  - {name: ts, required: true, type: timestamp, utc: ts_utc, assumed_utc: ts_assumed}
  - {name: user, required: true}
  - {name: level, required: true, enum: [accounting]}
  - {name: value, type: number, default: 1}
  - {name: type, enum: ["+", "-", "0"], default: "+"}
`

func TestValidRecordGetsDefaults(t *testing.T) {
	f := pt.Filter(t, New, model)
	e := pt.Apply(t, f, `{"rec":{"ts":"2025-12-30T17:31:18-03:30","user":"u","level":"accounting","host":"w1"}}`)
	pt.SameDoc(t, e, `{"rec":{"ts":"2025-12-30T17:31:18-03:30","user":"u","level":"accounting","value":1,"type":"+",
		"ts_utc":"2025-12-30T21:01:18.000000Z","ts_assumed":false,"extra":{"host":"w1"}}}`)
	e = pt.Apply(t, f, `{"rec":{"ts":"2025-12-30T23:03:03.356805","user":"u","level":"accounting","value":2.5}}`)
	if e.GetString(mustPath("[rec][ts_utc]")) != "2025-12-30T23:03:03.356805Z" || e.GetString(mustPath("[rec][ts_assumed]")) != "true" {
		t.Fatalf("%s", e.AppendJSON(nil))
	}
}

func TestReasonCodes(t *testing.T) {
	f := pt.Filter(t, New, model)
	cases := map[string]string{
		`{"rec":"text"}`: "not_object",
		`{}`:             "not_object",
		`{"rec":{"user":"u","level":"accounting"}}`:                                            "missing_field:ts",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","level":"accounting"}}`:                           "missing_field:user",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":null,"level":"accounting"}}`:               "missing_field:user",
		`{"rec":{"ts":"2025-01-01T25:00:00Z","user":"u","level":"accounting"}}`:                "bad_ts",
		`{"rec":{"ts":"2025-02-29T00:00:00Z","user":"u","level":"accounting"}}`:                "bad_ts",
		`{"rec":{"ts":"2025-01-01 00:00","user":"u","level":"accounting"}}`:                    "bad_ts",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"Accounting"}}`:                "bad_level",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":"1"}}`:    "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":true}}`:   "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":1e999}}`:  "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":-2E400}}`: "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","type":""}}`:      "bad_type",
	}
	for in, code := range cases {
		e := pt.Apply(t, f, in)
		if got := e.GetString(mustPath("[error][code]")); got != code || !e.HasTag("_validationfailure") {
			t.Errorf("%s: code %q tags %v, want %q", in, got, e.Tags(), code)
		}
	}
}
func mustPath(s string) event.Path { return event.MustPath(s) }

// referenceTimestampRE and referenceParseTimestamp are the regular
// expression ParseTimestamp replaced: the scanner must accept and reject
// exactly what it did, with the same instant (now in UTC) and assumedUTC.
var referenceTimestampRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$`)

func referenceParseTimestamp(s string) (time.Time, bool, bool) {
	m := referenceTimestampRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false, false
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return time.Time{}, false, false
	}
	nsec := 0
	if m[7] != "" {
		frac := m[7]
		for len(frac) < 9 {
			frac += "0"
		}
		nsec, _ = strconv.Atoi(frac)
	}
	loc, assumed := time.UTC, false
	switch zone := m[8]; {
	case zone == "":
		assumed = true
	case zone != "Z":
		h, _ := strconv.Atoi(zone[1:3])
		mi, _ := strconv.Atoi(zone[4:6])
		if h > 23 || mi > 59 {
			return time.Time{}, false, false
		}
		off := h*3600 + mi*60
		if zone[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nsec, loc)
	if t.Day() != n[2] || int(t.Month()) != n[1] {
		return time.Time{}, false, false
	}
	return t, assumed, true
}

func TestParseTimestampMatchesTheRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 16))
	pieces := []string{"0", "1", "2", "3", "5", "9", "-", "+", ":", ".", "T", "t", "Z", "z", " ", "٣", "\x00", "é", "00", "12", "23", "24", "59", "60", "29", "31", "2024", "2025"}
	valid := func() string {
		s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", rng.IntN(10000), rng.IntN(14), rng.IntN(33), rng.IntN(26), rng.IntN(62), rng.IntN(62))
		if rng.IntN(2) == 0 {
			s += "." + fmt.Sprintf("%09d", rng.IntN(1e9))[:1+rng.IntN(9)]
			if rng.IntN(20) == 0 {
				s += "12" // ten or eleven digits
			}
		}
		switch rng.IntN(4) {
		case 0:
			s += "Z"
		case 1:
			s += fmt.Sprintf("%c%02d:%02d", "+-"[rng.IntN(2)], rng.IntN(26), rng.IntN(62))
		case 2:
			s += fmt.Sprintf("%c%02d%02d", "+-"[rng.IntN(2)], rng.IntN(24), rng.IntN(60)) // no colon
		}
		return s
	}
	cases := []string{"", "2025-12-30T17:31:18", "2025-12-30T17:31:18Z", "2025-12-30T17:31:18.Z", "2025-12-30T17:31:18.1234567890Z",
		"2025-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2025-12-30T17:31:18+23:59", "2025-12-30T17:31:18-24:00", "2025-12-30t17:31:18Z",
		"2025-12-30T17:31:18Zx", "2025-12-30T17:31:18+03:0", "+025-12-30T17:31:18Z", "2025-12-30 17:31:18"}
	for range 200000 {
		s := valid()
		for m := rng.IntN(3); m > 0 && len(s) > 0; m-- {
			i := rng.IntN(len(s))
			switch rng.IntN(3) {
			case 0:
				s = s[:i] + pieces[rng.IntN(len(pieces))] + s[i+1:]
			case 1:
				s = s[:i] + s[i+1:]
			default:
				s = s[:i] + pieces[rng.IntN(len(pieces))] + s[i:]
			}
		}
		cases = append(cases, s)
	}
	accepted := 0
	for _, s := range cases {
		want, wantAssumed, wantOK := referenceParseTimestamp(s)
		got, gotAssumed, err := event.ParseTimestamp(s)
		if (err == nil) != wantOK {
			t.Fatalf("%q: accepted %v, the regexp %v (%v)", s, err == nil, wantOK, err)
		}
		if !wantOK {
			continue
		}
		accepted++
		if !got.Equal(want) || got.Location() != time.UTC || gotAssumed != wantAssumed {
			t.Fatalf("%q: %v (assumed %v), the regexp's %v (assumed %v)", s, got, gotAssumed, want, wantAssumed)
		}
	}
	if accepted < len(cases)/10 {
		t.Fatalf("only %d of %d cases valid: the generator misses the valid space", accepted, len(cases))
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := event.ParseTimestamp("2025-12-30T17:31:18.356805-03:30"); err != nil {
			b.Fatal(err)
		}
	}
}

// Defaults are decided on the record as it came: a field a timestamp
// derives into is absent there whether or not the record also had an
// unknown key (whose member the derived key may take once the record is
// rewritten in place).
func TestDefaultsSeeTheRecordAsItCame(t *testing.T) {
	j := pt.Filter(t, jsonfilter.New, "source: message\ntarget: rec")
	f := pt.Filter(t, New, `
source: rec
unknown_to: extra
fields:
  - {name: ts, required: true, type: timestamp, utc: ts_utc}
  - {name: ts_utc, default: "n/a"}
`)
	plain := pt.Apply(t, j, `{"message":"{\"ts\":\"2025-01-01T00:00:00Z\"}"}`)
	f.Apply(plain)
	withUnknown := pt.Apply(t, j, `{"message":"{\"ts\":\"2025-01-01T00:00:00Z\",\"x\":1}"}`)
	f.Apply(withUnknown)
	a, b := plain.GetString(mustPath("[rec][ts_utc]")), withUnknown.GetString(mustPath("[rec][ts_utc]"))
	if a != b {
		t.Fatalf("ts_utc %q without an unknown key, %q with one", a, b)
	}
}

func TestAppendTimestampFracIsTimeFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		ts := time.Unix(rng.Int64N(253402300799+62135596800)-62135596800, rng.Int64N(1e9)).UTC()
		if got, want := string(event.AppendTimestampFrac(nil, ts, 6)), ts.Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Fatalf("%v: %s, time.Format %s", ts, got, want)
		}
	}
}
