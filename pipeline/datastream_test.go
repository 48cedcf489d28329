package pipeline

import (
	"strings"
	"testing"
	"unsafe"
)

func TestCheckDataStreamPart(t *testing.T) {
	for _, ok := range []string{"django", "dcache.billing", "pt", "a_b", strings.Repeat("a", 100)} {
		if err := CheckDataStreamPart(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Django", "a-b", "a b", "a/b", "a*b", "a?b", `a"b`, "a<b", "a>b", "a|b", "a,b", "a#b", `a\b`, "_a", "+a", ".", "..", strings.Repeat("a", 101)} {
		if err := CheckDataStreamPart(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestDataStreamNaming(t *testing.T) {
	ds, err := ParseTemplate("%{[fields][service]}")
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := ParseTemplate("%{[fields][group]}")
	namer := NewDataStreamNamer(DataStreamConfig{Type: "logs", Dataset: ds, Namespace: ns,
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback"})
	cases := []struct{ in, stream, tags string }{
		{`{"fields":{"service":"django","group":"pt"}}`, "logs-django-pt", ""},
		{`{"fields":{"service":"Web-App","group":"pt"}}`, "logs-web_app-pt", ""},
		{`{"fields":{"group":"pt"}}`, "logs-unknown-pt", "_data_stream_fallback"},
		{`{"fields":{"service":"","group":"pt"}}`, "logs-unknown-pt", "_data_stream_fallback"},
		{`{"fields":{"service":"___"}}`, "logs-unknown-default", "_data_stream_fallback"},
	}
	for _, c := range cases {
		e, err := DecodeEvent([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		namer.Name(e)
		if e.DataStream != c.stream || strings.Join(e.Tags(), ",") != c.tags {
			t.Errorf("%s: got %s %v, want %s %s", c.in, e.DataStream, e.Tags(), c.stream, c.tags)
		}
		parts := strings.SplitN(c.stream, "-", 3)
		if e.GetString(MustPath("[data_stream][dataset]")) != parts[1] || e.GetString(MustPath("[data_stream][namespace]")) != parts[2] {
			t.Errorf("%s: data_stream fields %s", c.in, e.AppendJSON(nil))
		}
	}
	// Events named alike share the cached data_stream object: a write into
	// one must not show in the other.
	a, _ := DecodeEvent([]byte(`{"fields":{"service":"django","group":"pt"}}`))
	b, _ := DecodeEvent([]byte(`{"fields":{"service":"django","group":"pt"}}`))
	namer.Name(a)
	namer.Name(b)
	a.SetString(MustPath("[data_stream][dataset]"), "changed")
	if got := b.GetString(MustPath("[data_stream][dataset]")); got != "django" || a.GetString(MustPath("[data_stream][dataset]")) != "changed" {
		t.Fatalf("shared data_stream object written through: %q", got)
	}
}

func TestConditions(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"tags":["a","accounting"],"fields":{"service":"dcache-billing"},"log":{"file":{"path":"/x/billing-2025.01.01"},"offset":7},"@metadata":{"beat":"filebeat"}}`))
	if err != nil {
		t.Fatal(err)
	}
	match := []string{
		`"accounting" in tags`,
		`fields.service == "dcache-billing"`,
		`hasPrefix(basename(log.file.path), "billing-")`,
		`field("[@metadata][beat]") == "filebeat"`,
		`log.offset > 5`,
		`missing == nil`,
		`fields?.service != nil`,
		``,
	}
	for _, src := range match {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !c.Match(e) {
			t.Errorf("%q does not match", src)
		}
	}
	for _, src := range []string{`"x" in tags`, `missing.deeper == "x"`, `log.offset > "a"`, `fields.service == "other"`} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if c.Match(e) {
			t.Errorf("%q matches", src)
		}
	}
	for _, bad := range []string{`fields.service ==`, `1 +`, `"a"`} {
		if _, err := CompileCondition(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func BenchmarkConditionMatch(b *testing.B) {
	e, _ := DecodeEvent([]byte(`{"tags":["django","pt"],"fields":{"service":"django","group":"pt"},"log":{"file":{"path":"/var/log/parcels/django.log"}}}`))
	c, _ := CompileCondition(`fields.service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Match(e)
	}
}

// The native evaluator must agree with expr on every condition shape it
// takes over.
func TestNativeConditionsAgreeWithExpr(t *testing.T) {
	events := []string{
		`{"tags":["a","accounting"],"fields":{"service":"dcache-billing","n":3},"log":{"file":{"path":"/x/billing-2025.01.01"},"offset":7}}`,
		`{"tags":"accounting","service":"dcache-billing","log":{"file":{"path":""}}}`,
		`{"fields":{"service":null,"n":3.0,"b":true},"log":{"file":{"path":7}},"x":{"accounting":1}}`,
		`{}`,
	}
	conds := []string{
		`"accounting" in tags`, `"accounting" in x`, `fields.service == "dcache-billing"`, `service != "dcache-billing"`,
		`fields.service == nil`, `nil != fields.service`, `fields.n == 3`, `fields.n == 3.0`, `fields.b == true`, `log.offset == 7`,
		`hasPrefix(basename(log.file.path), "billing-")`, `log.file.path startsWith "/x"`, `log.file.path endsWith ".01"`,
		`log.file.path contains "billing"`, `hasSuffix(log.file.path, "01")`, `!("accounting" in tags)`, `not (fields.n == 3)`,
		`fields.service == "dcache-billing" || service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`,
		`"a" in tags && fields.n == 3`, `field("[fields][service]") == "dcache-billing"`, `true`, `false || fields.b == true`,
	}
	for _, src := range conds {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if c.native == nil {
			t.Errorf("%s: not compiled natively", src)
			continue
		}
		for _, js := range events {
			e, _ := DecodeEvent([]byte(js))
			vmOnly := c
			vmOnly.native = nil
			if got, want := c.Match(e), vmOnly.Match(e); got != want {
				t.Errorf("%s on %s: native %v, expr %v", src, js, got, want)
			}
		}
	}
	if c, _ := CompileCondition(`len(tags) > 1`); c.native != nil {
		t.Error("len() must stay on expr")
	}
}

func BenchmarkConditionMatchVM(b *testing.B) {
	e, _ := DecodeEvent([]byte(`{"tags":["django","pt"],"fields":{"service":"django","group":"pt"},"log":{"file":{"path":"/var/log/parcels/django.log"}}}`))
	c, _ := CompileCondition(`fields.service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`)
	c.native = nil
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Match(e)
	}
}

// TestNamerKeepsNoEventBytes: the namer's cache keys are copies. An event's
// bytes may be a slab a whole batch shares (the beats input's), which a
// key pointing into would keep alive for good.
func TestNamerKeepsNoEventBytes(t *testing.T) {
	ds, _ := ParseTemplate("%{[fields][service]}")
	ns, _ := ParseTemplate("%{[fields][group]}")
	namer := NewDataStreamNamer(DataStreamConfig{Type: "logs", Dataset: ds, Namespace: ns,
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback"})
	raw := []byte(`{"fields":{"service":"django","group":"pt"}}`)
	e, err := DecodeEventOwned(raw)
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
