// Differential "recycled memory" checks for every
// filter that keeps state across events, and for datastream.Namer.
//
// Each event is decoded in place (event.DecodeEventIn, as the beats input
// does: strings in the buffer, members in a pooled Arena), run through a
// filter instance F, and then its memory is recycled exactly as the beats
// input recycles an acknowledged batch: the buffer overwritten with 0xff
// and the arena released to its pool (the next event's members reuse the
// chunk). A control instance C of the same filter gets heap copies of the
// same events that are never recycled. Any state F keeps that points into
// an event's memory makes F's output for a LATER event differ from C's.

package builtin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/datastream"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/filters/billing"
	"github.com/ingestd/ingestd/filters/cidr"
	"github.com/ingestd/ingestd/filters/csv"
	"github.com/ingestd/ingestd/filters/date"
	"github.com/ingestd/ingestd/filters/dissect"
	"github.com/ingestd/ingestd/filters/fingerprint"
	ffmt "github.com/ingestd/ingestd/filters/format"
	"github.com/ingestd/ingestd/filters/grok"
	fjson "github.com/ingestd/ingestd/filters/json"
	"github.com/ingestd/ingestd/filters/kv"
	"github.com/ingestd/ingestd/filters/mutate"
	"github.com/ingestd/ingestd/filters/prune"
	"github.com/ingestd/ingestd/filters/split"
	"github.com/ingestd/ingestd/filters/translate"
	"github.com/ingestd/ingestd/filters/useragent"
	"github.com/ingestd/ingestd/filters/validate"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

var pool event.FieldPool

// recycled decodes doc in place in a buffer and arena of its own; recycle
// then does what the beats input does once the batch is acknowledged.
func recycled(t *testing.T, doc string) (e *event.Event, recycle func()) {
	t.Helper()
	buf := []byte(doc)
	ar := &event.Arena{Pool: &pool}
	e, err := event.DecodeEventIn(buf, ar)
	if err != nil {
		t.Fatal(err)
	}
	return e, func() {
		for i := range buf {
			buf[i] = 0xff
		}
		ar.Release()
	}
}

func render(keep bool, es ...*event.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "keep=%v", keep)
	for _, e := range es {
		fmt.Fprintf(&b, "\n  doc=%s meta=%s ds=%q", e.AppendJSON(nil), e.Metadata().AppendJSON(nil), e.DataStream)
	}
	return b.String()
}

func apply(f plugin.Filter, e *event.Event) string {
	if x, ok := f.(plugin.Expander); ok {
		out := x.Expand(e, nil)
		return render(len(out) > 0, out...)
	}
	keep := f.Apply(e)
	return render(keep, e)
}

// differential runs docs through a recycled-memory instance and a control.
func differential(t *testing.T, mk func() plugin.Filter, docs []string) {
	t.Helper()
	f, ctl := mk(), mk()
	for i, doc := range docs {
		e, recycle := recycled(t, doc)
		got := apply(f, e)
		recycle()
		c, err := event.DecodeEvent([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		want := apply(ctl, c)
		if got != want {
			t.Errorf("event %d (%s):\n recycled-memory filter: %s\n control filter:         %s", i, doc, got, want)
		}
	}
}

func build[C any](t *testing.T, b func(*C, plugin.Env) (plugin.Filter, error), yml string) func() plugin.Filter {
	return func() plugin.Filter { return plugintest.Filter(t, b, yml) }
}

const customMover = `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} [$initiator$] <$transferPath$> {$rc$:"$message$"}`
const customLine = `12.30 21:03:10 [pool:pool1@poolDomain:transfer] [0000019971D5891975B89D60924E9A63E3C8,1482167] [/data/f1] atlas:default@osm 1268203 32007 true {DCap-3.0,145.100.95.27:37378} [door:DCap-1@dcapDomain:1767128198060-38622] </data/f1.part> {0:""}`

func billingDoc(msg string) string {
	return `{"message":` + string(event.AppendQuoted(nil, msg)) + `,"agent":{"id":"agent-1"},"log":{"file":{"path":"/var/lib/dcache/billing/2025/12/billing-2025.12.30"}}}`
}

const (
	ua1 = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91`
	ua2 = `Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1`
)

func TestFiltersKeepNothingOfRecycledEvents(t *testing.T) {
	cases := []struct {
		name string
		mk   func() plugin.Filter
		docs []string
	}{
		{"dcache_billing learned headers", build(t, billing.New, `{}`), []string{
			billingDoc("## mover-info-message " + customMover), billingDoc(customLine), billingDoc(customLine)}},
		{"csv autodetect_column_names", build(t, csv.New, `autodetect_column_names: true`), []string{
			`{"message":"host,status,bytes"}`, `{"message":"a,200,10"}`, `{"message":"b,404,20"}`}},
		{"csv skip_header", build(t, csv.New, "columns: [host, status]\nskip_header: true"), []string{
			`{"message":"host,status"}`, `{"message":"a,200"}`, `{"message":"host,status"}`}},
		{"useragent (ARC cache)", build(t, useragent.New, `source: ua`), []string{
			`{"ua":"` + ua1 + `"}`, `{"ua":"` + ua2 + `"}`, `{"ua":"` + ua1 + `"}`, `{"ua":"` + ua2 + `"}`}},
		{"prune interpolate (last rendered regex)", build(t, prune.New, "interpolate: true\nblacklist_names: ['^%{[drop]}$']\nblacklist_values: {'%{[k]}': '^%{[v]}$'}"), []string{
			`{"drop":"x","x":1,"y":2,"k":"y","v":"2"}`, `{"drop":"x","x":3,"y":2,"k":"y","v":"2"}`, `{"drop":"y","x":3,"y":4,"k":"x","v":"3"}`}},
		{"translate", build(t, translate.New, "source: t\ndictionary: {a: A}\ntarget: out\nrules: [{regex: '^(b+)$', set: {r: 'x$1'}}]\nfallback: {fb: yes}"), []string{
			`{"t":"a"}`, `{"t":"bb"}`, `{"t":"zz"}`, `{"t":"a"}`}},
		{"grok", build(t, grok.New, "match: {message: ['%{WORD:w} %{NUMBER:n:int}']}"), []string{
			`{"message":"get 12"}`, `{"message":"put 13"}`, `{"message":"bad"}`}},
		{"kv with templates", build(t, kv.New, "prefix: '%{[p]}_'\ninclude_keys: ['%{[k]}', b]\ndefault_keys: {d: dv}"), []string{
			`{"message":"a=1 b=2 c=3","p":"x","k":"a"}`, `{"message":"a=4 b=5 c=6","p":"y","k":"c"}`}},
		{"dissect", build(t, dissect.New, "mapping: {message: '%{a} %{b}'}"), []string{
			`{"message":"one two"}`, `{"message":"three four"}`}},
		{"date", build(t, date.New, "match: [ts, 'yyyy-MM-dd HH:mm:ss', ISO8601]"), []string{
			`{"ts":"2025-12-30 21:03:10"}`, `{"ts":"2025-12-31T01:02:03Z"}`}},
		{"json", build(t, fjson.New, `source: message`), []string{
			`{"message":"{\"a\":\"b\",\"o\":{\"c\":1}}"}`, `{"message":"{\"a\":\"z\"}"}`}},
		{"fingerprint", build(t, fingerprint.New, "source: [message]\nmethod: SHA256"), []string{
			`{"message":"m1"}`, `{"message":"m2"}`}},
		{"cidr with templates", build(t, cidr.New, "address: ['%{[ip]}']\nnetwork: ['10.0.0.0/8', '%{[net]}']\ntag_on_match: [in]"), []string{
			`{"ip":"10.1.2.3","net":"192.168.0.0/16"}`, `{"ip":"192.168.1.1","net":"192.168.0.0/16"}`}},
		{"mutate", build(t, mutate.New, "add_field: {a: '%{[x]}-%{[y]}'}\ncopy: {x: x2}\nrename: {y: y2}\nadd_tag: ['t-%{[x]}']"), []string{
			`{"x":"1","y":{"z":"q"}}`, `{"x":"2","y":{"z":"r"}}`}},
		{"validate", build(t, validate.New, "source: rec\nunknown_to: extra\nfields: [{name: a, type: string, enum: [x, y]}, {name: ts, type: timestamp, utc: ts_utc}, {name: d, default: {o: 1}}]"), []string{
			`{"rec":{"a":"x","ts":"2025-01-01T00:00:00+01:00","u":"v"}}`, `{"rec":{"a":"y","ts":"2025-01-02T00:00:00Z","w":"z"}}`}},
		{"format (library)", build(t, ffmt.New, "library: true"), []string{
			`{"message":"127.0.0.1 - - [30/Dec/2025:21:03:10 +0000] \"GET /a HTTP/1.1\" 200 12 \"-\" \"curl/8\""}`,
			`{"message":"2025-12-30 21:03:10,123 INFO app.views: hello"}`}},
		{"split", build(t, split.New, "field: list"), []string{
			`{"list":["a","b"],"k":"v"}`, `{"list":["c","d"],"k":"w"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { differential(t, c.mk, c.docs) })
	}
}

// datastream.Namer (and through e.DataStream the engine's per-stream
// counters, keyed by it in a sync.Map): names and the cache must not
// depend on an event's memory.
func TestNamerKeepsNothingOfRecycledEvents(t *testing.T) {
	for _, yml := range []string{
		"dataset: '%{[svc]}'\nnamespace: '%{[ns]}'",
		"auto_routing: true",
		"index: 'idx-%{[svc]}'",
		"index: '%{[svc]}'",
	} {
		t.Run(yml, func(t *testing.T) {
			var cfg datastream.Config
			if err := spec.DecodeYAML("t.yml", yml, &cfg); err != nil {
				t.Fatal(err)
			}
			n, ctl := datastream.NewNamer(cfg), datastream.NewNamer(cfg)
			var names []string
			var evs []*event.Event
			docs := []string{
				`{"svc":"web","ns":"prod","data_stream":{"type":"logs","dataset":"web","namespace":"prod"}}`,
				`{"svc":"api","ns":"prod","data_stream":{"type":"logs","dataset":"api","namespace":"prod"}}`,
				`{"svc":"web","ns":"prod","data_stream":{"type":"logs","dataset":"web","namespace":"prod"}}`,
			}
			for i, doc := range docs {
				e, recycle := recycled(t, doc)
				n.Name(e)
				names = append(names, e.DataStream)
				got := render(true, e)
				recycle()
				c, _ := event.DecodeEvent([]byte(doc))
				ctl.Name(c)
				if want := render(true, c); got != want {
					t.Errorf("event %d: got %s\nwant %s", i, got, want)
				}
				evs = append(evs, c)
			}
			for i, s := range names { // read after every event's memory was recycled
				if s != evs[i].DataStream {
					t.Errorf("DataStream of event %d read %q after its memory was recycled, want %q", i, s, evs[i].DataStream)
				}
			}
		})
	}
}

// Event.Copy (the pipeline output's copies) owns its bytes.
func TestCopyOutlivesTheOriginal(t *testing.T) {
	doc := `{"message":"hello \"q\"","o":{"a":[1,{"b":"c"}]},"@metadata":{"pipeline":"p","x":{"y":"z"}}}`
	e, recycle := recycled(t, doc)
	c, err := e.Copy()
	if err != nil {
		t.Fatal(err)
	}
	want := render(true, c)
	recycle()
	if got := render(true, c); got != want {
		t.Fatalf("copy changed when the original's memory was recycled:\n%s\n%s", got, want)
	}
}
