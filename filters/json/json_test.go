package json

import (
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestJSON(t *testing.T) {
	root := pt.Filter(t, New, `{}`)
	pt.SameDoc(t, pt.Apply(t, root, `{"message":"{\"a\":1,\"b\":{\"c\":\"d\"}}"}`), `{"message":"{\"a\":1,\"b\":{\"c\":\"d\"}}","a":1,"b":{"c":"d"}}`)

	target := pt.Filter(t, New, `{target: "[rec]", error_field: "[error][code]", remove_source: true}`)
	pt.SameDoc(t, pt.Apply(t, target, `{"message":"[1,2]"}`), `{"rec":[1,2]}`)

	bad := pt.Apply(t, target, `{"message":"{\"a\":"}`)
	pt.SameDoc(t, bad, `{"message":"{\"a\":","tags":["_jsonparsefailure"],"error":{"code":"not_json"}}`)

	notObj := pt.Apply(t, root, `{"message":"\"just a string\""}`)
	if !notObj.HasTag("_jsonparsefailure") {
		t.Fatalf("a non-object without target must fail: %s", notObj.AppendJSON(nil))
	}
}

// The record is decoded where its text is (DecodeJSONString): the values
// are right whether the text had escapes (then it was unescaped into a
// string of its own) or not (it is the event's own bytes), and empty or
// broken text is not_json.
func TestDecodesTheFieldsText(t *testing.T) {
	f := pt.Filter(t, New, "source: message\ntarget: rec")
	e := pt.Apply(t, f, `{"message":"{\"a\":\"x\\\"y\",\"n\":1,\"o\":{\"k\":[true,null]}}"}`)
	pt.SameDoc(t, e, `{"message":"{\"a\":\"x\\\"y\",\"n\":1,\"o\":{\"k\":[true,null]}}","rec":{"a":"x\"y","n":1,"o":{"k":[true,null]}}}`)
	e = pt.Apply(t, f, `{"message":"[1,2]"}`)
	pt.SameDoc(t, e, `{"message":"[1,2]","rec":[1,2]}`)
	for _, bad := range []string{`""`, `"{"`, `"{\"a\":}"`} {
		e = pt.Apply(t, f, `{"message":`+bad+`}`)
		if !e.HasTag("_jsonparsefailure") {
			t.Errorf("message %s: tags %v, want _jsonparsefailure", bad, e.Tags())
		}
	}
}

// An @timestamp in the parsed object becomes the event's if it is a time;
// else it is kept in _@timestamp, @timestamp is the time of filtering and
// the event is tagged _timestampparsefailure (logstash-filter-json's
// spec/filters/json_spec.rb, "json contains invalid timestamp":
// `{ "@timestamp": "foobar" }` → _@timestamp "foobar", the tag).
func TestParsedTimestamp(t *testing.T) {
	root := pt.Filter(t, New, `{}`)
	before := time.Now().Add(-time.Second)
	e := pt.Apply(t, root, `{"@timestamp":"2020-01-01T00:00:00.000Z","message":"{ \"@timestamp\": \"foobar\" }"}`)
	if !e.HasTag(event.TimestampFailureTag) {
		t.Fatalf("tags %v, want %s", e.Tags(), event.TimestampFailureTag)
	}
	if v, _ := e.Get(event.Path{"_@timestamp"}); e.Text(v) != "foobar" {
		t.Fatalf("_@timestamp %s", v.AppendJSON(nil))
	}
	v, _ := e.Get(event.Path{"@timestamp"})
	if ts, err := time.Parse(time.RFC3339, e.Text(v)); err != nil || ts.Before(before) {
		t.Fatalf("@timestamp %s, want the time of filtering", v.AppendJSON(nil))
	}

	good := pt.Apply(t, root, `{"@timestamp":"2020-01-01T00:00:00.000Z","message":"{\"@timestamp\":\"2024-03-04T05:06:07+01:00\",\"a\":1}"}`)
	pt.SameDoc(t, good, `{"@timestamp":"2024-03-04T05:06:07+01:00","message":"{\"@timestamp\":\"2024-03-04T05:06:07+01:00\",\"a\":1}","a":1}`)

	number := pt.Apply(t, root, `{"@timestamp":"2020-01-01T00:00:00.000Z","message":"{\"@timestamp\":1700000000}"}`)
	if v, _ := number.Get(event.Path{"_@timestamp"}); !number.HasTag(event.TimestampFailureTag) || string(v.AppendJSON(nil)) != "1700000000" {
		t.Fatalf("a number as @timestamp: %s", number.AppendJSON(nil))
	}
}
