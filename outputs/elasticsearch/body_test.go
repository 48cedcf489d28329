package elasticsearch

import (
	"fmt"
	"testing"

	"github.com/ingestd/ingestd/pipeline"
	pt "github.com/ingestd/ingestd/pipeline/pipelinetest"
)

func benchItems(tb testing.TB, n int) []item {
	events := make([]*pipeline.Event, n)
	for i := range events {
		events[i] = pt.Event(tb, fmt.Sprintf(`{"@timestamp":"2025-12-30T21:16:02.281Z","agent":{"ephemeral_id":"6a0c7e4e-1d8b-4c84-9d5e-0d6e3b5f2a11","id":"a1","name":"app-web-01","type":"filebeat","version":"8.17.0"},"ecs":{"version":"8.0.0"},"input":{"type":"filestream"},"host":{"name":"app-web-01"},"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":%d},"fields":{"group":"pt","service":"django"},"message":"\"GET /api/parcels/205/ HTTP/1.1\" 200 63960","log_level":"INFO","logger_name":"django.server"}`, i*120))
		events[i].DataStream = "logs-django-pt"
	}
	return newItems(events)
}

func TestBodyIsSizedAndReused(t *testing.T) {
	o := &Output{bodies: make(chan []byte, 1)}
	items := benchItems(t, 100)
	b := o.body(items)
	if len(b) != 0 || cap(b) < 100*len(items[0].ev.Raw()) {
		t.Fatalf("body len %d cap %d: not sized for the items", len(b), cap(b))
	}
	var ids idState
	for _, it := range items {
		b = appendLines(b, it.ev, true, &ids)
	}
	filled := cap(b)
	o.recycle(b)
	o.recycle(make([]byte, 0, 10)) // more than one body per worker is dropped
	if kept := len(o.bodies); kept != 1 {
		t.Fatalf("%d bodies kept for one worker", kept)
	}
	again := o.body(items)
	if cap(again) != filled || len(again) != 0 {
		t.Fatalf("the recycled body was not reused: cap %d, want %d", cap(again), filled)
	}
}

// BenchmarkBulkBody writes the bulk lines of a 2048-event request (events
// shaped as Filebeat sends them, ~1.3 MB of lines): into a
// reused body sized from the items (what bulk does), and into a 1 MiB
// body grown by append (what a pool losing its bodies at each GC gave).
func BenchmarkBulkBody(b *testing.B) {
	items := benchItems(b, 2048)
	b.Run("reused", func(b *testing.B) {
		o := &Output{bodies: make(chan []byte, 1)}
		b.ReportAllocs()
		for b.Loop() {
			body := o.body(items)
			var ids idState
			for _, it := range items {
				body = appendLines(body, it.ev, true, &ids)
			}
			o.recycle(body)
		}
	})
	b.Run("grown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body := make([]byte, 0, 1<<20)
			var ids idState
			for _, it := range items {
				body = appendLines(body, it.ev, true, &ids)
			}
		}
	})
}
