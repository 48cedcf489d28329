// Package pipeline is the pipeline output, the sending end of Logstash's
// pipeline-to-pipeline communication: each event is copied to every
// address of send_to, where a pipeline input of the same node publishes
// it to its pipelines. An event counts as written once every copy is
// (the downstream pipelines' outputs acknowledged it), so Filebeat's
// batch is acknowledged end to end across pipelines.
//
// As in Logstash, with ensure_delivery (the default) a send to an address
// no input listens on waits until one does (a downstream pipeline being
// reloaded), and back-pressure from downstream pipelines reaches the
// sending one. Without it, events for an absent address are dropped and
// counted. Addresses must not form a cycle.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Register adds the pipeline output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "pipeline", "Sends events to the pipeline inputs of this node by address (Logstash's pipeline-to-pipeline output).", New)
}

// Config is the pipeline output's config.
type Config struct {
	SendTo         []string `yaml:"send_to" required:"true" doc:"addresses of pipeline inputs of this node; each gets its own copy of every event"`
	EnsureDelivery bool     `yaml:"ensure_delivery" default:"true" doc:"wait while no input listens on an address (true, Logstash's default), or drop the events for it and count them (false)"`
}

// Check validates the addresses.
func (c *Config) Check() []spec.FieldError {
	if len(c.SendTo) == 0 {
		return []spec.FieldError{{Field: "send_to", Msg: "give at least one address"}}
	}
	for _, a := range c.SendTo {
		if a == "" {
			return []spec.FieldError{{Field: "send_to", Msg: "an address must not be empty"}}
		}
	}
	return nil
}

// BusAddresses implements plugin.BusSender.
func (c *Config) BusAddresses() []string { return c.SendTo }

// Output sends copies of events to bus addresses.
type Output struct {
	cfg      Config
	bus      *plugin.Bus
	log      zerolog.Logger
	counters plugin.DeliveryCounters
	dropped  atomic.Int64 // no listener, ensure_delivery off
	closed   atomic.Bool
}

// New builds a pipeline output.
func New(cfg *Config, env plugin.Env) (plugin.Output, error) {
	if env.Bus == nil {
		return nil, errors.New("pipeline: no bus: this output runs on a node (ingestd run)")
	}
	o := &Output{cfg: *cfg, bus: env.Bus, log: env.Logger}
	o.counters.Register(env.Metrics)
	env.Metrics.Register(plugin.Metric{Key: "dropped_no_listener", Prometheus: "output_events_dropped_no_listener_total", Help: "Events not sent because no pipeline input listened on the address (ensure_delivery off).", Kind: plugin.Counter}, o.dropped.Load)
	return o, nil
}

// Start implements plugin.Output: the output has no goroutine.
func (o *Output) Start() error { return nil }

// Close implements plugin.Output: what was sent is the downstream
// pipelines' to finish.
func (o *Output) Close(context.Context) error {
	o.closed.Store(true)
	return nil
}

// Send publishes a copy of the events to every address, one batch per
// address, and marks each event done once every copy of it is.
func (o *Output) Send(ctx context.Context, _ string, events []*event.Event) error {
	if o.closed.Load() {
		return errors.New("pipeline: output closed")
	}
	sinks := make([]plugin.Sink, 0, len(o.cfg.SendTo))
	for _, addr := range o.cfg.SendTo {
		s, err := o.sink(ctx, addr)
		if err != nil {
			return err
		}
		if s == nil {
			o.dropped.Add(int64(len(events)))
			continue
		}
		sinks = append(sinks, s)
	}
	if len(sinks) == 0 {
		for _, e := range events {
			e.Done()
		}
		return nil
	}
	// Every copy is made before anything is held or published: an event
	// that cannot be copied is the only one that fails.
	copies := make([][]*event.Event, len(sinks))
	for i := range sinks {
		copies[i] = make([]*event.Event, 0, len(events))
	}
	originals := events[:0:0]
	for _, e := range events {
		row, err := e.CopyN(len(sinks))
		if err != nil {
			o.counters.Failures.Add(1)
			o.log.Error().Msg("pipeline: an event could not be copied (it does not encode as JSON); it is dropped")
			e.Done()
			continue
		}
		originals = append(originals, e)
		for i, c := range row {
			copies[i] = append(copies[i], c)
		}
	}
	if len(originals) == 0 {
		return nil
	}
	if extra := len(sinks) - 1; extra > 0 {
		for _, e := range originals {
			e.Hold(extra)
		}
	}
	for i, s := range sinks {
		if err := o.publish(ctx, s, originals, copies[i]); err != nil {
			// The addresses before this one have their copies: the
			// originals stay unacknowledged (only at a shutdown or reload
			// deadline), and a client's resend duplicates those.
			o.counters.Failures.Add(1)
			return fmt.Errorf("pipeline: send to %q: %w", o.cfg.SendTo[i], err)
		}
	}
	return nil
}

// sink returns the sink listening on addr, waiting for one with
// ensure_delivery; nil means drop.
func (o *Output) sink(ctx context.Context, addr string) (plugin.Sink, error) {
	if s := o.bus.Lookup(addr); s != nil {
		return s, nil
	}
	if !o.cfg.EnsureDelivery {
		return nil, nil
	}
	o.log.Warn().Str("address", addr).Msg("pipeline: no pipeline input listens on the address (its pipeline is down or reloading); waiting for one")
	start := time.Now()
	s, err := o.bus.Wait(ctx, addr)
	if err != nil {
		return nil, err
	}
	o.log.Info().Str("address", addr).Dur("waited", time.Since(start)).Msg("pipeline: the address has a listener again")
	return s, nil
}

// publish hands the copies of the originals to s as one batch; each
// original is done when the batch is.
func (o *Output) publish(ctx context.Context, s plugin.Sink, originals, copies []*event.Event) error {
	n := int64(len(originals))
	p := s.Open()
	defer p.Close()
	b := p.Begin(len(copies), func() {
		o.counters.Written.Add(n)
		for _, e := range originals {
			e.Done()
		}
	})
	for _, c := range copies {
		b.Add(c)
	}
	return b.Commit(ctx)
}
