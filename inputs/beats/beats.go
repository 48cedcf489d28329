// Package beats is the lumberjack v2 input that Filebeat and Elastic Agent
// ship to (their "logstash" output). The protocol is served by go-lumber's
// server/v2; every connection passes through a guard that enforces limits
// go-lumber lacks (see guardConn), and events are decoded straight into
// pipeline events. A batch is acknowledged only when every one of its
// events is done; until then go-lumber sends keepalive ACKs so the client
// waits instead of resending.
package beats

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-lumber/lj"
	lumberlog "github.com/elastic/go-lumber/log"
	server "github.com/elastic/go-lumber/server/v2"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/pipeline"
)

// Register adds the beats input to r.
func Register(r *pipeline.Registry) {
	pipeline.RegisterInput(r, "beats", "Receives Filebeat/Elastic Agent events over lumberjack v2 (TLS, mutual TLS).", New)
}

// Input is a running beats input.
type Input struct {
	cfg Config
	tls *tls.Config
	log zerolog.Logger

	drainTimeout time.Duration
	draining     atomic.Bool
	conns        atomic.Int64

	// In-flight accounting: decompressed bytes and batches read but not
	// acknowledged yet. changed is closed and replaced on every release.
	mu             sync.Mutex
	inflight       int64
	changed        chan struct{}
	pendingBatches atomic.Int64

	eventsReceived, batchesReceived atomic.Int64

	addrMu sync.Mutex
	addr   net.Addr
	ready  chan struct{}
}

// New builds a beats input from its config.
func New(cfg *Config, env pipeline.Env) (pipeline.Input, error) {
	tlsCfg, err := cfg.TLS.Build()
	if err != nil {
		return nil, fmt.Errorf("beats: tls: %w", err)
	}
	setLumberLogger(env.Logger)
	return &Input{
		cfg: *cfg, tls: tlsCfg, log: env.Logger, drainTimeout: env.DrainTimeout,
		changed: make(chan struct{}), ready: make(chan struct{}),
	}, nil
}

var lumberLogOnce sync.Once

// setLumberLogger routes go-lumber's package-level logger (its only way to
// log) to zerolog at debug level: everything it would say about a
// connection the guard already logs with the peer.
func setLumberLogger(l zerolog.Logger) {
	lumberLogOnce.Do(func() {
		lumberlog.Logger = lumberLogger{l.With().Str("component", "go-lumber").Logger()}
	})
}

type lumberLogger struct{ l zerolog.Logger }

func (l lumberLogger) Printf(f string, a ...any) { l.l.Debug().Msgf(f, a...) }
func (l lumberLogger) Println(a ...any)          { l.l.Debug().Msg(fmt.Sprintln(a...)) }
func (l lumberLogger) Print(a ...any)            { l.l.Debug().Msg(fmt.Sprint(a...)) }

// Addr returns the bound address once the input listens (nil before).
func (in *Input) Addr() net.Addr {
	in.addrMu.Lock()
	defer in.addrMu.Unlock()
	return in.addr
}

// Ready is closed once the input listens.
func (in *Input) Ready() <-chan struct{} { return in.ready }

// Run implements pipeline.Input.
func (in *Input) Run(ctx context.Context, sink pipeline.Sink) error {
	ln, err := net.Listen("tcp", in.cfg.Listen)
	if err != nil {
		return fmt.Errorf("beats: listen %s: %w", in.cfg.Listen, err)
	}
	gl := &guardListener{Listener: ln, in: in}
	batches := make(chan *lj.Batch, 2*runtime.GOMAXPROCS(0))
	srv, err := server.NewWithListener(gl,
		server.JSONDecoder(decodeEvent),
		server.Keepalive(in.cfg.Keepalive),
		server.Timeout(in.cfg.ReadTimeout),
		server.Channel(batches),
	)
	if err != nil {
		ln.Close()
		return fmt.Errorf("beats: start server: %w", err)
	}
	in.addrMu.Lock()
	in.addr = ln.Addr()
	in.addrMu.Unlock()
	close(in.ready)
	in.log.Info().Str("listen", ln.Addr().String()).Bool("tls", in.tls != nil).Msg("beats: listening")

	// Publishing blocks while pipelines are full; consumers keep doing so
	// until the drain deadline, then give up (the client resends).
	publishCtx, stopPublishing := context.WithCancel(context.Background())
	defer stopPublishing()
	var consumers sync.WaitGroup
	consumerDone := make(chan struct{})
	for range runtime.GOMAXPROCS(0) {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			in.consume(publishCtx, consumerDone, batches, sink)
		}()
	}

	<-ctx.Done()
	in.draining.Store(true)
	ln.Close() // stop accepting; connections stay open to receive their ACKs
	in.wake()
	in.awaitDrained(in.drainTimeout)
	stopPublishing()
	close(consumerDone)
	srv.Close()
	consumers.Wait()
	in.log.Info().Msg("beats: stopped")
	return nil
}

func (in *Input) consume(ctx context.Context, done <-chan struct{}, batches <-chan *lj.Batch, sink pipeline.Sink) {
	for {
		select {
		case <-done:
			return
		case b := <-batches:
			events := make([]*pipeline.Event, 0, len(b.Events))
			for _, raw := range b.Events {
				if e, ok := raw.(*pipeline.Event); ok {
					events = append(events, e)
				}
			}
			in.eventsReceived.Add(int64(len(events)))
			in.batchesReceived.Add(1)
			pipeline.Track(events, b.ACK)
			if err := sink.Publish(ctx, events); err != nil {
				in.log.Debug().Err(err).Msg("beats: batch not published at shutdown; the client will resend it")
			}
		}
	}
}

// decodeEvent is go-lumber's JSONDecoder: it decodes straight into a
// pipeline event (copying the bytes, which go-lumber reuses).
func decodeEvent(data []byte, v any) error {
	e, err := pipeline.DecodeEvent(data)
	if err != nil {
		return fmt.Errorf("beats: decode event: %w", err)
	}
	*(v.(*any)) = e
	return nil
}

// charge counts n more bytes of a connection's batch: first from what it
// reserved, then on top.
func (in *Input) charge(g *guardConn, n int64) {
	g.mu.Lock()
	if g.reserved >= n {
		g.reserved -= n
		g.mu.Unlock()
		return
	}
	extra := n - g.reserved
	g.reserved = 0
	g.mu.Unlock()
	in.mu.Lock()
	in.inflight += extra
	in.mu.Unlock()
}

func (in *Input) release(bytes int64, batches int) {
	in.mu.Lock()
	in.inflight -= bytes
	in.mu.Unlock()
	in.pendingBatches.Add(-int64(batches))
	in.wake()
}

func (in *Input) wake() {
	in.mu.Lock()
	close(in.changed)
	in.changed = make(chan struct{})
	in.mu.Unlock()
}

// reserve blocks a connection at a batch boundary until the in-flight
// bytes leave room for its next batch, then reserves an estimate of it
// (the connection's last batch size, 1 MiB at first): many connections
// starting at once cannot overshoot the budget. When nothing is in flight
// a batch may always start, even a larger one. It cannot deadlock: a
// batch that started is read to its end without waiting (only boundaries
// wait) and completes without needing budget.
//
// While it waits, the connection sends keepalive ACKs every keepalive
// interval: its client has sent the batch and waits for an answer.
func (in *Input) reserve(g *guardConn) error {
	est := g.lastBatchBytes
	if est <= 0 {
		est = 1 << 20
	}
	var tick <-chan time.Time
	for {
		in.mu.Lock()
		fits := in.inflight+est <= int64(in.cfg.MaxInflightBytes) || in.inflight == 0
		if fits {
			in.inflight += est
			in.mu.Unlock()
			g.mu.Lock()
			g.reserved = est
			g.mu.Unlock()
			return nil
		}
		changed := in.changed
		in.mu.Unlock()
		if tick == nil && in.cfg.Keepalive > 0 {
			t := time.NewTicker(in.cfg.Keepalive)
			defer t.Stop()
			tick = t.C
		}
		select {
		case <-changed:
		case <-tick:
			if err := g.keepalive(); err != nil {
				return fmt.Errorf("beats: keepalive while waiting for the in-flight budget: %w", err)
			}
		case <-g.closed:
			return net.ErrClosed
		}
	}
}

// settle gives back what a finished (or abandoned) batch reserved but did
// not use.
func (in *Input) settle(g *guardConn) {
	g.mu.Lock()
	left := g.reserved
	g.reserved = 0
	g.mu.Unlock()
	if left > 0 {
		in.release(left, 0)
	}
}

// InflightBytes returns the decompressed bytes of unacknowledged batches.
func (in *Input) InflightBytes() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.inflight
}

// InputStats implements pipeline.InputStatser.
func (in *Input) InputStats() pipeline.InputStats {
	return pipeline.InputStats{
		Connections: in.conns.Load(), InflightBatches: in.pendingBatches.Load(), InflightBytes: in.InflightBytes(),
		EventsReceived: in.eventsReceived.Load(), BatchesReceived: in.batchesReceived.Load(),
	}
}

// Connections returns the number of open connections.
func (in *Input) Connections() int64 { return in.conns.Load() }

func (in *Input) awaitDrained(timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		in.mu.Lock()
		changed := in.changed
		in.mu.Unlock()
		if in.pendingBatches.Load() <= 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			in.log.Warn().Int64("batches", in.pendingBatches.Load()).Msg("beats: drain timeout; closing connections with unacknowledged batches (clients will resend them)")
			return
		}
	}
}

// guardListener refuses connections over max_connections and wraps the
// rest in TLS (if configured) and a guard.
type guardListener struct {
	net.Listener
	in *Input
}

func (l *guardListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return nil, err
		}
		peer := c.RemoteAddr().String()
		if n := l.in.conns.Add(1); n > int64(l.in.cfg.MaxConnections) {
			l.in.conns.Add(-1)
			l.in.log.Warn().Str("peer", peer).Int("max_connections", l.in.cfg.MaxConnections).Msg("beats: refusing connection: max_connections reached")
			c.Close()
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetKeepAlive(true)
		}
		if l.in.tls != nil {
			c = tls.Server(c, l.in.tls)
		}
		l.in.log.Debug().Str("peer", peer).Msg("beats: connection accepted")
		return newGuardConn(l.in, c), nil
	}
}
