// Package udp is the udp input, Logstash's logstash-input-udp: each
// datagram is one event with the plain codec (its text in message), one
// or more with json (an object or an array of them), or one per line with
// line and json_lines. Each event carries the sender's IP address in host,
// or [host][ip] with ECS compatibility (source_ip_fieldname), as Logstash
// does.
//
// The protocol has no acknowledgement, nor any flow control: one goroutine
// reads the socket into a queue of queue_size datagrams and another
// decodes and publishes them in batches (all that is queued, so a burst
// makes large batches and a lone datagram is published at once). While
// the pipelines are full the queue fills, the socket is not read, and the
// kernel drops what its receive buffer cannot hold, as with Logstash. An
// event not yet written by the outputs is lost if ingestd dies, exactly as
// with Logstash's udp input without a persistent queue. Logstash's workers
// option has no counterpart: decoding is cheap next to the filters, which
// run on the pipelines.
package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/codec"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the udp input to r.
func Register(r *plugin.Registry) {
	plugin.RegisterInput(r, "udp", "Receives datagrams over UDP, plain, line or JSON (Logstash's udp input); no acknowledgement.", New)
}

// maxBatchEvents bounds the events of one batch.
const maxBatchEvents = 2048

// Input is a running udp input.
type Input struct {
	cfg          Config
	log          zerolog.Logger
	dec          codec.Decoder
	drainTimeout time.Duration

	counters  codec.Counters
	datagrams atomic.Int64
	queued    atomic.Int64
	inflight  atomic.Int64
	warnedCut atomic.Bool

	listen.Bound // Addr and Serving
}

// datagram is one datagram read, with its sender.
type datagram struct {
	data      []byte
	from      event.Value // the sender's IP address
	truncated bool
}

// New builds a udp input from its config.
func New(cfg *Config, env plugin.Env) (plugin.Input, error) {
	if errs := cfg.Check(); len(errs) > 0 {
		return nil, fmt.Errorf("udp: %s: %s", errs[0].Field, errs[0].Msg)
	}
	in := &Input{cfg: *cfg, log: env.Logger, drainTimeout: env.DrainTimeout}
	in.dec = codec.NewDecoder(cfg.Codec, &in.counters)
	if cfg.ECSCompatibility.ECS() {
		in.dec = in.dec.WithOriginal()
	}
	in.registerMetrics(env.Metrics)
	return in, nil
}

// Run implements plugin.Input.
func (in *Input) Run(ctx context.Context, sink plugin.Sink) error {
	pc, err := net.ListenPacket("udp", in.cfg.Listen)
	if err != nil {
		return fmt.Errorf("udp: listen %s: %w", in.cfg.Listen, err)
	}
	uc := pc.(*net.UDPConn)
	if in.cfg.ReceiveBufferBytes > 0 {
		if err := uc.SetReadBuffer(int(in.cfg.ReceiveBufferBytes)); err != nil {
			pc.Close()
			return fmt.Errorf("udp: receive_buffer_bytes %d: %w", int64(in.cfg.ReceiveBufferBytes), err)
		}
	}
	in.Bind(pc.LocalAddr())
	in.log.Info().Str("listen", pc.LocalAddr().String()).Str("codec", in.cfg.Codec).Msg("udp: listening")

	queue := make(chan datagram, in.cfg.QueueSize)
	publishCtx, stopPublishing := context.WithCancel(context.Background())
	defer stopPublishing()
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(queue) // the publisher ends once the queue is empty
		in.read(ctx.Done(), uc, queue)
	})
	published := make(chan struct{})
	go func() {
		defer close(published)
		in.publish(publishCtx, sink, queue)
	}()

	<-ctx.Done()
	pc.Close() // ends read; the publisher publishes what is queued
	wg.Wait()
	listen.Drain(published, in.drainTimeout, stopPublishing, in.log, "udp: datagrams received and not yet published at the drain deadline are lost")
	in.log.Info().Msg("udp: stopped")
	return nil
}

// read reads datagrams into queue until the socket is closed or stop is
// (a full queue must not hold shutdown up). A datagram
// is read into a buffer one byte longer than buffer_size, so that a
// longer one (cut by the kernel) is known.
func (in *Input) read(stop <-chan struct{}, uc *net.UDPConn, queue chan<- datagram) {
	buf := make([]byte, in.cfg.BufferSize+1)
	for {
		n, from, err := uc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Errors of one datagram (ICMP-caused, on some systems) do not
			// end the input.
			in.log.Debug().Err(err).Msg("udp: read failed")
			continue
		}
		d := datagram{from: event.String(from.Addr().Unmap().String())}
		if n > in.cfg.BufferSize {
			n, d.truncated = in.cfg.BufferSize, true
		}
		d.data = append([]byte(nil), buf[:n]...)
		in.datagrams.Add(1)
		in.queued.Add(1)
		select {
		case queue <- d:
		case <-stop:
			in.queued.Add(-1)
			in.log.Warn().Msg("udp: a datagram received at shutdown with the queue full is lost")
			return
		}
	}
}

// publish decodes the queued datagrams and commits them in batches: a
// batch takes whatever is queued (up to maxBatchEvents events), so it
// never waits for more.
func (in *Input) publish(ctx context.Context, sink plugin.Sink, queue <-chan datagram) {
	producer := sink.Open()
	defer producer.Close()
	var split *codec.Splitter
	if in.cfg.Codec == codec.Line || in.cfg.Codec == codec.JSONLines {
		split = codec.NewSplitter(in.cfg.delimiter(), in.cfg.BufferSize)
	}
	var b plugin.Batch
	events := 0
	batchDone := func() { in.inflight.Add(-1) }
	var from event.Value // the sender of the datagram being decoded
	// One closure for every datagram: none is made per datagram.
	add := func(e *event.Event) {
		if !e.Has(in.cfg.sourceIP) {
			e.Set(in.cfg.sourceIP, from)
		}
		if b == nil {
			b = producer.Begin(0, batchDone)
			in.inflight.Add(1)
		}
		b.Add(e)
		events++
	}
	for d := range queue {
		for {
			in.queued.Add(-1)
			from = d.from
			in.decode(split, d, add)
			if events >= maxBatchEvents {
				break
			}
			var ok bool
			select {
			case d, ok = <-queue:
			default:
			}
			if !ok {
				break
			}
		}
		if b == nil {
			continue
		}
		err := b.Commit(ctx)
		b, events = nil, 0
		if err != nil {
			in.inflight.Add(-1) // its done never runs
			in.log.Warn().Err(err).Msg("udp: datagrams not published (shutdown); they are lost")
			for range queue {
				in.queued.Add(-1) // drained so the reader never blocks
			}
			return
		}
	}
}

// decode makes the events of one datagram.
func (in *Input) decode(split *codec.Splitter, d datagram, emit func(*event.Event)) {
	if d.truncated {
		ev := in.log.Debug()
		if in.warnedCut.CompareAndSwap(false, true) {
			ev = in.log.Warn() // once: a sender cannot flood the log
		}
		ev.Str("peer", d.from.Str()).Int("buffer_size", in.cfg.BufferSize).Msg("udp: datagram longer than buffer_size cut and tagged _truncated")
	}
	if split == nil {
		in.dec.Decode(d.data, d.truncated, emit)
		return
	}
	// A datagram is a whole message: its last line ends with it, and no
	// line spans two datagrams (which may come from different senders).
	split.Feed(d.data, func(text []byte, _ bool) { in.dec.Decode(text, false, emit) })
	// The last line is the one a cut datagram lost the end of.
	split.Flush(func(text []byte, _ bool) { in.dec.Decode(text, d.truncated, emit) })
}

// registerMetrics registers the input's gauges and counters.
func (in *Input) registerMetrics(m *plugin.Metrics) {
	m.Register(plugin.Metric{Key: "datagrams_received", Prometheus: "input_udp_datagrams_received_total", Help: "UDP datagrams received.", Kind: plugin.Counter}, in.datagrams.Load)
	m.Register(plugin.Metric{Key: "queued_datagrams", Prometheus: "input_udp_queued_datagrams", Help: "UDP datagrams received and not yet decoded (at most queue_size).", Kind: plugin.Gauge}, in.queued.Load)
	m.Register(plugin.Metric{Key: "inflight_batches", Prometheus: "input_inflight_batches", Help: "Batches received and not yet acknowledged.", Kind: plugin.Gauge}, in.inflight.Load)
	in.counters.Register(m)
}
