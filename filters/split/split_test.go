package split

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

// expand builds a split filter from yaml and returns the documents that
// come out of the event js.
func expand(t *testing.T, yaml, js string) []map[string]any {
	t.Helper()
	f := plugintest.Filter(t, New, yaml)
	in := plugintest.Event(t, js)
	var docs []map[string]any
	for _, e := range f.(plugin.Expander).Expand(in, nil) {
		var d map[string]any
		if err := json.Unmarshal(e.AppendJSON(nil), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

func field(docs []map[string]any, name string) []any {
	out := []any{}
	for _, d := range docs {
		out = append(out, d[name])
	}
	return out
}

// TestSpec runs the cases of logstash-filter-split's spec/filters/
// split_spec.rb.
func TestSpec(t *testing.T) {
	cases := []struct {
		name, yaml, in string
		field          string
		want           []any
		untouched      string // a field every piece keeps as it was
	}{
		{"all defaults", ``, `{"message":"big\nbird\nsesame street"}`, "message", []any{"big", "bird", "sesame street"}, ""},
		{"custom terminator", "terminator: \"\\t\"", `{"message":"big\tbird\tsesame street"}`, "message", []any{"big", "bird", "sesame street"}, ""},
		{"custom field", `field: custom`, `{"custom":"big\nbird\nsesame street","do_not_touch":"1\n2\n3"}`, "custom", []any{"big", "bird", "sesame street"}, "do_not_touch"},
		{"split array", `field: array`, `{"array":["big","bird","sesame street"],"untouched":"1\n2\n3"}`, "array", []any{"big", "bird", "sesame street"}, "untouched"},
		{"array of one", `field: array`, `{"array":["single-element"],"untouched":"1\n2\n3"}`, "array", []any{"single-element"}, "untouched"},
		{"array with nil", `field: array`, `{"array":["big",null,"bird",null,"sesame street"]}`, "array", []any{"big", "bird", "sesame street"}, ""},
		{"array into new field", "field: array\ntarget: element", `{"array":["big","bird","sesame street"]}`, "element", []any{"big", "bird", "sesame street"}, "array"},
		{"array of numerics", "field: array\ntarget: element", `{"array":[1,2,3]}`, "element", []any{1.0, 2.0, 3.0}, "array"},
		{"numerics and strings", "field: array\ntarget: element", `{"array":[1,2,"three",""]}`, "element", []any{1.0, 2.0, "three"}, "array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := expand(t, c.yaml, c.in)
			if got := field(docs, c.field); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("%s: %v, want %v", c.field, got, c.want)
			}
			if c.untouched != "" {
				var in map[string]any
				json.Unmarshal([]byte(c.in), &in)
				for i, d := range docs {
					if !reflect.DeepEqual(d[c.untouched], in[c.untouched]) {
						t.Errorf("piece %d: %s = %v, want %v", i, c.untouched, d[c.untouched], in[c.untouched])
					}
				}
			}
		})
	}
}

// TestUnsplittable checks "when invalid type is passed": the event goes on
// whole with _split_type_failure; and the cases Ruby's String#split(t, -1)
// decides: one piece leaves the event as it is, an empty string has none
// (the event is gone), a trailing terminator adds no piece, a one-space
// terminator splits at runs of whitespace.
func TestUnsplittable(t *testing.T) {
	docs := expand(t, `field: field`, `{"field":10}`)
	if len(docs) != 1 || !reflect.DeepEqual(docs[0]["tags"], []any{"_split_type_failure"}) || docs[0]["field"] != 10.0 {
		t.Errorf("a number: %v", docs)
	}
	if docs := expand(t, ``, `{"other":1}`); len(docs) != 1 || docs[0]["tags"] == nil {
		t.Errorf("a missing field: %v", docs)
	}
	for _, c := range []struct {
		yaml, in string
		want     []any
	}{
		{``, `{"message":"one line"}`, []any{"one line"}},
		{``, `{"message":""}`, []any{}},
		{``, `{"message":"a\n"}`, []any{"a"}},
		{``, `{"message":"\n\na\n\nb\n"}`, []any{"a", "b"}},
		{`terminator: " "`, `{"message":"  big   bird\tsesame "}`, []any{"big", "bird", "sesame"}},
		{`terminator: " "`, `{"message":"single"}`, []any{"single"}},
	} {
		if got := field(expand(t, c.yaml, c.in), "message"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: %v, want %v", c.yaml, c.in, got, c.want)
		}
	}
}

// TestMarkAndOriginal checks that pieces carry mark_field and share
// nothing they can change with each other, and that an event left whole
// is the original, unmarked.
func TestMarkAndOriginal(t *testing.T) {
	f := plugintest.Filter(t, New, "mark_field: \"[@metadata][split]\"")
	e := plugintest.Event(t, `{"message":"a\nb","o":{"k":"v"}}`)
	out := f.(plugin.Expander).Expand(e, nil)
	if len(out) != 2 || out[0] == e {
		t.Fatalf("%d pieces", len(out))
	}
	for _, p := range out {
		if v, _ := p.Get(event.MustPath("[@metadata][split]")); v.Kind() != event.KindBool {
			t.Errorf("piece without the mark: %s", p.AppendJSON(nil))
		}
	}
	out[0].SetString(event.MustPath("[o][k]"), "changed")
	if got := out[1].GetString(event.MustPath("[o][k]")); got != "v" {
		t.Errorf("a change to one piece shows in another: %q", got)
	}
	whole := plugintest.Event(t, `{"message":"a"}`)
	if out := f.(plugin.Expander).Expand(whole, nil); len(out) != 1 || out[0] != whole || whole.Has(event.MustPath("[@metadata][split]")) {
		t.Errorf("an event of one piece was not left as it is")
	}
}
