// Package stdout writes events to standard output, for debugging
// pipelines: as NDJSON ({"data_stream": name, "event": doc} per line), or
// as Logstash's rubydebug codec prints them.
package stdout

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the stdout output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "stdout", "Prints events as NDJSON to standard output (debugging).", New)
}

// Config is the stdout output's config.
type Config struct {
	Codec          string `yaml:"codec" default:"json_lines" enum:"json_lines,rubydebug" doc:"json_lines: one JSON line per event; rubydebug: Logstash's rubydebug codec, a Ruby-style hash per event (for reading, not parsing)"`
	WithDataStream bool   `yaml:"with_data_stream" default:"true" doc:"json_lines: wrap each event as {\"data_stream\":...,\"event\":...}"`
	Metadata       bool   `yaml:"metadata" doc:"rubydebug: print @metadata too (the rubydebug codec's metadata option)"`
}

// Output is a stdout output; it is safe for concurrent Send.
type Output struct {
	mu        sync.Mutex
	w         *bufio.Writer
	wrap      bool
	rubydebug bool
	metadata  bool
	closed    bool
}

// New builds a stdout output.
func New(cfg *Config, _ plugin.Env) (plugin.Output, error) {
	o := NewWriter(os.Stdout, cfg.WithDataStream)
	o.rubydebug, o.metadata = cfg.Codec == "rubydebug", cfg.Metadata
	return o, nil
}

// NewWriter returns an output writing to w.
func NewWriter(w io.Writer, wrap bool) *Output {
	return &Output{w: bufio.NewWriterSize(w, 64<<10), wrap: wrap}
}

// Start implements plugin.Output: the output has no goroutine.
func (o *Output) Start() error { return nil }

// Send writes events and flushes before acknowledging them. The
// pipeline's name is not written.
func (o *Output) Send(_ context.Context, _ string, events []*event.Event) error {
	var buf []byte
	for _, e := range events {
		if o.rubydebug {
			buf = appendRubyDebug(buf, e, o.metadata)
			continue
		}
		if o.wrap {
			buf = append(buf, `{"data_stream":`...)
			buf = event.AppendQuoted(buf, e.DataStream)
			buf = append(buf, `,"event":`...)
			buf = append(e.AppendJSON(buf), '}', '\n')
		} else {
			buf = append(e.AppendJSON(buf), '\n')
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return fmt.Errorf("stdout: closed")
	}
	if _, err := o.w.Write(buf); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	for _, e := range events {
		e.Done()
	}
	return nil
}

// Close flushes the output.
func (o *Output) Close(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	return o.w.Flush()
}
