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
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback", SyncFields: true})
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
		FallbackDataset: "unknown", FallbackNamespace: "default", FallbackTag: "_data_stream_fallback", SyncFields: true})
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
		t.Fatalf("cache has %d streams, want 1", len(namer.cache))
	}
	for k := range namer.cache {
		if inRaw(k.typ) || inRaw(k.dataset) || inRaw(k.namespace) {
			t.Fatalf("cache key %+v points into the event's bytes", k)
		}
	}
}

// agentEvent is what Elastic Agent's filestream input sends for the system
// integration's syslog data stream (the shape of elastic/integrations
// packages/system/data_stream/syslog/sample_event.json, before the
// integration's ingest pipeline ran).
const agentEvent = `{"@timestamp":"1986-04-25T21:23:45.388Z","agent":{"id":"85e991cd-d9f2-4b7c-b55b-6c5a9fc1d41d","name":"docker-fleet-agent","type":"filebeat","version":"8.10.3"},"data_stream":{"dataset":"system.syslog","namespace":"ep","type":"logs"},"ecs":{"version":"8.0.0"},"elastic_agent":{"id":"85e991cd-d9f2-4b7c-b55b-6c5a9fc1d41d","snapshot":false,"version":"8.10.3"},"event":{"dataset":"system.syslog"},"input":{"type":"log"},"log":{"file":{"path":"/tmp/service_logs/syslog.log"},"offset":199},"message":"1986-04-26T01:23:45.388424+04:00 rmbkmonitor04 thermald: constraint_0_power_limit_uw exceeded."}`

func TestAutoRouting(t *testing.T) {
	ds, _ := template.Parse("%{[service]}")
	ns, _ := template.Parse("%{[group]}")
	routed := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns, FallbackDataset: "generic",
		FallbackNamespace: "default", FallbackTag: "_data_stream_fallback", AutoRouting: true, SyncFields: true})
	cases := []struct{ name, in, stream, dataStream, tags string }{
		{"agent event", agentEvent, "logs-system.syslog-ep", `{"type":"logs","dataset":"system.syslog","namespace":"ep"}`, ""},
		{"missing parts take the configured ones", `{"data_stream":{"dataset":"nginx.access"},"group":"pt"}`,
			"logs-nginx.access-pt", `{"type":"logs","dataset":"nginx.access","namespace":"pt"}`, ""},
		{"nothing set: the fallbacks", `{"data_stream":{}}`, "logs-generic-default", `{"type":"logs","dataset":"generic","namespace":"default"}`, "_data_stream_fallback"},
		{"another type", `{"data_stream":{"type":"metrics","dataset":"system.cpu"}}`, "metrics-system.cpu-default", `{"type":"metrics","dataset":"system.cpu","namespace":"default"}`, "_data_stream_fallback"},
		{"an unknown type is ignored", `{"data_stream":{"type":"bogus","dataset":"a","namespace":"b"}}`, "logs-a-b", `{"type":"logs","dataset":"a","namespace":"b"}`, ""},
		{"sanitised as the reroute processor does", `{"data_stream":{"dataset":"My App/Access","namespace":"Prod-EU"}}`, "logs-my_app_access-prod_eu", `{"type":"logs","dataset":"my_app_access","namespace":"prod_eu"}`, ""},
		{"dotted keys", `{"data_stream.type":"logs","data_stream.dataset":"nginx.error","data_stream.namespace":"web","message":"x"}`,
			"logs-nginx.error-web", `{"type":"logs","dataset":"nginx.error","namespace":"web"}`, ""},
		{"nested wins over dotted", `{"data_stream":{"dataset":"a"},"data_stream.dataset":"b"}`, "logs-a-default", `{"type":"logs","dataset":"a","namespace":"default"}`, "_data_stream_fallback"},
		{"an object is not a name", `{"data_stream":{"dataset":{"x":1}},"service":"django"}`, "logs-django-default", `{"type":"logs","dataset":"django","namespace":"default"}`, "_data_stream_fallback"},
	}
	for _, c := range cases {
		e, err := event.DecodeEvent([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		routed.Name(e)
		got, _ := e.Get(dsPath)
		if e.DataStream != c.stream || string(got.AppendJSON(nil)) != c.dataStream || strings.Join(e.Tags(), ",") != c.tags {
			t.Errorf("%s: got %s, data_stream %s, tags %v; want %s, %s, %q", c.name, e.DataStream, got.AppendJSON(nil), e.Tags(), c.stream, c.dataStream, c.tags)
		}
		for _, k := range ownPaths[1:] {
			if _, ok := e.Get(k); ok {
				t.Errorf("%s: dotted %s left in the document: %s", c.name, k, e.AppendJSON(nil))
			}
		}
	}

	// Without auto_routing the event's data_stream is overwritten by the
	// configured name; without sync_fields it is left as it came.
	plain := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns, FallbackDataset: "unknown", FallbackNamespace: "default", SyncFields: true})
	e, _ := event.DecodeEvent([]byte(agentEvent))
	plain.Name(e)
	if got, _ := e.Get(dsPath); e.DataStream != "logs-unknown-default" || string(got.AppendJSON(nil)) != `{"type":"logs","dataset":"unknown","namespace":"default"}` || len(e.Tags()) != 0 {
		t.Errorf("no auto_routing, an empty fallback_tag: %s %s %v", e.DataStream, got.AppendJSON(nil), e.Tags())
	}
	unsynced := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns, FallbackDataset: "unknown", FallbackNamespace: "default", AutoRouting: true})
	in := `{"data_stream.dataset":"nginx.access","data_stream":{"namespace":"Prod"}}`
	e, _ = event.DecodeEvent([]byte(in))
	unsynced.Name(e)
	if e.DataStream != "logs-nginx.access-prod" || string(e.AppendJSON(nil)) != in {
		t.Errorf("sync_fields off: %s %s", e.DataStream, e.AppendJSON(nil))
	}
}

// TestObjectsAreNotNames: a Filebeat module event carries service as an
// ECS object ({"type": "nginx"}, as in elastic/beats
// filebeat/module/nginx/access/test/*-expected.json). A template naming
// that field takes the fallback instead of the object's JSON text.
func TestObjectsAreNotNames(t *testing.T) {
	ds, _ := template.Parse("%{[service]}")
	ns, _ := template.Parse("default")
	namer := NewNamer(Config{Type: "logs", Dataset: ds, Namespace: ns, FallbackDataset: "unknown",
		FallbackNamespace: "default", FallbackTag: "_data_stream_fallback", SyncFields: true})
	for _, in := range []string{`{"service":{"type":"nginx"}}`, `{"service":["a","b"]}`} {
		e, _ := event.DecodeEvent([]byte(in))
		namer.Name(e)
		if e.DataStream != "logs-unknown-default" || strings.Join(e.Tags(), ",") != "_data_stream_fallback" {
			t.Errorf("%s: %s %v", in, e.DataStream, e.Tags())
		}
	}
}

func TestPattern(t *testing.T) {
	ds, _ := template.Parse("%{[service]}")
	ns, _ := template.Parse("pt")
	c := Config{Type: "logs", Dataset: ds, Namespace: ns}
	if got := c.Pattern(); got != "logs-*-pt" {
		t.Errorf("pattern %q", got)
	}
	c.AutoRouting = true
	if got := c.Pattern(); got != "logs-*-*" {
		t.Errorf("auto_routing pattern %q", got)
	}
}

// TestIndexMode: index names the target as Logstash's elasticsearch
// output's index option does (its docs' Beats example,
// "%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}"), and the
// document keeps what it has.
func TestIndexMode(t *testing.T) {
	c := Config{Index: "%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}", SyncFields: true}
	n := NewNamer(c)
	in := `{"@timestamp":"2026-01-02T03:04:05.000Z","@metadata":{"beat":"filebeat","version":"8.10.3"},"message":"m"}`
	e, _ := event.DecodeEvent([]byte(in))
	n.Name(e)
	if e.DataStream != "filebeat-8.10.3-2026.01.02" || string(e.AppendJSON(nil)) != `{"@timestamp":"2026-01-02T03:04:05.000Z","message":"m"}` {
		t.Errorf("index %q, document %s", e.DataStream, e.AppendJSON(nil))
	}
	if got := c.Pattern(); got != "*-*-*" {
		t.Errorf("pattern %q", got)
	}
}
