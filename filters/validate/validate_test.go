package validate

import (
	"testing"

	"github.com/ingestd/ingestd/event"
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
		`{"rec":{"user":"u","level":"accounting"}}`:                                          "missing_field:ts",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","level":"accounting"}}`:                         "missing_field:user",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":null,"level":"accounting"}}`:             "missing_field:user",
		`{"rec":{"ts":"2025-01-01T25:00:00Z","user":"u","level":"accounting"}}`:              "bad_ts",
		`{"rec":{"ts":"2025-02-29T00:00:00Z","user":"u","level":"accounting"}}`:              "bad_ts",
		`{"rec":{"ts":"2025-01-01 00:00","user":"u","level":"accounting"}}`:                  "bad_ts",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"Accounting"}}`:              "bad_level",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":"1"}}`:  "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","value":true}}`: "bad_value",
		`{"rec":{"ts":"2025-01-01T00:00:00Z","user":"u","level":"accounting","type":""}}`:    "bad_type",
	}
	for in, code := range cases {
		e := pt.Apply(t, f, in)
		if got := e.GetString(mustPath("[error][code]")); got != code || !e.HasTag("_validationfailure") {
			t.Errorf("%s: code %q tags %v, want %q", in, got, e.Tags(), code)
		}
	}
}
func mustPath(s string) event.Path { return event.MustPath(s) }
