package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Counters are the event counts of one pipeline (or of the node).
type Counters struct {
	In       atomic.Int64 // routed to the pipeline
	Filtered atomic.Int64 // through the filters
	Out      atomic.Int64 // handed to outputs
	Dropped  atomic.Int64 // dropped on purpose by a filter
}

// Pipeline runs the filters of one pipeline on its workers and hands the
// results to its outputs.
type Pipeline struct {
	Name     string
	When     Condition
	Counters Counters

	filters []filterStage
	namer   *DataStreamNamer
	outputs []Output
	queue   chan []*Event
	workers int
	log     zerolog.Logger
}

type filterStage struct {
	id     string
	when   Condition
	filter Filter
}

// Process runs the filters and data stream naming on one event, as a
// worker does. It returns false when a filter dropped the event. It is
// exported for pipeline tests that run events in process.
func (p *Pipeline) Process(e *Event) bool {
	for i := range p.filters {
		st := &p.filters[i]
		if !st.when.IsEmpty() && !st.when.Match(e) {
			continue
		}
		if !st.filter.Apply(e) {
			return false
		}
	}
	p.namer.Name(e)
	return true
}

func (p *Pipeline) work(ctx context.Context) {
	for chunk := range p.queue {
		kept := chunk[:0]
		for _, e := range chunk {
			e.Pipeline = p.Name
			if p.Process(e) {
				kept = append(kept, e)
			} else {
				p.Counters.Dropped.Add(1)
				e.Done()
			}
		}
		p.Counters.Filtered.Add(int64(len(chunk)))
		if len(kept) == 0 {
			continue
		}
		if extra := len(p.outputs) - 1; extra > 0 {
			for _, e := range kept {
				e.Hold(extra)
			}
		}
		for _, out := range p.outputs {
			if err := out.Send(ctx, kept); err != nil {
				// Only a shutdown that gave up gets here; the batch stays
				// unacknowledged and the client resends it.
				p.log.Warn().Err(err).Int("events", len(kept)).Msg("pipeline: output did not take events at shutdown; their batch stays unacknowledged")
				break
			}
		}
		p.Counters.Out.Add(int64(len(kept)))
	}
}

// Runner is a running ingestd node: inputs, router, pipelines, outputs.
type Runner struct {
	cfg       *Config
	inputs    []namedInput
	pipelines []*Pipeline
	outputs   map[string]Output
	log       zerolog.Logger

	// Unrouted counts events no pipeline matched.
	Unrouted atomic.Int64
}

type namedInput struct {
	id    string
	input Input
}

// Build constructs every plugin of cfg. On error, what was built is closed.
func Build(cfg *Config, log zerolog.Logger) (_ *Runner, err error) {
	r := &Runner{cfg: cfg, outputs: map[string]Output{}, log: log}
	defer func() {
		if err != nil {
			r.closeOutputs(context.Background())
		}
	}()
	env := Env{DataDir: cfg.DataDir, DrainTimeout: cfg.ShutdownTimeout}
	var outputIDs []string
	active := ActiveOutputs(cfg.Outputs)
	for _, b := range cfg.Outputs {
		if !active[b.ID] {
			log.Info().Str("output", b.ID).Msg("output disabled")
			continue
		}
		e := env
		e.Logger = log.With().Str("output", b.ID).Logger()
		o, err := b.Build(e)
		if err != nil {
			return nil, err
		}
		r.outputs[b.ID] = o.(Output)
		outputIDs = append(outputIDs, b.ID)
	}
	for _, pc := range cfg.Pipelines {
		p := &Pipeline{
			Name:    pc.Name,
			When:    pc.When,
			namer:   NewDataStreamNamer(pc.DataStream),
			queue:   make(chan []*Event, pc.QueueSize),
			workers: pc.Workers,
			log:     log.With().Str("pipeline", pc.Name).Logger(),
		}
		for _, fb := range pc.Filters {
			e := env
			e.Pipeline = pc.Name
			e.Timezone = pc.Timezone
			e.Logger = p.log.With().Str("filter", fb.ID).Logger()
			f, err := fb.Build(e)
			if err != nil {
				return nil, err
			}
			p.filters = append(p.filters, filterStage{id: fb.ID, when: fb.When, filter: f.(Filter)})
		}
		ids := pc.Outputs
		if len(ids) == 0 {
			ids = outputIDs
		}
		for _, id := range ids {
			if o, ok := r.outputs[id]; ok {
				p.outputs = append(p.outputs, o)
			}
		}
		if len(p.outputs) == 0 {
			return nil, fmt.Errorf("pipeline %s (%s): none of its outputs %v is enabled", pc.Name, pc.At, ids)
		}
		r.pipelines = append(r.pipelines, p)
	}
	for _, b := range cfg.Inputs {
		e := env
		e.Logger = log.With().Str("input", b.ID).Logger()
		in, err := b.Build(e)
		if err != nil {
			return nil, err
		}
		r.inputs = append(r.inputs, namedInput{id: b.ID, input: in.(Input)})
	}
	return r, nil
}

// SetInputs replaces the configured inputs (before Run), for runs that
// take events from elsewhere, such as a dead-letter replay.
func (r *Runner) SetInputs(inputs map[string]Input) {
	r.inputs = nil
	for id, in := range inputs {
		r.inputs = append(r.inputs, namedInput{id: id, input: in})
	}
}

// Outputs returns the enabled outputs by id.
func (r *Runner) Outputs() map[string]Output { return r.outputs }

// Inputs returns the inputs in config order.
func (r *Runner) Inputs() []Input {
	out := make([]Input, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = in.input
	}
	return out
}

// Pipelines returns the pipelines in routing order.
func (r *Runner) Pipelines() []*Pipeline { return r.pipelines }

// Route returns the pipeline e takes: the first whose condition matches.
func (r *Runner) Route(e *Event) *Pipeline {
	for _, p := range r.pipelines {
		if p.When.Match(e) {
			return p
		}
	}
	return nil
}

// Publish routes events to their pipelines' queues, blocking while a queue
// is full. It implements Sink.
func (r *Runner) Publish(ctx context.Context, events []*Event) error {
	if len(r.pipelines) == 1 && r.pipelines[0].When.IsEmpty() {
		return r.enqueue(ctx, r.pipelines[0], events)
	}
	// Group by pipeline, keeping order within each pipeline.
	groups := make([][]*Event, len(r.pipelines))
	for _, e := range events {
		p := -1
		for i, pl := range r.pipelines {
			if pl.When.Match(e) {
				p = i
				break
			}
		}
		if p < 0 {
			r.unrouted(e)
			continue
		}
		groups[p] = append(groups[p], e)
	}
	for i, g := range groups {
		if len(g) > 0 {
			if err := r.enqueue(ctx, r.pipelines[i], g); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runner) enqueue(ctx context.Context, p *Pipeline, events []*Event) error {
	p.Counters.In.Add(int64(len(events)))
	select {
	case p.queue <- events:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pipeline %s: %w", p.Name, ctx.Err())
	}
}

func (r *Runner) unrouted(e *Event) {
	if r.Unrouted.Add(1)%10000 == 1 {
		r.log.Warn().Int64("total", r.Unrouted.Load()).Msg("router: an event matched no pipeline and was dropped; add a pipeline without when as the last one")
	}
	e.Done()
}

// Run starts everything and serves until ctx is cancelled or an input
// fails, then shuts down in order: inputs stop accepting and drain their
// in-flight batches, workers finish their queues, outputs flush. It gives
// up after the config's shutdown_timeout; unacknowledged batches are then
// resent by the clients. It returns the first input failure, if any.
func (r *Runner) Run(ctx context.Context) error {
	inputCtx, stopInputs := context.WithCancel(context.Background())
	defer stopInputs()
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()

	var workers sync.WaitGroup
	for _, p := range r.pipelines {
		for range p.workers {
			workers.Add(1)
			go func() {
				defer workers.Done()
				p.work(workCtx)
			}()
		}
	}

	inputErr := make(chan error, len(r.inputs))
	var inputs sync.WaitGroup
	for _, in := range r.inputs {
		inputs.Add(1)
		go func() {
			defer inputs.Done()
			if err := in.input.Run(inputCtx, r); err != nil {
				inputErr <- fmt.Errorf("input %s: %w", in.id, err)
			}
		}()
	}
	// Inputs that finish on their own (a replay) end the run too.
	inputsDone := make(chan struct{})
	go func() {
		inputs.Wait()
		close(inputsDone)
	}()

	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-inputErr:
	case <-inputsDone:
	}
	r.log.Info().Dur("timeout", r.cfg.ShutdownTimeout).Msg("shutting down: no new batches; draining in-flight ones")
	deadline := time.Now().Add(r.cfg.ShutdownTimeout)
	stopInputs()
	inputs.Wait()

	for _, p := range r.pipelines {
		close(p.queue)
	}
	if !waitUntil(&workers, deadline) {
		r.log.Warn().Msg("shutdown timeout: abandoning events still in pipelines; their batches stay unacknowledged and will be resent")
		stopWork()
		workers.Wait()
	}
	flushCtx, cancel := context.WithDeadline(context.Background(), deadline.Add(5*time.Second))
	defer cancel()
	if firstErr == nil {
		select {
		case firstErr = <-inputErr:
		default:
		}
	}
	if err := r.closeOutputs(flushCtx); err != nil && firstErr == nil {
		firstErr = err
	}
	r.log.Info().Msg("stopped")
	return firstErr
}

func (r *Runner) closeOutputs(ctx context.Context) error {
	var errs []error
	for id, o := range r.outputs {
		if err := o.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("output %s: close: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func waitUntil(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(time.Until(deadline)):
		return false
	}
}
