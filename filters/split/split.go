// Package split is the split filter: it turns one event into several, one
// per line of a text field or per element of an array field, with the
// semantics of Logstash's logstash-filter-split (same options and
// defaults). Each piece is a copy of the event with the field (or target)
// set to the piece; the original event gives way to the pieces.
package split

import (
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/rubysplit"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Register adds the split filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "split", "Splits an event into one per line of a field or per element of an array field (Logstash split).", New)
}

// Config is the split filter's config. The keys are Logstash's.
type Config struct {
	Field        event.FieldRef `yaml:"field" default:"message" doc:"the field to split: a string is cut at terminator, an array gives one event per element"`
	Target       event.FieldRef `yaml:"target" doc:"where each piece goes; empty: the split field itself (an array field is then removed from the copies before each gets its element)"`
	Terminator   string         `yaml:"terminator" default:"\n" doc:"what a string is cut at"`
	TagOnFailure []string       `yaml:"tag_on_failure" default:"[_split_type_failure]" doc:"tags added to an event whose field is neither a string nor an array (missing, a number, an object); the event goes on unsplit"`
	MarkField    event.FieldRef `yaml:"mark_field" doc:"a field set to true on every piece split made (not on an event left whole); a converted logstash.conf uses it to apply the filter's add_field, add_tag ... to the pieces only, as Logstash does"`
}

// Check validates the terminator.
func (c *Config) Check() []spec.FieldError {
	if c.Terminator == "" {
		return []spec.FieldError{{Field: "terminator", Msg: "must not be empty"}}
	}
	return nil
}

type filter struct {
	cfg    Config
	target event.Path
	log    zerolog.Logger
}

// New builds a split filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	f := &filter{cfg: *cfg, target: cfg.Field.Path, log: env.Logger}
	if !cfg.Target.IsZero() {
		f.target = cfg.Target.Path
	}
	return f, nil
}

// Apply is never called by the engine, which calls Expand (plugin.Expander).
// It leaves the event whole.
func (f *filter) Apply(*event.Event) bool { return true }

// Expand implements plugin.Expander.
func (f *filter) Expand(e *event.Event, out []*event.Event) []*event.Event {
	v, _ := e.Get(f.cfg.Field.Path)
	switch v.Kind() {
	case event.KindArray:
		elems := v.Elems()
		if f.cfg.Target.IsZero() {
			e.Delete(f.cfg.Field.Path)
		}
		for _, el := range elems {
			if el.Value.IsNull() || el.Value.Kind() == event.KindString && el.Value.Str() == "" {
				continue
			}
			out = append(out, f.piece(e, el.Value))
		}
		return out
	case event.KindString:
		parts := rubysplit.Split(v.Str(), f.cfg.Terminator, true) // split(t, -1), as the filter calls it
		if len(parts) == 1 {
			return append(out, e) // one piece: left as it is
		}
		for _, part := range parts {
			if part != "" {
				out = append(out, f.piece(e, event.String(part)))
			}
		}
		return out // none: the event is gone, as in Logstash
	}
	f.log.Warn().Str("field", f.cfg.Field.String()).Str("type", kindName(v.Kind())).Msg("split: only strings and arrays can be split")
	e.AddTags(f.cfg.TagOnFailure)
	return append(out, e)
}

// piece is a copy of e with the target set to val.
func (f *filter) piece(e *event.Event, val event.Value) *event.Event {
	c := e.Clone()
	c.Set(f.target, val)
	if !f.cfg.MarkField.IsZero() {
		c.Set(f.cfg.MarkField.Path, event.Bool(true))
	}
	return c
}

func kindName(k event.Kind) string {
	switch k {
	case event.KindNull:
		return "missing or null"
	case event.KindObject:
		return "object"
	case event.KindString:
		return "string"
	case event.KindArray:
		return "array"
	}
	return "number or boolean"
}
