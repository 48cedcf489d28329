// Package plugin is the contract between ingestd's engine and its
// plugins: the Input, Filter and Output interfaces, the Env a plugin is
// built with, the Registry a binary fills, the batch API inputs publish
// through, and the optional capabilities the CLI and the monitoring API
// look for. Plugins import this package (with event and spec), never the
// engine.
package plugin

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/rs/zerolog"
)

// Input produces events. Run serves until ctx is cancelled, then stops
// accepting new data, gives in-flight data until its drain deadline to be
// acknowledged, and returns. Nothing runs before Run: constructors only
// check and store their config (what they open is released by Close, see
// Closer).
type Input interface {
	Run(ctx context.Context, sink Sink) error
}

// Filter transforms one event in place. It returns false to drop the event
// on purpose (the event then counts as done). What it keeps across events
// (a cache, a last value) must be copied out of the event: its bytes do not
// outlive its Done.
type Filter interface {
	Apply(e *event.Event) bool
}

// Output writes events. Start runs its goroutines until Close; nothing
// runs before Start. Send takes the events a pipeline's filters kept
// (it must not modify them: several outputs may share them) and calls Done
// on each once it has them durably, after its last read of them (see
// event.Event.Done); it blocks while the output is full and returns an
// error only when ctx ends or the output is closed. Close flushes what was
// sent and stops the output's goroutines.
type Output interface {
	Start() error
	Send(ctx context.Context, pipeline string, events []*event.Event) error
	Close(ctx context.Context) error
}

// Closer is implemented by filters and inputs whose constructors open
// something (a file, a cache, a client): the engine closes a filter when
// its pipeline retires, and an input once its Run has returned or when it
// will never run (a reload refused after it was built). Outputs always
// have Close.
type Closer interface {
	Close() error
}

// Location is the pipeline's zone (Timezone), UTC when none is set.
func (e Env) Location() (*time.Location, error) {
	if e.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(e.Timezone)
	if err != nil {
		return nil, fmt.Errorf("pipeline timezone: %w", err)
	}
	return loc, nil
}

// Env is what a plugin is built with.
type Env struct {
	ID       string         // the plugin instance's id
	Pipeline string         // the pipeline a filter belongs to
	DataDir  string         // the node's data directory; empty offline (pipeline tests): keep state in memory
	Logger   zerolog.Logger // already carries the plugin id
	// Timezone is the pipeline's zone for times without an offset.
	Timezone string
	// DrainTimeout bounds how long an input waits for in-flight data to be
	// acknowledged at shutdown.
	DrainTimeout time.Duration
	// Metrics is where the plugin registers its own counters and gauges;
	// nil (in tests and tools) ignores them.
	Metrics *Metrics
	// Shipped holds files shipped with the binary that plugins use by
	// default, such as the Elasticsearch index templates under
	// elasticsearch/ (nil when there are none). It comes from the node's
	// config (config.Config.Shipped), not from a package a plugin imports.
	Shipped fs.FS
	// Bus connects pipeline outputs to pipeline inputs by address; the
	// engine gives every plugin of a node the same one (nil in tools that
	// run no inputs).
	Bus *Bus
}

// Expander is implemented by filters that may turn one event into several
// (split). The engine calls Expand instead of Apply: it appends to out the
// events that take e's place, in order (e itself among them if it stays;
// none drops it) and returns out. The engine makes every new event part of
// e's batch, so it may share e's bytes (event.Event.Clone), and runs the
// rest of the pipeline on each.
type Expander interface {
	Expand(e *event.Event, out []*event.Event) []*event.Event
}
