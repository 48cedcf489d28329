// Package beats is the lumberjack v2 input that Filebeat and Elastic Agent
// ship to (their "logstash" output). It speaks the protocol itself (frames,
// zlib, ACKs) rather than through go-lumber's server, which trusts its peer:
// it allocates whatever a window or frame header claims, has no idle
// timeout, logs without the peer, and copies every event twice before a
// decoder sees it. Here a batch's compressed frames are inflated (by
// internal/inflate) into slabs its events are decoded in where they lie,
// recycled once the batch is acknowledged; plain frames are read into a
// buffer per event. A batch is
// acknowledged only when every one of its events is done; until then the
// connection sends keepalive ACKs so the client waits instead of resending.
// With TLS, events carry their client's identity in [@metadata][tls_peer],
// and tls.allowed_subjects admits clients by certificate subject (see
// tls_peer.go).
package beats

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// Register adds the beats input to r.
func Register(r *plugin.Registry) {
	plugin.RegisterInput(r, "beats", "Receives Filebeat/Elastic Agent events over lumberjack v2 (TLS, mutual TLS).", New)
}

// Input is a running beats input.
type Input struct {
	slabs    slabPool        // see slabs.go
	fields   event.FieldPool // the batches' arenas' members, recycled alike
	cfg      Config
	tls      *tls.Config
	subjects subjectRules // tls.allowed_subjects (tls_peer.go)
	log      zerolog.Logger

	drainTimeout time.Duration
	draining     atomic.Bool
	conns        atomic.Int64

	// In-flight accounting (budget.go). changed is closed and replaced on
	// every release.
	mu             sync.Mutex
	inflight       int64 // bytes of batches being read or awaiting their ACK
	partial        int64 // of those, the bytes of batches still being read
	partialBatches int   // batches being read that hold bytes
	waitingMid     int   // batches whose reading waits for room
	waiting        int   // connections waiting to start a batch
	holders        int   // connections holding bytes
	overdraft      *batch
	changed        chan struct{}
	// Mirrors, for the check before each event (mayYield) without the
	// lock: the budget's room left, and whether anyone waits for it.
	room           atomic.Int64
	contended      atomic.Bool
	pendingBatches atomic.Int64

	// Connections closed or refused, by reason (see slots.go).
	refused, evicted, closedSlow, batchesRefused atomic.Int64
	overdrafts                                   atomic.Int64 // batches let over the budget to break a deadlock
	// Connections tls.allowed_subjects refused (tls_peer.go).
	refusedSubject atomic.Int64

	eventsReceived, batchesReceived atomic.Int64

	// open holds the served connections, so shutdown can close the ones
	// still open once they are drained.
	openMu    sync.Mutex
	open      map[*conn]struct{}
	perSource map[string]int
	closing   bool

	listen.Bound // Addr and Serving
}

// New builds a beats input from its config.
func New(cfg *Config, env plugin.Env) (plugin.Input, error) {
	tlsCfg, err := cfg.TLS.Build()
	if err != nil {
		return nil, fmt.Errorf("beats: tls: %w", err)
	}
	subjects, err := cfg.TLS.compileSubjects()
	if err != nil {
		return nil, fmt.Errorf("beats: tls: %w", err)
	}
	in := &Input{
		cfg: *cfg, tls: tlsCfg, subjects: subjects, log: env.Logger, drainTimeout: env.DrainTimeout,
		changed: make(chan struct{}), open: map[*conn]struct{}{}, perSource: map[string]int{},
	}
	in.room.Store(int64(cfg.MaxInflightBytes))
	in.registerMetrics(env.Metrics)
	return in, nil
}

// Run implements plugin.Input.
func (in *Input) Run(ctx context.Context, sink plugin.Sink) error {
	ln, err := net.Listen("tcp", in.cfg.Listen)
	if err != nil {
		return fmt.Errorf("beats: listen %s: %w", in.cfg.Listen, err)
	}
	in.Bind(ln.Addr())
	in.log.Info().Str("listen", ln.Addr().String()).Bool("tls", in.tls != nil).Msg("beats: listening")

	// Publishing blocks while pipelines are full; connections keep doing
	// so until the drain deadline, then give up (the client resends).
	publishCtx, stopPublishing := context.WithCancel(context.Background())
	defer stopPublishing()
	var served sync.WaitGroup
	served.Go(func() {
		in.accept(ln, func(c *conn) {
			// Added while accept itself is counted: never races Wait.
			served.Go(func() { c.serve(publishCtx, sink) })
		})
	})

	<-ctx.Done()
	in.draining.Store(true)
	ln.Close() // stop accepting; connections stay open to receive their ACKs
	in.wake()
	in.awaitDrained(in.drainTimeout)
	stopPublishing()
	in.closeAll()
	served.Wait()
	in.log.Info().Msg("beats: stopped")
	return nil
}

// accept takes connections until ln is closed: it refuses those over
// max_connections and hands the rest, TLS-wrapped if configured, to serve.
func (in *Input) accept(ln net.Listener, serve func(*conn)) {
	listen.Accept(ln, in.log, "beats", func(nc net.Conn) {
		peer := nc.RemoteAddr().String()
		source := sourceOf(nc.RemoteAddr())
		if !in.admitConn(source) {
			in.refused.Add(1)
			in.log.Warn().Str("peer", peer).Int("max_connections", in.cfg.MaxConnections).Int("max_connections_per_source", in.cfg.MaxPerSource).
				Msg("beats: refusing connection: every slot is busy with a batch")
			nc.Close()
			return
		}
		in.conns.Add(1)
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetKeepAlive(true)
		}
		if in.tls != nil {
			nc = tls.Server(nc, in.tls)
		}
		in.log.Debug().Str("peer", peer).Msg("beats: connection accepted")
		c := newConn(in, nc)
		c.source = source
		if !in.track(c) {
			c.Close() // shutting down
			return
		}
		serve(c)
	})
}

// track registers c as open; false once shutdown has closed the others.
func (in *Input) track(c *conn) bool {
	in.openMu.Lock()
	defer in.openMu.Unlock()
	if in.closing {
		return false
	}
	in.open[c] = struct{}{}
	in.perSource[c.source]++
	return true
}

func (in *Input) untrack(c *conn) {
	in.openMu.Lock()
	if _, ok := in.open[c]; ok {
		delete(in.open, c)
		if in.perSource[c.source]--; in.perSource[c.source] <= 0 {
			delete(in.perSource, c.source)
		}
	}
	in.openMu.Unlock()
}

// closeAll closes every open connection (after the drain: what is still
// unacknowledged there, the clients resend).
func (in *Input) closeAll() {
	in.openMu.Lock()
	in.closing = true
	open := make([]*conn, 0, len(in.open))
	for c := range in.open {
		open = append(open, c)
	}
	in.openMu.Unlock()
	for _, c := range open {
		c.Close()
	}
}

// InflightBytes returns the decompressed bytes of unacknowledged batches.
func (in *Input) InflightBytes() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.inflight
}

// registerMetrics registers the input's gauges and counters, under the
// names /_node/stats and Prometheus have always shown.
func (in *Input) registerMetrics(m *plugin.Metrics) {
	m.Register(plugin.Metric{Key: "connections", Prometheus: "input_connections", Help: "Open client connections.", Kind: plugin.Gauge}, in.conns.Load)
	m.Register(plugin.Metric{Key: "inflight_batches", Prometheus: "input_inflight_batches", Help: "Batches received and not yet acknowledged.", Kind: plugin.Gauge}, in.pendingBatches.Load)
	m.Register(plugin.Metric{Key: "inflight_bytes", Prometheus: "input_inflight_bytes", Help: "Decompressed bytes of unacknowledged batches.", Kind: plugin.Gauge}, in.InflightBytes)
	m.Register(plugin.Metric{Key: "events_received", Prometheus: "input_events_received_total", Help: "Events received by the input.", Kind: plugin.Counter}, in.eventsReceived.Load)
	m.Register(plugin.Metric{Key: "batches_received", Help: "Batches received by the input.", Kind: plugin.Counter}, in.batchesReceived.Load)
	m.Register(plugin.Metric{Key: "connections_refused", Prometheus: "input_connections_refused_total", Help: "Connections refused: every slot was busy with a batch.", Kind: plugin.Counter}, in.refused.Load)
	m.Register(plugin.Metric{Key: "connections_refused_subject", Prometheus: "input_connections_refused_subject_total", Help: "Connections closed after the TLS handshake: no client certificate, or one whose subject tls.allowed_subjects does not admit.", Kind: plugin.Counter}, in.refusedSubject.Load)
	m.Register(plugin.Metric{Key: "connections_evicted", Prometheus: "input_connections_evicted_total", Help: "Idle connections closed to admit a new one.", Kind: plugin.Counter}, in.evicted.Load)
	m.Register(plugin.Metric{Key: "connections_closed_slow", Prometheus: "input_connections_closed_slow_total", Help: "Connections closed for sending below min_transfer_rate or not finishing a frame header in time.", Kind: plugin.Counter}, in.closedSlow.Load)
	m.Register(plugin.Metric{Key: "batches_refused", Prometheus: "input_batches_refused_total", Help: "Batches refused: over max_batch_bytes, or a decompression bomb.", Kind: plugin.Counter}, in.batchesRefused.Load)
	m.Register(plugin.Metric{Key: "budget_overdrafts", Prometheus: "input_budget_overdrafts_total", Help: "Batches let over the in-flight budget because every batch in flight was waiting for room.", Kind: plugin.Counter}, in.overdrafts.Load)
}

// Connections returns the number of open connections.
func (in *Input) Connections() int64 { return in.conns.Load() }
