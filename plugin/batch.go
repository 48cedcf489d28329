package plugin

import (
	"context"

	"github.com/ingestd/ingestd/event"
)

// Sink is where an input hands its events to the engine. The engine alone
// decides where and when filters run: in the producer's goroutine while
// the events it just decoded are in its cache, or on the pipeline workers.
type Sink interface {
	// Open registers a producer: one source that fills batches one at a
	// time (a client connection, a partition reader). Close it when the
	// source ends. How many producers are open is what the engine decides
	// by.
	Open() Producer
}

// Producer fills batches one at a time.
type Producer interface {
	// Begin starts a batch: a unit of acknowledgement, such as a Filebeat
	// window. done runs once, in whichever goroutine finishes last, when
	// the batch has been committed and every event added to it is done
	// (written, dead-lettered or dropped on purpose). sizeHint is the
	// number of events expected (0 if unknown).
	Begin(sizeHint int, done func()) Batch
	// Close ends the producer; its batches must be committed or aborted.
	Close()
}

// Batch collects the events of one unit of acknowledgement.
type Batch interface {
	// Add takes the next event of the batch. The engine may run the
	// filters on it before Add returns; the event may then be done (and
	// its memory recycled) already.
	Add(e *event.Event)
	// Commit hands the batch's events to the pipelines, blocking while
	// they are full (which is how back-pressure reaches clients). It
	// returns an error only when ctx ends or the engine stops first; the
	// batch then stays unacknowledged, and the client resends it.
	Commit(ctx context.Context) error
	// Abort gives the batch up (a truncated or malformed batch): nothing of
	// it is published and done never runs; the client resends it.
	Abort()
}
