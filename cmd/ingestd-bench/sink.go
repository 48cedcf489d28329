package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// sink is a fast bulk endpoint: it answers like Elasticsearch (the
// X-Elastic-Product header, GET /, a bulk response with one 201 item per
// action) and only counts documents, so the benchmark measures ingestd,
// not a cluster. It inflates gzip bodies with klauspost's reader (345–397
// MB/s on the applog corpus here, compress/gzip 242–248): on two cores the sink
// shares the CPU with the server measured.
type sink struct {
	docs     atomic.Int64
	requests atomic.Int64
	// wire and body count the bulk bodies' bytes as sent and inflated.
	wire, body atomic.Int64
	delay      time.Duration
	srv        *http.Server
	addr       string
	gzPool     sync.Pool
}

var createdItem = []byte(`{"create":{"status":201,"result":"created"}}`)

func startSink(addr string, delay time.Duration) (*sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	s := &sink{delay: delay, addr: ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

func (s *sink) Close() { s.srv.Close() }

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/" {
		io.WriteString(w, `{"name":"sink","cluster_name":"bench","version":{"number":"8.15.0"},"tagline":"You Know, for Search"}`)
		return
	}
	if r.URL.Path != "/_bulk" {
		io.WriteString(w, `{"acknowledged":true}`)
		return
	}
	wire := &countingReader{r: r.Body}
	var body io.Reader = wire
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, _ := s.gzPool.Get().(*gzip.Reader)
		if zr == nil {
			var err error
			if zr, err = gzip.NewReader(wire); err != nil {
				w.WriteHeader(400)
				return
			}
		} else if err := zr.Reset(wire); err != nil {
			w.WriteHeader(400)
			return
		}
		defer s.gzPool.Put(zr)
		body = zr
	}
	lines, n := countLines(body)
	s.body.Add(n)
	s.wire.Add(wire.n)
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	items := lines / 2
	s.docs.Add(int64(items))
	s.requests.Add(1)
	var out bytes.Buffer
	out.Grow(40 + items*(len(createdItem)+1))
	out.WriteString(`{"errors":false,"took":1,"items":[`)
	for i := 0; i < items; i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(createdItem)
	}
	out.WriteString("]}")
	w.Write(out.Bytes())
}

// countLines counts the lines of r and its bytes.
func countLines(r io.Reader) (lines int, size int64) {
	buf := make([]byte, 256<<10)
	for {
		k, err := r.Read(buf)
		lines += bytes.Count(buf[:k], []byte{'\n'})
		size += int64(k)
		if err != nil {
			return lines, size
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// waitDocs waits until the sink holds the n acknowledged events less
// those dropped() says filters dropped on purpose. dropped asks ingestd,
// so it is asked every 100 ms, not at every poll.
func (s *sink) waitDocs(ctx context.Context, n int64, dropped func() int64) error {
	want, asked := n, time.Time{}
	for s.docs.Load() < want {
		if time.Since(asked) > 100*time.Millisecond {
			want, asked = n-dropped(), time.Now()
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sink has %d of %d documents: %w", s.docs.Load(), want, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}
