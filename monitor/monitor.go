// Package monitor serves the monitoring API on INGESTD_HTTP_LISTEN:
// GET / (version and status), /health (the process is alive), /ready
// (every input listens) and /_node/stats (Logstash-shaped event counts,
// for the node and per pipeline).
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/pipeline"
)

// ReadyReporter is implemented by inputs that know when they listen.
type ReadyReporter interface {
	Ready() <-chan struct{}
}

// Server is the monitoring API of one runner.
type Server struct {
	Runner  *pipeline.Runner
	Version string
	Log     zerolog.Logger
	started time.Time
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	if s.started.IsZero() {
		s.started = time.Now()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.root)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	mux.HandleFunc("GET /ready", s.ready)
	mux.HandleFunc("GET /_node/stats", s.stats)
	return mux
}

func (s *Server) isReady() bool {
	for _, out := range s.Runner.Outputs() {
		if r, ok := out.(pipeline.Readiness); ok && !r.Ready() {
			return false
		}
	}
	for _, in := range s.Runner.Inputs() {
		if r, ok := in.(ReadyReporter); ok {
			select {
			case <-r.Ready():
			default:
				return false
			}
		}
	}
	return true
}

func (s *Server) status() string {
	if s.isReady() {
		return "green"
	}
	return "yellow"
}

func (s *Server) root(w http.ResponseWriter, _ *http.Request) {
	host, _ := os.Hostname()
	writeJSON(w, http.StatusOK, map[string]any{"host": host, "version": s.Version, "status": s.status()})
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if !s.isReady() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type eventCounts struct {
	In       int64 `json:"in"`
	Filtered int64 `json:"filtered"`
	Out      int64 `json:"out"`
	Dropped  int64 `json:"dropped"`
}

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	node := eventCounts{In: s.Runner.Metrics.Unrouted.Load()}
	pipelines := map[string]any{}
	for _, p := range s.Runner.Pipelines() {
		c := eventCounts{In: p.Counters.In.Load(), Filtered: p.Counters.Filtered.Load(), Out: p.Counters.Out.Load(), Dropped: p.Counters.Dropped.Load()}
		node.In += c.In
		node.Filtered += c.Filtered
		node.Out += c.Out
		node.Dropped += c.Dropped
		pipelines[p.Name] = map[string]any{"events": c}
	}
	host, _ := os.Hostname()
	writeJSON(w, http.StatusOK, map[string]any{
		"host": host, "version": s.Version, "status": s.status(),
		"jvm":       map[string]any{"uptime_in_millis": time.Since(s.started).Milliseconds()},
		"events":    node,
		"unrouted":  s.Runner.Metrics.Unrouted.Load(),
		"pipelines": pipelines,
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves the API on addr until ctx ends. An empty addr disables it.
func (s *Server) Run(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("monitor: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	s.Log.Info().Str("listen", ln.Addr().String()).Msg("monitor: listening")
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("monitor: %w", err)
	}
	return nil
}
