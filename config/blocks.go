package config

import (
	"fmt"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"gopkg.in/yaml.v3"
)

// PluginBlock is one plugin in a config list: a mapping with a single key,
// the plugin name, whose value is the plugin's config plus the common keys
// "id" (and, for filters, "when"):
//
//   - beats:
//     id: beats-main
//     listen: 0.0.0.0:5044
type PluginBlock struct {
	Plugin *plugin.Plugin
	ID     string
	// IDGiven says the id was written (not defaulted to the plugin name).
	IDGiven bool
	// Fallback (outputs only): the output runs only when every output that
	// is not a fallback is disabled, e.g. files when no cluster is set.
	Fallback bool
	// When (filters and outputs): a filter applies, an output takes an
	// event, only when it matches.
	When   condition.Condition
	Config any // pointer to the plugin's config struct
	At     spec.Pos
}

// Build constructs the plugin.
func (b *PluginBlock) Build(env plugin.Env) (any, error) {
	env.ID = b.ID
	p, err := b.Plugin.Build(b.Config, env)
	if err != nil {
		return nil, fmt.Errorf("%s %s %q (%s): %w", b.Plugin.Kind, b.Plugin.Name, b.ID, b.At, err)
	}
	return p, nil
}

func decodePlugin(d *spec.Decoder, kind plugin.Kind, b *PluginBlock, n *yaml.Node) {
	reg, _ := d.Context.(*plugin.Registry)
	if reg == nil {
		reg = plugin.NewRegistry()
	}
	b.At = d.At(n)
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		d.Report(n, "expected one %s as a mapping with a single key, the plugin name (one of %v)", kind, reg.Names(kind))
		return
	}
	key, body := n.Content[0], n.Content[1]
	p, ok := reg.Lookup(kind, key.Value)
	if !ok {
		d.Report(key, "unknown %s plugin %q (known: %v)", kind, key.Value, reg.Names(kind))
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
				if s, ok := d.Scalar(v, "id", "a string"); ok && s != "" {
					b.ID, b.IDGiven = s, true
				}
			case k.Value == "when" && (kind == plugin.KindFilter || kind == plugin.KindOutput):
				b.When.DecodeNode(d, v)
			case k.Value == "fallback" && kind == plugin.KindOutput:
				d.DecodeAs(v, &b.Fallback, "fallback")
			default:
				rest.Content = append(rest.Content, k, v)
			}
		}
		body = &rest
	}
	b.Config = p.NewConfig()
	d.DecodeAs(body, b.Config, key.Value)
}

// InputBlock is an input in a config list.
type InputBlock struct{ PluginBlock }

// FilterBlock is a filter in a config list.
type FilterBlock struct{ PluginBlock }

// OutputBlock is an output in a config list.
type OutputBlock struct{ PluginBlock }

// DecodeNode decodes the block against the plugin's own spec.
func (b *InputBlock) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	decodePlugin(d, plugin.KindInput, &b.PluginBlock, n)
}

// DecodeNode decodes the block against the plugin's own spec.
func (b *FilterBlock) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	decodePlugin(d, plugin.KindFilter, &b.PluginBlock, n)
}

// DecodeNode decodes the block against the plugin's own spec.
func (b *OutputBlock) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	decodePlugin(d, plugin.KindOutput, &b.PluginBlock, n)
}

// ActiveOutputs decides which outputs run: every enabled output that is not
// a fallback; the fallbacks only when no other output is enabled.
func ActiveOutputs(blocks []OutputBlock) map[string]bool {
	enabled := func(b OutputBlock) bool {
		s, ok := b.Config.(plugin.Switchable)
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
