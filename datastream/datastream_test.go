package datastream

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/template"
)

func TestCheckDataStreamPart(t *testing.T) {
	for _, ok := range []string{"django", "dcache.billing", "pt", "a_b", strings.Repeat("a", 100)} {
		if err := CheckPart(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Django", "a-b", "a b", "a/b", "a*b", "a?b", `a"b`, "a<b", "a>b", "a|b", "a,b", "a#b", `a\b`, "_a", "+a", ".", "..", strings.Repeat("a", 101)} {
		if err := CheckPart(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestDataStreamNaming(t *testing.T) {
	ds, err := template.Parse("%{[fields][service]}")
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := template.Parse("%{[fields][group]}")
	namer := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns,
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback"})
	cases := []struct{ in, stream, tags string }{
		{`{"fields":{"service":"django","group":"pt"}}`, "logs-django-pt", ""},
		{`{"fields":{"service":"Web-App","group":"pt"}}`, "logs-web_app-pt", ""},
		{`{"fields":{"group":"pt"}}`, "logs-unknown-pt", "_data_stream_fallback"},
		{`{"fields":{"service":"","group":"pt"}}`, "logs-unknown-pt", "_data_stream_fallback"},
		{`{"fields":{"service":"___"}}`, "logs-unknown-default", "_data_stream_fallback"},
	}
	for _, c := range cases {
		e, err := event.DecodeEvent([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		namer.Name(e)
		if e.DataStream != c.stream || strings.Join(e.Tags(), ",") != c.tags {
			t.Errorf("%s: got %s %v, want %s %s", c.in, e.DataStream, e.Tags(), c.stream, c.tags)
		}
		parts := strings.SplitN(c.stream, "-", 3)
		if e.GetString(event.MustPath("[data_stream][dataset]")) != parts[1] || e.GetString(event.MustPath("[data_stream][namespace]")) != parts[2] {
			t.Errorf("%s: data_stream fields %s", c.in, e.AppendJSON(nil))
		}
	}
	// Events named alike share the cached data_stream object: a write into
	// one must not show in the other.
	a, _ := event.DecodeEvent([]byte(`{"fields":{"service":"django","group":"pt"}}`))
	b, _ := event.DecodeEvent([]byte(`{"fields":{"service":"django","group":"pt"}}`))
	namer.Name(a)
	namer.Name(b)
	a.SetString(event.MustPath("[data_stream][dataset]"), "changed")
	if got := b.GetString(event.MustPath("[data_stream][dataset]")); got != "django" || a.GetString(event.MustPath("[data_stream][dataset]")) != "changed" {
		t.Fatalf("shared data_stream object written through: %q", got)
	}
}

// TestNamerKeepsNoEventBytes: the namer's cache keys are copies. An event's
// bytes may be a slab a whole batch shares (the beats input's), which a
// key pointing into would keep alive for good.
func TestNamerKeepsNoEventBytes(t *testing.T) {
	ds, _ := template.Parse("%{[fields][service]}")
	ns, _ := template.Parse("%{[fields][group]}")
	namer := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns,
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback"})
	raw := []byte(`{"fields":{"service":"django","group":"pt"}}`)
	e, err := event.DecodeEventOwned(raw)
	if err != nil {
		t.Fatal(err)
	}
	namer.Name(e)
	inRaw := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(unsafe.SliceData(raw)))
		return p >= start && p < start+uintptr(len(raw))
	}
	if len(namer.cache) != 1 {
		t.Fatalf("cache has %d datasets, want 1", len(namer.cache))
	}
	for dataset, byNamespace := range namer.cache {
		for namespace := range byNamespace {
			if inRaw(dataset) || inRaw(namespace) {
				t.Fatalf("cache key %q/%q points into the event's bytes", dataset, namespace)
			}
		}
	}
}
