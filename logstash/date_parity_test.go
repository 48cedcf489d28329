package logstash

import (
	"fmt"
	"testing"
)

// TestDateParity runs cases of logstash-filter-date's spec
// (spec/filters/date_spec.rb) through a converted date filter and checks
// the @timestamp Logstash gives.
func TestDateParity(t *testing.T) {
	cases := []struct {
		name, filter string
		in           string // the mydate value, as JSON
		want         string // @timestamp
	}{}
	// "parsing with ISO8601" (timezone UTC).
	for in, want := range map[string]string{
		"2001-01-01T00:00:00-0800":      "2001-01-01T08:00:00.000Z",
		"1974-03-02T04:09:09-0800":      "1974-03-02T12:09:09.000Z",
		"2010-05-03T08:18:18+00:00":     "2010-05-03T08:18:18.000Z",
		"2004-07-04T12:27:27-00:00":     "2004-07-04T12:27:27.000Z",
		"2001-09-05T16:36:36+0000":      "2001-09-05T16:36:36.000Z",
		"2001-12-07T23:54:54Z":          "2001-12-07T23:54:54.000Z",
		"2010-05-03T08:18:18.123+00:00": "2010-05-03T08:18:18.123Z",
		"2004-07-04T12:27:27.123-04:00": "2004-07-04T16:27:27.123Z",
		"2001-09-05T16:36:36.123+0700":  "2001-09-05T09:36:36.123Z",
		"2001-12-07T23:54:54.123Z":      "2001-12-07T23:54:54.123Z",
		"2001-12-07T23:54:54,123Z":      "2001-12-07T23:54:54.123Z",
		"2001-11-06 20:45:45.123-0000":  "2001-11-06T20:45:45.123Z",
		"2001-12-07 23:54:54,123Z":      "2001-12-07T23:54:54.123Z",
		"2001-11-06 20:45:45.123":       "2001-11-06T20:45:45.123Z",
		"2001-11-06 20:45:45,123":       "2001-11-06T20:45:45.123Z",
	} {
		cases = append(cases, struct{ name, filter, in, want string }{"ISO8601 " + in, `date { match => [ "mydate", "ISO8601" ] locale => "en" timezone => "UTC" }`, fmt.Sprintf("%q", in), want})
	}
	// "parsing with UNIX", "with UNIX_MS", "with UNIX and UNIX_MS".
	for in, want := range map[string]string{`"0"`: "1970-01-01T00:00:00.000Z", `"1000000000"`: "2001-09-09T01:46:40.000Z", `1000000000`: "2001-09-09T01:46:40.000Z"} {
		cases = append(cases, struct{ name, filter, in, want string }{"UNIX " + in, `date { match => [ "mydate", "UNIX" ] }`, in, want})
	}
	for in, want := range map[string]string{`"456"`: "1970-01-01T00:00:00.456Z", `"1000000000123"`: "2001-09-09T01:46:40.123Z", `1000000000123`: "2001-09-09T01:46:40.123Z"} {
		cases = append(cases, struct{ name, filter, in, want string }{"UNIX_MS " + in, `date { match => [ "mydate", "UNIX_MS" ] }`, in, want})
	}
	for in, want := range map[string]string{`"1478207457"`: "2016-11-03T21:10:57.000Z", `"1478207457.456"`: "2016-11-03T21:10:57.456Z", `1000000000123`: "2001-09-09T01:46:40.123Z"} {
		cases = append(cases, struct{ name, filter, in, want string }{"UNIX, UNIX_MS " + in, `date { match => [ "mydate", "UNIX", "UNIX_MS" ] }`, in, want})
	}
	// "parsing microsecond-precise times with UNIX (#213)": milliseconds,
	// "since Joda time only supports milliseconds"; the same for ISO8601.
	cases = append(cases, struct{ name, filter, in, want string }{"UNIX micros", `date { match => [ "mydate", "UNIX" ] }`, `"1350414944.123456"`, "2012-10-16T19:15:44.123Z"})
	cases = append(cases, struct{ name, filter, in, want string }{"ISO8601 micros", `date { match => [ "mydate", "ISO8601" ] timezone => "UTC" }`, `"2025-12-30T23:03:03.356805Z"`, "2025-12-30T23:03:03.356Z"})
	// "parsing with timezone from event" (timezone => "%{mytz}").
	cases = append(cases, struct{ name, filter, in, want string }{"timezone from the event", `date { match => ["mydate", "yyyy MMM dd HH:mm:ss"] locale => "en" timezone => "%{mytz}" }`, `"2013 Nov 24 01:29:01","mytz":"America/Los_Angeles"`, "2013-11-24T09:29:01.000Z"})
	// "parsing with timezone parameter".
	for in, want := range map[string]string{"2013 Nov 24 01:29:01": "2013-11-24T09:29:01.000Z", "2013 Jun 24 01:29:01": "2013-06-24T08:29:01.000Z"} {
		cases = append(cases, struct{ name, filter, in, want string }{"timezone " + in, `date { match => ["mydate", "yyyy MMM dd HH:mm:ss"] locale => "en" timezone => "America/Los_Angeles" }`, fmt.Sprintf("%q", in), want})
	}
	for _, c := range cases {
		p := build(t, beatsIn+"filter { "+c.filter+" }\noutput { stdout { codec => json_lines } }")
		doc, _ := p.run(`{"message":"m","@timestamp":"2020-01-01T00:00:00.000Z","mydate":` + c.in + `}`)
		if doc["@timestamp"] != c.want || doc["tags"] != nil {
			t.Errorf("%s: @timestamp %v, tags %v; want %s", c.name, doc["@timestamp"], doc["tags"], c.want)
		}
	}
}

// TestDateSuccessOptions: "success to parse should apply on_success
// config", "failing to parse should not apply on_success config" and
// "failing to parse should apply tag_on_failure" of the date spec.
func TestDateSuccessOptions(t *testing.T) {
	p := build(t, beatsIn+`filter { date { match => [ "thedate", "yyyy/MM/dd" ] add_tag => "tagged" tag_on_failure => ["date_failed"] } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","thedate":"2013/04/21"}`)
	if asJSON(doc["tags"]) != `["tagged"]` || doc["@timestamp"] != "2013-04-21T00:00:00.000Z" {
		t.Errorf("parsed: %s", asJSON(doc))
	}
	doc, _ = p.run(`{"message":"m","thedate":"2013/Apr/21"}`)
	if asJSON(doc["tags"]) != `["date_failed"]` {
		t.Errorf("not parsed: %s", asJSON(doc))
	}
}
