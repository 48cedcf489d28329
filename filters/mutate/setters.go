package mutate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/template"
)

// setter reads the values of replace, add_field, append and coerce: a
// string holding %{ is a template, read as Logstash's sprintf reads it
// (logstash: %{+yyyy.MM.dd} is a date, a missing field keeps its text) or
// as ingestd's templates do; anything else is a typed constant.
type setter struct{ logstash bool }

func (st setter) sets(op string, m map[string]any) ([]setOp, error) {
	var out []setOp
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		s, err := st.value(op, k, p, m[k])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (st setter) value(op, key string, p event.Path, v any) (setOp, error) {
	s := setOp{path: p, logstash: st.logstash}
	str, ok := v.(string)
	switch {
	case !ok || !strings.Contains(str, "%{"):
		s.val = event.Constant(v) // given to every event: an object stays raw until written
	case st.logstash:
		t := template.ParseLogstash(str)
		s.tmpl = &t
	default:
		t, err := template.Parse(str)
		if err != nil {
			return setOp{}, fmt.Errorf("%s %s: %w", op, key, err)
		}
		s.tmpl = &t
	}
	return s, nil
}

// appendOp adds values to a field the way Logstash's add_field does
// (LogStash::Util::Decorators.add_fields).
type appendOp struct {
	path event.Path
	// name, when the field's name is a template ("foo_%{somefield}", as
	// Logstash's add_fields sprintfs it): the path is rendered per event.
	name     *template.Template
	logstash bool    // name renders as Logstash's sprintf
	values   []setOp // one per value to append, in order
}

func (st setter) appends(m map[string]any) ([]appendOp, error) {
	var out []appendOp
	for _, k := range slices.Sorted(maps.Keys(m)) {
		vals, ok := m[k].([]any)
		if !ok {
			vals = []any{m[k]}
		}
		op := appendOp{logstash: st.logstash}
		if strings.Contains(k, "%{") {
			t, err := template.Parse(k)
			if st.logstash {
				t, err = template.ParseLogstash(k), nil
			}
			if err != nil {
				return nil, fmt.Errorf("append %s: %w", k, err)
			}
			op.name = &t
		} else {
			p, err := event.ParsePath(k)
			if err != nil {
				return nil, fmt.Errorf("append: %w", err)
			}
			op.path = p
		}
		p := op.path
		for _, v := range vals {
			s, err := st.value("append", k, p, v)
			if err != nil {
				return nil, err
			}
			op.values = append(op.values, s)
		}
		out = append(out, op)
	}
	return out, nil
}

func (a appendOp) apply(e *event.Event) {
	path := a.path
	if a.name != nil {
		var name string
		if a.logstash {
			name = a.name.RenderLogstash(e)
		} else {
			name, _ = a.name.Render(e)
		}
		p, err := event.ParsePath(name)
		if err != nil || len(p) == 0 {
			return // no field has that name
		}
		path = p
	}
	for _, s := range a.values {
		v := s.value(e)
		old, ok := e.Get(path)
		switch {
		case !ok:
			e.Set(path, v)
		case old.IsNull():
			// Array(nil) is [] in Logstash's add_fields: the value alone,
			// in an array.
			e.Set(path, event.Array(v))
		case old.Kind() == event.KindArray:
			// A new array: the old one's storage may be shared.
			elems := make([]event.Value, 0, old.Len()+1)
			for _, f := range old.Elems() {
				elems = append(elems, f.Value)
			}
			e.Set(path, event.Array(append(elems, v)...))
		default:
			e.Set(path, event.Array(old, v))
		}
	}
}

func (s setOp) value(e *event.Event) event.Value {
	if s.tmpl == nil {
		return s.val
	}
	if s.logstash {
		return event.String(s.tmpl.RenderLogstash(e))
	}
	text, _ := s.tmpl.Render(e)
	return event.String(text)
}
