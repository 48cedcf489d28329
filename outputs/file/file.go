// Package file is the output of the embedded default config: one NDJSON
// file per data stream, $INGESTD_DATA_DIR/streams/<data stream>.ndjson; or,
// as Logstash's file output, the file a path template names per event,
// written as JSON lines or with a line format.
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
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
	"github.com/rs/zerolog"
)

// Register adds the file output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "file", "Writes NDJSON, one file per data stream, synced before acknowledging.", New)
}

// Config is the file output's config.
type Config struct {
	Dir             string `yaml:"dir" doc:"directory of the NDJSON files; <data_dir>/streams when empty"`
	Path            string `yaml:"path" doc:"instead of dir: the file of each event, with Logstash sprintf references (%{[field]}, %{+yyyy.MM.dd}) rendered per event (Logstash's path). A rendered path outside the directory before the first reference goes to filename_failure there, as in Logstash"`
	Codec           string `yaml:"codec" default:"json_lines" enum:"json_lines,line" doc:"json_lines: the document as one JSON line; line: the format rendered (Logstash's line codec)"`
	Format          string `yaml:"format" doc:"the line codec's format, a sprintf template; empty: Logstash's event text, \"%{@timestamp} %{host} %{message}\""`
	FilenameFailure string `yaml:"filename_failure" default:"_filepath_failures" doc:"with path: the file, in the path's static directory, for events whose path leaves it"`
	Sync            bool   `yaml:"sync" default:"true" doc:"fsync files before events are acknowledged"`
	QueueSize       int    `yaml:"queue_size" default:"64" doc:"encoded chunks waiting for the writer before senders block"`
}

// Check validates the config.
func (c *Config) Check() []spec.FieldError {
	if c.QueueSize < 1 {
		return []spec.FieldError{{Field: "queue_size", Msg: "must be at least 1"}}
	}
	if c.Path != "" && c.Dir != "" {
		return []spec.FieldError{{Field: "path", Msg: "give dir or path, not both"}}
	}
	if c.Path != "" && pathRoot(c.Path) == "" {
		return []spec.FieldError{{Field: "path", Msg: "the directory before the first %{...} reference must not be empty"}}
	}
	if c.Path != "" && (c.FilenameFailure == "" || c.FilenameFailure == "." || c.FilenameFailure == ".." || strings.ContainsAny(c.FilenameFailure, `/\`)) {
		return []spec.FieldError{{Field: "filename_failure", Msg: "must be a file name, without a directory"}}
	}
	if c.Format != "" && c.Codec != "line" {
		return []spec.FieldError{{Field: "format", Msg: "format is the line codec's: set codec: line"}}
	}
	return nil
}

// pathRoot is the directory a path template stays inside: its elements
// before the first one with a %{...} reference (Logstash's file root).
func pathRoot(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	parts := strings.Split(abs, string(filepath.Separator))
	for i, p := range parts {
		if strings.Contains(p, "%{") {
			parts = parts[:i]
			break
		}
	}
	if len(parts) == len(strings.Split(abs, string(filepath.Separator))) {
		return filepath.Dir(abs) // no reference: the file's directory
	}
	return strings.Join(parts, string(filepath.Separator))
}

// Output is a file output. New builds it; Start runs its writer.
type Output struct {
	dir  string
	sync bool
	// With path: where each event goes, the root it must stay in, and the
	// failure file; line: the line codec's format.
	path    *template.Template
	cwd     string // what a relative path is under (read once, not per event)
	root    string
	failure string
	line    *template.Template
	log     zerolog.Logger
	queue   chan *chunk
	files   map[string]*openFile // by path; owned by the writer goroutine
	// reopenCheck is how often an open file's path is checked to still
	// name it (reopenEvery; tests check at every write).
	reopenCheck time.Duration

	lifecycle plugin.Lifecycle
	closeOnce sync.Once
	stopped   chan struct{}

	// Written and Failures are counted; the others stay zero (a file
	// output has no duplicates, item retries or dead letters).
	counts plugin.DeliveryCounters
}

// openFile is a file the writer holds open.
type openFile struct {
	f *os.File
	// used: with a path template, when it was last written (a stale file
	// is closed); checked: when its path was last seen to name it.
	used, checked time.Time
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
	if dir == "" && cfg.Path == "" {
		dir = filepath.Join(env.DataDir, "streams")
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("file: %w", err)
		}
	}
	o := &Output{
		dir: dir, sync: cfg.Sync, log: env.Logger,
		queue:       make(chan *chunk, cfg.QueueSize),
		files:       map[string]*openFile{},
		reopenCheck: reopenEvery,
		stopped:     make(chan struct{}),
	}
	if cfg.Path != "" {
		t := template.ParseLogstash(cfg.Path)
		o.path, o.root = &t, pathRoot(cfg.Path)
		cwd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("file: %w", err)
		}
		o.cwd = cwd
		o.failure = filepath.Join(o.root, cfg.FilenameFailure)
	}
	if cfg.Codec == "line" {
		format := cfg.Format
		if format == "" {
			format = "%{@timestamp} %{host} %{message}"
		}
		t := template.ParseLogstash(format)
		o.line = &t
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
	c := o.encode(events)
	select {
	case o.queue <- c:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("file: %w", ctx.Err())
	}
}

// encode groups the events' lines by the file they go to.
func (o *Output) encode(events []*event.Event) *chunk {
	c := &chunk{events: events}
	index := map[string]int{}
	for _, e := range events {
		name := o.fileOf(e)
		i, ok := index[name]
		if !ok {
			i = len(c.streams)
			index[name] = i
			// Room for every line in the first file (the common case:
			// one data stream per chunk); a path template may name many,
			// which grow as they fill.
			room := 4 << 10
			if i == 0 {
				room = 512 * len(events)
			}
			c.streams = append(c.streams, streamData{name: name, data: make([]byte, 0, room)})
		}
		if o.line != nil {
			c.streams[i].data = append(append(c.streams[i].data, o.line.RenderLogstash(e)...), '\n')
		} else {
			c.streams[i].data = append(e.AppendJSON(c.streams[i].data), '\n')
		}
	}
	return c
}

// fileOf names the file e goes to: its data stream, or with a path
// template, the rendered path.
func (o *Output) fileOf(e *event.Event) string {
	if o.path == nil {
		// The stream's name: file makes it a path once, when it opens it.
		if e.DataStream == "" {
			return "unnamed"
		}
		return e.DataStream
	}
	p := o.path.RenderLogstash(e)
	if filepath.IsAbs(p) {
		p = filepath.Clean(p)
	} else {
		p = filepath.Join(o.cwd, p) // filepath.Abs, without its getcwd per event
	}
	if !strings.HasPrefix(p, o.root+string(filepath.Separator)) {
		return o.failure
	}
	return p
}

// writer owns the files: it drains the queue in rounds, writes every chunk
// of a round, syncs each touched file once, then marks the events done.
func (o *Output) writer() {
	defer close(o.stopped)
	// With a path template, files nobody writes to any more are closed
	// even while no event comes.
	var tick <-chan time.Time
	if o.path != nil {
		t := time.NewTicker(staleAfter)
		defer t.Stop()
		tick = t.C
	}
	for {
		var c *chunk
		select {
		case next, ok := <-o.queue:
			if !ok {
				o.closeAll()
				return
			}
			c = next
		case <-tick:
			o.closeStale()
			continue
		}
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
}

// closeAll closes every open file (the writer is ending).
func (o *Output) closeAll() {
	for name, of := range o.files {
		if err := of.f.Close(); err != nil {
			o.log.Error().Err(err).Str("file", name).Msg("file: close")
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

// staleAfter is how long a file a path template named stays open unused
// (Logstash's stale_cleanup_interval): yesterday's file of a daily path
// is closed, not held for ever.
const staleAfter = 10 * time.Second

// closeStale closes the files not written for staleAfter (the writer's
// ticker runs it), and forgets them.
func (o *Output) closeStale() {
	now := time.Now()
	for name, of := range o.files {
		if now.Sub(of.used) <= staleAfter {
			continue
		}
		if err := of.f.Close(); err != nil {
			o.log.Error().Err(err).Str("file", name).Msg("file: close")
		}
		delete(o.files, name)
	}
}

func (o *Output) writeRound(round []*chunk) error {
	touched := map[string]*os.File{}
	sizes := map[string]int64{}
	var err error
	for _, c := range round {
		for _, s := range c.streams {
			name := s.name
			f, ok := touched[name]
			if !ok {
				if f, err = o.file(name); err != nil && o.path != nil && name != o.failure {
					// A path an event named that cannot be a file (a
					// directory, too long, not allowed): the failure file
					// takes its lines, as it takes paths outside the root.
					o.log.Warn().Err(err).Msg("file: the path an event names cannot be opened; its events go to the failure file")
					name = o.failure
					f, ok = touched[name]
					if !ok {
						f, err = o.file(name)
					} else {
						err = nil
					}
				}
				if err != nil {
					break
				}
				if !ok {
					touched[name] = f
					o.files[name].used = time.Now() // the file written, the failure file included
					if sizes[name], err = f.Seek(0, 2); err != nil {
						break
					}
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

// reopenEvery is how often an open file's path is checked to still name
// it: a stat per file and second at most.
const reopenEvery = time.Second

// file returns the open file named name (see fileOf), opening it first.
// A file deleted or moved away (logrotate, an operator clearing the
// directory) is created again at its path, as Logstash's file output
// does (create_if_deleted): the lines went to the unlinked file before.
func (o *Output) file(name string) (*os.File, error) {
	path := name
	if o.path == nil {
		path = filepath.Join(o.dir, name+".ndjson")
	}
	if of, ok := o.files[name]; ok {
		now := time.Now()
		if now.Sub(of.checked) < o.reopenCheck {
			return of.f, nil
		}
		if o.stillNamed(path, of.f) {
			of.checked = now
			return of.f, nil
		}
		o.log.Info().Str("file", path).Msg("file: the file was deleted or moved away; creating it again")
		if err := of.f.Close(); err != nil {
			o.log.Warn().Err(err).Str("file", path).Msg("file: close")
		}
		delete(o.files, name)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	o.files[name] = &openFile{f: f, checked: time.Now()}
	return f, nil
}

// stillNamed reports whether path names the open file f.
func (o *Output) stillNamed(path string, f *os.File) bool {
	onDisk, err := os.Stat(path)
	if err != nil {
		return false
	}
	open, err := f.Stat()
	return err == nil && os.SameFile(onDisk, open)
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
