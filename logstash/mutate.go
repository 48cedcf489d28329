package logstash

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// Logstash's mutate applies its operations in a fixed order
// (logstash-filter-mutate, Mutate#filter): coerce, rename, update,
// replace, convert, gsub, uppercase, capitalize, lowercase, strip, split,
// join, merge, copy, then the common options. ingestd's mutate has an
// order of its own (rank below), so one Logstash mutate becomes a run of
// ingestd mutate blocks: consecutive operations share a block as long as
// ingestd would run them in Logstash's order. Within one operation,
// Logstash takes the hash entries in the order written and ingestd in the
// order of their field names; when the two orders differ and two entries
// touch the same field, each entry gets its own block.

// rank is the position of an operation in ingestd mutate's fixed order.
var rank = map[string]int{
	"coerce": 0, "rename": 1, "copy": 2, "replace": 3, "add_field": 4, "append": 5, "convert": 6,
	"gsub": 7, "split": 8, "join": 9, "merge": 10, "strip": 11, "lowercase": 12, "uppercase": 13,
	"capitalize": 14, "remove_field": 15, "add_tag": 16, "remove_tag": 17,
}

// step is one ingestd mutate operation: map entries (rename, copy,
// replace, append, convert, split), a list (strip, lowercase, uppercase,
// remove_field, add_tag, remove_tag) or gsub triples.
type step struct {
	op       string
	entries  []mentry
	list     []string
	gsub     [][]string
	when     string // an extra condition (update: the field exists)
	failTags []string
	at       lsconf.Pos
	comments []string
	// rubySplit: a split step, with Ruby's String#split semantics.
	rubySplit bool
}

// mentry is one entry of a map operation, with the fields it reads and
// writes (for the order check).
type mentry struct {
	key           string
	val           ynode
	reads, writes []string
}

func (s *step) empty() bool {
	return len(s.entries) == 0 && len(s.list) == 0 && len(s.gsub) == 0
}

func (s *step) value() ynode {
	switch {
	case s.gsub != nil:
		seq := &yseq{}
		for _, g := range s.gsub {
			seq.add(strSeq(g))
		}
		return seq
	case s.list != nil:
		return strSeq(s.list)
	}
	m := &ymap{}
	for _, e := range s.entries {
		m.set(e.key, e.val)
	}
	return m
}

// ordered splits a map step into one step per entry when ingestd's order
// (sorted field names) would change what Logstash's order (as written)
// does: two entries in a different order that touch the same field.
func ordered(s *step) []*step {
	if len(s.entries) < 2 {
		return []*step{s}
	}
	sorted := append([]mentry(nil), s.entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
	pos := map[string]int{}
	for i, e := range sorted {
		pos[e.key] = i
	}
	conflict := false
	for i := range s.entries {
		for j := i + 1; j < len(s.entries); j++ {
			a, b := s.entries[i], s.entries[j]
			if pos[a.key] > pos[b.key] && (overlaps(a.writes, append(b.reads, b.writes...)) || overlaps(b.writes, a.reads)) {
				conflict = true
			}
		}
	}
	if !conflict {
		return []*step{s}
	}
	out := make([]*step, 0, len(s.entries))
	for _, e := range s.entries {
		one := *s
		one.entries = []mentry{e}
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

// packSteps puts steps into as few mutate blocks as keep their order.
func packSteps(steps []*step, at lsconf.Pos, label string) []*block {
	var out []*block
	var cur *block
	last := 0
	for _, s := range steps {
		if s.empty() {
			continue
		}
		r := rank[s.op]
		if cur == nil || r <= last || s.when != "" || cur.when != "" {
			pos := s.at
			if !pos.IsValid() {
				pos = at
			}
			cur = newBlock("mutate", pos, label)
			cur.when = s.when
			out = append(out, cur)
		}
		if e := cur.opts.set(s.op, s.value()); s.at.IsValid() {
			e.at, e.label = s.at, label
		}
		if len(s.failTags) > 0 {
			cur.opts.set("tag_on_failure", strSeq(s.failTags))
		}
		if s.rubySplit {
			cur.opts.set("ruby_split", boolLit(true))
		}
		cur.comments = append(cur.comments, s.comments...)
		last = r
	}
	return out
}

// mutate converts Logstash's mutate filter.
func (c *conv) mutate(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	var steps []*step
	add := func(s *step) {
		if s != nil {
			steps = append(steps, ordered(s)...)
		}
	}
	failTags := []string{"_mutate_error"}
	if s, _, ok := o.str("tag_on_failure"); ok {
		failTags = []string{s}
	}
	add(c.fieldEntries(o, "coerce", "coerce", func(ref string, e kv) (mentry, bool) {
		me, ok := c.setEntry(ref, e, what+": coerce")
		me.reads = append(me.reads, ref)
		return me, ok
	}))
	add(c.mutatePairs(o, "rename"))
	if entries, _, ok := o.hash("update"); ok {
		// update sets a field only when the event has it: a replace
		// whose when says so, one block per field.
		for _, e := range entries {
			ref, ok := c.fieldRef(e.key, e.at, what+": update")
			if !ok {
				continue
			}
			me, ok := c.setEntry(ref, e, what+": update")
			if !ok {
				continue
			}
			steps = append(steps, &step{op: "replace", at: e.at, entries: []mentry{me}, when: present(ref),
				comments: []string{"update: only when the field is present (Logstash also updates a field holding null)"}})
		}
	}
	add(c.fieldEntries(o, "replace", "replace", func(ref string, e kv) (mentry, bool) {
		return c.setEntry(ref, e, what+": replace")
	}))
	add(c.mutateConvert(o, failTags))
	if a := o.get("gsub"); a != nil {
		add(c.mutateGsub(o, a))
	}
	for _, name := range []string{"uppercase", "capitalize", "lowercase", "strip"} {
		// Logstash's order.
		add(c.fieldList(o, name))
	}
	if st := c.fieldEntries(o, "split", "split", func(ref string, e kv) (mentry, bool) {
		sep, ok := c.separator(e, what+": split")
		return sameField(ref, str(sep)), ok
	}); st != nil {
		st.rubySplit = true
		add(st)
	}
	add(c.fieldEntries(o, "join", "join", func(ref string, e kv) (mentry, bool) {
		sep, ok := c.separator(e, what+": join")
		return sameField(ref, str(sep)), ok
	}))
	add(c.fieldEntries(o, "merge", "merge", func(dest string, e kv) (mentry, bool) {
		names, ok := c.stringList(e.val, what+": merge "+e.key)
		if !ok {
			return mentry{}, false
		}
		me := sameField(dest, nil)
		var refs []string
		for _, n := range names {
			if ref, ok := c.fieldRef(n, e.val.Position(), what+": merge "+e.key); ok {
				refs = append(refs, ref)
			}
		}
		me.reads = append(me.reads, refs...)
		if len(refs) == 1 {
			me.val = str(refs[0])
		} else {
			me.val = strSeq(refs)
		}
		return me, true
	}))
	add(c.mutatePairs(o, "copy"))
	for _, s := range c.commonSteps(o) {
		add(s)
	}
	id, _, _ := o.str("id")
	o.finish(nil)
	blocks := packSteps(steps, p.Pos, what)
	if len(blocks) == 0 {
		b := newBlock("mutate", p.Pos, what)
		b.comments = append(b.comments, "no operation")
		blocks = []*block{b}
	}
	blocks[0].id = id
	return blocks
}

// fieldEntries reads a hash option whose keys are fields ({field =>
// ...}) as a map step op, one entry made by entry per key that is a good
// field reference (entry reports the value's problems and returns false
// to drop it). It returns nil when the option is absent or not a hash.
func (c *conv) fieldEntries(o *opts, name, op string, entry func(ref string, e kv) (mentry, bool)) *step {
	entries, a, ok := o.hash(name)
	if !ok {
		return nil
	}
	st := &step{op: op, at: a.Pos}
	for _, e := range entries {
		ref, ok := c.fieldRef(e.key, e.at, o.what()+": "+name)
		if !ok {
			continue
		}
		if me, ok := entry(ref, e); ok {
			st.entries = append(st.entries, me)
		}
	}
	return st
}

// fieldList reads a list option of fields as a list step of the same
// name. It returns nil when the option is absent or not a list.
func (c *conv) fieldList(o *opts, name string) *step {
	fields, a, ok := o.list(name)
	if !ok {
		return nil
	}
	st := &step{op: name, at: a.Pos}
	for _, f := range fields {
		if name == "remove_field" && strings.Contains(f, "%{") {
			// base.rb: event.remove(event.sprintf(field)); ingestd's
			// mutate renders it so under sprintf: logstash.
			if t, ok := c.mutateTemplate(f, a.Value.Position(), o.what()+": "+name); ok {
				st.list = append(st.list, t)
			}
			continue
		}
		if ref, ok := c.fieldRef(f, a.Value.Position(), o.what()+": "+name); ok {
			st.list = append(st.list, ref)
		}
	}
	return st
}

// sameField is an entry that rewrites the field ref in place.
func sameField(ref string, val ynode) mentry {
	return mentry{key: ref, val: val, reads: []string{ref}, writes: []string{ref}}
}

// separator reads the separator string of a split or join entry.
func (c *conv) separator(e kv, what string) (string, bool) {
	sep, ok := scalar(e.val)
	if !ok {
		c.errorf(e.val.Position(), "%s %s: expected a separator string, got %s", what, e.key, kindOf(e.val))
	}
	return sep, ok
}

// mutatePairs reads rename or copy: {from => to}.
func (c *conv) mutatePairs(o *opts, name string) *step {
	return c.fieldEntries(o, name, name, func(from string, e kv) (mentry, bool) {
		toText, ok := scalar(e.val)
		if !ok {
			c.errorf(e.val.Position(), "%s: %s %s: expected a field name, got %s", o.what(), name, e.key, kindOf(e.val))
			return mentry{}, false
		}
		to, ok := c.fieldRef(toText, e.val.Position(), o.what()+": "+name)
		if !ok {
			return mentry{}, false
		}
		me := mentry{key: from, val: str(to), reads: []string{from}, writes: []string{to}}
		if name == "rename" {
			me.writes = append(me.writes, from)
		}
		return me, true
	})
}

// setEntry reads a replace or update entry: the value is a sprintf
// template, and always a string in Logstash (event.sprintf), numbers
// included.
func (c *conv) setEntry(ref string, e kv, what string) (mentry, bool) {
	text, ok := scalar(e.val)
	if !ok {
		c.errorf(e.val.Position(), "%s %s: expected a string, got %s", what, e.key, kindOf(e.val))
		return mentry{}, false
	}
	t, ok := c.mutateTemplate(text, e.val.Position(), what+" "+e.key)
	if !ok {
		return mentry{}, false
	}
	return mentry{key: ref, val: rawStr(t), reads: templateRefs(t), writes: []string{ref}}, true
}

// Logstash's conversion names and ingestd's.
var conversions = map[string]string{"integer": "int", "float": "float", "boolean": "boolean", "string": "string", "integer_eu": "integer_eu", "float_eu": "float_eu"}

func (c *conv) mutateConvert(o *opts, failTags []string) *step {
	st := c.fieldEntries(o, "convert", "convert", func(ref string, e kv) (mentry, bool) {
		typ, _ := scalar(e.val)
		to, known := conversions[typ]
		if !known {
			c.errorf(e.val.Position(), "%s: convert %s to %q is not supported (ingestd converts to integer, float, boolean, string, integer_eu and float_eu)", o.what(), e.key, typ)
		}
		return sameField(ref, str(to)), known
	})
	if st == nil {
		return nil
	}
	st.failTags = failTags
	st.comments = append(st.comments, fmt.Sprintf("convert: a value Logstash converts leniently (\"12abc\" to integer 12, \"1,234\" to 1234, an unknown boolean left as is) is left unchanged here and tagged %s", strings.Join(failTags, ", ")))
	return st
}

// mutateGsub reads gsub's [field, regex, replacement, ...].
func (c *conv) mutateGsub(o *opts, a *lsconf.Attr) *step {
	arr, ok := a.Value.(*lsconf.Array)
	if !ok || len(arr.Elems)%3 != 0 {
		c.errorf(a.Value.Position(), "%s: gsub: expected a list of field, regular expression, replacement triples", o.what())
		return nil
	}
	st := &step{op: "gsub", at: a.Pos, gsub: [][]string{}}
	for i := 0; i < len(arr.Elems); i += 3 {
		var parts [3]string
		good := true
		for j := range parts {
			s, ok := scalar(arr.Elems[i+j])
			if !ok {
				c.errorf(arr.Elems[i+j].Position(), "%s: gsub: expected a string, got %s", o.what(), kindOf(arr.Elems[i+j]))
				good = false
			}
			parts[j] = s
		}
		if !good {
			continue
		}
		ref, ok := c.fieldRef(parts[0], arr.Elems[i].Position(), o.what()+": gsub")
		if !ok {
			continue
		}
		if strings.Contains(parts[1], "%{") || strings.Contains(parts[2], "%{") {
			c.errorf(arr.Elems[i+1].Position(), "%s: gsub %s: sprintf references in the pattern or the replacement are not supported", o.what(), parts[0])
			continue
		}
		re, ok := c.regex(parts[1], arr.Elems[i+1].Position(), o.what()+": gsub")
		if !ok {
			continue
		}
		repl, ok := c.rubyReplacement(parts[2], arr.Elems[i+2].Position(), o.what()+": gsub")
		if !ok {
			continue
		}
		st.gsub = append(st.gsub, []string{ref, re, repl})
	}
	return st
}

// rubyReplacement turns a Ruby gsub replacement (\1, \0, \&, \k<name>,
// \\) into Go's Regexp.Expand syntax (${1}, ${name}, $$ for a $).
func (c *conv) rubyReplacement(s string, at lsconf.Pos, what string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '$' {
			b.WriteString("$$")
			continue
		}
		if ch != '\\' || i+1 == len(s) {
			b.WriteByte(ch)
			continue
		}
		next := s[i+1]
		switch {
		case next >= '0' && next <= '9':
			b.WriteString("${" + string(next) + "}")
			i++
		case next == '&':
			b.WriteString("${0}")
			i++
		case next == '\\':
			b.WriteByte('\\')
			i++
		case next == 'k' && i+2 < len(s) && s[i+2] == '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				b.WriteByte(ch)
				continue
			}
			b.WriteString("${" + s[i+3:i+end] + "}")
			i += end
		case next == '`' || next == '\'':
			c.errorf(at, "%s: replacement %q: \\` and \\' (the text before and after the match) are not supported", what, s)
			return "", false
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), true
}
