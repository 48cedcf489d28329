package elasticsearch

import (
	"strings"
	"testing"

	pt "github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/template"
)

// encoderFor is the line encoder of a request under an output whose
// pipeline option is pipeline ("" when unset), with document_id: auto.
func encoderFor(t *testing.T, pipeline string) lineEncoder {
	t.Helper()
	tmpl, err := template.Parse(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	return newLineEncoder(&Config{DocumentID: "auto", Pipeline: tmpl})
}

// TestActionLines: the action line follows the event's metadata as Beats'
// output does (libbeat/outputs/elasticsearch/client.go, createEventBulkMeta
// and getPipeline: the pipeline from @metadata.pipeline, lower-cased; _id
// from @metadata._id; op_type create, index or delete, a delete needing an
// _id), with the output's pipeline option first when it renders. An event
// the metadata makes no action for is refused, its lines unwritten.
func TestActionLines(t *testing.T) {
	const origin = `"log":{"offset":7,"file":{"path":"/var/log/x.log"}},"agent":{"id":"a1"}`
	autoID := originID(pt.Event(t, `{`+origin+`}`), new(idState))
	for _, c := range []struct {
		name, pipeline, doc string
		action              string // the action line (without '\n'); "" when refused
		noSource            bool   // a delete: no document line follows
		refused             string // in the refusal's reason
	}{
		{name: "no metadata", doc: `{"message":"m"}`, action: `{"create":{"_index":"idx"}}`},
		{name: "auto id", doc: `{` + origin + `}`, action: `{"create":{"_index":"idx","_id":"` + autoID + `"}}`},
		{name: "metadata pipeline, lower-cased", doc: `{"@metadata":{"beat":"filebeat","pipeline":"Filebeat-8.17.0-Nginx-Access-Pipeline"},"message":"m"}`,
			action: `{"create":{"_index":"idx","pipeline":"filebeat-8.17.0-nginx-access-pipeline"}}`},
		{name: "empty metadata pipeline", doc: `{"@metadata":{"pipeline":""}}`, action: `{"create":{"_index":"idx"}}`},
		{name: "null metadata pipeline", doc: `{"@metadata":{"pipeline":null}}`, action: `{"create":{"_index":"idx"}}`},
		{name: "option overrides metadata", pipeline: "%{[fields][pipeline]}", doc: `{"@metadata":{"pipeline":"theirs"},"fields":{"pipeline":"Mine"}}`,
			action: `{"create":{"_index":"idx","pipeline":"Mine"}}`},
		{name: "option's field missing: metadata", pipeline: "%{[fields][pipeline]}", doc: `{"@metadata":{"pipeline":"theirs"}}`,
			action: `{"create":{"_index":"idx","pipeline":"theirs"}}`},
		{name: "option's field empty: metadata", pipeline: "%{[fields][pipeline]}", doc: `{"@metadata":{"pipeline":"theirs"},"fields":{"pipeline":""}}`,
			action: `{"create":{"_index":"idx","pipeline":"theirs"}}`},
		{name: "option partly rendered: metadata", pipeline: "app-%{[fields][pipeline]}", doc: `{"@metadata":{"pipeline":"theirs"}}`,
			action: `{"create":{"_index":"idx","pipeline":"theirs"}}`},
		{name: "option's field missing, no metadata: none", pipeline: "%{[fields][pipeline]}", doc: `{"message":"m"}`, action: `{"create":{"_index":"idx"}}`},
		{name: "literal option, as written", pipeline: "Static", doc: `{"@metadata":{"pipeline":"theirs"}}`, action: `{"create":{"_index":"idx","pipeline":"Static"}}`},
		{name: "op_type create", doc: `{"@metadata":{"op_type":"create","_id":"x"}}`, action: `{"create":{"_index":"idx","_id":"x"}}`},
		{name: "op_type empty", doc: `{"@metadata":{"op_type":""}}`, action: `{"create":{"_index":"idx"}}`},
		{name: "op_type index", doc: `{"@metadata":{"op_type":"index","_id":"1","pipeline":"p"}}`, action: `{"index":{"_index":"idx","_id":"1","pipeline":"p"}}`},
		{name: "op_type index, auto id", doc: `{"@metadata":{"op_type":"index"},` + origin + `}`, action: `{"index":{"_index":"idx","_id":"` + autoID + `"}}`},
		{name: "op_type delete", pipeline: "opt", doc: `{"@metadata":{"op_type":"delete","_id":"1","pipeline":"p"},"message":"m"}`,
			action: `{"delete":{"_index":"idx","_id":"1"}}`, noSource: true},
		{name: "delete without _id", doc: `{"@metadata":{"op_type":"delete"},` + origin + `}`, refused: `"delete" needs [@metadata][_id]`},
		{name: "delete with an empty _id", doc: `{"@metadata":{"op_type":"delete","_id":""}}`, refused: `"delete" needs [@metadata][_id]`},
		{name: "unknown op_type", doc: `{"@metadata":{"op_type":"upsert","_id":"1"}}`, refused: `[@metadata][op_type] "upsert" is none of`},
		{name: "op_type is case-sensitive", doc: `{"@metadata":{"op_type":"Index"}}`, refused: `"Index" is none of`},
		{name: "op_type not a string", doc: `{"@metadata":{"op_type":1}}`, refused: `[@metadata][op_type] 1 is none of`},
		{name: "pipeline not a string", doc: `{"@metadata":{"pipeline":["a"]}}`, refused: `[@metadata][pipeline] ["a"] is not a string`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Event(t, c.doc)
			e.DataStream = "idx"
			enc := encoderFor(t, c.pipeline)
			const before = "previous lines\n"
			out, err := enc.appendLines([]byte(before), e)
			if c.refused != "" {
				if err == nil || !strings.Contains(err.Error(), c.refused) || !strings.Contains(err.Error(), "not sent") {
					t.Fatalf("refusal %v, want one saying %q", err, c.refused)
				}
				if string(out) != before {
					t.Fatalf("a refused event wrote %q", out[len(before):])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := c.action + "\n"
			if !c.noSource {
				want += string(e.AppendJSON(nil)) + "\n"
			}
			if got := string(out[len(before):]); got != want {
				t.Fatalf("lines\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestOutcomeOf: a 409 is a duplicate only for create; a delete's 404
// without an error (result not_found) is done, with one (no such index)
// it is refused.
func TestOutcomeOf(t *testing.T) {
	missing := &bulkItemReason{Type: "index_not_found_exception", Reason: "no such index [x]"}
	conflict := &bulkItemReason{Type: "version_conflict_engine_exception", Reason: "conflict"}
	for _, c := range []struct {
		op   string
		r    bulkItemResult
		want outcome
	}{
		{"create", bulkItemResult{Status: 201}, delivered},
		{"create", bulkItemResult{Status: 409, Error: conflict}, duplicate},
		{"create", bulkItemResult{Status: 404, Error: missing}, refused},
		{"index", bulkItemResult{Status: 200}, delivered},
		{"index", bulkItemResult{Status: 201}, delivered},
		{"index", bulkItemResult{Status: 409, Error: conflict}, refused},
		{"delete", bulkItemResult{Status: 200}, delivered},
		{"delete", bulkItemResult{Status: 404}, delivered},
		{"delete", bulkItemResult{Status: 404, Error: missing}, refused},
		{"delete", bulkItemResult{Status: 409, Error: conflict}, refused},
		{"delete", bulkItemResult{Status: 429}, retried},
		{"index", bulkItemResult{Status: 503}, retried},
		{"index", bulkItemResult{Status: 400}, refused},
	} {
		if got := outcomeOf(c.op, c.r); got != c.want {
			t.Errorf("%s answered %d (error %v): outcome %d, want %d", c.op, c.r.Status, c.r.Error, got, c.want)
		}
	}
}

// TestItemSizeCoversLines: an item's size (what bulk_max_bytes counts)
// covers the lines written for Filebeat-shaped events, whatever their
// action and wherever their pipeline comes from.
func TestItemSizeCoversLines(t *testing.T) {
	const fb = `{"beat":"filebeat","type":"_doc","version":"8.17.0"`
	cases := []struct{ name, pipeline, metadata string }{
		{"no metadata", "", ""},
		{"filebeat metadata", "", fb + `}`},
		{"metadata pipeline", "", fb + `,"pipeline":"filebeat-8.17.0-nginx-access-pipeline"}`},
		// No @metadata: its text in the raw JSON would make room for the
		// pipeline whether the estimate counts it or not.
		{"pipeline option", "%{[fields][service]}-%{[fields][group]}-filebeat-8.17.0-access-pipeline", ""},
		{"index", "", fb + `,"op_type":"index","_id":"an-id-of-some-length-0123456789"}`},
		{"delete", "", fb + `,"op_type":"delete","_id":"an-id-of-some-length-0123456789"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc := encoderFor(t, c.pipeline)
			items := benchItemsWith(t, 3, c.metadata)
			cfg := Config{Pipeline: enc.pipeline}
			for _, it := range items {
				it.size = int32(len(it.ev.Raw())) + actionLineBytes(&cfg)
				lines, err := enc.appendLines(nil, it.ev)
				if err != nil {
					t.Fatal(err)
				}
				if len(lines) > int(it.size) {
					t.Fatalf("%d bytes of lines, estimated %d:\n%s", len(lines), it.size, lines)
				}
			}
		})
	}
	if with, without := actionLineBytes(&Config{Pipeline: encoderFor(t, "x").pipeline}), actionLineBytes(&Config{}); with <= without {
		t.Fatalf("the pipeline option adds nothing to the estimate: %d, %d", with, without)
	}
}
