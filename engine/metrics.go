package engine

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counters are the event counts of one pipeline (or of the node).
type Counters struct {
	In            atomic.Int64 // routed to the pipeline
	Filtered      atomic.Int64 // through the filters
	Out           atomic.Int64 // written (or dead-lettered) by every output
	Dropped       atomic.Int64 // dropped on purpose by a filter
	ParseFailures atomic.Int64 // carried a failure tag (_…failure) after the filters
	DurationNanos atomic.Int64 // time spent in the filters
}

// PluginStats are one filter's counts.
type PluginStats struct {
	In            atomic.Int64
	Out           atomic.Int64
	DurationNanos atomic.Int64
}

// Metrics are the node's counters. They belong to the runner, not to a
// config generation, so they keep counting across reloads.
type Metrics struct {
	mu          sync.Mutex
	pipelines   map[string]*Counters
	plugins     map[[2]string]*PluginStats // {pipeline, filter id}
	dataStreams sync.Map                   // name → *atomic.Int64
	Unrouted    atomic.Int64               // events no pipeline matched (dropped)

	ReloadSuccesses atomic.Int64
	ReloadFailures  atomic.Int64
	lastReloadErr   atomic.Pointer[string]
	lastReloadAt    atomic.Int64 // unix nanos
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{pipelines: map[string]*Counters{}, plugins: map[[2]string]*PluginStats{}}
}

// Pipeline returns (creating) the counters of a pipeline.
func (m *Metrics) Pipeline(name string) *Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.pipelines[name]
	if c == nil {
		c = &Counters{}
		m.pipelines[name] = c
	}
	return c
}

// Plugin returns (creating) the counters of a filter of a pipeline.
func (m *Metrics) Plugin(pipeline, id string) *PluginStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{pipeline, id}
	s := m.plugins[k]
	if s == nil {
		s = &PluginStats{}
		m.plugins[k] = s
	}
	return s
}

// PipelineNames lists the pipelines with counters, sorted.
func (m *Metrics) PipelineNames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.pipelines))
}

// PluginIDs lists the filter ids of a pipeline with counters, sorted.
func (m *Metrics) PluginIDs(pipeline string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.plugins {
		if k[0] == pipeline {
			out = append(out, k[1])
		}
	}
	sort.Strings(out)
	return out
}

func (m *Metrics) countDataStream(name string) {
	v, ok := m.dataStreams.Load(name)
	if !ok {
		// Kept for the process's life: a copy, in case a name ever comes
		// from an event's own bytes, which its input recycles.
		v, _ = m.dataStreams.LoadOrStore(strings.Clone(name), new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(1)
}

// DataStreams returns the events handed to outputs per data stream.
func (m *Metrics) DataStreams() map[string]int64 {
	out := map[string]int64{}
	m.dataStreams.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (m *Metrics) reloaded(err error) {
	m.lastReloadAt.Store(time.Now().UnixNano())
	if err != nil {
		m.ReloadFailures.Add(1)
		s := err.Error()
		m.lastReloadErr.Store(&s)
		return
	}
	m.ReloadSuccesses.Add(1)
	m.lastReloadErr.Store(nil)
}

// LastReload returns when the last reload was tried and its error ("" if
// it succeeded or none was tried).
func (m *Metrics) LastReload() (time.Time, string) {
	var at time.Time
	if ns := m.lastReloadAt.Load(); ns != 0 {
		at = time.Unix(0, ns)
	}
	if s := m.lastReloadErr.Load(); s != nil {
		return at, *s
	}
	return at, ""
}
