package grok

import (
	"github.com/ingestd/ingestd/spec"
	"gopkg.in/yaml.v3"
)

// FieldPatterns is the match option: {field: [pattern, ...]} (a single
// pattern may be written as a string), with the fields kept in the order
// written, which is the order they are tried in (Logstash's match hash is
// ordered too).
type FieldPatterns []FieldPattern

// FieldPattern is one field's patterns.
type FieldPattern struct {
	Field    string
	Patterns []string
}

// DecodeNode implements spec.NodeDecoder.
func (m *FieldPatterns) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.Report(n, "match: expected a mapping {field: [pattern, ...]}")
		return
	}
	out := FieldPatterns{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fp := FieldPattern{Field: k.Value}
		if v.Kind == yaml.ScalarNode {
			s, ok := d.Scalar(v, "match "+k.Value, "a pattern")
			if !ok {
				continue
			}
			fp.Patterns = []string{s}
		} else {
			d.DecodeAs(v, &fp.Patterns, "match "+k.Value)
		}
		out = append(out, fp)
	}
	*m = out
}

// all returns every pattern of every field.
func (m FieldPatterns) all() []string {
	var out []string
	for _, fp := range m {
		out = append(out, fp.Patterns...)
	}
	return out
}
