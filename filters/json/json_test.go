package json

import (
	"testing"

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
