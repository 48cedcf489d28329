package lsconv

import (
	"sort"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// rank is the position of an operation in ingestd mutate's fixed order.
var rank = map[string]int{
	"coerce": 0, "rename": 1, "copy": 2, "replace": 3, "add_field": 4, "append": 5, "convert": 6,
	"gsub": 7, "split": 8, "join": 9, "merge": 10, "strip": 11, "lowercase": 12, "uppercase": 13,
	"capitalize": 14, "remove_field": 15, "add_tag": 16, "remove_tag": 17,
}

// Step is one ingestd mutate operation: map entries (rename, copy,
// replace, append, convert, split), a list (strip, lowercase, uppercase,
// remove_field, add_tag, remove_tag) or gsub triples.
type Step struct {
	Op       string
	Entries  []MutateEntry
	List     []string
	Gsub     [][]string
	When     string // an extra condition (update: the field exists)
	FailTags []string
	At       lsconf.Pos
	Comments []string
	// RubySplit: a split step, with Ruby's String#split semantics.
	RubySplit bool
}

// MutateEntry is one entry of a map operation, with the fields it reads and
// writes (for the order check).
type MutateEntry struct {
	Key           string
	Val           YNode
	Reads, Writes []string
}

func (s *Step) empty() bool {
	return len(s.Entries) == 0 && len(s.List) == 0 && len(s.Gsub) == 0
}

func (s *Step) value() YNode {
	switch {
	case s.Gsub != nil:
		seq := &YSeq{}
		for _, g := range s.Gsub {
			seq.Add(StrSeq(g))
		}
		return seq
	case s.List != nil:
		return StrSeq(s.List)
	}
	m := &YMap{}
	for _, e := range s.Entries {
		m.Set(e.Key, e.Val)
	}
	return m
}

// Ordered splits a map step into one step per entry when ingestd's order
// (sorted field names) would change what Logstash's order (as written)
// does: two entries in a different order that touch the same field.
func Ordered(s *Step) []*Step {
	if len(s.Entries) < 2 {
		return []*Step{s}
	}
	sorted := append([]MutateEntry(nil), s.Entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	pos := map[string]int{}
	for i, e := range sorted {
		pos[e.Key] = i
	}
	conflict := false
	for i := range s.Entries {
		for j := i + 1; j < len(s.Entries); j++ {
			a, b := s.Entries[i], s.Entries[j]
			if pos[a.Key] > pos[b.Key] && (overlaps(a.Writes, append(b.Reads, b.Writes...)) || overlaps(b.Writes, a.Reads)) {
				conflict = true
			}
		}
	}
	if !conflict {
		return []*Step{s}
	}
	out := make([]*Step, 0, len(s.Entries))
	for _, e := range s.Entries {
		one := *s
		one.Entries = []MutateEntry{e}
		out = append(out, &one)
	}
	return out
}

// overlaps reports whether a field of a is one of b, or inside it, or
// holds it.
func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if strings.HasPrefix(x, y) || strings.HasPrefix(y, x) {
				return true
			}
		}
	}
	return false
}

// PackSteps puts steps into as few mutate blocks as keep their order.
func PackSteps(steps []*Step, at lsconf.Pos, label string) []*Block {
	var out []*Block
	var cur *Block
	last := 0
	for _, s := range steps {
		if s.empty() {
			continue
		}
		r := rank[s.Op]
		if cur == nil || r <= last || s.When != "" || cur.When != "" {
			pos := s.At
			if !pos.IsValid() {
				pos = at
			}
			cur = NewBlock("mutate", pos, label)
			cur.When = s.When
			out = append(out, cur)
		}
		if e := cur.Opts.Set(s.Op, s.value()); s.At.IsValid() {
			e.At, e.Label = s.At, label
		}
		if len(s.FailTags) > 0 {
			cur.Opts.Set("tag_on_failure", StrSeq(s.FailTags))
		}
		if s.RubySplit {
			cur.Opts.Set("ruby_split", BoolLit(true))
		}
		cur.Comments = append(cur.Comments, s.Comments...)
		last = r
	}
	return out
}
