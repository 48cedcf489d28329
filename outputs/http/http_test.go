package http

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// received is one request the test server saw.
type received struct {
	method, path, contentType, auth, header string
	body                                    string
}

// server answers with answer(n) (n counts requests from 1) and records
// every request.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	n    atomic.Int64
}

func newServer(t *testing.T, answer func(n int64) int) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, received{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("X-Service"), string(body)})
		s.mu.Unlock()
		code := answer(s.n.Add(1))
		w.WriteHeader(code)
		if code >= 300 {
			io.WriteString(w, "refused: code "+http.StatusText(code))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

func build(t *testing.T, yaml string) *Output {
	t.Helper()
	cfg := new(Config)
	if err := spec.DecodeYAML("test.yml", yaml, cfg); err != nil {
		t.Fatal(err)
	}
	o, err := New(cfg, plugin.Env{ID: "http", DataDir: t.TempDir(), Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(context.Background()) })
	return o.(*Output)
}

// events makes n events of one batch; acked reports the batch done.
func events(t *testing.T, acked *atomic.Int64, docs ...string) []*event.Event {
	a := event.NewAck(len(docs), func() { acked.Add(1) })
	out := make([]*event.Event, len(docs))
	for i, d := range docs {
		e, err := event.DecodeEvent([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		e.Attach(a)
		out[i] = e
	}
	return out
}

// TestFormats checks what each format sends, as logstash-output-http does:
// json one request per event with its document (no @metadata), the url and
// headers rendered per event; json_batch one array; message the template;
// mapping an object of rendered templates; basic authentication.
func TestFormats(t *testing.T) {
	srv := newServer(t, func(int64) int { return 200 })
	docs := []string{`{"service":"web","message":"a","@metadata":{"x":1}}`, `{"service":"db","message":"b"}`}
	cases := []struct {
		name, yaml string
		want       []received
	}{
		{"json", "url: " + srv.URL + "/in/%{service}\nheaders: {X-Service: \"%{service}\"}\nuser: u\npassword: p", []received{
			{"POST", "/in/web", "application/json", "Basic dTpw", "web", `{"service":"web","message":"a"}`},
			{"POST", "/in/db", "application/json", "Basic dTpw", "db", `{"service":"db","message":"b"}`},
		}},
		{"json_batch", "url: " + srv.URL + "/bulk\nformat: json_batch\nhttp_method: put", []received{
			{"PUT", "/bulk", "application/json", "", "", `[{"service":"web","message":"a"},{"service":"db","message":"b"}]`},
		}},
		{"message", "url: " + srv.URL + "/m\nformat: message\nmessage: \"%{service}: %{message} %{missing}\"", []received{
			{"POST", "/m", "text/plain", "", "", "web: a %{missing}"},
			{"POST", "/m", "text/plain", "", "", "db: b %{missing}"},
		}},
		{"mapping", "url: " + srv.URL + "/map\nmapping: {svc: \"%{service}\", text: \"%{message}!\"}\ncontent_type: application/x-ndjson", []received{
			{"POST", "/map", "application/x-ndjson", "", "", `{"svc":"web","text":"a!"}`},
			{"POST", "/map", "application/x-ndjson", "", "", `{"svc":"db","text":"b!"}`},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv.mu.Lock()
			srv.reqs = nil
			srv.mu.Unlock()
			o := build(t, c.yaml+"\npool_max: 1")
			var acked atomic.Int64
			if err := o.Send(context.Background(), "p", events(t, &acked, docs...)); err != nil {
				t.Fatal(err)
			}
			if acked.Load() != 1 {
				t.Errorf("the batch was not acknowledged")
			}
			got := srv.requests()
			if len(got) != len(c.want) {
				t.Fatalf("%d requests: %+v", len(got), got)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("request %d:\n got %+v\nwant %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestRetryAndDeadLetter checks the guarantees: a retryable answer is
// retried until it succeeds (the batch acknowledged once, after), an
// ignorable code counts as written, any other answer dead-letters the
// event with the server's reason, and nothing is acknowledged before.
func TestRetryAndDeadLetter(t *testing.T) {
	srv := newServer(t, func(n int64) int {
		if n <= 2 {
			return 503
		}
		return 200
	})
	o := build(t, "url: "+srv.URL+"\ninitial_backoff: 1ms\nmax_backoff: 5ms")
	var acked atomic.Int64
	if err := o.Send(context.Background(), "p", events(t, &acked, `{"m":1}`)); err != nil {
		t.Fatal(err)
	}
	if acked.Load() != 1 || len(srv.requests()) != 3 || o.counts.Retried.Load() != 2 || o.counts.Written.Load() != 1 {
		t.Errorf("503, 503, 200: acked %d, %d requests, retried %d, written %d", acked.Load(), len(srv.requests()), o.counts.Retried.Load(), o.counts.Written.Load())
	}

	refusing := newServer(t, func(n int64) int { return map[int64]int{1: 400, 2: 404}[n] })
	dir := t.TempDir()
	o = build(t, "url: "+refusing.URL+"\nignorable_codes: [404]\npool_max: 1\ndead_letter_dir: "+dir)
	acked.Store(0)
	if err := o.Send(context.Background(), "p", events(t, &acked, `{"m":"bad"}`, `{"m":"gone"}`)); err != nil {
		t.Fatal(err)
	}
	if acked.Load() != 1 || o.counts.DeadLettered.Load() != 1 || o.counts.Written.Load() != 1 {
		t.Errorf("400 then 404 (ignorable): acked %d, dead-lettered %d, written %d", acked.Load(), o.counts.DeadLettered.Load(), o.counts.Written.Load())
	}
	files, _ := deadletter.Files(dir)
	if len(files) != 1 {
		t.Fatalf("dead-letter files %v", files)
	}
	recs, err := deadletter.Read(files[0])
	if err != nil || len(recs) != 1 || recs[0].Error.Status != 400 || !strings.Contains(recs[0].Error.Reason, "refused") || string(recs[0].Event) != `{"m":"bad"}` {
		t.Errorf("dead letters %+v, %v", recs, err)
	}

	// A server that never takes it: Send returns when ctx ends, nothing
	// acknowledged.
	down := newServer(t, func(int64) int { return 500 })
	o = build(t, "url: "+down.URL+"\ninitial_backoff: 1ms\nmax_backoff: 2ms")
	acked.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := o.Send(ctx, "p", events(t, &acked, `{"m":1}`)); err == nil || acked.Load() != 0 {
		t.Errorf("a server answering 500 until ctx ends: err %v, acked %d", err, acked.Load())
	}
}

// TestSecretsNotLogged checks that a password in the url never shows in
// what the output logs or reports.
func TestSecretsNotLogged(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	cfg := new(Config)
	if err := spec.DecodeYAML("test.yml", "url: http://user:s3cret@127.0.0.1:1/x\ninitial_backoff: 1ms\nmax_backoff: 2ms", cfg); err != nil {
		t.Fatal(err)
	}
	o, err := New(cfg, plugin.Env{DataDir: t.TempDir(), Logger: zerolog.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}))})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	var acked atomic.Int64
	_ = o.Send(ctx, "p", events(t, &acked, `{}`))
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "s3cret") || !strings.Contains(logs.String(), "retrying") {
		t.Errorf("logs:\n%s", logs.String())
	}
	if msg := spec.DecodeYAML("t.yml", "url: ftp://user:s3cret@host/x", new(Config)); msg == nil || strings.Contains(msg.Error(), "s3cret") {
		t.Errorf("config error %v", msg)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestUnsendableURL: a url rendered from the event that is no URL (an
// invalid escape) is dead-lettered at once, not retried for ever.
func TestUnsendableURL(t *testing.T) {
	srv := newServer(t, func(int64) int { return 200 })
	dir := t.TempDir()
	o := build(t, "url: "+srv.URL+"/%{path}\ninitial_backoff: 1ms\nmax_backoff: 2ms\ndead_letter_dir: "+dir)
	var acked atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.Send(ctx, "p", events(t, &acked, `{"path":"%zz"}`)); err != nil {
		t.Fatal(err)
	}
	if acked.Load() != 1 || o.counts.DeadLettered.Load() != 1 || len(srv.requests()) != 0 {
		t.Errorf("acked %d, dead-lettered %d, %d requests", acked.Load(), o.counts.DeadLettered.Load(), len(srv.requests()))
	}
}

// validate reads the cacert New will: a file that is missing or holds no
// certificate is a config error, not a failure at start.
func TestCACertIsChecked(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(junk, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ca := range []string{junk, junk + ".missing"} {
		err := spec.DecodeYAML("t.yml", "url: https://127.0.0.1:1/x\ncacert: "+ca, new(Config))
		if err == nil || !strings.Contains(err.Error(), "cacert") || !strings.Contains(err.Error(), ca) {
			t.Errorf("cacert %s: %v", ca, err)
		}
	}
}
