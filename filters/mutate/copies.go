package mutate

import (
	"slices"

	"github.com/ingestd/ingestd/event"
)

// Copies read their sources in one pass per parent object. The shipped
// PT pipeline copies [fields][group], [fields][service] and
// [fields][stream] out of the object Filebeat sends, still held as its
// JSON text (event/lazy.go): three lookups scanned that text three times,
// for every event; Value.Members finds the three in one scan. Sources are
// read up front only when no copy's destination shares a top-level field
// with any source: then no copy can change what a later one reads, and
// the result is that of copying one after the other.

// copyPlan is how copy reads its sources: groups of sources under one
// parent, read with one Members call; nil when they must be read one by
// one, in order.
type copyPlan struct {
	groups []copyGroup
	// singles are the pairs (by index) read on their own.
	singles []int
}

// copyGroup is the sources that share a parent object.
type copyGroup struct {
	parent event.Path
	keys   []string // the sources' last keys
	pairs  []int    // the pairs they belong to, in order of keys
}

// planCopies returns a plan for pairs, or nil when reading up front could
// differ from copying in order (or would save nothing).
func planCopies(pairs []pair) *copyPlan {
	for _, a := range pairs {
		for _, b := range pairs {
			if a.to[0] == b.from[0] {
				return nil
			}
		}
	}
	plan := &copyPlan{}
	for i, p := range pairs {
		if len(p.from) < 2 {
			plan.singles = append(plan.singles, i)
			continue
		}
		parent := p.from[:len(p.from)-1]
		g := slices.IndexFunc(plan.groups, func(g copyGroup) bool { return slices.Equal(g.parent, parent) })
		if g < 0 {
			plan.groups = append(plan.groups, copyGroup{parent: parent})
			g = len(plan.groups) - 1
		}
		plan.groups[g].keys = append(plan.groups[g].keys, p.from[len(p.from)-1])
		plan.groups[g].pairs = append(plan.groups[g].pairs, i)
	}
	for i := 0; i < len(plan.groups); i++ {
		if g := plan.groups[i]; len(g.keys) == 1 || len(g.keys) > 64 {
			plan.singles = append(plan.singles, g.pairs...)
			plan.groups = slices.Delete(plan.groups, i, i+1)
			i--
		}
	}
	if len(plan.groups) == 0 {
		return nil // no parent shared by two sources: copies in order
	}
	slices.Sort(plan.singles)
	return plan
}

// copyAll copies f.copy's sources to their destinations.
func (f *filter) copyAll(e *event.Event) {
	if f.copies == nil {
		for _, p := range f.copy {
			if v, ok := e.Get(p.from); ok {
				// A deep copy, as Logstash's (deep_clone): the two fields
				// must not share members a later write would change in both.
				e.Set(p.to, v.Clone())
			}
		}
		return
	}
	var valRoom [16]event.Value
	var foundRoom [16]bool
	vals, found := valRoom[:0], foundRoom[:0]
	if len(f.copy) > len(valRoom) {
		vals, found = make([]event.Value, 0, len(f.copy)), make([]bool, 0, len(f.copy))
	}
	vals, found = vals[:len(f.copy)], found[:len(f.copy)]
	get := func(i int) {
		vals[i], found[i] = e.Get(f.copy[i].from)
	}
	for _, g := range f.copies.groups {
		parent, ok := e.Get(g.parent)
		if !ok {
			continue
		}
		if parent.Kind() != event.KindObject {
			// An array's elements (by index) or nothing: as Get reads them.
			for _, i := range g.pairs {
				get(i)
			}
			continue
		}
		var out [64]event.Value
		got := parent.Members(g.keys, out[:len(g.keys)])
		for k, i := range g.pairs {
			vals[i], found[i] = out[k], got&(1<<k) != 0
		}
	}
	for _, i := range f.copies.singles {
		get(i)
	}
	for i, p := range f.copy {
		if found[i] {
			e.Set(p.to, vals[i].Clone())
		}
	}
}
