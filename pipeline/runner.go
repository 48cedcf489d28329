package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Pipeline runs the filters of one pipeline on its workers and hands the
// results to its outputs.
type Pipeline struct {
	Name     string
	When     Condition
	Counters *Counters

	filters []filterStage
	namer   *DataStreamNamer
	outputs []Output
	queue   chan []*Event
	workers int
	metrics *Metrics
	log     zerolog.Logger
}

type filterStage struct {
	id     string
	when   Condition
	filter Filter
	stats  *PluginStats
}

// Process runs the filters and data stream naming on one event, as a
// worker does. It returns false when a filter dropped the event. Pipeline
// tests and in-process tools use it.
func (p *Pipeline) Process(e *Event) bool {
	return len(p.processChunk([]*Event{e})) == 1
}

// Filters returns the pipeline's filters in order.
func (p *Pipeline) Filters() []Filter {
	out := make([]Filter, len(p.filters))
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
// event.
const runLength = 64

// processChunk runs the filters over the chunk run by run, names the data
// streams, and returns the events that were not dropped (in order, in the
// chunk's own array).
func (p *Pipeline) processChunk(chunk []*Event) []*Event {
	kept := chunk[:0]
	for len(chunk) > 0 {
		n := min(runLength, len(chunk))
		// kept never passes the run being read: append copies down.
		kept = append(kept, p.processRun(chunk[:n])...)
		chunk = chunk[n:]
	}
	return kept
}

// processRun runs the filters filter by filter over a run of events.
func (p *Pipeline) processRun(chunk []*Event) []*Event {
	alive := chunk
	start := time.Now()
	for i := range p.filters {
		st := &p.filters[i]
		t0 := time.Now()
		in := len(alive)
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
		e.Pipeline = p.Name
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

// hasFailureTag reports a tag such as _grokparsefailure or
// _dateparsefailure: the event was indexed, but not (fully) parsed.
func hasFailureTag(e *Event) bool {
	v, _ := e.Get(tagsPath)
	for _, f := range v.Elems() {
		if s := f.Value.Str(); strings.HasPrefix(s, "_") && strings.HasSuffix(s, "failure") {
			return true
		}
	}
	return false
}

func (p *Pipeline) work(ctx context.Context) {
	for chunk := range p.queue {
		kept, fresh := splitPrepared(chunk)
		switch {
		case len(kept) == 0:
			kept = p.processChunk(fresh)
		case len(fresh) > 0: // kept is splitPrepared's own slice then
			kept = append(kept, p.processChunk(fresh)...)
		}
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

// generation is the pipelines and outputs of one config. A reload builds a
// new generation and swaps it in; the old one drains in the background.
type generation struct {
	cfg       *Config
	pipelines []*Pipeline
	outputs   map[string]Output
	blocks    map[string]OutputBlock // what each output was built from
	carried   map[string]bool        // outputs a newer generation took over
	drained   chan struct{}          // closed when retire has finished

	mu      sync.RWMutex // held for reading by every Publish into it
	retired bool

	workers   sync.WaitGroup
	workCtx   context.Context
	stopWork  context.CancelFunc
	startOnce sync.Once
}

func (g *generation) start() {
	g.startOnce.Do(func() {
		for _, p := range g.pipelines {
			for range p.workers {
				g.workers.Add(1)
				go func() {
					defer g.workers.Done()
					p.work(g.workCtx)
				}()
			}
		}
	})
}

// retire stops new publishes, lets the workers finish the queues (until
// deadline; then abandons the rest, which stays unacknowledged) and closes
// the outputs no newer generation carried over, after the generation
// before it has finished retiring (so a carried output is never closed
// while an older generation still sends to it).
func (g *generation) retire(deadline time.Time, prev <-chan struct{}, log zerolog.Logger) error {
	defer close(g.drained)
	g.mu.Lock()
	g.retired = true
	g.mu.Unlock()
	for _, p := range g.pipelines {
		close(p.queue)
	}
	if !waitUntil(&g.workers, deadline) {
		log.Warn().Msg("timeout: abandoning events still in pipelines; their batches stay unacknowledged and will be resent")
		g.stopWork()
		g.workers.Wait()
	}
	g.stopWork()
	if prev != nil {
		<-prev
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(5*time.Second))
	defer cancel()
	var errs []error
	for id, o := range g.outputs {
		if g.carried[id] {
			continue
		}
		if err := o.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("output %s: close: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// runningInput is an input and what it was built from, so a reload can
// tell whether it changed.
type runningInput struct {
	id     string
	block  InputBlock
	input  Input
	cancel context.CancelFunc
	done   chan error
}

// Runner is a running ingestd node: inputs, router, pipelines, outputs.
// It is the inputs' Sink; a reload swaps the pipelines and outputs under
// it without touching unchanged inputs.
type Runner struct {
	log     zerolog.Logger
	Metrics *Metrics

	mu     sync.Mutex // guards gen (swaps) and inputs
	gen    *generation
	inputs []*runningInput

	reloads  chan reloadRequest
	loopDone chan struct{} // closed when Run stops watching its inputs

	lastRetired <-chan struct{} // the newest retiring generation (Run's loop only)
	offline     bool            // pipelines only (BuildOffline)
}

type reloadRequest struct {
	cfg  *Config
	done chan error
}

// Build constructs every plugin of cfg (nothing runs yet). On error, what
// was built is closed.
func Build(cfg *Config, log zerolog.Logger) (*Runner, error) {
	r := &Runner{log: log, Metrics: NewMetrics(), reloads: make(chan reloadRequest)}
	g, err := r.buildGeneration(cfg, nil)
	if err != nil {
		return nil, err
	}
	inputs, err := r.buildInputs(cfg, cfg.Inputs)
	if err != nil {
		g.closeUnstarted(nil)
		return nil, err
	}
	r.gen, r.inputs = g, inputs
	return r, nil
}

// closeUnstarted closes what a generation that never ran built itself.
func (g *generation) closeUnstarted(prev *generation) {
	for id, o := range g.outputs {
		if prev == nil || prev.outputs[id] != o {
			_ = o.Close(context.Background())
		}
	}
	g.stopWork()
}

// BuildOffline builds cfg's pipelines only, with no input and no output,
// for tools that run events through filters in process (pipeline tests,
// grok explain). Run must not be called on it.
func BuildOffline(cfg *Config, log zerolog.Logger) (*Runner, error) {
	r := &Runner{log: log, Metrics: NewMetrics(), reloads: make(chan reloadRequest), offline: true}
	g, err := r.buildGeneration(cfg, nil)
	if err != nil {
		return nil, err
	}
	r.gen = g
	return r, nil
}

// buildGeneration builds cfg's pipelines and outputs, taking over from prev
// (if any) every output whose config did not change.
func (r *Runner) buildGeneration(cfg *Config, prev *generation) (_ *generation, err error) {
	g := &generation{cfg: cfg, outputs: map[string]Output{}, blocks: map[string]OutputBlock{}, carried: map[string]bool{}, drained: make(chan struct{})}
	g.workCtx, g.stopWork = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			g.closeUnstarted(prev)
		}
	}()
	env := Env{DataDir: cfg.DataDir, DrainTimeout: cfg.ShutdownTimeout}
	var outputIDs []string
	active := ActiveOutputs(cfg.Outputs)
	for _, b := range cfg.Outputs {
		if r.offline {
			break
		}
		if !active[b.ID] {
			r.log.Info().Str("output", b.ID).Msg("output disabled")
			continue
		}
		g.blocks[b.ID] = b
		outputIDs = append(outputIDs, b.ID)
		if prev != nil {
			if old, ok := prev.blocks[b.ID]; ok && sameBlock(old.PluginBlock, b.PluginBlock) {
				g.outputs[b.ID] = prev.outputs[b.ID]
				continue
			}
		}
		e := env
		e.Logger = r.log.With().Str("output", b.ID).Logger()
		o, err := b.Build(e)
		if err != nil {
			return nil, err
		}
		g.outputs[b.ID] = o.(Output)
	}
	for _, pc := range cfg.Pipelines {
		p := &Pipeline{
			Name:     pc.Name,
			When:     pc.When,
			Counters: r.Metrics.Pipeline(pc.Name),
			namer:    NewDataStreamNamer(pc.DataStream),
			queue:    make(chan []*Event, pc.QueueSize),
			workers:  pc.Workers,
			metrics:  r.Metrics,
			log:      r.log.With().Str("pipeline", pc.Name).Logger(),
		}
		for _, fb := range pc.Filters {
			e := env
			e.Pipeline, e.Timezone = pc.Name, pc.Timezone
			e.Logger = p.log.With().Str("filter", fb.ID).Logger()
			f, err := fb.Build(e)
			if err != nil {
				return nil, err
			}
			p.filters = append(p.filters, filterStage{id: fb.ID, when: fb.When, filter: f.(Filter), stats: r.Metrics.Plugin(pc.Name, fb.ID)})
		}
		ids := pc.Outputs
		if len(ids) == 0 {
			ids = outputIDs
		}
		for _, id := range ids {
			if o, ok := g.outputs[id]; ok {
				p.outputs = append(p.outputs, o)
			}
		}
		if len(p.outputs) == 0 && !r.offline {
			return nil, fmt.Errorf("pipeline %s (%s): none of its outputs %v is enabled", pc.Name, pc.At, ids)
		}
		g.pipelines = append(g.pipelines, p)
	}
	return g, nil
}

func (r *Runner) buildInputs(cfg *Config, blocks []InputBlock) ([]*runningInput, error) {
	env := Env{DataDir: cfg.DataDir, DrainTimeout: cfg.ShutdownTimeout}
	var out []*runningInput
	for _, b := range blocks {
		e := env
		e.Logger = r.log.With().Str("input", b.ID).Logger()
		in, err := b.Build(e)
		if err != nil {
			return nil, err
		}
		out = append(out, &runningInput{id: b.ID, block: b, input: in.(Input)})
	}
	return out, nil
}

// SetInputs replaces the configured inputs (before Run), for runs that
// take events from elsewhere, such as a dead-letter replay.
func (r *Runner) SetInputs(inputs map[string]Input) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inputs = nil
	for id, in := range inputs {
		r.inputs = append(r.inputs, &runningInput{id: id, input: in})
	}
}

// Outputs returns the current generation's outputs by id.
func (r *Runner) Outputs() map[string]Output {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen.outputs
}

// Inputs returns the running inputs in config order.
func (r *Runner) Inputs() []Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Input, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = in.input
	}
	return out
}

// InputsByID returns the running inputs by id.
func (r *Runner) InputsByID() map[string]Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Input, len(r.inputs))
	for _, in := range r.inputs {
		out[in.id] = in.input
	}
	return out
}

// Pipelines returns the current pipelines in routing order.
func (r *Runner) Pipelines() []*Pipeline {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen.pipelines
}

// Config returns the config now running.
func (r *Runner) Config() *Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen.cfg
}

// Route returns the pipeline e takes: the first whose condition matches.
func (r *Runner) Route(e *Event) *Pipeline {
	pipelines := r.Pipelines()
	if i := route(pipelines, e); i >= 0 {
		return pipelines[i]
	}
	return nil
}

// route is the index of the first pipeline whose condition matches e, or -1.
func route(pipelines []*Pipeline, e *Event) int {
	for i, p := range pipelines {
		if p.When.Match(e) {
			return i
		}
	}
	return -1
}

// acquire returns the current generation, read-locked against retirement.
func (r *Runner) acquire() *generation {
	for {
		r.mu.Lock()
		g := r.gen
		r.mu.Unlock()
		g.mu.RLock()
		if !g.retired {
			return g
		}
		g.mu.RUnlock() // swapped meanwhile: take the new one
	}
}

// Publish routes events to their pipelines' queues, blocking while a queue
// is full. It implements Sink.
func (r *Runner) Publish(ctx context.Context, events []*Event) error {
	g := r.acquire()
	defer g.mu.RUnlock()
	if len(g.pipelines) == 1 && g.pipelines[0].When.IsEmpty() {
		return enqueue(ctx, g.pipelines[0], events)
	}
	for i, grp := range r.group(g, events) {
		if len(grp) > 0 {
			if err := enqueue(ctx, g.pipelines[i], grp); err != nil {
				return err
			}
		}
	}
	return nil
}

// group sorts events by the index of their pipeline in g; events no
// pipeline takes are done (unrouted). A prepared event goes to the
// pipeline that filtered it; if a reload removed that pipeline meanwhile,
// to wherever the new config routes it, as it is: its filters have run.
func (r *Runner) group(g *generation, events []*Event) [][]*Event {
	groups := make([][]*Event, len(g.pipelines))
	for _, e := range events {
		p := -1
		if e.prepared {
			p = g.pipelineNamed(e.Pipeline)
		}
		if p < 0 {
			p = route(g.pipelines, e)
		}
		if p < 0 {
			r.unrouted(e)
			continue
		}
		groups[p] = append(groups[p], e)
	}
	return groups
}

func enqueue(ctx context.Context, p *Pipeline, events []*Event) error {
	p.Counters.In.Add(int64(len(events)))
	select {
	case p.queue <- events:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pipeline %s: %w", p.Name, ctx.Err())
	}
}

func (r *Runner) unrouted(e *Event) {
	if r.Metrics.Unrouted.Add(1)%10000 == 1 {
		r.log.Warn().Int64("total", r.Metrics.Unrouted.Load()).Msg("router: an event matched no pipeline and was dropped; add a pipeline without when as the last one")
	}
	e.Done()
}

// Reload replaces the running config by cfg (already loaded and checked)
// while the node runs: inputs whose config is unchanged keep serving
// (their connections and in-flight batches untouched); changed or removed
// ones drain and stop, new ones start; pipelines and outputs are swapped,
// and the old ones finish what they hold in the background. If cfg cannot
// be built, the old config keeps running and the error is returned.
func (r *Runner) Reload(ctx context.Context, cfg *Config) error {
	req := reloadRequest{cfg: cfg, done: make(chan error, 1)}
	select {
	case r.reloads <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RecordReloadFailure counts a reload refused before it reached the
// runner (a config that does not load).
func (r *Runner) RecordReloadFailure(err error) { r.Metrics.reloaded(err) }

// Run starts everything and serves until ctx is cancelled, an input fails
// or every input has finished (a replay), then shuts down in order: inputs
// stop accepting and drain their in-flight batches, workers finish their
// queues, outputs flush. It gives up after the config's shutdown_timeout;
// unacknowledged batches are then resent by the clients. It returns the
// first input failure, if any.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	g := r.gen
	inputs := r.inputs
	r.mu.Unlock()
	g.start()
	// Run's loop owns the running set: inputs report here when they end.
	exited := make(chan inputExit, 64)
	loopDone := make(chan struct{})
	r.loopDone = loopDone
	running := map[*runningInput]bool{}
	for _, in := range inputs {
		r.startInput(in, exited)
		running[in] = true
	}
	var retiring sync.WaitGroup // old generations draining after reloads
	var firstErr error
loop:
	for len(running) > 0 || len(inputs) == 0 {
		select {
		case <-ctx.Done():
			break loop
		case x := <-exited:
			if !running[x.in] {
				continue // stopped by a reload
			}
			delete(running, x.in)
			if x.err != nil {
				firstErr = fmt.Errorf("input %s: %w", x.in.id, x.err)
				break loop
			}
		case req := <-r.reloads:
			err := r.reload(req.cfg, exited, running, &retiring)
			r.Metrics.reloaded(err)
			req.done <- err
		}
	}
	close(loopDone)
	r.mu.Lock()
	g, inputs = r.gen, r.inputs
	r.mu.Unlock()
	r.log.Info().Dur("timeout", g.cfg.ShutdownTimeout).Msg("shutting down: no new batches; draining in-flight ones")
	deadline := time.Now().Add(g.cfg.ShutdownTimeout)
	for _, in := range inputs {
		in.cancel()
	}
	for _, in := range inputs {
		if err := <-in.done; err != nil && firstErr == nil {
			firstErr = fmt.Errorf("input %s: %w", in.id, err)
		}
	}
	retiring.Wait()
	if err := g.retire(deadline, nil, r.log); err != nil && firstErr == nil {
		firstErr = err
	}
	r.log.Info().Msg("stopped")
	return firstErr
}

type inputExit struct {
	in  *runningInput
	err error
}

// startInput runs an input until its context ends or it finishes; its
// done channel then yields its error once and closes.
func (r *Runner) startInput(in *runningInput, exited chan<- inputExit) {
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel, in.done = cancel, make(chan error, 1)
	go func() {
		err := in.input.Run(ctx, r)
		if ctx.Err() != nil {
			err = nil // stopped on purpose
		}
		in.done <- err
		close(in.done)
		select {
		case exited <- inputExit{in, err}:
		case <-r.loopDone:
		}
	}()
}

// reload runs in Run's goroutine, the only one that changes the running
// set, so reloads never overlap.
func (r *Runner) reload(cfg *Config, exited chan<- inputExit, running map[*runningInput]bool, retiring *sync.WaitGroup) error {
	r.mu.Lock()
	current := r.gen
	r.mu.Unlock()
	newGen, err := r.buildGeneration(cfg, current)
	if err != nil {
		r.log.Error().Err(err).Msg("reload refused: the new config could not be built; the old one keeps running")
		return err
	}
	r.mu.Lock()
	oldInputs := r.inputs
	r.mu.Unlock()
	keep := map[string]*runningInput{}
	for _, in := range oldInputs {
		keep[in.id] = in
	}
	var next, stopping []*runningInput
	var toBuild []InputBlock
	for _, b := range cfg.Inputs {
		if old, ok := keep[b.ID]; ok && sameInput(old.block, b) {
			next = append(next, old)
			delete(keep, b.ID)
			continue
		}
		toBuild = append(toBuild, b)
	}
	fresh, err := r.buildInputs(cfg, toBuild)
	if err != nil {
		newGen.closeUnstarted(current)
		r.log.Error().Err(err).Msg("reload refused: an input could not be built; the old config keeps running")
		return err
	}
	for _, in := range keep {
		stopping = append(stopping, in)
	}
	// Swap the pipelines first: from now on every publish goes to them.
	newGen.start()
	r.mu.Lock()
	oldGen := r.gen
	r.gen = newGen
	r.mu.Unlock()
	for id, o := range newGen.outputs {
		if oldGen.outputs[id] == o {
			oldGen.carried[id] = true
		}
	}
	// Inputs that changed release their address before the new ones bind.
	for _, in := range stopping {
		delete(running, in)
		in.cancel()
		<-in.done
	}
	for _, in := range fresh {
		r.startInput(in, exited)
		running[in] = true
		next = append(next, in)
	}
	// A reload is done when the new inputs serve (or have failed).
	for _, in := range fresh {
		if rd, ok := in.input.(Listening); ok {
			select {
			case <-rd.Ready():
			case <-in.done:
			case <-time.After(10 * time.Second):
				r.log.Warn().Str("input", in.id).Msg("reload: the new input is not listening after 10s")
			}
		}
	}
	r.mu.Lock()
	r.inputs = next
	r.mu.Unlock()
	prev := r.lastRetired
	r.lastRetired = oldGen.drained
	retiring.Add(1)
	go func() {
		defer retiring.Done()
		if err := oldGen.retire(time.Now().Add(oldGen.cfg.ShutdownTimeout), prev, r.log); err != nil {
			r.log.Warn().Err(err).Msg("reload: closing the old outputs")
		}
	}()
	r.log.Info().Str("config", cfg.File).Int("pipelines", len(cfg.Pipelines)).Int("inputs_kept", len(next)-len(fresh)).Int("inputs_started", len(fresh)).Int("inputs_stopped", len(stopping)).Msg("reloaded")
	return nil
}

// sameInput reports whether two input blocks would build the same input.
func sameInput(a, b InputBlock) bool { return sameBlock(a.PluginBlock, b.PluginBlock) }

// sameBlock reports whether two plugin blocks would build the same plugin.
func sameBlock(a, b PluginBlock) bool {
	// Plugins are compared by name: each load may build its own registry.
	return a.Plugin != nil && b.Plugin != nil && a.Plugin.Kind == b.Plugin.Kind && a.Plugin.Name == b.Plugin.Name &&
		a.ID == b.ID && a.Fallback == b.Fallback && reflect.DeepEqual(a.Config, b.Config)
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
