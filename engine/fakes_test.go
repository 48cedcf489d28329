package engine

// Fake plugins and a harness for the engine's in-process tests. Every
// test builds its own world: a fresh plugin.Registry whose plugins report
// to it, so tests share no state.
//
//   - input  "feed":  hands the engine's Sink to the test and serves until
//     its context ends.
//   - filter "tag":   adds a tag (and drops events whose "drop" field
//     equals its drop setting); counts its applications per instance and
//     per event; implements plugin.Closer.
//   - output "rec":   records every Send (output id, instance, pipeline,
//     event ids and tags); marks events done at once, holds them until the
//     test releases them, or blocks in Send until a gate opens.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

// waitTimeout bounds every wait; it only expires when a test fails.
const waitTimeout = 5 * time.Second

var (
	idPath   = event.MustPath("id")
	kindPath = event.MustPath("kind")
	dropPath = event.MustPath("drop")
)

type feedConfig struct{}

type tagConfig struct {
	Tag  string `yaml:"tag"`
	Drop string `yaml:"drop"`
	Fail bool   `yaml:"fail"`
}

type fanConfig struct {
	N int `yaml:"n"`
}

// fanFilter (filter "fan") makes n copies of every event of kind "a" (ids
// <id>.0 …), none of kind "b" (gone), and leaves the others as they are:
// a plugin.Expander.
type fanFilter struct{ n int }

func (f *fanFilter) Apply(*event.Event) bool { return true }

func (f *fanFilter) Expand(e *event.Event, out []*event.Event) []*event.Event {
	switch e.GetString(kindPath) {
	case "a":
		for i := range f.n {
			c := e.Clone()
			c.SetString(idPath, fmt.Sprintf("%s.%d", e.GetString(idPath), i))
			out = append(out, c)
		}
		return out
	case "b":
		return out
	}
	return append(out, e)
}

type recConfig struct {
	Label string `yaml:"label"`
}

// delivery is one event as an output's Send saw it.
type delivery struct {
	out      string // output id
	inst     *fakeOutput
	pipeline string
	id       string
	kind     string
	tags     []string
}

// outBehavior says what an output does with what it is sent.
type outBehavior struct {
	hold bool          // keep the events (not done) until the test takes them
	gate chan struct{} // Send blocks until it is closed (or ctx ends)
}

type world struct {
	t   *testing.T
	reg *plugin.Registry

	sinks        chan plugin.Sink
	inputSinks   map[string]plugin.Sink // by input id (under mu)
	inputStopped chan struct{}

	mu         sync.Mutex
	changed    chan struct{} // poked whenever something below changes
	behavior   map[string]outBehavior
	deliveries []delivery
	held       map[string][]*event.Event // by output id
	outputs    []*fakeOutput
	filters    []*fakeFilter
	applies    map[string]int // event id → filter applications
	sendErrs   int            // Sends that returned an error
}

func newWorld(t *testing.T) *world {
	w := &world{
		t:            t,
		reg:          plugin.NewRegistry(),
		sinks:        make(chan plugin.Sink, 16),
		inputSinks:   map[string]plugin.Sink{},
		inputStopped: make(chan struct{}, 16),
		changed:      make(chan struct{}, 1),
		behavior:     map[string]outBehavior{},
		held:         map[string][]*event.Event{},
		applies:      map[string]int{},
	}
	plugin.RegisterInput(w.reg, "feed", "test input", func(_ *feedConfig, env plugin.Env) (plugin.Input, error) {
		return &feedInput{w: w, id: env.ID}, nil
	})
	plugin.RegisterFilter(w.reg, "tag", "test filter", func(c *tagConfig, env plugin.Env) (plugin.Filter, error) {
		if c.Fail {
			return nil, errors.New("tag: told to fail")
		}
		f := &fakeFilter{w: w, pipeline: env.Pipeline, tag: c.Tag, drop: c.Drop, closed: make(chan struct{})}
		w.mu.Lock()
		w.filters = append(w.filters, f)
		w.mu.Unlock()
		return f, nil
	})
	plugin.RegisterFilter(w.reg, "fan", "test expanding filter", func(c *fanConfig, env plugin.Env) (plugin.Filter, error) {
		return &fanFilter{n: c.N}, nil
	})
	plugin.RegisterOutput(w.reg, "rec", "test output", func(c *recConfig, env plugin.Env) (plugin.Output, error) {
		o := &fakeOutput{w: w, id: env.ID, label: c.Label, closed: make(chan struct{})}
		w.mu.Lock()
		w.outputs = append(w.outputs, o)
		w.mu.Unlock()
		w.poke()
		return o, nil
	})
	return w
}

// poke wakes a waitUntil.
func (w *world) poke() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// waitUntil waits until cond (called with w.mu held) is true.
func (w *world) waitUntil(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		w.mu.Lock()
		ok := cond()
		w.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-w.changed:
		case <-deadline:
			w.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (w *world) setBehavior(out string, b outBehavior) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.behavior[out] = b
}

// openGates opens every gate still closed (cleanup).
func (w *world) openGates() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.behavior {
		if b.gate != nil {
			select {
			case <-b.gate:
			default:
				close(b.gate)
			}
		}
	}
}

// takeHeld returns (and forgets) the events output out holds.
func (w *world) takeHeld(out string) []*event.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.held[out]
	delete(w.held, out)
	return h
}

// waitHeld waits until output out holds n events.
func (w *world) waitHeld(out string, n int) {
	w.t.Helper()
	w.waitUntil(fmt.Sprintf("%d events held by %s", n, out), func() bool { return len(w.held[out]) >= n })
}

func (w *world) delivered() []delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]delivery(nil), w.deliveries...)
}

// deliveredIDs counts the deliveries of each event id to output out ("" for
// any output).
func (w *world) deliveredIDs(out string) map[string]int {
	m := map[string]int{}
	for _, d := range w.delivered() {
		if out == "" || d.out == out {
			m[d.id]++
		}
	}
	return m
}

func (w *world) appliesOf(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.applies[id]
}

// filtersOf returns the filter instances built for pipeline with tag, in
// build order.
func (w *world) filtersOf(pipeline, tag string) []*fakeFilter {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*fakeFilter
	for _, f := range w.filters {
		if f.pipeline == pipeline && f.tag == tag {
			out = append(out, f)
		}
	}
	return out
}

// outputsOf returns the output instances built with id, in build order.
func (w *world) outputsOf(id string) []*fakeOutput {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*fakeOutput
	for _, o := range w.outputs {
		if o.id == id {
			out = append(out, o)
		}
	}
	return out
}

// load loads a config with the world's registry.
func (w *world) load(yaml string) *config.Config {
	w.t.Helper()
	cfg, err := config.Load("test.yml", []byte(yaml), w.reg, func(string) (string, bool) { return "", false })
	if err != nil {
		w.t.Fatalf("config: %v", err)
	}
	return cfg
}

// feedInput hands the sink to the test (on sinks, and in inputSinks by
// its id) and serves until ctx ends.
type feedInput struct {
	w  *world
	id string
}

func (in *feedInput) Run(ctx context.Context, sink plugin.Sink) error {
	in.w.mu.Lock()
	in.w.inputSinks[in.id] = sink
	in.w.mu.Unlock()
	in.w.poke()
	in.w.sinks <- sink
	<-ctx.Done()
	in.w.inputStopped <- struct{}{}
	return nil
}

type fakeFilter struct {
	w             *world
	pipeline, tag string
	drop          string
	applied       atomic.Int64
	closes        atomic.Int32
	closed        chan struct{}
	closedOnce    sync.Once
}

func (f *fakeFilter) Apply(e *event.Event) bool {
	f.applied.Add(1)
	id := strings.Clone(e.GetString(idPath))
	f.w.mu.Lock()
	f.w.applies[id]++
	f.w.mu.Unlock()
	if f.drop != "" && e.GetString(dropPath) == f.drop {
		return false
	}
	if f.tag != "" {
		e.AddTag(f.tag)
	}
	return true
}

func (f *fakeFilter) Close() error {
	f.closes.Add(1)
	f.closedOnce.Do(func() { close(f.closed) })
	f.w.poke()
	return nil
}

type fakeOutput struct {
	w          *world
	id, label  string
	starts     atomic.Int32
	closes     atomic.Int32
	closed     chan struct{}
	closedOnce sync.Once
}

func (o *fakeOutput) Start() error {
	o.starts.Add(1)
	o.w.poke()
	return nil
}

func (o *fakeOutput) Send(ctx context.Context, pipeline string, events []*event.Event) error {
	w := o.w
	w.mu.Lock()
	for _, e := range events {
		w.deliveries = append(w.deliveries, delivery{
			out: o.id, inst: o, pipeline: pipeline,
			id: strings.Clone(e.GetString(idPath)), kind: strings.Clone(e.GetString(kindPath)),
			tags: e.Tags(),
		})
	}
	b := w.behavior[o.id]
	w.mu.Unlock()
	w.poke()
	if b.gate != nil {
		select {
		case <-b.gate:
		case <-ctx.Done():
			w.mu.Lock()
			w.sendErrs++
			w.mu.Unlock()
			w.poke()
			return ctx.Err()
		}
	}
	if b.hold {
		w.mu.Lock()
		w.held[o.id] = append(w.held[o.id], events...)
		w.mu.Unlock()
		w.poke()
		return nil
	}
	for _, e := range events {
		e.Done()
	}
	return nil
}

func (o *fakeOutput) Close(ctx context.Context) error {
	o.closes.Add(1)
	o.closedOnce.Do(func() { close(o.closed) })
	o.w.poke()
	return nil
}

// harness runs a Runner built from a config of the world.
type harness struct {
	w      *world
	r      *Runner
	sink   plugin.Sink
	cancel context.CancelFunc
	done   chan error
	err    error
	ended  bool
}

// Modes of filtering: inlineMinProducers values.
const (
	inlineMode  = 1    // the producer filters as it adds
	workersMode = 1000 // the pipeline workers filter
)

var modes = []struct {
	name      string
	inlineMin int64
}{{"inline", inlineMode}, {"workers", workersMode}}

// start builds yaml, sets inlineMinProducers and runs it; the cleanup
// opens every gate, cancels Run and waits for it.
func (w *world) start(yaml string, inlineMin int64) *harness {
	w.t.Helper()
	r, err := Build(w.load(yaml), zerolog.Nop())
	if err != nil {
		w.t.Fatalf("Build: %v", err)
	}
	r.inlineMinProducers.Store(inlineMin)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{w: w, r: r, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- r.Run(ctx) }()
	w.t.Cleanup(func() { h.stop() })
	w.t.Cleanup(w.openGates) // runs first
	select {
	case h.sink = <-w.sinks:
	case <-time.After(waitTimeout):
		w.t.Fatal("the input was not started")
	}
	return h
}

// stop cancels Run and waits for it to return.
func (h *harness) stop() error {
	h.w.t.Helper()
	if h.ended {
		return h.err
	}
	h.cancel()
	h.wait()
	return h.err
}

// wait waits for Run to return.
func (h *harness) wait() {
	h.w.t.Helper()
	if h.ended {
		return
	}
	select {
	case h.err = <-h.done:
		h.ended = true
	case <-time.After(2 * waitTimeout):
		h.w.t.Fatal("Run did not return")
	}
}

// evs makes n events with ids prefix-0… and the kind kind(i) (no kind
// field if it returns ""); drop(i), if not nil, sets the drop field.
func evs(t *testing.T, prefix string, n int, kind func(i int) string, drop func(i int) string) []*event.Event {
	t.Helper()
	out := make([]*event.Event, n)
	for i := range out {
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":%q`, fmt.Sprintf("%s-%d", prefix, i))
		if kind != nil {
			if k := kind(i); k != "" {
				fmt.Fprintf(&b, `,"kind":%q`, k)
			}
		}
		if drop != nil {
			if d := drop(i); d != "" {
				fmt.Fprintf(&b, `,"drop":%q`, d)
			}
		}
		b.WriteString("}")
		e, err := event.DecodeEvent([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

func ids(events []*event.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.GetString(idPath)
	}
	return out
}

func kindIs(k string) func(int) string { return func(int) string { return k } }

// tracked is a batch begun with a done callback that counts its calls.
type tracked struct {
	plugin.Batch
	acked chan struct{}
	dones atomic.Int32
}

func begin(p plugin.Producer, sizeHint int) *tracked {
	b := &tracked{acked: make(chan struct{})}
	b.Batch = p.Begin(sizeHint, func() {
		if b.dones.Add(1) == 1 {
			close(b.acked)
		}
	})
	return b
}

// send begins a batch of events, adds them and commits it.
func send(t *testing.T, p plugin.Producer, events []*event.Event) *tracked {
	t.Helper()
	b := begin(p, len(events))
	for _, e := range events {
		b.Add(e)
	}
	if err := commitWithin(t, b, context.Background()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return b
}

// commitWithin commits b with ctx, failing the test if Commit does not
// return in time.
func commitWithin(t *testing.T, b *tracked, ctx context.Context) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- b.Batch.Commit(ctx) }()
	return recv(t, ch, "Commit")
}

func (b *tracked) isAcked() bool {
	select {
	case <-b.acked:
		return true
	default:
		return false
	}
}

func waitAcked(t *testing.T, what string, bs ...*tracked) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for _, b := range bs {
		select {
		case <-b.acked:
		case <-deadline:
			t.Fatalf("%s: batch not acknowledged", what)
		}
	}
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
