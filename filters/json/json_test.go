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
