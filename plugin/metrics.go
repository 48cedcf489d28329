package plugin

import (
	"sync"
	"sync/atomic"
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

// DeliveryCounters are the counts every output reports, under the names
// /_node/stats and Prometheus have always shown for outputs. An output
// that has no use for one (a file has no 409s) leaves it at zero.
type DeliveryCounters struct {
	Written      atomic.Int64 // delivered (indexed, appended)
	Duplicates   atomic.Int64 // already there (409), counted as delivered
	Retried      atomic.Int64 // retries, per event
	DeadLettered atomic.Int64 // refused for good, in the dead-letter store
	Failures     atomic.Int64 // failed requests or writes
}

// MetricDeadLettered is the key of DeliveryCounters.DeadLettered among an
// output's metrics (replay reads it to say what was refused again).
const MetricDeadLettered = "dead_lettered"

// Register registers the counters on ms.
func (c *DeliveryCounters) Register(ms *Metrics) {
	for _, m := range []struct {
		key, prom, help string
		v               *atomic.Int64
	}{
		{"written", "output_events_written_total", "Events delivered by the output (indexed, appended).", &c.Written},
		{"duplicates", "output_events_duplicate_total", "Events already present (409), counted as delivered.", &c.Duplicates},
		{"retried", "output_events_retried_total", "Event retries (429/5xx items, failed requests).", &c.Retried},
		{MetricDeadLettered, "output_events_dead_lettered_total", "Events refused for good and written to the dead-letter store.", &c.DeadLettered},
		{"failures", "output_failures_total", "Failed requests or writes.", &c.Failures},
	} {
		ms.Register(Metric{Key: m.key, Prometheus: m.prom, Help: m.help, Kind: Counter}, m.v.Load)
	}
}
