// Package json is the json filter: it parses a field holding JSON text into
// the event (or into a target field). Invalid input is kept as it was and
// the event is tagged, never dropped.
package json

import (
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the json filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "json", "Parses JSON text from a field into the event or a target field.", New)
}

// Config is the json filter's config.
type Config struct {
	Source       event.FieldRef `yaml:"source" default:"message" doc:"field holding the JSON text"`
	Target       event.FieldRef `yaml:"target" doc:"where to store the parsed value; empty merges an object into the event root"`
	TagOnFailure []string       `yaml:"tag_on_failure" default:"[_jsonparsefailure]" doc:"tags added when the text is not valid JSON (or not an object without a target)"`
	// ErrorField, when set, receives why parsing failed: not_json or not_object.
	ErrorField   event.FieldRef `yaml:"error_field" doc:"field set to not_json or not_object when parsing fails"`
	RemoveSource bool           `yaml:"remove_source" default:"false" doc:"delete the source field after a successful parse"`
}

type filter struct{ cfg Config }

// New builds a json filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) {
	return &filter{cfg: *cfg}, nil
}

func (f *filter) Apply(e *event.Event) bool {
	src, ok := e.Get(f.cfg.Source.Path)
	if !ok {
		return true
	}
	v, err := e.DecodeJSON(e.Text(src)) // both in the batch's memory
	switch {
	case err != nil:
		f.fail(e, "not_json")
	case f.cfg.Target.IsZero() && v.Kind() != event.KindObject:
		f.fail(e, "not_object")
	case f.cfg.Target.IsZero():
		stamped := false
		for _, m := range v.Fields() {
			e.Set(event.Path{m.Key}, m.Value)
			stamped = stamped || m.Key == "@timestamp"
		}
		if stamped {
			// The object's @timestamp becomes the event's if it is a
			// time; else it goes to _@timestamp, @timestamp is now, and
			// the event is tagged (Logstash's json filter).
			e.CheckTimestamp(time.Now)
		}
		if f.cfg.RemoveSource {
			e.Delete(f.cfg.Source.Path)
		}
	default:
		if f.cfg.RemoveSource {
			e.Delete(f.cfg.Source.Path)
		}
		e.Set(f.cfg.Target.Path, v)
	}
	return true
}

func (f *filter) fail(e *event.Event, code string) {
	e.AddTags(f.cfg.TagOnFailure)
	if !f.cfg.ErrorField.IsZero() {
		e.SetString(f.cfg.ErrorField.Path, code)
	}
}
