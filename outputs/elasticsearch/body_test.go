package elasticsearch

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// benchItems are n events shaped as Filebeat sends them, without
// @metadata.
func benchItems(tb testing.TB, n int) []item { return benchItemsWith(tb, n, "") }

// benchItemsWith are benchItems with this @metadata object (none when "").
func benchItemsWith(tb testing.TB, n int, metadata string) []item {
	if metadata != "" {
		metadata = `"@metadata":` + metadata + ","
	}
	events := make([]*event.Event, n)
	for i := range events {
		events[i] = pt.Event(tb, fmt.Sprintf(`{`+metadata+`"@timestamp":"2025-12-30T21:16:02.281Z","agent":{"ephemeral_id":"6a0c7e4e-1d8b-4c84-9d5e-0d6e3b5f2a11","id":"a1","name":"app-web-01","type":"filebeat","version":"8.17.0"},"ecs":{"version":"8.0.0"},"input":{"type":"filestream"},"host":{"name":"app-web-01"},"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":%d},"fields":{"group":"pt","service":"django"},"message":"\"GET /api/parcels/205/ HTTP/1.1\" 200 63960","log_level":"INFO","logger_name":"django.server"}`, i*120))
		events[i].DataStream = "logs-django-pt"
	}
	return newItems(0, 100, events)
}

// appendAll writes the bulk lines of items into body as one request does.
func appendAll(tb testing.TB, body []byte, items []item) []byte {
	enc := lineEncoder{autoID: true}
	for _, it := range items {
		var err error
		if body, err = enc.appendLines(body, it.ev); err != nil {
			tb.Fatal(err)
		}
	}
	return body
}

func TestBodyIsSizedAndReused(t *testing.T) {
	o := &Output{bodies: make(chan []byte, 1)}
	items := benchItems(t, 100)
	b := o.body(items)
	if len(b) != 0 || cap(b) < 100*len(items[0].ev.Raw()) {
		t.Fatalf("body len %d cap %d: not sized for the items", len(b), cap(b))
	}
	b = appendAll(t, b, items)
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
// The metadata cases carry the @metadata Filebeat sends (beat, type,
// version), without and with a module's pipeline: the action line reads
// it for every event.
func BenchmarkBulkBody(b *testing.B) {
	reused := func(items []item) func(b *testing.B) {
		return func(b *testing.B) {
			o := &Output{bodies: make(chan []byte, 1)}
			b.ReportAllocs()
			for b.Loop() {
				o.recycle(appendAll(b, o.body(items), items))
			}
		}
	}
	items := benchItems(b, 2048)
	b.Run("reused", reused(items))
	b.Run("grown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			appendAll(b, make([]byte, 0, 1<<20), items)
		}
	})
	b.Run("metadata", reused(benchItemsWith(b, 2048, `{"beat":"filebeat","type":"_doc","version":"8.17.0"}`)))
	b.Run("metadata-pipeline", reused(benchItemsWith(b, 2048, `{"beat":"filebeat","type":"_doc","version":"8.17.0","pipeline":"filebeat-8.17.0-nginx-access-pipeline"}`)))
}

// oneByteReader returns its data a byte per Read, then EOF with the last
// byte, as a chunked response may.
type oneByteReader struct{ data []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	if len(r.data) == 0 {
		return 1, io.EOF
	}
	return 1, nil
}

func TestResponsesAreReadWholeAndReused(t *testing.T) {
	o := &Output{answers: make(chan []byte, 1)}
	resp := []byte(`{"took":3,"errors":false,"items":[` + strings.Repeat(`{"create":{"status":201}},`, 200) + `{"create":{"status":201}}]}`)
	for _, c := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"exact length", bytes.NewReader(resp), int64(len(resp))},
		{"no length", bytes.NewReader(resp), -1},
		{"a length too short", bytes.NewReader(resp), 10},
		{"a byte per read", &oneByteReader{resp}, -1},
	} {
		got, err := o.readResponse(c.r, c.size)
		if err != nil || !bytes.Equal(got, resp) {
			t.Fatalf("%s: %v, %d of %d bytes", c.name, err, len(got), len(resp))
		}
		o.recycleResponse(got)
		if len(o.answers) != 1 {
			t.Fatalf("%s: response buffer not kept", c.name)
		}
		kept := <-o.answers
		o.answers <- kept
		again, _ := o.readResponse(bytes.NewReader(resp[:5]), -1)
		if &again[:1][0] != &kept[:1][0] {
			t.Fatalf("%s: the kept buffer was not reused", c.name)
		}
		o.recycleResponse(again)
	}
	o.recycleResponse(make([]byte, 0, maxKeptAnswer+1)) // one worker's buffer is kept already
	<-o.answers
	o.recycleResponse(make([]byte, 0, maxKeptAnswer+1))
	if len(o.answers) != 0 {
		t.Fatal("a response buffer over maxKeptAnswer was kept")
	}
	if _, err := o.readResponse(iotest.ErrReader(errors.New("reset")), -1); err == nil {
		t.Fatal("a read error was not returned")
	}
}

// BenchmarkGzipBody compresses a 2048-event bulk body with compress/gzip
// (what the client's CompressRequestBody used) and with klauspost's gzip
// (what the output uses now), at level 1, the shipped default; and writes
// and compresses it as a request does (encodeCompressed: the lines
// written a window at a time, the body never whole) against writing the
// body whole and then compressing it (what the output did before).
func BenchmarkGzipBody(b *testing.B) {
	items := benchItems(b, 2048)
	o := &Output{bodies: make(chan []byte, 1), compressors: make(chan *compressor, 1), cfg: Config{CompressionLevel: 1, DocumentID: "auto"}}
	body := appendAll(b, o.body(items), items)
	b.Run("compress-gzip", func(b *testing.B) {
		var out bytes.Buffer
		w, _ := stdgzip.NewWriterLevel(&out, 1)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			out.Reset()
			w.Reset(&out)
			w.Write(body)
			w.Close()
		}
	})
	b.Run("klauspost", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			c, err := o.compressor()
			if err != nil {
				b.Fatal(err)
			}
			c.w.Write(body)
			c.w.Close()
			o.recycleCompressor(c)
		}
	})
	b.Run("encode-whole-then-compress", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			whole, _ := o.encode(o.body(items), items, nil)
			c, _ := o.compressor()
			c.w.Write(whole)
			c.w.Close()
			o.recycleCompressor(c)
			o.recycle(whole)
		}
	})
	b.Run("encode-compressed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			c, _ := o.compressor()
			if _, err := o.encodeCompressed(c, items); err != nil {
				b.Fatal(err)
			}
			o.recycleCompressor(c)
		}
	})
}

// A request body compressed as it is written is the body written whole,
// gzipped: whatever the events' sizes (one larger than the window
// included), and with a kept compressor.
func TestCompressedBodyRoundTrips(t *testing.T) {
	o := &Output{bodies: make(chan []byte, 1), compressors: make(chan *compressor, 1), cfg: Config{CompressionLevel: 1, DocumentID: "auto"}}
	items := benchItems(t, 300)
	bigEvent := pt.Event(t, `{"message":"`+strings.Repeat("x", 5*compressWindow)+`","log":{"offset":1,"file":{"path":"/big"}}}`)
	bigEvent.DataStream = "logs-big-pt"
	big := newItems(0, 100, []*event.Event{bigEvent})
	items = append(append(items[:150:150], big...), items[150:]...)
	want := appendAll(t, nil, items)
	for round := range 2 {
		c, err := o.compressor()
		if err != nil {
			t.Fatal(err)
		}
		sent, err := o.encodeCompressed(c, items)
		if err != nil || len(sent) != len(items) {
			t.Fatalf("round %d: %d of %d items sent: %v", round, len(sent), len(items), err)
		}
		r, err := stdgzip.NewReader(bytes.NewReader(readAll(t, c.out.reader())))
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(back, want) {
			t.Fatalf("round %d: the body does not round-trip (%d bytes back, %d written): %v", round, len(back), len(want), err)
		}
		o.recycleCompressor(c)
		if round == 0 && len(o.compressors) != 0 {
			t.Fatal("a compressor whose window grew past maxKeptWindow was kept")
		}
	}
	c, _ := o.compressor()
	o.recycleCompressor(c)
	if again, _ := o.compressor(); again != c {
		t.Fatal("the compressor was not reused")
	}
}

// A large event's lines are written into a window of their size, made
// once: grown by appends, a copy beside the last, a 15 MiB message and its
// event.original (the client sent one; a filter copies it) took 64 MiB a
// worker.
func TestLargeItemIsWrittenOnce(t *testing.T) {
	o := &Output{bodies: make(chan []byte, 1), compressors: make(chan *compressor, 1), cfg: Config{CompressionLevel: 1, DocumentID: "auto"}}
	const size = 4 << 20
	text := strings.Repeat("x", size)
	ev := pt.Event(t, `{"message":"`+text+`","log":{"offset":1,"file":{"path":"/big"}}}`)
	ev.Set(event.Path{"event", "original"}, event.String(text))
	ev.DataStream = "logs-big-pt"
	items := newItems(0, 100, []*event.Event{ev})
	c, err := o.compressor()
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := o.encodeCompressed(c, items); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// The window (twice what the client sent: room for a copied
	// message) and the gzip stream's few KiB; appends allocated the
	// first string's room, then both strings' and a quarter.
	if got := after.TotalAlloc - before.TotalAlloc; got > 5*size/2 {
		t.Fatalf("encoding an %d MiB event allocated %d MiB", size>>20, got>>20)
	}
}

// A request's buffers are kept for the next one only after a 2xx answer:
// after any other, net/http may still be writing the body (an answer sent
// before the body was read), so they go to the collector. (Keeping them
// always failed no test before this one.)
func TestBuffersKeptOnlyAfterA2xx(t *testing.T) {
	es := testDouble(t)
	for _, compression := range []bool{true, false} {
		o, _ := startOutput(t, es, fmt.Sprintf("compression: %v\n", compression))
		kept := func() int { return len(o.compressors) + len(o.bodies) }
		items := benchItems(t, 20)
		for i := range items {
			items[i].ev.DataStream = "logs-bench-default"
		}
		es.SetFailing(http.StatusUnauthorized)
		if _, err := o.bulk(items); err == nil {
			t.Fatal("a 401 answered as a success")
		}
		if n := kept(); n != 0 {
			t.Fatalf("compression %v: %d buffers kept after a 401", compression, n)
		}
		es.SetFailing(0)
		if _, err := o.bulk(items); err != nil {
			t.Fatal(err)
		}
		if n := kept(); n != 1 {
			t.Fatalf("compression %v: %d buffers kept after a 200, want 1", compression, n)
		}
	}
}
