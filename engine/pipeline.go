// Package engine runs a config: it routes each batch's events to the
// first pipeline whose condition matches, runs the pipelines' filters
// (in the producer's goroutine or on the pipeline's workers, as it
// decides), hands the results to the outputs, swaps configs on reload and
// drains on shutdown. It knows plugins only through package plugin.
package engine

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/datastream"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// Pipeline runs the filters of one pipeline and hands the results to its
// outputs.
type Pipeline struct {
	Name     string
	When     condition.Condition
	Counters *Counters

	// inputs are the ids of the inputs whose events the pipeline takes
	// (none: every input's).
	inputs []string

	filters []filterStage
	namer   *datastream.Namer
	outputs []plugin.Output
	// outputWhen[i] is the condition of outputs[i] (empty: every event);
	// someOutputWhen says whether any is set.
	outputWhen     []condition.Condition
	someOutputWhen bool
	queue          chan chunk
	busy           *atomic.Int64 // the generation's chunks queued or being worked on
	workers        int
	metrics        *Metrics
	log            zerolog.Logger
	// undelivered counts the events an output did not take at shutdown:
	// retiring reports them, so the process exits 1 as it does when an
	// output's close gives up.
	undelivered atomic.Int64
}

// chunk is what a pipeline's queue carries: events of one batch routed to
// the pipeline, already through its filters or not.
type chunk struct {
	events   []*event.Event
	filtered bool
}

type filterStage struct {
	id       string
	when     condition.Condition
	filter   plugin.Filter
	expander plugin.Expander // the filter, when it may make several events of one
	stats    *PluginStats
	metrics  *plugin.Metrics
}

// takes reports whether the pipeline takes e: from one of its inputs, and
// matching its condition.
func (p *Pipeline) takes(e *event.Event) bool {
	if len(p.inputs) > 0 && !slices.Contains(p.inputs, e.Input) {
		return false
	}
	return p.When.Match(e)
}

// Process runs the filters and data stream naming on one event, as a
// worker does, and returns the events that come out: none when a filter
// dropped it, several when one split it. Pipeline tests and in-process
// tools use it.
func (p *Pipeline) Process(e *event.Event) []*event.Event {
	return p.processChunk([]*event.Event{e})
}

// ProcessEvents runs the filters and data stream naming over events as
// the workers do (in runs of 64, each filter over a whole run) and returns
// the events that come out, in order, in events' own array unless a filter
// split some. Benchmarks use it to measure the filters as they run.
func (p *Pipeline) ProcessEvents(events []*event.Event) []*event.Event {
	return p.processChunk(events)
}

// Filters returns the pipeline's filters in order.
func (p *Pipeline) Filters() []plugin.Filter {
	out := make([]plugin.Filter, len(p.filters))
	for i, st := range p.filters {
		out[i] = st.filter
	}
	return out
}

// runLength is how many events go through the filters together. A batch
// of 2048 decoded events is megabytes, more than the CPU caches hold:
// running every filter over all of it would fetch each event from memory
// once per filter. Runs of 64 are fetched once and stay cached for all
// the filters, while each filter's clock is still read per run, not per
// event. A batch filtered as it is decoded (see batch.Add) is cut into
// runs of the same length.
const runLength = 64

// processChunk runs the filters over the chunk run by run, names the data
// streams, and returns the events that were not dropped (in order, in the
// chunk's own array).
func (p *Pipeline) processChunk(chunk []*event.Event) []*event.Event {
	kept := chunk[:0]
	aliased := true // kept shares chunk's array
	for len(chunk) > 0 {
		n := min(runLength, len(chunk))
		out := p.processRun(chunk[:n])
		if aliased && len(out) > n {
			// A filter split events: kept would run into the runs not read
			// yet. Go on in an array of its own.
			grown := make([]*event.Event, len(kept), len(kept)+len(out)+len(chunk)-n)
			copy(grown, kept)
			kept, aliased = grown, false
		}
		// While aliased, kept never passes the run being read: append
		// copies down.
		kept = append(kept, out...)
		chunk = chunk[n:]
	}
	return kept
}

// processRun runs the filters filter by filter over a run of events.
func (p *Pipeline) processRun(chunk []*event.Event) []*event.Event {
	alive := chunk
	start := time.Now()
	for i := range p.filters {
		st := &p.filters[i]
		t0 := time.Now()
		in := len(alive)
		if st.expander != nil {
			alive = p.expandRun(st, alive)
			st.stats.In.Add(int64(in))
			st.stats.Out.Add(int64(len(alive)))
			st.stats.DurationNanos.Add(int64(time.Since(t0)))
			continue
		}
		kept := alive[:0]
		for _, e := range alive {
			if !st.when.IsEmpty() && !st.when.Match(e) {
				kept = append(kept, e)
				continue
			}
			if st.filter.Apply(e) {
				kept = append(kept, e)
			} else {
				p.Counters.Dropped.Add(1)
				e.Done()
			}
		}
		alive = kept
		st.stats.In.Add(int64(in))
		st.stats.Out.Add(int64(len(alive)))
		st.stats.DurationNanos.Add(int64(time.Since(t0)))
	}
	for _, e := range alive {
		p.namer.Name(e)
		if hasFailureTag(e) {
			p.Counters.ParseFailures.Add(1)
		}
		p.metrics.countDataStream(e.DataStream)
	}
	p.Counters.DurationNanos.Add(int64(time.Since(start)))
	p.Counters.Filtered.Add(int64(len(chunk)))
	return alive
}

// expandRun runs an expanding filter over a run, into a new array (the
// run may grow). Each new event joins the batch of the event it came from;
// an event that gave way to others is done.
func (p *Pipeline) expandRun(st *filterStage, alive []*event.Event) []*event.Event {
	out := make([]*event.Event, 0, len(alive)+len(alive)/2)
	for _, e := range alive {
		if !st.when.IsEmpty() && !st.when.Match(e) {
			out = append(out, e)
			continue
		}
		start := len(out)
		out = st.expander.Expand(e, out)
		stays := false
		for i, n := range out[start:] {
			if n == e {
				stays = true
				continue
			}
			n.Attach(e.Ack())
			n.Piece = pieceOf(e.Piece, i)
			e.Hold(1)
		}
		if !stays {
			if len(out) == start {
				p.Counters.Dropped.Add(1)
			}
			e.Done()
		}
	}
	return out
}

// pieceOf numbers piece i of an event whose own number is parent (0: an
// event as it came): distinct for the pieces of one event, and for the
// pieces of pieces (a split of a split), with FNV-1a over both.
func pieceOf(parent uint64, i int) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range [2]uint64{parent, uint64(i) + 1} {
		for range 8 {
			h ^= v & 0xff
			h *= 1099511628211
			v >>= 8
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}

var tagsPath = event.MustPath("tags")

// hasFailureTag reports a tag such as _grokparsefailure or
// _dateparsefailure: the event was indexed, but not (fully) parsed.
func hasFailureTag(e *event.Event) bool {
	v, _ := e.Get(tagsPath)
	for _, f := range v.Elems() {
		if s := f.Value.Str(); strings.HasPrefix(s, "_") && strings.HasSuffix(s, "failure") {
			return true
		}
	}
	return false
}

// work takes chunks off the queue until it is closed, filters those not
// filtered yet and hands the kept events to every output.
func (p *Pipeline) work(ctx context.Context) {
	for c := range p.queue {
		p.handle(ctx, c)
		p.busy.Add(-1)
	}
}

// handle filters a chunk if it was not, and hands the kept events to the
// outputs.
func (p *Pipeline) handle(ctx context.Context, c chunk) {
	kept := c.events
	if !c.filtered {
		kept = p.processChunk(kept)
	}
	if len(kept) == 0 {
		return
	}
	p.countDelivery(kept)
	if p.someOutputWhen {
		p.sendSelected(ctx, kept)
		return
	}
	if extra := len(p.outputs) - 1; extra > 0 {
		for _, e := range kept {
			e.Hold(extra)
		}
	}
	for _, out := range p.outputs {
		if err := p.send(ctx, out, kept); err != nil {
			break
		}
	}
}

func (p *Pipeline) send(ctx context.Context, out plugin.Output, events []*event.Event) error {
	err := out.Send(ctx, p.Name, events)
	if err != nil {
		// Only a shutdown that gave up gets here; the batch stays
		// unacknowledged and the client resends it.
		p.log.Warn().Err(err).Int("events", len(events)).Msg("pipeline: output did not take events at shutdown; their batch stays unacknowledged")
		p.undelivered.Add(int64(len(events)))
	}
	return err
}

// sendSelected hands each output the events its condition matches. The
// conditions are all evaluated here, before any output has an event: an
// output may read its events concurrently with the next one's Send. An
// event no output takes is done at once (as in Logstash, it has left the
// pipeline), so it never holds its batch back.
func (p *Pipeline) sendSelected(ctx context.Context, kept []*event.Event) {
	takes := make([][]*event.Event, len(p.outputs))
	for _, e := range kept {
		n := 0
		for i, when := range p.outputWhen {
			if when.IsEmpty() || when.Match(e) {
				takes[i] = append(takes[i], e)
				n++
			}
		}
		switch {
		case n == 0:
			e.Done()
		case n > 1:
			e.Hold(n - 1)
		}
	}
	for i, out := range p.outputs {
		if len(takes[i]) == 0 {
			continue
		}
		if err := p.send(ctx, out, takes[i]); err != nil {
			break
		}
	}
}

// countDelivery makes events.out count what the outputs have written (or
// dead-lettered), not what they were handed: the chunk's events report
// their Done to an Ack of the chunk, which counts them out once every
// output has them all and passes the completions on to the Acks (the
// batches) the events came from.
func (p *Pipeline) countDelivery(kept []*event.Event) {
	origin := kept[0].Ack()
	var origins []*event.Ack // only when the chunk mixes batches
	for _, e := range kept[1:] {
		if e.Ack() != origin {
			origins = make([]*event.Ack, len(kept))
			for j, e := range kept {
				origins[j] = e.Ack()
			}
			break
		}
	}
	n := len(kept)
	out := &p.Counters.Out
	a := event.NewAck(n, func() {
		out.Add(int64(n))
		if origins == nil {
			if origin != nil {
				origin.DoneN(n)
			}
			return
		}
		for _, o := range origins {
			if o != nil {
				o.Done()
			}
		}
	})
	for _, e := range kept {
		e.Attach(a)
	}
}
