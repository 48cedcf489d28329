package deadletter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

const replayingSuffix = ".replaying"

// Replay is a pipeline input that sends the dead letters of a directory
// through the running config, one file at a time. A file is renamed
// before it is replayed (events refused again go to a new file) and
// removed only when every one of its events is done; an interrupted replay
// resumes from the renamed file.
type Replay struct {
	Dir string
	Log zerolog.Logger

	replayed atomic.Int64
}

// Replayed is the number of events sent through the pipelines so far.
func (r *Replay) Replayed() int64 { return r.replayed.Load() }

// Run implements plugin.Input; it returns when every file is done.
func (r *Replay) Run(ctx context.Context, sink plugin.Sink) error {
	pending, _ := filepath.Glob(filepath.Join(r.Dir, "*"+replayingSuffix))
	fresh, err := Files(r.Dir)
	if err != nil {
		return err
	}
	for _, f := range fresh {
		to := f + replayingSuffix
		if err := os.Rename(f, to); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		pending = append(pending, to)
	}
	producer := sink.Open()
	defer producer.Close()
	for _, f := range pending {
		if err := r.replayFile(ctx, f, producer); err != nil {
			return err
		}
	}
	return nil
}

// replayFile sends one file's records as one batch: the file goes once
// every record of it is done.
func (r *Replay) replayFile(ctx context.Context, path string, producer plugin.Producer) error {
	records, err := Read(path)
	if err != nil {
		return err
	}
	events := make([]*event.Event, 0, len(records))
	for i, rec := range records {
		e, err := event.DecodeEvent(rec.Event)
		if err != nil {
			return fmt.Errorf("replay: %s record %d: %w", path, i+1, err)
		}
		// Routed as from the input it first came from: pipelines that take
		// events by input take it again.
		e.Input, e.Piece = rec.Input, rec.Piece
		events = append(events, e)
	}
	done := make(chan struct{})
	batch := producer.Begin(len(events), func() { close(done) })
	for _, e := range events {
		batch.Add(e)
	}
	if err := batch.Commit(ctx); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("replay: %s interrupted; it stays and resumes next time: %w", path, ctx.Err())
	}
	r.replayed.Add(int64(len(events)))
	r.Log.Info().Str("file", path).Int("events", len(events)).Msg("replay: file done")
	return os.Remove(path)
}
