package translate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
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

// A fallback value with references is rendered per event, as Logstash's
// translate renders its fallback (event.sprintf): two events with the same
// unknown text get their own values, although the outcome of the text is
// kept; a missing field keeps its reference text.
func TestFallbackWithReferences(t *testing.T) {
	f := pt.Filter(t, New, `{source: code, target: label, dictionary: {"200": OK}, fallback: {label: "unknown %{code} from %{[host][name]}"}}`)
	cases := map[string]string{
		`{"code":"200","host":{"name":"a"}}`: `{"code":"200","host":{"name":"a"},"label":"OK"}`,
		`{"code":"418","host":{"name":"a"}}`: `{"code":"418","host":{"name":"a"},"label":"unknown 418 from a"}`,
		`{"code":"418","host":{"name":"b"}}`: `{"code":"418","host":{"name":"b"},"label":"unknown 418 from b"}`,
		`{"code":"418"}`:                     `{"code":"418","label":"unknown 418 from %{[host][name]}"}`,
	}
	for _, in := range []string{`{"code":"200","host":{"name":"a"}}`, `{"code":"418","host":{"name":"a"}}`, `{"code":"418","host":{"name":"b"}}`, `{"code":"418"}`} {
		pt.SameDoc(t, pt.Apply(t, f, in), cases[in])
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

// The rules' outcome for a text is kept and given to the next event with
// that text: the same documents as a filter that computes each, with
// events whose memory is reused (as the beats input recycles a batch's),
// texts alternating, and a full table.
func TestKeptOutcomesGiveTheSameDocuments(t *testing.T) {
	conf := `
source: logger
rules:
  - {regex: '^apps\.([^.]+)\.(\w+)', set: {stream: app, app_module: "$1", part: "$2-$1"}}
  - {prefix: [django], set: {stream: django}}
fallback: {stream: system}
`
	kept := pt.Filter(t, New, conf).(*filter)
	fresh := pt.Filter(t, New, conf).(*filter)
	loggers := []string{"apps.parcels.views", "apps.billing.tasks", "apps.parcels.views", "django.server", "celery", "apps.billing.tasks", "apps.x.y"}
	buf := make([]byte, 0, 128)
	for round := range 3 {
		for i, l := range loggers {
			// The text moves in buf, which the next event overwrites.
			buf = append(buf[:0], fmt.Sprintf(`{"pad":%q,"logger":%q}`, strings.Repeat("p", (i+round)%3), l)...)
			e, err := event.DecodeEventOwned(buf)
			if err != nil {
				t.Fatal(err)
			}
			kept.Apply(e)
			want := pt.Event(t, string(buf))
			fresh.seen = new(ruleOutcomes) // nothing kept
			fresh.Apply(want)
			if got, exp := string(e.AppendJSON(nil)), string(want.AppendJSON(nil)); got != exp {
				t.Errorf("%s: kept %s, want %s", l, got, exp)
			}
		}
	}
	if n := kept.seen.n.Load(); n != 5 {
		t.Errorf("%d outcomes kept for 5 texts", n)
	}
	kept.seen.n.Store(maxOutcomes) // full: computed, not kept
	pt.SameDoc(t, pt.Apply(t, kept, `{"logger":"apps.new.one"}`), `{"logger":"apps.new.one","stream":"app","app_module":"new","part":"one-new"}`)
	if _, ok := kept.seen.m.Load("apps.new.one"); ok {
		t.Error("an outcome kept past the bound")
	}
}

// TestArraySourceIsItsFirstElement follows Logstash's translate: a source
// field holding an array is looked up by its first element
// (lib/logstash/filters/single_value_update.rb, CoerceArray:
// source.first.to_s), and so is translated, not left untranslated (or
// given the fallback) as its JSON text was. An empty array is nil.to_s,
// "". The spec (spec/filters/translate_spec.rb) has no array case; the
// coercion is the source's.
func TestArraySourceIsItsFirstElement(t *testing.T) {
	d := pt.Filter(t, New, `{source: status, target: label, dictionary: {"200": OK, "404": Missing, "": empty}}`)
	cases := map[string]string{
		`{"status":["200","404"]}`: `{"status":["200","404"],"label":"OK"}`,
		`{"status":[404,200]}`:     `{"status":[404,200],"label":"Missing"}`,
		`{"status":["500","200"]}`: `{"status":["500","200"]}`,
		`{"status":[]}`:            `{"status":[],"label":"empty"}`,
		`{"status":"200"}`:         `{"status":"200","label":"OK"}`,
	}
	for in, want := range cases {
		pt.SameDoc(t, pt.Apply(t, d, in), want)
	}
	fb := pt.Filter(t, New, `{source: status, target: label, dictionary: {"200": OK}, fallback: {label: other}}`)
	pt.SameDoc(t, pt.Apply(t, fb, `{"status":["200","x"]}`), `{"status":["200","x"],"label":"OK"}`)
	pt.SameDoc(t, pt.Apply(t, fb, `{"status":["x","200"]}`), `{"status":["x","200"],"label":"other"}`)
	// The rules look at the same text.
	r := pt.Filter(t, New, `{source: logger, rules: [{prefix: [django], set: {stream: django}}], fallback: {stream: system}}`)
	pt.SameDoc(t, pt.Apply(t, r, `{"logger":["django.request","x"]}`), `{"logger":["django.request","x"],"stream":"django"}`)
}
