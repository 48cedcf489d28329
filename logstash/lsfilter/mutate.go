package lsfilter

import (
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
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

// mutate converts Logstash's mutate filter.
func (c *conv) mutate(p *lsconf.Plugin) []*lsconv.Block {
	o := c.Options(p, "filter")
	what := o.What()
	var steps []*lsconv.Step
	add := func(s *lsconv.Step) {
		if s != nil {
			steps = append(steps, lsconv.Ordered(s)...)
		}
	}
	failTags := []string{"_mutate_error"}
	if s, _, ok := o.Str("tag_on_failure"); ok {
		failTags = []string{s}
	}
	add(c.fieldEntries(o, "coerce", "coerce", func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		me, ok := c.setEntry(ref, e, what+": coerce")
		me.Reads = append(me.Reads, ref)
		return me, ok
	}))
	add(c.mutatePairs(o, "rename"))
	if entries, _, ok := o.Hash("update"); ok {
		// update sets a field only when the event has it: a replace
		// whose when says so, one block per field.
		for _, e := range entries {
			ref, ok := c.FieldRef(e.Key, e.At, what+": update")
			if !ok {
				continue
			}
			me, ok := c.setEntry(ref, e, what+": update")
			if !ok {
				continue
			}
			steps = append(steps, &lsconv.Step{Op: "replace", At: e.At, Entries: []lsconv.MutateEntry{me}, When: lsconv.Present(ref),
				Comments: []string{"update: only when the field is present (Logstash also updates a field holding null)"}})
		}
	}
	add(c.fieldEntries(o, "replace", "replace", func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		return c.setEntry(ref, e, what+": replace")
	}))
	convert := c.mutateConvert(o)
	add(convert)
	if a := o.Get("gsub"); a != nil {
		add(c.mutateGsub(o, a))
	}
	for _, name := range []string{"uppercase", "capitalize", "lowercase", "strip"} {
		// Logstash's order.
		add(c.fieldList(o, name))
	}
	if st := c.fieldEntries(o, "split", "split", func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		sep, ok := c.separator(e, what+": split")
		return sameField(ref, lsconv.Str(sep)), ok
	}); st != nil {
		st.RubySplit = true
		add(st)
	}
	add(c.fieldEntries(o, "join", "join", func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		sep, ok := c.separator(e, what+": join")
		return sameField(ref, lsconv.Str(sep)), ok
	}))
	add(c.fieldEntries(o, "merge", "merge", func(dest string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		names, ok := c.StringList(e.Val, what+": merge "+e.Key)
		if !ok {
			return lsconv.MutateEntry{}, false
		}
		me := sameField(dest, nil)
		var refs []string
		for _, n := range names {
			if ref, ok := c.FieldRef(n, e.Val.Position(), what+": merge "+e.Key); ok {
				refs = append(refs, ref)
			}
		}
		me.Reads = append(me.Reads, refs...)
		if len(refs) == 1 {
			me.Val = lsconv.Str(refs[0])
		} else {
			me.Val = lsconv.StrSeq(refs)
		}
		return me, true
	}))
	add(c.mutatePairs(o, "copy"))
	for _, s := range c.commonSteps(o) {
		add(s)
	}
	id, _, _ := o.Str("id")
	o.Finish(nil)
	var priv, failed string
	if convert != nil {
		// A conversion that fails ends Logstash's mutate (mutate.rb
		// filter: the exception skips the operations after it and
		// filter_matched): the blocks after the one converting run only
		// when it did not mark a failure.
		priv, failed = c.privateFailTag()
		convert.FailTags = []string{priv}
	}
	blocks := lsconv.PackSteps(steps, p.Pos, what)
	if len(blocks) == 0 {
		b := lsconv.NewBlock("mutate", p.Pos, what)
		b.Comments = append(b.Comments, "no operation")
		blocks = []*lsconv.Block{b}
	}
	blocks[0].ID = id
	if convert == nil {
		return blocks
	}
	after := false
	for _, b := range blocks {
		if after {
			b.When = lsconv.And(b.When, lsconv.Not(failed))
		}
		after = after || b.Opts.Has("tag_on_failure")
	}
	return append(blocks, onFailure(p.Pos, what, priv, failed, failTags)...)
}

// fieldEntries reads a hash option whose keys are fields ({field =>
// ...}) as a map step op, one entry made by entry per key that is a good
// field reference (entry reports the value's problems and returns false
// to drop it). It returns nil when the option is absent or not a hash.
func (c *conv) fieldEntries(o *lsconv.Opts, name, op string, entry func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool)) *lsconv.Step {
	return c.entries(o, name, op, false, entry)
}

// entries is fieldEntries; with templateKeys a key may be a sprintf
// template (add_field's, which Logstash's add_fields sprintfs), passed on
// as ingestd's template text.
func (c *conv) entries(o *lsconv.Opts, name, op string, templateKeys bool, entry func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool)) *lsconv.Step {
	entries, a, ok := o.Hash(name)
	if !ok {
		return nil
	}
	st := &lsconv.Step{Op: op, At: a.Pos}
	for _, e := range entries {
		var ref string
		if templateKeys && strings.Contains(e.Key, "%{") {
			ref, ok = c.MutateTemplate(e.Key, e.At, o.What()+": "+name)
		} else {
			ref, ok = c.FieldRef(e.Key, e.At, o.What()+": "+name)
		}
		if !ok {
			continue
		}
		if me, ok := entry(ref, e); ok {
			st.Entries = append(st.Entries, me)
		}
	}
	return st
}

// fieldList reads a list option of fields as a list step of the same
// name. It returns nil when the option is absent or not a list.
func (c *conv) fieldList(o *lsconv.Opts, name string) *lsconv.Step {
	fields, a, ok := o.List(name)
	if !ok {
		return nil
	}
	st := &lsconv.Step{Op: name, At: a.Pos}
	for _, f := range fields {
		if name == "remove_field" && strings.Contains(f, "%{") {
			// base.rb: event.remove(event.sprintf(field)); ingestd's
			// mutate renders it so under sprintf: logstash.
			if t, ok := c.MutateTemplate(f, a.Value.Position(), o.What()+": "+name); ok {
				st.List = append(st.List, t)
			}
			continue
		}
		if ref, ok := c.FieldRef(f, a.Value.Position(), o.What()+": "+name); ok {
			st.List = append(st.List, ref)
		}
	}
	return st
}

// sameField is an entry that rewrites the field ref in place.
func sameField(ref string, val lsconv.YNode) lsconv.MutateEntry {
	return lsconv.MutateEntry{Key: ref, Val: val, Reads: []string{ref}, Writes: []string{ref}}
}

// separator reads the separator string of a split or join entry.
func (c *conv) separator(e lsconv.KV, what string) (string, bool) {
	sep, ok := lsconv.Scalar(e.Val)
	if !ok {
		c.Errorf(e.Val.Position(), "%s %s: expected a separator string, got %s", what, e.Key, lsconv.KindOf(e.Val))
	}
	return sep, ok
}

// mutatePairs reads rename or copy: {from => to}.
func (c *conv) mutatePairs(o *lsconv.Opts, name string) *lsconv.Step {
	return c.fieldEntries(o, name, name, func(from string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		toText, ok := lsconv.Scalar(e.Val)
		if !ok {
			c.Errorf(e.Val.Position(), "%s: %s %s: expected a field name, got %s", o.What(), name, e.Key, lsconv.KindOf(e.Val))
			return lsconv.MutateEntry{}, false
		}
		to, ok := c.FieldRef(toText, e.Val.Position(), o.What()+": "+name)
		if !ok {
			return lsconv.MutateEntry{}, false
		}
		me := lsconv.MutateEntry{Key: from, Val: lsconv.Str(to), Reads: []string{from}, Writes: []string{to}}
		if name == "rename" {
			me.Writes = append(me.Writes, from)
		}
		return me, true
	})
}

// setEntry reads a replace or update entry: the value is a sprintf
// template, and always a string in Logstash (event.sprintf), numbers
// included.
func (c *conv) setEntry(ref string, e lsconv.KV, what string) (lsconv.MutateEntry, bool) {
	text, ok := lsconv.Scalar(e.Val)
	if !ok {
		c.Errorf(e.Val.Position(), "%s %s: expected a string, got %s", what, e.Key, lsconv.KindOf(e.Val))
		return lsconv.MutateEntry{}, false
	}
	t, ok := c.MutateTemplate(text, e.Val.Position(), what+" "+e.Key)
	if !ok {
		return lsconv.MutateEntry{}, false
	}
	return lsconv.MutateEntry{Key: ref, Val: lsconv.RawStr(t), Reads: templateRefs(t), Writes: []string{ref}}, true
}

// Logstash's conversion names and ingestd's.
var conversions = map[string]string{"integer": "int", "float": "float", "boolean": "boolean", "string": "string", "integer_eu": "integer_eu", "float_eu": "float_eu"}

func (c *conv) mutateConvert(o *lsconv.Opts) *lsconv.Step {
	st := c.fieldEntries(o, "convert", "convert", func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		typ, _ := lsconv.Scalar(e.Val)
		to, known := conversions[typ]
		if !known {
			c.Errorf(e.Val.Position(), "%s: convert %s to %q is not supported (ingestd converts to integer, float, boolean, string, integer_eu and float_eu)", o.What(), e.Key, typ)
		}
		return sameField(ref, lsconv.Str(to)), known
	})
	return st // its FailTags are the mutate's private tag (mutate)
}

// mutateGsub reads gsub's [field, regex, replacement, ...].
func (c *conv) mutateGsub(o *lsconv.Opts, a *lsconf.Attr) *lsconv.Step {
	arr, ok := a.Value.(*lsconf.Array)
	if !ok || len(arr.Elems)%3 != 0 {
		c.Errorf(a.Value.Position(), "%s: gsub: expected a list of field, regular expression, replacement triples", o.What())
		return nil
	}
	st := &lsconv.Step{Op: "gsub", At: a.Pos, Gsub: [][]string{}}
	for i := 0; i < len(arr.Elems); i += 3 {
		var parts [3]string
		good := true
		for j := range parts {
			s, ok := lsconv.Scalar(arr.Elems[i+j])
			if !ok {
				c.Errorf(arr.Elems[i+j].Position(), "%s: gsub: expected a string, got %s", o.What(), lsconv.KindOf(arr.Elems[i+j]))
				good = false
			}
			parts[j] = s
		}
		if !good {
			continue
		}
		ref, ok := c.FieldRef(parts[0], arr.Elems[i].Position(), o.What()+": gsub")
		if !ok {
			continue
		}
		if strings.Contains(parts[1], "%{") || strings.Contains(parts[2], "%{") {
			c.Errorf(arr.Elems[i+1].Position(), "%s: gsub %s: sprintf references in the pattern or the replacement are not supported", o.What(), parts[0])
			continue
		}
		re, ok := c.Regex(parts[1], arr.Elems[i+1].Position(), o.What()+": gsub")
		if !ok {
			continue
		}
		repl, ok := c.rubyReplacement(parts[2], arr.Elems[i+2].Position(), o.What()+": gsub")
		if !ok {
			continue
		}
		st.Gsub = append(st.Gsub, []string{ref, re, repl})
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
			c.Errorf(at, "%s: replacement %q: \\` and \\' (the text before and after the match) are not supported", what, s)
			return "", false
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), true
}
