package event

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestIsTimestamp(t *testing.T) {
	for s, want := range map[string]bool{
		"2026-01-02T10:00:00.000Z":       true, // what Beats send
		"2026-01-02T10:00:00Z":           true,
		"2026-01-02T10:00:00.123456789Z": true,
		"2026-01-02T10:00:00+01:00":      true,
		"2026-01-02T10:00:00.5-0800":     true,
		"2026-01-02T10:00:00":            true, // UTC
		"2026-01-02 10:00:00":            true,
		"2026-01-02T10:00Z":              true,
		"2026-01-02":                     true,
		"foobar":                         false,
		"":                               false,
		"2026-13-02T10:00:00.000Z":       false,
		"2026-01-02T24:00:00.000Z":       false,
		"2026-01-02T10:00:00.000X":       false,
		"1700000000":                     false,
		"02/Jan/2026:10:00:00 +0000":     false,
	} {
		if got := IsTimestamp(s); got != want {
			t.Errorf("IsTimestamp(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	clock := func() time.Time { return now }
	for doc, want := range map[string]string{
		`{"@timestamp":"2026-01-02T10:00:00.000Z","m":1}`: `{"@timestamp":"2026-01-02T10:00:00.000Z","m":1}`,
		`{"m":1}`:                                `{"m":1,"@timestamp":"2026-12-06T01:02:03.000Z"}`, // stamped
		`{"@timestamp":"foobar"}`:                `{"@timestamp":"2026-12-06T01:02:03.000Z","_@timestamp":"foobar","tags":["_timestampparsefailure"]}`,
		`{"@timestamp":1700000000,"tags":["a"]}`: `{"@timestamp":"2026-12-06T01:02:03.000Z","tags":["a","_timestampparsefailure"],"_@timestamp":1700000000}`,
	} {
		e, err := DecodeEvent([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		changed := e.CheckTimestamp(clock)
		if got := string(e.AppendJSON(nil)); !sameJSONText(t, got, want) {
			t.Errorf("%s: %s, want %s", doc, got, want)
		}
		if changed != (doc != want) {
			t.Errorf("%s: changed %v", doc, changed)
		}
	}
}

// sameJSONText compares two JSON texts as values (key order aside).
func sameJSONText(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
