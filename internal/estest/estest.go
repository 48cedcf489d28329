// Package estest is an Elasticsearch TEST DOUBLE: a small HTTP server on
// 127.0.0.1 that behaves like Elasticsearch 8 where ingestd relies on it,
// for tests on machines where no real Elasticsearch can be installed. It
// is not Elasticsearch and stores documents in memory.
//
// What it reproduces:
//   - the X-Elastic-Product: Elasticsearch header the v8 client checks;
//   - GET / (cluster info), GET /_cluster/health, GET /_security/_authenticate,
//     PUT/GET /_index_template/<name>, basic and API-key auth when set;
//   - PUT/GET/DELETE /_ingest/pipeline/<id>: pipelines are stored, never
//     run; a bulk item naming one that does not exist is 400
//     illegal_argument_exception, as in Elasticsearch;
//   - POST /_bulk (gzip bodies too) with create, index and delete actions
//     (a delete has no source line) and data stream semantics: a name
//     matching logs-*-* or an installed template with data_stream is a data
//     stream, created on first write; only "create" is allowed there (index
//     and delete are 400); other names are plain indices, where index
//     overwrites a document with the same _id and delete removes one (404
//     result not_found, which is no error, when there is none); names must
//     follow the naming rules; @timestamp is required in a data stream; a
//     create of an existing _id is 409 version_conflict_engine_exception; a
//     field whose type conflicts with the dynamic mapping is 400
//     document_parsing_exception; per-item errors come inside a 200
//     response with "errors": true;
//   - fault injection: per-item 429 es_rejected_execution_exception at a
//     ratio, per-item rejections by a hook, whole-request statuses
//     (429/5xx), slow answers, answers delayed after indexing (a client
//     killed mid-bulk), dropped connections, and going down (port closed)
//     and up again on the same address;
//   - read-back of what was indexed, and of every bulk item received (its
//     action, _index, _id and pipeline, and the status it was answered).
package estest

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// ItemHook may reject one bulk item that carries a document (create or
// index; deletes have none and do not reach it): it returns a status (0
// to accept) and the error type and reason.
type ItemHook func(stream string, doc map[string]any) (status int, errType, reason string)

// Server is a running test double.
type Server struct {
	URL  string
	addr string

	closed    chan struct{} // ends delayed answers when the server closes for good
	closeOnce sync.Once

	mu        sync.Mutex
	srv       *http.Server
	ln        net.Listener
	streams   map[string]*stream // data streams and plain indices, by name
	templates map[string]json.RawMessage
	pipelines map[string]json.RawMessage // ingest pipelines, by id
	received  []Item                     // every bulk item, in order
	rng       *rand.Rand

	// Fault injection, set through the methods below.
	item429Ratio float64
	hook         ItemHook
	failStatus   int // every request answers this status while set
	failNext     []int
	delay        time.Duration
	delayAfter   time.Duration // index, then wait before answering
	dropNext     int
	username     string
	password     string
	apiKey       string

	// Stats.
	requests, bulkRequests, items, rejected429, conflicts int
}

// Start runs a test double on 127.0.0.1 (a free port).
func Start() (*Server, error) {
	s := &Server{streams: map[string]*stream{}, templates: map[string]json.RawMessage{}, pipelines: map[string]json.RawMessage{},
		rng: rand.New(rand.NewSource(1)), closed: make(chan struct{})}
	// Elasticsearch ships a "logs" template: logs-*-* are data streams.
	s.templates["logs"] = json.RawMessage(`{"index_patterns":["logs-*-*"],"data_stream":{},"priority":100}`)
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.URL = "http://" + s.addr
	return s, nil
}

func (s *Server) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("estest: listen: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.ln, s.srv, s.addr = ln, srv, ln.Addr().String()
	s.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	return nil
}

// Close stops the server for good.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Down closes the port and every connection: clients get refused
// connections until Up.
func (s *Server) Down() { s.stop() }

// Up listens again on the same address.
func (s *Server) Up() error {
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		if err = s.listen(s.addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// SetItem429Ratio answers that share of bulk items with 429 inside a 200.
func (s *Server) SetItem429Ratio(r float64) { s.mu.Lock(); s.item429Ratio = r; s.mu.Unlock() }

// SetItemHook installs (or, with nil, removes) a per-item rejection hook.
func (s *Server) SetItemHook(h ItemHook) { s.mu.Lock(); s.hook = h; s.mu.Unlock() }

// SetFailing makes every request answer status (0 clears it).
func (s *Server) SetFailing(status int) { s.mu.Lock(); s.failStatus = status; s.mu.Unlock() }

// FailNext makes the next requests answer these statuses, in order.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	s.failNext = append(s.failNext, statuses...)
	s.mu.Unlock()
}

// SetDelay delays every answer (before doing anything).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetDelayAfterIndexing indexes a bulk, then waits d before answering: a
// client that dies meanwhile never learns its documents were indexed.
func (s *Server) SetDelayAfterIndexing(d time.Duration) { s.mu.Lock(); s.delayAfter = d; s.mu.Unlock() }

// DropNext closes the connection of the next n requests without answering.
func (s *Server) DropNext(n int) { s.mu.Lock(); s.dropNext += n; s.mu.Unlock() }

// RequireBasicAuth makes every request need these credentials.
func (s *Server) RequireBasicAuth(user, pass string) {
	s.mu.Lock()
	s.username, s.password = user, pass
	s.mu.Unlock()
}

// RequireAPIKey makes every request need "Authorization: ApiKey <key>"
// (the scheme in any case).
func (s *Server) RequireAPIKey(key string) { s.mu.Lock(); s.apiKey = key; s.mu.Unlock() }

// Stats are request and item counts.
type Stats struct{ Requests, BulkRequests, Items, Rejected429, Conflicts int }

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{s.requests, s.bulkRequests, s.items, s.rejected429, s.conflicts}
}

// Streams returns the names of the data streams (and plain indices)
// written to, sorted.
func (s *Server) Streams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.streams))
}

// Docs returns the documents of a data stream or index, in the order they
// were first written (an overwritten document keeps its place, a deleted
// one is gone).
func (s *Server) Docs(name string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	if st == nil {
		return nil
	}
	out := make([]json.RawMessage, 0, st.live)
	for _, d := range st.docs {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// Doc returns the document with this _id in a data stream or index.
func (s *Server) Doc(name, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.streams[name]; st != nil {
		if ref, ok := st.ids[id]; ok {
			return st.docs[ref.pos], true
		}
	}
	return nil, false
}

// Count returns the number of documents in all data streams and indices.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.streams {
		n += st.live
	}
	return n
}

// Item is one bulk item as the double received it, and the status it
// answered.
type Item struct {
	Action   string // create, index or delete
	Index    string // _index
	ID       string // _id, "" when none was sent
	Pipeline string // pipeline, "" when none was named
	Status   int
}

// Items returns every bulk item received so far, in order, retries
// included: what clients asked for, where Docs is what was stored.
func (s *Server) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// AddPipeline installs an ingest pipeline (as PUT _ingest/pipeline/<id>
// with no processors would), so that bulk items may name it.
func (s *Server) AddPipeline(id string) {
	s.mu.Lock()
	s.pipelines[id] = json.RawMessage(`{"processors":[]}`)
	s.mu.Unlock()
}

// Template returns an installed index template.
func (s *Server) Template(name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.templates[name]
	return t, ok
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	delay, drop := s.delay, s.dropNext > 0
	if drop {
		s.dropNext--
	}
	status := s.failStatus
	if status == 0 && len(s.failNext) > 0 {
		status, s.failNext = s.failNext[0], s.failNext[1:]
	}
	authOK := s.authorized(r)
	s.mu.Unlock()

	if delay > 0 && !s.wait(delay) {
		return
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Content-Encoding") == "gzip" { // accepted on every endpoint, as by Elasticsearch
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeError(w, 400, "parse_exception", "bad gzip body")
			return
		}
		r.Body = io.NopCloser(zr)
	}
	if !authOK {
		writeError(w, http.StatusUnauthorized, "security_exception", "missing authentication credentials")
		return
	}
	if status != 0 {
		errType := "es_rejected_execution_exception"
		if status >= 500 {
			errType = "unavailable_shards_exception"
		}
		writeError(w, status, errType, "injected failure")
		return
	}
	switch p := r.URL.Path; {
	case p == "/" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"name": "estest", "cluster_name": "estest", "cluster_uuid": "test-double",
			"version": map[string]any{"number": "8.15.0", "build_flavor": "default"}, "tagline": "You Know, for Search"})
	case p == "/_cluster/health":
		writeJSON(w, 200, map[string]any{"cluster_name": "estest", "status": "green"})
	case p == "/_security/_authenticate":
		s.mu.Lock()
		user := s.username
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"username": user, "roles": []string{"superuser"}})
	case p == "/_index_template" && r.Method == http.MethodGet:
		s.mu.Lock()
		var all []any
		for name, t := range s.templates {
			all = append(all, map[string]any{"name": name, "index_template": json.RawMessage(t)})
		}
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"index_templates": all})
	case strings.HasPrefix(p, "/_index_template/"):
		s.template(w, r, strings.TrimPrefix(p, "/_index_template/"))
	case strings.HasPrefix(p, "/_ingest/pipeline/"):
		s.pipeline(w, r, strings.TrimPrefix(p, "/_ingest/pipeline/"))
	case p == "/_bulk" || strings.HasSuffix(p, "/_bulk"):
		s.bulk(w, r)
	default:
		writeError(w, 404, "resource_not_found_exception", "estest does not implement "+r.Method+" "+p)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if s.apiKey != "" {
		// The scheme is case-insensitive, as Elasticsearch reads it:
		// go-elasticsearch sends "APIKey", the docs write "ApiKey".
		scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		return ok && strings.EqualFold(scheme, "ApiKey") && key == s.apiKey
	}
	if s.username != "" {
		u, p, ok := r.BasicAuth()
		return ok && u == s.username && p == s.password
	}
	return true
}

// wait sleeps d unless the server closes first.
func (s *Server) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, errType, reason string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"type": errType, "reason": reason}, "status": status})
}

// store keeps the JSON body of a PUT under name in m (templates,
// pipelines), acknowledged as Elasticsearch does.
func (s *Server) store(w http.ResponseWriter, r *http.Request, m map[string]json.RawMessage, name string) {
	body, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(body) {
		writeError(w, 400, "parse_exception", "request body is not JSON")
		return
	}
	s.mu.Lock()
	m[name] = body
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"acknowledged": true})
}

func (s *Server) template(w http.ResponseWriter, r *http.Request, name string) {
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		s.store(w, r, s.templates, name)
	case http.MethodGet:
		s.mu.Lock()
		t, ok := s.templates[name]
		s.mu.Unlock()
		if !ok {
			writeError(w, 404, "resource_not_found_exception", "index template matching ["+name+"] not found")
			return
		}
		writeJSON(w, 200, map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": json.RawMessage(t)}}})
	default:
		writeError(w, 405, "method_not_allowed", r.Method)
	}
}

// pipeline stores, returns or deletes an ingest pipeline (never run: only
// whether one exists matters to a bulk item naming it).
func (s *Server) pipeline(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	p, ok := s.pipelines[id]
	s.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		s.store(w, r, s.pipelines, id)
	case http.MethodGet:
		if !ok {
			writeJSON(w, 404, map[string]any{}) // Elasticsearch answers an empty object
			return
		}
		writeJSON(w, 200, map[string]any{id: p})
	case http.MethodDelete:
		if !ok {
			writeError(w, 404, "resource_not_found_exception", "pipeline ["+id+"] is missing")
			return
		}
		s.mu.Lock()
		delete(s.pipelines, id)
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	default:
		writeError(w, 405, "method_not_allowed", r.Method)
	}
}
