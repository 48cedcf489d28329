package plugin

import (
	"sync"
)

// MetricKind says how a metric behaves.
type MetricKind uint8

// The metric kinds.
const (
	Counter MetricKind = iota // only grows
	Gauge                     // goes up and down
)

// Metric describes one number a plugin reports.
type Metric struct {
	// Key is its name in /_node/stats, under the plugin's kind and id
	// ("inputs": {"beats": {"connections": 3}}).
	Key string
	// Prometheus is its Prometheus name without the ingestd_ prefix (the
	// plugin's id is the label named after its kind); empty leaves it out
	// of /metrics.
	Prometheus string
	Help       string
	Kind       MetricKind
}

// Metrics is one plugin instance's set of metrics: the plugin registers a
// read function per metric when it is built, and the monitoring API reads
// them when asked. A nil *Metrics ignores registrations, so plugins built
// by tests and tools need none.
type Metrics struct {
	mu      sync.Mutex
	entries []metricEntry
}

type metricEntry struct {
	m    Metric
	read func() int64
}

// Register adds a metric whose value read returns (it must be safe to call
// from any goroutine).
func (ms *Metrics) Register(m Metric, read func() int64) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.entries = append(ms.entries, metricEntry{m, read})
}

// Each calls fn with every metric and its current value, in the order they
// were registered.
func (ms *Metrics) Each(fn func(m Metric, value int64)) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	entries := ms.entries
	ms.mu.Unlock()
	for _, e := range entries {
		fn(e.m, e.read())
	}
}
