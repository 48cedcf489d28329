// Package tcp is the tcp input, Logstash's logstash-input-tcp in server
// mode: it accepts any number of connections (up to max_connections) and
// cuts each one's byte stream into events with the line or json_lines
// codec. Each event carries its client as Logstash's tcp input does:
// without ECS compatibility in host (the client's IP address; no reverse
// DNS lookup), port, and [@metadata][ip_address]; with it (Logstash 8's
// default) in [@metadata][input][tcp][source][name], [ip] and [port], the
// line in [event][original]. A field the event already has (from JSON) is
// kept.
//
// The protocol has no acknowledgement: the client knows nothing of what
// became of what it sent. Events are handed to the pipelines in batches,
// one per read from the socket (so a busy connection sends large batches
// and a quiet one is published at once), and a client is slowed down by
// not being read while the pipelines are full. An event read but not yet
// written by the outputs is lost if ingestd dies, exactly as with
// Logstash's tcp input without a persistent queue. At shutdown the input
// stops accepting, stops reading, publishes what it has read (the last
// unterminated line too) until the drain deadline, and closes the
// connections.
package tcp

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/inputs/codec"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the tcp input to r.
func Register(r *plugin.Registry) {
	plugin.RegisterInput(r, "tcp", "Receives lines or JSON lines over TCP (Logstash's tcp input, server mode); no acknowledgement.", New)
}

// Input is a running tcp input.
type Input struct {
	cfg          Config
	log          zerolog.Logger
	dec          codec.Decoder
	fields       clientFields
	drainTimeout time.Duration

	counters      codec.Counters
	conns         atomic.Int64
	refused       atomic.Int64
	inflight      atomic.Int64 // batches committed and not yet done
	truncatedWarn atomic.Bool  // the first truncation is a warning, the rest debug

	openMu  sync.Mutex
	open    map[*conn]struct{}
	closing bool

	listen.Bound // Addr and Serving
}

// New builds a tcp input from its config.
func New(cfg *Config, env plugin.Env) (plugin.Input, error) {
	if errs := cfg.Check(); len(errs) > 0 {
		return nil, fmt.Errorf("tcp: %s: %s", errs[0].Field, errs[0].Msg)
	}
	in := &Input{
		cfg: *cfg, log: env.Logger, drainTimeout: env.DrainTimeout,
		open: map[*conn]struct{}{},
	}
	name := cfg.Codec
	if name == codec.JSON {
		name = codec.JSONLines // Logstash's tcp input streams json as json_lines (fix_streaming_codecs)
	}
	in.dec = codec.NewDecoder(name, &in.counters)
	in.fields = legacyFields
	if cfg.ECSCompatibility.ECS() {
		in.dec = in.dec.WithOriginal()
		in.fields = ecsFields
	}
	in.registerMetrics(env.Metrics)
	return in, nil
}

// Connections returns the number of open connections.
func (in *Input) Connections() int64 { return in.conns.Load() }

// Run implements plugin.Input.
func (in *Input) Run(ctx context.Context, sink plugin.Sink) error {
	ln, err := net.Listen("tcp", in.cfg.Listen)
	if err != nil {
		return fmt.Errorf("tcp: listen %s: %w", in.cfg.Listen, err)
	}
	in.Bind(ln.Addr())
	in.log.Info().Str("listen", ln.Addr().String()).Str("codec", in.cfg.Codec).Msg("tcp: listening")

	// Publishing blocks while the pipelines are full; at shutdown it may
	// go on until the drain deadline, then what is left is lost.
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
	ln.Close()
	in.stopAll()
	finished := make(chan struct{})
	go func() {
		served.Wait()
		close(finished)
	}()
	listen.Drain(finished, in.drainTimeout, stopPublishing, in.log, "tcp: events read and not yet published at the drain deadline are lost")
	in.log.Info().Msg("tcp: stopped")
	return nil
}

// accept takes connections until ln is closed, refusing those over
// max_connections.
func (in *Input) accept(ln net.Listener, serve func(*conn)) {
	listen.Accept(ln, in.log, "tcp", func(nc net.Conn) {
		if in.conns.Load() >= int64(in.cfg.MaxConnections) {
			in.refused.Add(1)
			in.log.Warn().Str("peer", nc.RemoteAddr().String()).Int("max_connections", in.cfg.MaxConnections).Msg("tcp: refusing connection: max_connections are open")
			nc.Close()
			return
		}
		c := newConn(in, nc)
		if !in.track(c) {
			nc.Close() // shutting down
			return
		}
		in.log.Debug().Str("peer", nc.RemoteAddr().String()).Msg("tcp: connection accepted")
		serve(c)
	})
}

// track registers c as open; false once shutdown has begun.
func (in *Input) track(c *conn) bool {
	in.openMu.Lock()
	defer in.openMu.Unlock()
	if in.closing {
		return false
	}
	in.open[c] = struct{}{}
	in.conns.Add(1)
	return true
}

func (in *Input) untrack(c *conn) {
	in.openMu.Lock()
	defer in.openMu.Unlock()
	if _, ok := in.open[c]; ok {
		delete(in.open, c)
		in.conns.Add(-1)
	}
}

// stopAll makes every open connection stop reading; each then publishes
// what it has and closes.
func (in *Input) stopAll() {
	in.openMu.Lock()
	in.closing = true
	open := make([]*conn, 0, len(in.open))
	for c := range in.open {
		open = append(open, c)
	}
	in.openMu.Unlock()
	for _, c := range open {
		c.stop()
	}
}

// registerMetrics registers the input's gauges and counters.
func (in *Input) registerMetrics(m *plugin.Metrics) {
	m.Register(plugin.Metric{Key: "connections", Prometheus: "input_connections", Help: "Open client connections.", Kind: plugin.Gauge}, in.conns.Load)
	m.Register(plugin.Metric{Key: "connections_refused", Prometheus: "input_tcp_connections_refused_total", Help: "TCP connections closed at once: max_connections were open.", Kind: plugin.Counter}, in.refused.Load)
	m.Register(plugin.Metric{Key: "inflight_batches", Prometheus: "input_inflight_batches", Help: "Batches received and not yet acknowledged.", Kind: plugin.Gauge}, in.inflight.Load)
	in.counters.Register(m)
}
