package plugin

import (
	"fmt"
	"maps"
	"slices"
)

// Kind says where a plugin goes in a config.
type Kind string

// The plugin kinds.
const (
	KindInput  Kind = "input"
	KindFilter Kind = "filter"
	KindOutput Kind = "output"
)

// Plugin is one registered plugin: a name, a typed config (its own spec)
// and a constructor.
type Plugin struct {
	Kind Kind
	Name string
	Doc  string
	// NewConfig returns a pointer to a fresh config struct.
	NewConfig func() any
	build     func(cfg any, env Env) (any, error)
}

// Build constructs the plugin from cfg, a config NewConfig returned and a
// decoder filled. The result is an Input, a Filter or an Output as Kind
// says.
func (p *Plugin) Build(cfg any, env Env) (any, error) { return p.build(cfg, env) }

// Registry holds the plugins a binary knows. It is built by the caller
// (see package builtin), never global.
type Registry struct {
	plugins map[Kind]map[string]*Plugin
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{plugins: map[Kind]map[string]*Plugin{}}
}

func register[C any, P any](r *Registry, kind Kind, name, doc string, build func(*C, Env) (P, error)) {
	if r.plugins[kind] == nil {
		r.plugins[kind] = map[string]*Plugin{}
	}
	if _, dup := r.plugins[kind][name]; dup {
		panic(fmt.Sprintf("plugin: %s plugin %q registered twice", kind, name))
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
func (r *Registry) Lookup(kind Kind, name string) (*Plugin, bool) {
	p, ok := r.plugins[kind][name]
	return p, ok
}

// Names lists the plugins of a kind, sorted.
func (r *Registry) Names(kind Kind) []string {
	return slices.Sorted(maps.Keys(r.plugins[kind]))
}
