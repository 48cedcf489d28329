package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// runningInput is an input and what it was built from, so a reload can
// tell whether it changed.
type runningInput struct {
	id      string
	block   config.InputBlock
	input   plugin.Input
	metrics *plugin.Metrics
	cancel  context.CancelFunc
	done    chan error
}

// Runner is a running ingestd node: inputs, router, pipelines, outputs.
// It is the inputs' plugin.Sink; a reload swaps the pipelines and outputs
// under it without touching unchanged inputs.
type Runner struct {
	log     zerolog.Logger
	Metrics *Metrics

	// mu orders generation swaps and guards inputs. gen is also read
	// without it: routing an event (Route) must not take a lock.
	mu     sync.Mutex
	gen    atomic.Pointer[generation]
	inputs []*runningInput

	reloads  chan reloadRequest
	loopDone chan struct{} // closed when Run stops watching its inputs

	bus *plugin.Bus // pipeline outputs to pipeline inputs, across reloads

	lastRetired <-chan struct{} // the newest retiring generation (Run's loop only)
	offline     bool            // pipelines only (BuildOffline)

	// producers counts the open producers of every input; with at least
	// inlineMinProducers of them, batches are filtered as they are added
	// (see batch.go).
	producers          atomic.Int64
	inlineMinProducers atomic.Int64
}

func newRunner(log zerolog.Logger, offline bool) *Runner {
	r := &Runner{log: log, Metrics: NewMetrics(), reloads: make(chan reloadRequest), offline: offline, bus: new(plugin.Bus)}
	r.inlineMinProducers.Store(int64(runtime.GOMAXPROCS(0)))
	return r
}

type reloadRequest struct {
	cfg  *config.Config
	done chan error
}

// Build constructs every plugin of cfg (nothing runs yet). On error, what
// was built is closed.
func Build(cfg *config.Config, log zerolog.Logger) (*Runner, error) {
	r := newRunner(log, false)
	g, err := r.buildGeneration(cfg, nil)
	if err != nil {
		return nil, err
	}
	inputs, err := r.buildInputs(cfg, cfg.Inputs)
	if err != nil {
		g.closeUnstarted(nil)
		return nil, err
	}
	r.gen.Store(g)
	r.inputs = inputs
	return r, nil
}

// BuildOffline builds cfg's pipelines only, with no input and no output,
// for tools that run events through filters in process (pipeline tests,
// grok explain), and with no data directory: their filters keep state in
// memory and leave the node's alone. Run must not be called on it.
func BuildOffline(cfg *config.Config, log zerolog.Logger) (*Runner, error) {
	r := newRunner(log, true)
	g, err := r.buildGeneration(cfg, nil)
	if err != nil {
		return nil, err
	}
	r.gen.Store(g)
	return r, nil
}

func (r *Runner) buildInputs(cfg *config.Config, blocks []config.InputBlock) ([]*runningInput, error) {
	env := plugin.Env{DataDir: cfg.DataDir, DrainTimeout: cfg.ShutdownTimeout, Shipped: cfg.Shipped, Bus: r.bus}
	var out []*runningInput
	for _, b := range blocks {
		e := env
		e.Logger = r.log.With().Str("input", b.ID).Logger()
		e.Metrics = new(plugin.Metrics)
		in, err := b.Build(e)
		if err != nil {
			r.closeInputs(out)
			return nil, err
		}
		out = append(out, &runningInput{id: b.ID, block: b, input: in.(plugin.Input), metrics: e.Metrics})
	}
	return out, nil
}

// closeInputs closes inputs that will not run (or have returned) and hold
// something their constructor opened (plugin.Closer).
func (r *Runner) closeInputs(inputs []*runningInput) {
	for _, in := range inputs {
		if c, ok := in.input.(plugin.Closer); ok {
			if err := c.Close(); err != nil {
				r.log.Warn().Err(err).Str("input", in.id).Msg("input: close")
			}
		}
	}
}

// SetInputs replaces the configured inputs (before Run), for runs that
// take events from elsewhere, such as a dead-letter replay. The inputs the
// node itself feeds (plugin.NodeFed: pipeline inputs) stay, so events
// still cross between pipelines; Run ends once the given inputs have.
func (r *Runner) SetInputs(inputs map[string]plugin.Input) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var kept, unused []*runningInput
	for _, in := range r.inputs {
		if _, fed := in.input.(plugin.NodeFed); fed {
			kept = append(kept, in)
		} else {
			unused = append(unused, in)
		}
	}
	r.closeInputs(unused) // built from the config, never to run
	r.inputs = kept
	for id, in := range inputs {
		r.inputs = append(r.inputs, &runningInput{id: id, input: in, metrics: new(plugin.Metrics)})
	}
}

// Outputs returns the current generation's outputs by id.
func (r *Runner) Outputs() map[string]plugin.Output {
	g := r.gen.Load()
	out := make(map[string]plugin.Output, len(g.outputs))
	for id, o := range g.outputs {
		out[id] = o.output
	}
	return out
}

// PluginMetrics are the metrics one running plugin registered.
type PluginMetrics struct {
	Kind     plugin.Kind
	ID       string
	Pipeline string // filters only
	Metrics  *plugin.Metrics
}

// PluginMetrics returns the metrics of the running inputs, filters and
// outputs, in config order.
func (r *Runner) PluginMetrics() []PluginMetrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []PluginMetrics
	for _, in := range r.inputs {
		out = append(out, PluginMetrics{Kind: plugin.KindInput, ID: in.id, Metrics: in.metrics})
	}
	g := r.gen.Load()
	for _, p := range g.pipelines {
		for _, st := range p.filters {
			out = append(out, PluginMetrics{Kind: plugin.KindFilter, ID: st.id, Pipeline: p.Name, Metrics: st.metrics})
		}
	}
	for _, b := range g.cfg.Outputs {
		if o, ok := g.outputs[b.ID]; ok {
			out = append(out, PluginMetrics{Kind: plugin.KindOutput, ID: o.id, Metrics: o.metrics})
		}
	}
	return out
}

// Inputs returns the running inputs in config order.
func (r *Runner) Inputs() []plugin.Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]plugin.Input, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = in.input
	}
	return out
}

// Pipelines returns the current pipelines in routing order.
func (r *Runner) Pipelines() []*Pipeline {
	return r.gen.Load().pipelines
}

// Config returns the config now running.
func (r *Runner) Config() *config.Config {
	return r.gen.Load().cfg
}

// Route returns the pipeline e takes: the first whose condition matches.
func (r *Runner) Route(e *event.Event) *Pipeline {
	g := r.gen.Load()
	if i := g.pipelineFor(e); i >= 0 {
		return g.pipelines[i]
	}
	return nil
}

// current returns the current generation with a batch registered in it,
// or nil once the runner has stopped.
func (r *Runner) current() *generation {
	for {
		g := r.gen.Load()
		if g.acquire() {
			return g
		}
		if r.gen.Load() == g { // retired and not replaced: shut down
			return nil
		}
		// retired meanwhile because a reload swapped in a newer one
	}
}

// Reload replaces the running config by cfg (already loaded and checked)
// while the node runs: inputs whose config is unchanged keep serving
// (their connections and in-flight batches untouched); changed or removed
// ones drain and stop, new ones start; pipelines and outputs are swapped,
// and the old ones finish what they hold in the background. If cfg cannot
// be built, the old config keeps running and the error is returned.
func (r *Runner) Reload(ctx context.Context, cfg *config.Config) error {
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
	g := r.gen.Load()
	inputs := r.inputs
	r.mu.Unlock()
	if err := g.start(); err != nil {
		g.closeUnstarted(nil)
		r.closeInputs(inputs)
		return err
	}
	// Run's loop owns the running set: inputs report here when they end.
	exited := make(chan inputExit, 64)
	loopDone := make(chan struct{})
	r.loopDone = loopDone
	running := map[*runningInput]bool{}
	for _, in := range inputs {
		r.startInput(in, exited)
		running[in] = true
	}
	// A node whose inputs are all fed by the node itself (pipeline inputs)
	// runs until stopped; otherwise it ends when its other inputs have (a
	// replay), or fail.
	fedOnly := externalInputs(running) == 0
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
			if !fedOnly && externalInputs(running) == 0 {
				break loop // the inputs that bring events have finished
			}
		case req := <-r.reloads:
			err := r.reload(req.cfg, exited, running, &retiring)
			r.Metrics.reloaded(err)
			req.done <- err
		}
	}
	close(loopDone)
	r.mu.Lock()
	g, inputs = r.gen.Load(), r.inputs
	r.mu.Unlock()
	r.log.Info().Dur("timeout", g.cfg.ShutdownTimeout).Msg("shutting down: no new batches; draining in-flight ones")
	// Pipeline inputs keep their addresses while the other inputs drain,
	// so what is in flight between pipelines is delivered.
	r.bus.Drain()
	defer r.bus.Close()
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

// externalInputs counts the running inputs the node does not feed itself.
func externalInputs(running map[*runningInput]bool) int {
	n := 0
	for in := range running {
		if _, fed := in.input.(plugin.NodeFed); !fed {
			n++
		}
	}
	return n
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
		err := in.input.Run(ctx, r.InputSink(in.id))
		if ctx.Err() != nil {
			err = nil // stopped on purpose
		}
		r.closeInputs([]*runningInput{in})
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
func (r *Runner) reload(cfg *config.Config, exited chan<- inputExit, running map[*runningInput]bool, retiring *sync.WaitGroup) error {
	current := r.gen.Load()
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
	var toBuild []config.InputBlock
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
	// Swap the pipelines first: from now on every batch begins in them.
	if err := newGen.start(); err != nil {
		newGen.closeUnstarted(current)
		r.closeInputs(fresh)
		r.log.Error().Err(err).Msg("reload refused: an output could not start; the old config keeps running")
		return err
	}
	r.mu.Lock()
	oldGen := r.gen.Swap(newGen)
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
		if rd, ok := in.input.(plugin.ServingNotifier); ok {
			select {
			case <-rd.Serving():
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
func sameInput(a, b config.InputBlock) bool { return sameBlock(a.PluginBlock, b.PluginBlock) }
