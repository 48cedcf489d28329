// Package validate is the record-validation filter: schema-like checks on
// an object field (required keys in order, types, enumerations,
// timestamps, defaults), so that rules such as the NEANIAS accounting
// model live in config, not in Go code. An invalid record gets a reason
// code (missing_field:userid, bad_level, …) in error_field and the failure
// tags; it is never dropped.
package validate

import (
	"fmt"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the validate filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "validate", "Checks a record against required fields, types, enumerations and timestamps; applies defaults; sets a reason code.", New)
}

// Config is the validate filter's config.
type Config struct {
	Source        event.FieldRef `yaml:"source" required:"true" doc:"the object to check"`
	ErrorField    event.FieldRef `yaml:"error_field" default:"[error][code]" doc:"receives the reason code of the first problem"`
	TagOnFailure  []string       `yaml:"tag_on_failure" default:"[_validationfailure]" doc:"tags added to an invalid record"`
	NotObjectCode string         `yaml:"not_object_code" default:"not_object" doc:"code when the source is not an object"`
	Fields        []FieldSpec    `yaml:"fields" required:"true" doc:"the model's fields; required ones are checked first, in order"`
	UnknownTo     string         `yaml:"unknown_to" doc:"key (inside the record) that collects keys the model does not name, e.g. extra"`
}

// FieldSpec is one field of the model.
type FieldSpec struct {
	Name     string   `yaml:"name" required:"true" doc:"key inside the record"`
	Required bool     `yaml:"required" default:"false" doc:"absence is missing_field:<name>"`
	Type     string   `yaml:"type" default:"any" enum:"any,string,number,boolean,timestamp" doc:"timestamp: YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM], calendar-valid"`
	Enum     []string `yaml:"enum" doc:"allowed values (compared as text, case-sensitive)"`
	Default  any      `yaml:"default" doc:"value set when the field is absent"`
	Code     string   `yaml:"code" doc:"reason code for a bad value; default bad_<name>"`
	// UTC receives, for timestamps, the instant normalised to UTC as
	// YYYY-MM-DDTHH:MM:SS.ffffffZ (a zone-less time is taken as UTC).
	UTC string `yaml:"utc" doc:"timestamps: key that receives the UTC form YYYY-MM-DDTHH:MM:SS.ffffffZ"`
	// AssumedUTC receives true when the timestamp had no zone designator.
	AssumedUTC string `yaml:"assumed_utc" doc:"timestamps: key set to true when the input had no zone"`
}

// Check validates the specification itself.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	seen := map[string]bool{}
	for i, f := range c.Fields {
		if seen[f.Name] {
			errs = append(errs, spec.FieldError{Field: "fields", Msg: fmt.Sprintf("fields[%d]: %q is listed twice", i, f.Name)})
		}
		seen[f.Name] = true
		if f.Type == "timestamp" || (f.UTC == "" && f.AssumedUTC == "") {
			continue
		}
		errs = append(errs, spec.FieldError{Field: "fields", Msg: fmt.Sprintf("fields[%d]: utc and assumed_utc need type timestamp", i)})
	}
	return errs
}

type field struct {
	FieldSpec
	def  event.Value
	enum map[string]bool
}

type filter struct {
	cfg    Config
	fields []field
	known  map[string]bool
}

// New builds a validate filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) {
	f := &filter{cfg: *cfg, known: map[string]bool{}}
	for _, s := range cfg.Fields {
		fd := field{FieldSpec: s}
		if s.Code == "" {
			fd.Code = "bad_" + s.Name
		}
		if s.Default != nil {
			fd.def = event.Constant(s.Default) // shared by every record: an object stays raw until written
		}
		if len(s.Enum) > 0 {
			fd.enum = map[string]bool{}
			for _, e := range s.Enum {
				fd.enum[e] = true
			}
		}
		f.fields = append(f.fields, fd)
		f.known[s.Name] = true
		for _, derived := range []string{s.UTC, s.AssumedUTC} {
			if derived != "" {
				f.known[derived] = true
			}
		}
	}
	if cfg.UnknownTo != "" {
		f.known[cfg.UnknownTo] = true
	}
	return f, nil
}

func (f *filter) Apply(e *event.Event) bool {
	rec, ok := e.Get(f.cfg.Source.Path)
	if !ok || rec.Kind() != event.KindObject {
		f.fail(e, f.cfg.NotObjectCode)
		return true
	}
	// Each field is looked up once: vals[i] is f.fields[i]'s value,
	// absent[i] whether it is missing or null in the record as it came
	// (its members are rewritten below, before the defaults are decided).
	var valRoom [32]event.Value
	var absentRoom [32]bool
	vals, absent := valRoom[:0], absentRoom[:0]
	for _, fd := range f.fields {
		v, ok := rec.Member(fd.Name)
		vals, absent = append(vals, v), append(absent, !ok || v.IsNull())
		if fd.Required && absent[len(absent)-1] {
			f.fail(e, "missing_field:"+fd.Name)
			return true
		}
	}
	// The keys timestamps derive (utc, assumed_utc), set once the record
	// is known valid.
	var derivedRoom [8]event.Field
	derived := derivedRoom[:0]
	for i, fd := range f.fields {
		if absent[i] {
			continue
		}
		var valid bool
		if derived, valid = fd.valid(vals[i], derived); !valid {
			f.fail(e, fd.Code)
			return true
		}
	}
	// Valid: apply defaults, derived keys and the unknown-key collection,
	// in the record's own members (the json filter leaves room after
	// them): the known ones keep their order and the unknown ones move to
	// extra. A record is the event's alone (mutate copy deep-copies), and
	// a raw one's Fields are decoded afresh.
	members := rec.Fields()
	out := members[:0]
	var extra []event.Field
	for _, m := range members {
		if f.cfg.UnknownTo != "" && !f.known[m.Key] {
			extra = append(extra, m)
			continue
		}
		out = append(out, m)
	}
	clear(members[len(out):]) // moved to extra
	for i, fd := range f.fields {
		if absent[i] && fd.Default != nil {
			out = setMember(out, fd.Name, fd.def)
		}
		for _, d := range derived {
			if d.Key == fd.UTC || d.Key == fd.AssumedUTC {
				out = setMember(out, d.Key, d.Value)
			}
		}
	}
	if f.cfg.UnknownTo != "" {
		out = setMember(out, f.cfg.UnknownTo, event.Object(extra...))
	}
	e.Set(f.cfg.Source.Path, event.Object(out...))
	return true
}

func setMember(fields []event.Field, key string, v event.Value) []event.Field {
	for i := range fields {
		if fields[i].Key == key {
			fields[i].Value = v
			return fields
		}
	}
	return append(fields, event.Field{Key: key, Value: v})
}

func (f *filter) fail(e *event.Event, code string) {
	e.AddTags(f.cfg.TagOnFailure)
	if !f.cfg.ErrorField.IsZero() {
		e.SetString(f.cfg.ErrorField.Path, code)
	}
}

// valid checks v against the field's type and enumeration; a timestamp
// appends the keys it derives (utc, assumed_utc) to derived.
func (fd *field) valid(v event.Value, derived []event.Field) ([]event.Field, bool) {
	switch fd.Type {
	case "string":
		if v.Kind() != event.KindString {
			return derived, false
		}
	case "number":
		// A literal past float64 (1e999) is JSON, but Elasticsearch
		// refuses it as a double: the record would be dead-lettered, not
		// rejected with its code.
		if _, ok := v.Number(); !ok {
			return derived, false
		}
	case "boolean":
		if v.Kind() != event.KindBool {
			return derived, false
		}
	case "timestamp":
		if v.Kind() != event.KindString {
			return derived, false
		}
		t, assumed, err := event.ParseTimestamp(v.Str())
		if err != nil {
			return derived, false
		}
		if fd.UTC != "" {
			var buf [32]byte
			derived = append(derived, event.Field{Key: fd.UTC, Value: event.String(string(event.AppendTimestampFrac(buf[:0], t, 6)))})
		}
		if fd.AssumedUTC != "" {
			derived = append(derived, event.Field{Key: fd.AssumedUTC, Value: event.Bool(assumed)})
		}
	}
	if fd.enum != nil && (v.Kind() != event.KindString || !fd.enum[v.Str()]) {
		return derived, false
	}
	return derived, true
}
