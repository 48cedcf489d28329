package mutate

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ingestd/ingestd/event"
)

// mergeOp merges fields into dest (mutate.rb's merge).
type mergeOp struct {
	dest  event.Path
	added []event.Path
}

func merges(m map[string]any) ([]mergeOp, error) {
	var out []mergeOp
	for _, k := range slices.Sorted(maps.Keys(m)) {
		dest, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		op := mergeOp{dest: dest}
		refs, ok := m[k].([]any)
		if !ok {
			refs = []any{m[k]}
		}
		for _, r := range refs {
			s, ok := r.(string)
			if !ok {
				return nil, fmt.Errorf("merge %s: expected field references, got %v", k, r)
			}
			p, err := event.ParsePath(s)
			if err != nil {
				return nil, fmt.Errorf("merge %s: %w", k, err)
			}
			op.added = append(op.added, p)
		}
		out = append(out, op)
	}
	return out, nil
}

// apply merges as Logstash does: objects member by member, everything else
// as arrays (Ruby's Array(): a missing value is empty, a scalar one
// element). An object with a non-object is left as it is.
func (m mergeOp) apply(e *event.Event) {
	for _, a := range m.added {
		dest, _ := e.Get(m.dest)
		added, _ := e.Get(a)
		dObj, aObj := dest.Kind() == event.KindObject, added.Kind() == event.KindObject
		switch {
		case dObj != aObj:
			continue
		case dObj:
			// Members of their own: the merged values must not share
			// members with the fields they came from (as Value.Clone).
			added = added.Clone()
			fields := append([]event.Field(nil), dest.Fields()...)
			for _, f := range added.Fields() {
				replaced := false
				for i := range fields {
					if fields[i].Key == f.Key {
						fields[i].Value, replaced = f.Value, true
						break
					}
				}
				if !replaced {
					fields = append(fields, f)
				}
			}
			e.Set(m.dest, event.Object(fields...))
		default:
			e.Set(m.dest, event.Array(append(asArray(dest), asArray(added.Clone())...)...))
		}
	}
}

// asArray is Ruby's Array(v): nil is empty, an array its elements, any
// other value one element.
func asArray(v event.Value) []event.Value {
	switch v.Kind() {
	case event.KindNull:
		return nil
	case event.KindArray:
		out := make([]event.Value, 0, v.Len())
		for _, f := range v.Elems() {
			out = append(out, f.Value)
		}
		return out
	}
	return []event.Value{v}
}
