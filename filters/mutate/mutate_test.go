package mutate

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestOperations(t *testing.T) {
	f := pt.Filter(t, New, `
rename: {old: "[new][place]"}
copy: {message: "[event][original]"}
replace: {where: "%{[host][name]}/x"}
add_field: {"[a][n]": 3, "[a][b]": true, "[a][s]": "s-%{[host][name]}"}
convert: {num: int, flag: boolean, f: float}
gsub: [[path, '\.', "-"]]
split: {list: ","}
strip: [pad]
lowercase: [up]
uppercase: [low]
remove_field: [gone]
add_tag: [t1]
remove_tag: [old]
`)
	e := pt.Apply(t, f, `{"old":1,"message":"m","host":{"name":"h"},"num":"42","flag":"true","f":"1.5","path":"2025.12.30","list":"a,b","pad":"  p ","up":"UP","low":"low","gone":1,"tags":["old","keep"]}`)
	pt.SameDoc(t, e, `{"message":"m","host":{"name":"h"},"num":42,"flag":true,"f":1.5,"path":"2025-12-30","list":["a","b"],"pad":"p","up":"up","low":"LOW","tags":["keep","t1"],
		"new":{"place":1},"event":{"original":"m"},"where":"h/x","a":{"n":3,"b":true,"s":"s-h"}}`)
}

func TestConversionFailureTags(t *testing.T) {
	f := pt.Filter(t, New, `convert: {n: int}`)
	e := pt.Apply(t, f, `{"n":"many"}`)
	if !e.HasTag("_mutate_error") || e.GetString(pathN) != "many" {
		t.Fatalf("%s", e.AppendJSON(nil))
	}
	if msg := pt.ConfigError[Config](`gsub: [[a, "(", "x"]]`); !strings.Contains(msg, "missing closing )") {
		t.Errorf("bad regex accepted: %q", msg)
	}
	if msg := pt.ConfigError[Config](`convert: {a: octal}`); !strings.Contains(msg, "unknown conversion") {
		t.Errorf("bad conversion accepted: %q", msg)
	}
}

var pathN = event.Path{"n"}
