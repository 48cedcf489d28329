// Package monitor serves the monitoring API on INGESTD_HTTP_LISTEN:
// GET / (version and status), /health (the process is alive), /ready
// (every input listens and every output reaches its destination),
// /_node/stats (Logstash-shaped counts: events in/filtered/out for the node
// and per pipeline, per plugin with durations, reloads, inputs, outputs,
// data streams) and /metrics (Prometheus, names starting ingestd_).
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Server is the monitoring API of one runner.
type Server struct {
	Runner  *engine.Runner
	Version string
	Log     zerolog.Logger
	started time.Time
}

// Handler returns the API's routes. Prometheus metrics are served from a
// registry of this server's own (no global registry).
func (s *Server) Handler() http.Handler {
	if s.started.IsZero() {
		s.started = time.Now()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{r: s.Runner}, &pluginCollector{r: s.Runner}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.root)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	mux.HandleFunc("GET /ready", s.ready)
	mux.HandleFunc("GET /_node/stats", s.stats)
	mux.HandleFunc("GET /_node/stats/{types}", s.stats)
	mux.HandleFunc("GET /_node/stats/pipelines/{id}", s.stats)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

func (s *Server) isReady() bool {
	for _, out := range s.Runner.Outputs() {
		if r, ok := out.(plugin.ReachabilityReporter); ok && !r.Reachable() {
			return false
		}
	}
	for _, in := range s.Runner.Inputs() {
		if r, ok := in.(plugin.ServingNotifier); ok {
			select {
			case <-r.Serving():
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
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type eventCounts struct {
	In                     int64 `json:"in"`
	Filtered               int64 `json:"filtered"`
	Out                    int64 `json:"out"`
	Dropped                int64 `json:"dropped"`
	ParseFailures          int64 `json:"parse_failures"`
	DurationInMillis       int64 `json:"duration_in_millis"`
	QueuePushDurationMills int64 `json:"queue_push_duration_in_millis"`
}

type pluginStats struct {
	ID      string           `json:"id"`
	Metrics map[string]int64 `json:"metrics,omitempty"` // the filter's own

	Events struct {
		In               int64 `json:"in"`
		Out              int64 `json:"out"`
		DurationInMillis int64 `json:"duration_in_millis"`
	} `json:"events"`
}

// stats answers /_node/stats, and as Logstash does, /_node/stats/TYPES
// (a comma-separated list of its sections: events,pipelines) and
// /_node/stats/pipelines/ID with that section alone.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	all := s.nodeStats()
	types := r.PathValue("types")
	if id := r.PathValue("id"); id != "" {
		p, ok := all["pipelines"].(map[string]any)[id]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no pipeline %q", id)})
			return
		}
		all["pipelines"] = map[string]any{id: p}
		types = "pipelines"
	}
	if types == "" {
		writeJSON(w, http.StatusOK, all)
		return
	}
	out := map[string]any{"host": all["host"], "version": all["version"], "status": all["status"]}
	for _, t := range strings.Split(types, ",") {
		v, ok := all[t]
		if !ok || t == "host" || t == "version" || t == "status" {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no stats section %q", t)})
			return
		}
		out[t] = v
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) nodeStats() map[string]any {
	m := s.Runner.Metrics
	// Each plugin's own metrics, under its kind and id.
	inputs, outputs := map[string]any{}, map[string]any{}
	filterMetrics := map[[2]string]map[string]int64{} // {pipeline, id}
	for _, pm := range s.Runner.PluginMetrics() {
		values := map[string]int64{}
		pm.Metrics.Each(func(m plugin.Metric, v int64) { values[m.Key] = v })
		if len(values) == 0 {
			continue
		}
		switch pm.Kind {
		case plugin.KindInput:
			inputs[pm.ID] = values
		case plugin.KindOutput:
			outputs[pm.ID] = values
		case plugin.KindFilter:
			filterMetrics[[2]string{pm.Pipeline, pm.ID}] = values
		}
	}
	node := eventCounts{In: m.Unrouted.Load()}
	pipelines := map[string]any{}
	for _, name := range m.PipelineNames() {
		c := m.Pipeline(name)
		ec := eventCounts{In: c.In.Load(), Filtered: c.Filtered.Load(), Out: c.Out.Load(), Dropped: c.Dropped.Load(),
			ParseFailures: c.ParseFailures.Load(), DurationInMillis: c.DurationNanos.Load() / 1e6}
		node.In += ec.In
		node.Filtered += ec.Filtered
		node.Out += ec.Out
		node.Dropped += ec.Dropped
		node.ParseFailures += ec.ParseFailures
		node.DurationInMillis += ec.DurationInMillis
		var filters []pluginStats
		for _, id := range m.PluginIDs(name) {
			ps := m.Plugin(name, id)
			var p pluginStats
			p.ID = id
			p.Metrics = filterMetrics[[2]string{name, id}]
			p.Events.In, p.Events.Out, p.Events.DurationInMillis = ps.In.Load(), ps.Out.Load(), ps.DurationNanos.Load()/1e6
			filters = append(filters, p)
		}
		pipelines[name] = map[string]any{"events": ec, "plugins": map[string]any{"filters": filters}}
	}
	at, lastErr := m.LastReload()
	reloads := map[string]any{"successes": m.ReloadSuccesses.Load(), "failures": m.ReloadFailures.Load()}
	if !at.IsZero() {
		reloads["last_attempt_at"] = at.UTC().Format(time.RFC3339Nano)
		reloads["last_error"] = lastErr
	}
	host, _ := os.Hostname()
	return map[string]any{
		"host": host, "version": s.Version, "status": s.status(),
		"jvm":          map[string]any{"uptime_in_millis": time.Since(s.started).Milliseconds()},
		"events":       node,
		"unrouted":     m.Unrouted.Load(),
		"pipelines":    pipelines,
		"inputs":       inputs,
		"outputs":      outputs,
		"data_streams": m.DataStreams(),
		"reloads":      reloads,
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves the API on addr until ctx ends. An empty addr disables it.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Listen binds the API's address (nil for an empty addr: no API), so that
// a process whose API cannot listen fails at start, as one whose inputs
// cannot does, instead of serving without health or metrics.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("monitor: listen %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves the API on ln (none if nil) until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		return nil
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

// collector exposes the runner's counters to Prometheus at scrape time.
type collector struct{ r *engine.Runner }

var (
	descIn         = prometheus.NewDesc("ingestd_events_in_total", "Events routed to the pipeline.", []string{"pipeline"}, nil)
	descFiltered   = prometheus.NewDesc("ingestd_events_filtered_total", "Events through the pipeline's filters.", []string{"pipeline"}, nil)
	descOut        = prometheus.NewDesc("ingestd_events_out_total", "Events the pipeline's outputs have written (or dead-lettered).", []string{"pipeline"}, nil)
	descDropped    = prometheus.NewDesc("ingestd_events_dropped_total", "Events dropped on purpose by a filter.", []string{"pipeline"}, nil)
	descParseFail  = prometheus.NewDesc("ingestd_parse_failures_total", "Events indexed with a failure tag (_grokparsefailure, …).", []string{"pipeline"}, nil)
	descFilterSecs = prometheus.NewDesc("ingestd_filter_duration_seconds_total", "Time spent in a filter.", []string{"pipeline", "plugin"}, nil)
	descUnrouted   = prometheus.NewDesc("ingestd_events_unrouted_total", "Events no pipeline matched (dropped).", nil, nil)
	descStream     = prometheus.NewDesc("ingestd_data_stream_events_total", "Events handed to outputs per data stream.", []string{"data_stream"}, nil)
	descReloads    = prometheus.NewDesc("ingestd_reloads_total", "Config reloads.", []string{"result"}, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descIn, descFiltered, descOut, descDropped, descParseFail, descFilterSecs, descUnrouted, descStream, descReloads} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := c.r.Metrics
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, name := range m.PipelineNames() {
		p := m.Pipeline(name)
		counter(descIn, p.In.Load(), name)
		counter(descFiltered, p.Filtered.Load(), name)
		counter(descOut, p.Out.Load(), name)
		counter(descDropped, p.Dropped.Load(), name)
		counter(descParseFail, p.ParseFailures.Load(), name)
		for _, id := range m.PluginIDs(name) {
			ch <- prometheus.MustNewConstMetric(descFilterSecs, prometheus.CounterValue, float64(m.Plugin(name, id).DurationNanos.Load())/1e9, name, id)
		}
	}
	counter(descUnrouted, m.Unrouted.Load())
	streams := m.DataStreams()
	for _, n := range slices.Sorted(maps.Keys(streams)) {
		counter(descStream, streams[n], n)
	}
	counter(descReloads, m.ReloadSuccesses.Load(), "success")
	counter(descReloads, m.ReloadFailures.Load(), "failure")
}

// pluginCollector exposes the metrics plugins registered. Which there are
// depends on the running plugins, so it describes none up front (an
// unchecked collector).
type pluginCollector struct{ r *engine.Runner }

func (c *pluginCollector) Describe(chan<- *prometheus.Desc) {}

func (c *pluginCollector) Collect(ch chan<- prometheus.Metric) {
	for _, pm := range c.r.PluginMetrics() {
		labels, values := []string{string(pm.Kind)}, []string{pm.ID}
		if pm.Kind == plugin.KindFilter {
			labels, values = []string{"pipeline", "plugin"}, []string{pm.Pipeline, pm.ID}
		}
		pm.Metrics.Each(func(m plugin.Metric, v int64) {
			if m.Prometheus == "" {
				return
			}
			d := prometheus.NewDesc("ingestd_"+m.Prometheus, m.Help, labels, nil)
			if m.Kind == plugin.Gauge {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), values...)
			} else {
				ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), values...)
			}
		})
	}
}
