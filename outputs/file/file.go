// Package file is the output of the embedded default config: one NDJSON
// file per data stream, $INGESTD_DATA_DIR/streams/<data stream>.ndjson.
// Events are acknowledged only after their bytes are written and (by
// default) fsynced. Writes are group-committed: every worker encodes its
// own events, one writer goroutine appends whatever has queued up and
// syncs each touched file once per round.
package file

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Register adds the file output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "file", "Writes NDJSON, one file per data stream, synced before acknowledging.", New)
}

// Config is the file output's config.
type Config struct {
	Dir       string `yaml:"dir" doc:"directory of the NDJSON files; <data_dir>/streams when empty"`
	Sync      bool   `yaml:"sync" default:"true" doc:"fsync files before events are acknowledged"`
	QueueSize int    `yaml:"queue_size" default:"64" doc:"encoded chunks waiting for the writer before senders block"`
}

// Check validates the config.
func (c *Config) Check() []spec.FieldError {
	if c.QueueSize < 1 {
		return []spec.FieldError{{Field: "queue_size", Msg: "must be at least 1"}}
	}
	return nil
}

// Output is a file output. New builds it; Start runs its writer.
type Output struct {
	dir   string
	sync  bool
	log   zerolog.Logger
	queue chan *chunk
	files map[string]*os.File // owned by the writer goroutine

	lifecycle plugin.Lifecycle
	closeOnce sync.Once
	stopped   chan struct{}

	// Written and Failures are counted; the others stay zero (a file
	// output has no duplicates, item retries or dead letters).
	counts plugin.DeliveryCounters
}

// chunk is a set of events encoded by a sender, grouped per data stream.
type chunk struct {
	streams []streamData
	events  []*event.Event
}

type streamData struct {
	name string
	data []byte
}

// New builds a file output: it creates the directory and registers the
// metrics. Nothing runs before Start.
func New(cfg *Config, env plugin.Env) (plugin.Output, error) {
	dir := cfg.Dir
	if dir == "" {
		dir = filepath.Join(env.DataDir, "streams")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	o := &Output{
		dir: dir, sync: cfg.Sync, log: env.Logger,
		queue:   make(chan *chunk, cfg.QueueSize),
		files:   map[string]*os.File{},
		stopped: make(chan struct{}),
	}
	o.counts.Register(env.Metrics)
	return o, nil
}

// Start runs the writer until Close.
func (o *Output) Start() error {
	if err := o.lifecycle.Start(func() { go o.writer() }); err != nil {
		return fmt.Errorf("file: start: %w", err)
	}
	return nil
}

// Dir returns the directory the output writes to.
func (o *Output) Dir() string { return o.dir }

// Send encodes events in the caller's goroutine and queues them for the
// writer; it blocks while the writer is behind. The pipeline's name is
// not written.
func (o *Output) Send(ctx context.Context, _ string, events []*event.Event) error {
	c := encode(events)
	select {
	case o.queue <- c:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("file: %w", ctx.Err())
	}
}

func encode(events []*event.Event) *chunk {
	c := &chunk{events: events}
	index := map[string]int{}
	for _, e := range events {
		name := e.DataStream
		if name == "" {
			name = "unnamed"
		}
		i, ok := index[name]
		if !ok {
			i = len(c.streams)
			index[name] = i
			c.streams = append(c.streams, streamData{name: name, data: make([]byte, 0, 512*len(events))})
		}
		c.streams[i].data = append(e.AppendJSON(c.streams[i].data), '\n')
	}
	return c
}

// writer owns the files: it drains the queue in rounds, writes every chunk
// of a round, syncs each touched file once, then marks the events done.
func (o *Output) writer() {
	defer close(o.stopped)
	for c := range o.queue {
		round := []*chunk{c}
	more:
		for len(round) < cap(o.queue) {
			select {
			case next, ok := <-o.queue:
				if !ok {
					break more
				}
				round = append(round, next)
			default:
				break more
			}
		}
		o.commit(round)
	}
	for name, f := range o.files {
		if err := f.Close(); err != nil {
			o.log.Error().Err(err).Str("stream", name).Msg("file: close")
		}
	}
}

// commit writes a round, retrying with backoff until the disk takes it:
// events are never acknowledged unwritten, and while the writer retries
// the queue fills and back-pressure reaches the clients.
func (o *Output) commit(round []*chunk) {
	backoff := 100 * time.Millisecond
	for {
		err := o.writeRound(round)
		if err == nil {
			break
		}
		o.counts.Failures.Add(1)
		o.log.Error().Err(err).Dur("retry_in", backoff).Msg("file: write failed; events stay unacknowledged")
		time.Sleep(backoff)
		backoff = min(2*backoff, 10*time.Second)
	}
	for _, c := range round {
		o.counts.Written.Add(int64(len(c.events)))
		for _, e := range c.events {
			e.Done()
		}
	}
}

func (o *Output) writeRound(round []*chunk) error {
	touched := map[string]*os.File{}
	sizes := map[string]int64{}
	var err error
	for _, c := range round {
		for _, s := range c.streams {
			f, ok := touched[s.name]
			if !ok {
				if f, err = o.file(s.name); err != nil {
					break
				}
				touched[s.name] = f
				if sizes[s.name], err = f.Seek(0, 2); err != nil {
					break
				}
			}
			if _, err = f.Write(s.data); err != nil {
				err = fmt.Errorf("file: write %s: %w", f.Name(), err)
				break
			}
		}
		if err != nil {
			break
		}
	}
	if err == nil && o.sync {
		for _, n := range slices.Sorted(maps.Keys(touched)) {
			if serr := touched[n].Sync(); serr != nil {
				err = fmt.Errorf("file: sync %s: %w", touched[n].Name(), serr)
				break
			}
		}
	}
	if err != nil {
		// Undo the partial round so the retry does not duplicate lines.
		for n, f := range touched {
			if terr := f.Truncate(sizes[n]); terr != nil {
				err = errors.Join(err, terr)
			}
			_, _ = f.Seek(sizes[n], 0)
		}
	}
	return err
}

func (o *Output) file(stream string) (*os.File, error) {
	if f, ok := o.files[stream]; ok {
		return f, nil
	}
	path := filepath.Join(o.dir, stream+".ndjson")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	o.files[stream] = f
	return f, nil
}

// Close writes what was sent, syncs and closes the files. On an output
// never started there is nothing to write (no file is open yet): events
// queued before Start stay unacknowledged.
func (o *Output) Close(ctx context.Context) error {
	started := o.lifecycle.Close()
	o.closeOnce.Do(func() { close(o.queue) })
	if !started {
		return nil
	}
	select {
	case <-o.stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("file: close: %w", ctx.Err())
	}
}
