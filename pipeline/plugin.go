package pipeline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"gopkg.in/yaml.v3"
)

// Sink receives events from inputs. Events must be attached to an Ack
// (see Track) before they are published; Publish blocks while the
// pipelines are full, which is how back-pressure reaches clients.
type Sink interface {
	Publish(ctx context.Context, events []*Event) error
}

// Preparer is a Sink that can route events and run their pipelines'
// filters as soon as an input has decoded them, before the batch they
// belong to is complete. A Filebeat batch is megabytes: by the time it has
// all been read, its first events have left the cache, and a pipeline
// worker would fetch each from memory again. Prepare returns the events
// that were not dropped (in events' own array; dropped ones are Done, so
// they must be attached to their Ack first). The input later publishes
// every prepared event of a batch, or none if the batch turns out bad;
// Publish passes prepared events to the outputs without filtering them
// again.
type Preparer interface {
	Sink
	Prepare(events []*Event) []*Event
}

// Input produces events. Run serves until ctx is cancelled, then stops
// accepting new data, gives in-flight data until its drain deadline to be
// acknowledged, and returns.
type Input interface {
	Run(ctx context.Context, sink Sink) error
}

// Filter transforms one event in place. It returns false to drop the event
// on purpose (the event then counts as done). What it keeps across events
// (a cache, a last value) must be copied out of the event: its bytes do not
// outlive its Done.
type Filter interface {
	Apply(e *Event) bool
}

// Output writes events. Send takes the events (it must not modify them:
// several outputs may share them) and calls Done on each once it has them
// durably, after its last read of them (see Event.Done); it blocks while the output is full and returns an error only
// when ctx ends or the output is closed. Close flushes what was sent and
// stops the output's goroutines.
type Output interface {
	Send(ctx context.Context, events []*Event) error
	Close(ctx context.Context) error
}

// Env is what a plugin is built with.
type Env struct {
	ID       string         // the plugin instance's id
	Pipeline string         // the pipeline a filter belongs to
	DataDir  string         // the node's data directory
	Logger   zerolog.Logger // already carries the plugin id
	// Timezone is the pipeline's zone for times without an offset.
	Timezone string
	// DrainTimeout bounds how long an input waits for in-flight data to be
	// acknowledged at shutdown.
	DrainTimeout time.Duration
}

// PluginKind says where a plugin goes in a config.
type PluginKind string

// The plugin kinds.
const (
	KindInput  PluginKind = "input"
	KindFilter PluginKind = "filter"
	KindOutput PluginKind = "output"
)

// Plugin is one registered plugin: a name, a typed config (its own spec)
// and a constructor.
type Plugin struct {
	Kind PluginKind
	Name string
	Doc  string
	// NewConfig returns a pointer to a fresh config struct.
	NewConfig func() any
	build     func(cfg any, env Env) (any, error)
}

// Registry holds the plugins a binary knows. It is built by the caller
// (see package builtin), never global.
type Registry struct {
	plugins map[PluginKind]map[string]*Plugin
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{plugins: map[PluginKind]map[string]*Plugin{}}
}

func register[C any, P any](r *Registry, kind PluginKind, name, doc string, build func(*C, Env) (P, error)) {
	if r.plugins[kind] == nil {
		r.plugins[kind] = map[string]*Plugin{}
	}
	if _, dup := r.plugins[kind][name]; dup {
		panic(fmt.Sprintf("pipeline: %s plugin %q registered twice", kind, name))
	}
	r.plugins[kind][name] = &Plugin{
		Kind: kind, Name: name, Doc: doc,
		NewConfig: func() any { return new(C) },
		build: func(cfg any, env Env) (any, error) {
			p, err := build(cfg.(*C), env)
			return p, err
		},
	}
}

// RegisterInput registers an input plugin with config type C.
func RegisterInput[C any](r *Registry, name, doc string, build func(*C, Env) (Input, error)) {
	register(r, KindInput, name, doc, build)
}

// RegisterFilter registers a filter plugin with config type C.
func RegisterFilter[C any](r *Registry, name, doc string, build func(*C, Env) (Filter, error)) {
	register(r, KindFilter, name, doc, build)
}

// RegisterOutput registers an output plugin with config type C.
func RegisterOutput[C any](r *Registry, name, doc string, build func(*C, Env) (Output, error)) {
	register(r, KindOutput, name, doc, build)
}

// Lookup returns the plugin of kind named name.
func (r *Registry) Lookup(kind PluginKind, name string) (*Plugin, bool) {
	p, ok := r.plugins[kind][name]
	return p, ok
}

// Names lists the plugins of a kind, sorted.
func (r *Registry) Names(kind PluginKind) []string {
	return slices.Sorted(maps.Keys(r.plugins[kind]))
}

// PluginBlock is one plugin in a config list: a mapping with a single key,
// the plugin name, whose value is the plugin's config plus the common keys
// "id" (and, for filters, "when"):
//
//   - beats:
//     id: beats-main
//     listen: 0.0.0.0:5044
type PluginBlock struct {
	Plugin *Plugin
	ID     string
	// Fallback (outputs only): the output runs only when every output that
	// is not a fallback is disabled, e.g. files when no cluster is set.
	Fallback bool
	When     Condition // filters only: apply the filter only when it matches
	Config   any       // pointer to the plugin's config struct
	At       Pos
}

// Build constructs the plugin.
func (b *PluginBlock) Build(env Env) (any, error) {
	env.ID = b.ID
	p, err := b.Plugin.build(b.Config, env)
	if err != nil {
		return nil, fmt.Errorf("%s %s %q (%s): %w", b.Plugin.Kind, b.Plugin.Name, b.ID, b.At, err)
	}
	return p, nil
}

func (d *Decoder) decodePlugin(kind PluginKind, b *PluginBlock, n *yaml.Node) {
	b.At = d.At(n)
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		d.Report(n, "expected one %s as a mapping with a single key, the plugin name (one of %v)", kind, d.Registry.Names(kind))
		return
	}
	key, body := n.Content[0], n.Content[1]
	p, ok := d.Registry.Lookup(kind, key.Value)
	if !ok {
		d.Report(key, "unknown %s plugin %q (known: %v)", kind, key.Value, d.Registry.Names(kind))
		return
	}
	b.Plugin, b.ID = p, key.Value
	if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
		body = &yaml.Node{Kind: yaml.MappingNode, Line: body.Line, Column: body.Column}
	}
	if body.Kind == yaml.MappingNode {
		// Take the common keys out before the plugin's own spec sees them.
		rest := *body
		rest.Content = nil
		for i := 0; i+1 < len(body.Content); i += 2 {
			k, v := body.Content[i], body.Content[i+1]
			switch {
			case k.Value == "id":
				if s, ok := d.scalar(v, "id", "a string"); ok && s != "" {
					b.ID = s
				}
			case k.Value == "when" && kind == KindFilter:
				b.When.DecodeNode(d, v)
			case k.Value == "fallback" && kind == KindOutput:
				d.decode(v, reflectValue(&b.Fallback), "fallback")
			default:
				rest.Content = append(rest.Content, k, v)
			}
		}
		body = &rest
	}
	b.Config = p.NewConfig()
	d.decode(body, reflectValue(b.Config), key.Value)
}

// InputBlock is an input in a config list.
type InputBlock struct{ PluginBlock }

// FilterBlock is a filter in a config list.
type FilterBlock struct{ PluginBlock }

// OutputBlock is an output in a config list.
type OutputBlock struct{ PluginBlock }

// DecodeNode decodes the block against the plugin's own spec.
func (b *InputBlock) DecodeNode(d *Decoder, n *yaml.Node) {
	d.decodePlugin(KindInput, &b.PluginBlock, n)
}

// DecodeNode decodes the block against the plugin's own spec.
func (b *FilterBlock) DecodeNode(d *Decoder, n *yaml.Node) {
	d.decodePlugin(KindFilter, &b.PluginBlock, n)
}

// DecodeNode decodes the block against the plugin's own spec.
func (b *OutputBlock) DecodeNode(d *Decoder, n *yaml.Node) {
	d.decodePlugin(KindOutput, &b.PluginBlock, n)
}

// Listener is implemented by input configs that bind network addresses, so
// validate can find two inputs on one port.
type Listener interface {
	ListenAddrs() []string
}

// Switchable is implemented by output configs that can be switched off by
// their own values (an elasticsearch output with no hosts).
type Switchable interface {
	Enabled() bool
}

// ActiveOutputs decides which outputs run: every enabled output that is not
// a fallback; the fallbacks only when no other output is enabled.
func ActiveOutputs(blocks []OutputBlock) map[string]bool {
	enabled := func(b OutputBlock) bool {
		s, ok := b.Config.(Switchable)
		return !ok || s.Enabled()
	}
	active := map[string]bool{}
	for _, b := range blocks {
		if !b.Fallback && enabled(b) {
			active[b.ID] = true
		}
	}
	if len(active) == 0 {
		for _, b := range blocks {
			if b.Fallback && enabled(b) {
				active[b.ID] = true
			}
		}
	}
	return active
}

// Readiness is implemented by outputs that know whether their destination
// answers (for /ready).
type Readiness interface {
	Ready() bool
}

// Listening is implemented by inputs that say when they serve: /ready
// waits for it, and so does a reload that rebinds them.
type Listening interface {
	Ready() <-chan struct{}
}

// InputStats are an input's gauges and counters.
type InputStats struct {
	Connections     int64 `json:"connections"`
	InflightBatches int64 `json:"inflight_batches"`
	InflightBytes   int64 `json:"inflight_bytes"`
	EventsReceived  int64 `json:"events_received"`
	BatchesReceived int64 `json:"batches_received"`
}

// InputStatser is implemented by inputs that report stats.
type InputStatser interface {
	InputStats() InputStats
}

// OutputStats are an output's counters.
type OutputStats struct {
	Written      int64 `json:"written"`       // delivered (indexed, appended)
	Duplicates   int64 `json:"duplicates"`    // already there (409)
	Retried      int64 `json:"retried"`       // retries, per event
	DeadLettered int64 `json:"dead_lettered"` // refused for good, in the dead-letter store
	Failures     int64 `json:"failures"`      // failed requests or writes
}

// OutputStatser is implemented by outputs that report stats.
type OutputStatser interface {
	OutputStats() OutputStats
}

// Explainer is implemented by filters that can say why an event did not
// match them (grok), for pipeline test failures.
type Explainer interface {
	ExplainEvent(e *Event) []string
}
