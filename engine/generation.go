package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/datastream"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// generation is the pipelines and outputs of one config. A reload builds a
// new generation and swaps it in; the old one drains in the background.
type generation struct {
	cfg       *config.Config
	pipelines []*Pipeline
	single    bool // one pipeline that takes every event: no routing
	outputs   map[string]*runningOutput
	carried   map[string]bool // outputs a newer generation took over
	drained   chan struct{}   // closed when retire has finished

	mu      sync.RWMutex // taken for reading by Begin, for writing by retire
	retired bool
	// open counts the batches begun in this generation and not committed
	// or aborted yet: their events are routed and filtered here, so the
	// queues stay open and the filters unclosed until they are in.
	open sync.WaitGroup
	// openN counts the same open batches, and busy the chunks queued or
	// being worked on in this generation's pipelines: while either is not
	// zero a pipeline output may still begin a batch here (see quiesce).
	openN, busy atomic.Int64

	workers   sync.WaitGroup
	workCtx   context.Context // ends when retire gives up waiting
	stopWork  context.CancelFunc
	startOnce sync.Once
}

// runningOutput is an output and what it was built from, so a reload can
// tell whether it changed, and the metrics it registered.
type runningOutput struct {
	id      string
	block   config.OutputBlock
	output  plugin.Output
	metrics *plugin.Metrics
	started bool
}

// start starts the outputs this generation built and the pipeline workers.
func (g *generation) start() error {
	var err error
	g.startOnce.Do(func() {
		for _, o := range g.outputs {
			if o.started {
				continue // carried over, running already
			}
			if err = o.output.Start(); err != nil {
				err = fmt.Errorf("output %s: start: %w", o.id, err)
				return
			}
			o.started = true
		}
		for _, p := range g.pipelines {
			for range p.workers {
				g.workers.Go(func() { p.work(g.workCtx) })
			}
		}
	})
	return err
}

// acquire registers a batch in g, unless g is retired.
func (g *generation) acquire() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.retired {
		return false
	}
	g.open.Add(1)
	g.openN.Add(1)
	return true
}

// release ends a batch registered by acquire.
func (g *generation) release() {
	g.openN.Add(-1)
	g.open.Done()
}

// quiesce waits, until deadline, for the generation to have no batch open
// and no chunk queued or being worked on. Until then a pipeline output
// (pipeline-to-pipeline) may begin batches here: at shutdown the inputs
// have stopped, but events between pipelines must still cross before the
// queues close.
func (g *generation) quiesce(deadline time.Time) {
	for g.openN.Load() > 0 || g.busy.Load() > 0 {
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// retire stops new batches, waits for the open ones to be committed and
// lets the workers finish the queues, closes the filters and then the
// outputs no newer generation carried over, after the generation before it
// has finished retiring (so a carried output is never closed while an
// older generation still sends to it). Past deadline, what is queued is
// abandoned (unacknowledged: the clients resend it) and a batch still
// being read is refused when it commits; retire then waits only for its
// input to end it (a commit or an abort), which the input's own read
// timeouts bound.
func (g *generation) retire(deadline time.Time, prev <-chan struct{}, log zerolog.Logger) error {
	defer close(g.drained)
	g.quiesce(deadline)
	g.mu.Lock()
	g.retired = true
	g.mu.Unlock()
	if !waitUntil(&g.open, deadline) {
		log.Warn().Msg("timeout: batches still being read will be refused when they commit; their clients will resend them")
		g.stopWork() // a Commit blocked on a full queue gives up
		g.open.Wait()
	}
	for _, p := range g.pipelines {
		close(p.queue)
	}
	if !waitUntil(&g.workers, deadline) {
		log.Warn().Msg("timeout: abandoning events still in pipelines; their batches stay unacknowledged and will be resent")
		g.stopWork()
		g.workers.Wait()
	}
	g.stopWork()
	errs := g.closeFilters()
	for _, p := range g.pipelines {
		if n := p.undelivered.Load(); n > 0 {
			errs = append(errs, fmt.Errorf("pipeline %s: %d events not delivered at shutdown; their batches stay unacknowledged (the clients resend them)", p.Name, n))
		}
	}
	if prev != nil {
		<-prev
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(5*time.Second))
	defer cancel()
	for id, o := range g.outputs {
		if g.carried[id] {
			continue
		}
		if err := o.output.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("output %s: close: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// closeFilters closes the filters that hold resources.
func (g *generation) closeFilters() []error {
	var errs []error
	for _, p := range g.pipelines {
		for _, st := range p.filters {
			if c, ok := st.filter.(plugin.Closer); ok {
				if err := c.Close(); err != nil {
					errs = append(errs, fmt.Errorf("pipeline %s: filter %s: close: %w", p.Name, st.id, err))
				}
			}
		}
	}
	return errs
}

// closeUnstarted closes what a generation that never ran built itself
// (some of its outputs may have started before another failed to), giving
// them the config's shutdown timeout to stop.
func (g *generation) closeUnstarted(prev *generation) {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownTimeout)
	defer cancel()
	for id, o := range g.outputs {
		if prev == nil || prev.outputs[id] != o {
			_ = o.output.Close(ctx)
		}
	}
	g.closeFilters()
	g.stopWork()
}

// pipelineFor returns the index of the pipeline e takes, or -1.
func (g *generation) pipelineFor(e *event.Event) int {
	if g.single {
		return 0
	}
	for i, p := range g.pipelines {
		if p.takes(e) {
			return i
		}
	}
	return -1
}

// buildGeneration builds cfg's pipelines and outputs, taking over from prev
// (if any) every output whose config did not change. Offline, it builds
// the pipelines only.
func (r *Runner) buildGeneration(cfg *config.Config, prev *generation) (_ *generation, err error) {
	g := &generation{cfg: cfg, outputs: map[string]*runningOutput{}, carried: map[string]bool{}, drained: make(chan struct{})}
	g.workCtx, g.stopWork = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			g.closeUnstarted(prev)
		}
	}()
	env := plugin.Env{DataDir: cfg.DataDir, DrainTimeout: cfg.ShutdownTimeout, Shipped: cfg.Shipped, Bus: r.bus}
	if r.offline {
		// Pipeline tests and the explain tools must not depend on the
		// node's state nor change it: `ingestd test` on a server's config
		// would read the dCache templates it learned and write its own
		// over them. Offline, filters keep their state in memory.
		env.DataDir = ""
	}
	var outputIDs []string
	outputWhen := map[string]condition.Condition{}
	for _, b := range cfg.Outputs {
		outputWhen[b.ID] = b.When
	}
	active := config.ActiveOutputs(cfg.Outputs)
	for _, b := range cfg.Outputs {
		if r.offline {
			break
		}
		if !active[b.ID] {
			r.log.Info().Str("output", b.ID).Msg("output disabled")
			continue
		}
		outputIDs = append(outputIDs, b.ID)
		if prev != nil {
			if old, ok := prev.outputs[b.ID]; ok && sameBlock(old.block.PluginBlock, b.PluginBlock) {
				g.outputs[b.ID] = old
				continue
			}
		}
		e := env
		e.Logger = r.log.With().Str("output", b.ID).Logger()
		e.Metrics = new(plugin.Metrics)
		o, err := b.Build(e)
		if err != nil {
			return nil, err
		}
		g.outputs[b.ID] = &runningOutput{id: b.ID, block: b, output: o.(plugin.Output), metrics: e.Metrics}
	}
	for _, pc := range cfg.Pipelines {
		ids := pc.Outputs
		if len(ids) == 0 {
			ids = outputIDs
		}
		ds := pc.DataStream
		if ds.SyncFields && onlyForwards(cfg, ids, active) {
			// Its events go on to other pipelines only: the data stream
			// they are written to is named there, so this one adds no
			// data_stream fields a downstream route would read (as
			// Logstash's pipeline output adds none).
			ds.SyncFields = false
		}
		p := &Pipeline{
			Name:     pc.Name,
			When:     pc.When,
			inputs:   pc.Inputs,
			Counters: r.Metrics.Pipeline(pc.Name),
			namer:    datastream.NewNamer(ds),
			queue:    make(chan chunk, pc.QueueSize),
			busy:     &g.busy,
			workers:  pc.Workers,
			metrics:  r.Metrics,
			log:      r.log.With().Str("pipeline", pc.Name).Logger(),
		}
		g.pipelines = append(g.pipelines, p) // closed with g from here on
		for _, fb := range pc.Filters {
			e := env
			e.Pipeline, e.Timezone = pc.Name, pc.Timezone
			e.Logger = p.log.With().Str("filter", fb.ID).Logger()
			e.Metrics = new(plugin.Metrics)
			f, err := fb.Build(e)
			if err != nil {
				return nil, err
			}
			st := filterStage{id: fb.ID, when: fb.When, filter: f.(plugin.Filter), stats: r.Metrics.Plugin(pc.Name, fb.ID), metrics: e.Metrics}
			st.expander, _ = f.(plugin.Expander)
			p.filters = append(p.filters, st)
		}
		for _, id := range ids {
			if o, ok := g.outputs[id]; ok {
				// The condition of this config's block: an output carried
				// over from the last generation keeps the block it was
				// built from, whose when may have changed since.
				when := outputWhen[id]
				p.outputs = append(p.outputs, o.output)
				p.outputWhen = append(p.outputWhen, when)
				p.someOutputWhen = p.someOutputWhen || !when.IsEmpty()
			}
		}
		if len(p.outputs) == 0 && !r.offline {
			return nil, fmt.Errorf("pipeline %s (%s): none of its outputs %v is enabled", pc.Name, pc.At, ids)
		}
	}
	g.single = len(g.pipelines) == 1 && g.pipelines[0].When.IsEmpty() && len(g.pipelines[0].inputs) == 0
	return g, nil
}

// onlyForwards reports whether the active outputs among ids (all when ids
// is empty: offline, no output id is collected) are some, and all send to
// other pipelines (plugin.BusSender).
// It reads the config, not the built outputs, so that offline builds
// (pipeline tests) decide as the node does.
func onlyForwards(cfg *config.Config, ids []string, active map[string]bool) bool {
	some := false
	for _, b := range cfg.Outputs {
		if !active[b.ID] || len(ids) > 0 && !slices.Contains(ids, b.ID) {
			continue
		}
		if _, fwd := b.Config.(plugin.BusSender); !fwd {
			return false
		}
		some = true
	}
	return some
}

// sameBlock reports whether two plugin blocks would build the same plugin.
func sameBlock(a, b config.PluginBlock) bool {
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
