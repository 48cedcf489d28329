// Package pipeline is the pipeline input, the receiving end of Logstash's
// pipeline-to-pipeline communication: it listens on a virtual address of
// the node's bus (plugin.Bus), and what a pipeline output sends there
// enters the engine as this input's events, routed to the pipelines that
// take this input (their inputs list) and acknowledged back to the sender
// once written.
package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the pipeline input to r.
func Register(r *plugin.Registry) {
	plugin.RegisterInput(r, "pipeline", "Receives what pipeline outputs of this node send to its address (Logstash's pipeline-to-pipeline input).", New)
}

// Config is the pipeline input's config.
type Config struct {
	Address string `yaml:"address" required:"true" doc:"the virtual address pipeline outputs send to (their send_to); one input per address on a node"`
}

// Check validates the address.
func (c *Config) Check() []spec.FieldError {
	if c.Address == "" {
		return []spec.FieldError{{Field: "address", Msg: "must not be empty"}}
	}
	return nil
}

// BusAddress implements plugin.BusListener.
func (c *Config) BusAddress() string { return c.Address }

// Input listens on one bus address.
type Input struct {
	address string
	bus     *plugin.Bus
	serving chan struct{}
}

// New builds a pipeline input.
func New(cfg *Config, env plugin.Env) (plugin.Input, error) {
	if env.Bus == nil {
		return nil, errors.New("pipeline: no bus: this input runs on a node (ingestd run)")
	}
	return &Input{address: cfg.Address, bus: env.Bus, serving: make(chan struct{})}, nil
}

// Run listens until ctx ends. The events sent meanwhile are published by
// the senders themselves, through sink.
func (in *Input) Run(ctx context.Context, sink plugin.Sink) error {
	stop, err := in.bus.Listen(in.address, sink)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	defer stop()
	close(in.serving)
	<-ctx.Done()
	return nil
}

// NodeFed implements plugin.NodeFed: the input only receives what
// pipeline outputs of the node send.
func (in *Input) NodeFed() {}

// Serving implements plugin.ServingNotifier.
func (in *Input) Serving() <-chan struct{} { return in.serving }
