package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Where filters run. A Filebeat batch is megabytes: by the time it has all
// been read, its first events have left the cache, and a pipeline worker
// would fetch each from memory again. So when there are at least as many
// producers (connections) as cores, every core is busy reading already,
// and each producer filters its events run by run as it adds them, while
// they are in its cache. With fewer producers the pipeline workers filter,
// so that the other cores take part. The choice is made per batch, when it
// begins.

// errRetired is returned by Commit when the generation the batch began in
// gave up waiting for it (a shutdown or reload past its deadline), or when
// the batch began after the runner had stopped.
var errRetired = errors.New("engine: stopped before the batch was in")

// Open implements plugin.Sink for events of no input in particular
// (their Input is empty); inputs the runner starts publish through
// InputSink.
func (r *Runner) Open() plugin.Producer { return r.open("") }

// InputSink returns the sink through which the input with the given id
// publishes: its events carry the id (event.Event.Input), by which
// pipelines take them.
func (r *Runner) InputSink(id string) plugin.Sink { return inputSink{r: r, id: id} }

type inputSink struct {
	r  *Runner
	id string
}

func (s inputSink) Open() plugin.Producer { return s.r.open(s.id) }

func (r *Runner) open(input string) plugin.Producer {
	r.producers.Add(1)
	return &producer{r: r, input: input}
}

// producer is one source of batches: it counts, and names its input.
type producer struct {
	r      *Runner
	input  string
	closed bool
}

func (p *producer) Close() {
	if !p.closed {
		p.closed = true
		p.r.producers.Add(-1)
	}
}

func (p *producer) Begin(sizeHint int, done func()) plugin.Batch {
	g := p.r.current()
	if g == nil {
		return stoppedBatch{}
	}
	b := &batch{r: p.r, g: g, input: p.input, ack: event.NewAck(1, done), sizeHint: sizeHint}
	b.inline = p.r.producers.Load() >= p.r.inlineMinProducers.Load()
	if b.inline {
		b.pending = make([]*event.Event, 0, runLength)
	} else {
		b.pending = make([]*event.Event, 0, min(max(sizeHint, 0), maxPresized))
	}
	return b
}

// stoppedBatch is what a batch begun after the runner stopped gets: it
// takes nothing and commits never.
type stoppedBatch struct{}

func (stoppedBatch) Add(*event.Event) {}

func (stoppedBatch) Commit(context.Context) error { return errRetired }

func (stoppedBatch) Abort() {}

// maxPresized caps the event slice allocated from a batch's size hint
// before its events arrive.
const maxPresized = 4096

// batch is one unit of acknowledgement on its way in. Its Ack starts with
// one completion of its own, given back by Commit, so done cannot run
// while events are still being added.
type batch struct {
	r      *Runner
	g      *generation // begun in: routed and filtered there
	input  string      // the id of the producer's input
	ack    *event.Ack
	inline bool
	// sizeHint is the number of events the producer expects.
	sizeHint int

	pending []*event.Event   // added and not yet routed
	routed  [][]*event.Event // inline: per pipeline of g, filtered
	ended   bool
}

func (b *batch) Add(e *event.Event) {
	e.Attach(b.ack)
	if e.Input == "" { // a replayed dead letter keeps the input it first came from
		e.Input = b.input
	}
	b.pending = append(b.pending, e)
	if b.inline && len(b.pending) == runLength {
		b.filterPending()
	}
}

// filterPending routes the pending events and runs their pipelines'
// filters now, in the producer's goroutine.
func (b *batch) filterPending() {
	b.ack.Add(len(b.pending))
	if b.routed == nil {
		b.routed = make([][]*event.Event, len(b.g.pipelines))
		if b.g.single { // all of the batch will be here: room for it once
			b.routed[0] = make([]*event.Event, 0, min(max(b.sizeHint, 0), maxPresized))
		}
	}
	for i, grp := range b.r.group(b.g, b.pending) {
		if len(grp) > 0 {
			p := b.g.pipelines[i]
			p.Counters.In.Add(int64(len(grp)))
			b.routed[i] = append(b.routed[i], p.processChunk(grp)...)
		}
	}
	b.pending = b.pending[:0]
}

func (b *batch) Commit(ctx context.Context) error {
	if b.ended {
		return fmt.Errorf("engine: batch already committed or aborted")
	}
	b.ended = true
	defer b.g.release()
	if b.inline {
		if len(b.pending) > 0 {
			b.filterPending()
		}
		for i, grp := range b.routed {
			if err := b.enqueue(ctx, i, chunk{events: grp, filtered: true}); err != nil {
				return err
			}
		}
	} else if len(b.pending) > 0 {
		b.ack.Add(len(b.pending))
		for i, grp := range b.r.group(b.g, b.pending) {
			if err := b.enqueue(ctx, i, chunk{events: grp}); err != nil {
				return err
			}
		}
	}
	b.ack.Done() // the batch's own completion: done may run now
	return nil
}

func (b *batch) Abort() {
	if !b.ended {
		b.ended = true
		b.g.release()
	}
}

// enqueue hands a chunk to pipeline i of the batch's generation, blocking
// while its queue is full.
func (b *batch) enqueue(ctx context.Context, i int, c chunk) error {
	if len(c.events) == 0 {
		return nil
	}
	p := b.g.pipelines[i]
	if b.g.workCtx.Err() != nil {
		// Retired past its deadline: the queue may still take the chunk,
		// but its outputs would not (a select picks a ready case at
		// random).
		return fmt.Errorf("pipeline %s: %w", p.Name, errRetired)
	}
	if !c.filtered {
		p.Counters.In.Add(int64(len(c.events)))
	}
	b.g.busy.Add(1) // until a worker has handed the chunk to the outputs
	select {
	case p.queue <- c:
		return nil
	case <-ctx.Done():
		b.g.busy.Add(-1)
		return fmt.Errorf("pipeline %s: %w", p.Name, ctx.Err())
	case <-b.g.workCtx.Done():
		b.g.busy.Add(-1)
		return fmt.Errorf("pipeline %s: %w", p.Name, errRetired)
	}
}

// group sorts events by the index of their pipeline in g; events no
// pipeline takes are done (unrouted). With a single pipeline that takes
// everything, events are the one group, as they are.
func (r *Runner) group(g *generation, events []*event.Event) [][]*event.Event {
	if g.single {
		return [][]*event.Event{events}
	}
	groups := make([][]*event.Event, len(g.pipelines))
	for _, e := range events {
		i := g.pipelineFor(e)
		if i < 0 {
			r.unrouted(e)
			continue
		}
		groups[i] = append(groups[i], e)
	}
	return groups
}

func (r *Runner) unrouted(e *event.Event) {
	if r.Metrics.Unrouted.Add(1)%10000 == 1 {
		r.log.Warn().Int64("total", r.Metrics.Unrouted.Load()).Msg("router: an event matched no pipeline and was dropped; add a pipeline without when as the last one")
	}
	e.Done()
}
