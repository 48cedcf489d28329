package translate

import (
	"testing"

	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestRulesAndDictionary(t *testing.T) {
	f := pt.Filter(t, New, `
source: logger
rules:
  - {regex: '^apps\.([^.]+)', set: {stream: app, app_module: "$1"}}
  - {prefix: [django], set: {stream: django}}
fallback: {stream: system}
`)
	cases := map[string]string{
		`{"logger":"apps.parcels.views"}`: `{"logger":"apps.parcels.views","stream":"app","app_module":"parcels"}`,
		`{"logger":"django"}`:             `{"logger":"django","stream":"django"}`,
		`{"logger":"django.request"}`:     `{"logger":"django.request","stream":"django"}`,
		`{"logger":"djangox"}`:            `{"logger":"djangox","stream":"system"}`,
		`{}`:                              `{"stream":"system"}`,
	}
	for in, want := range cases {
		pt.SameDoc(t, pt.Apply(t, f, in), want)
	}
	d := pt.Filter(t, New, `{source: t, target: k, dictionary: {transfer: mover}}`)
	pt.SameDoc(t, pt.Apply(t, d, `{"t":"transfer"}`), `{"t":"transfer","k":"mover"}`)
	pt.SameDoc(t, pt.Apply(t, d, `{"t":"other"}`), `{"t":"other"}`)
	if pt.ConfigError[Config](`{source: t, dictionary: {a: b}}`) == "" {
		t.Error("dictionary without target accepted")
	}
}

// With override: false a field the event has is kept and the rule sets
// only the others (Logstash's translate override).
func TestOverrideFalseKeepsExistingFields(t *testing.T) {
	f := pt.Filter(t, New, `
source: logger
override: false
rules:
  - {regex: '^apps\.([^.]+)', set: {stream: app, app_module: "$1"}}
fallback: {stream: system}
`)
	pt.SameDoc(t, pt.Apply(t, f, `{"logger":"apps.parcels.views","stream":"web"}`), `{"logger":"apps.parcels.views","stream":"web","app_module":"parcels"}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"logger":"x"}`), `{"logger":"x","stream":"system"}`)
	d := pt.Filter(t, New, `{source: t, target: k, override: false, dictionary: {transfer: mover}}`)
	pt.SameDoc(t, pt.Apply(t, d, `{"t":"transfer","k":"door"}`), `{"t":"transfer","k":"door"}`)
}
