package logstash

import (
	"fmt"
	"strconv"

	"github.com/ingestd/ingestd/lsconf/sprintf"
)

// The options every Logstash filter has, which it applies only when it
// succeeded (LogStash::Filters::Base#filter_matched: add_field, then
// remove_field, then add_tag, then remove_tag).
var commonOptions = []string{"add_field", "remove_field", "add_tag", "remove_tag"}

// commonSteps reads the common options of a filter as mutate steps in
// filter_matched's order. add_field is ingestd mutate's append (set when
// absent, else make an array and append: LogStash::Util::Decorators.
// add_fields); its names and values are sprintf templates in Logstash.
func (c *conv) commonSteps(o *opts) []*step {
	var steps []*step
	what := o.what()
	addField := c.addFieldStep(o)
	for _, st := range []*step{addField, c.fieldList(o, "remove_field")} {
		if st != nil {
			steps = append(steps, st)
		}
	}
	for _, name := range []string{"add_tag", "remove_tag"} {
		tags, a, ok := o.list(name)
		if !ok {
			continue
		}
		st := &step{op: name, at: a.Pos}
		// Each tag is a sprintf template (filter_matched's event.sprintf);
		// ingestd's mutate renders it so with sprintf: logstash.
		st.list = append(st.list, tags...)
		steps = append(steps, st)
	}
	if a := o.get("periodic_flush"); a != nil {
		c.warnf(a.Pos, "%s: option periodic_flush is ignored (no effect on documents)", what)
	}
	return steps
}

// addFieldStep reads add_field, of a filter or an input (Logstash's
// Decorators.add_fields serves both): ingestd mutate's append, whose
// names and values are sprintf templates; a value may be a list. nil when
// the option is absent.
func (c *conv) addFieldStep(o *opts) *step {
	what := o.what()
	return c.fieldEntries(o, "add_field", "append", func(ref string, e kv) (mentry, bool) {
		label := what + ": add_field " + e.key
		vals, ok := c.stringList(e.val, label)
		if !ok {
			return mentry{}, false
		}
		me := mentry{key: ref, writes: []string{ref}}
		seq := &yseq{flow: true}
		for _, v := range vals {
			t, ok := c.mutateTemplate(v, e.val.Position(), label)
			if !ok {
				return mentry{}, false
			}
			me.reads = append(me.reads, templateRefs(t)...)
			seq.add(rawStr(t))
		}
		me.val = seq
		if len(seq.items) == 1 {
			me.val = seq.items[0].val
		}
		return me, true
	})
}

func hasTemplate(s string) bool {
	t, err := sprintf.Parse(s)
	return err != nil || !t.IsStatic()
}

// templateRefs lists the field references of a converted template.
func templateRefs(t string) []string {
	parsed, err := sprintf.Parse(t)
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range parsed.Parts {
		if p.Kind == sprintf.PartField {
			out = append(out, p.Ref.String())
		}
	}
	return out
}

// success arranges the blocks of a filter whose common options apply only
// when it succeeded. ingestd's filters report failure with their
// tag_on_failure only, and a failure tag may have been on the event
// before, so the filter gets a private tag of its own instead
// (_ls_failed_N, added only by it, removed right after):
//
//  1. the filter (its blocks, mains), with tag_on_failure [_ls_failed_N];
//  2. the common options, when the private tag is absent (and, for a
//     filter that does nothing at all on some events, such as date on a
//     missing field, when applies holds);
//  3. on failure, the Logstash failure tags added and the private tag
//     removed (with no failure tags, the tags field is removed when the
//     private tag was its only element, as Logstash would not have one).
//
// Without common options the filter simply gets the user's failure tags.
func (c *conv) success(mains []*block, what string, failTags []string, common []*step, applies string) []*block {
	setFail := func(tags []string) {
		for _, b := range mains {
			b.opts.set("tag_on_failure", strSeq(tags))
		}
	}
	out := append([]*block(nil), mains...)
	if len(common) == 0 || len(mains) == 0 {
		setFail(failTags)
		return out
	}
	at := mains[0].at
	c.privs++
	priv := "_ls_failed_" + strconv.Itoa(c.privs)
	setFail([]string{priv})
	failed := "lsIn(" + strconv.Quote(priv) + ", field(\"[tags]\"))"
	for i, b := range packSteps(common, at, what+" (on success)") {
		b.when = and(applies, not(failed))
		if i == 0 {
			b.comments = append(b.comments, fmt.Sprintf("Logstash applies add_field, remove_field, add_tag and remove_tag only when the filter succeeded: %s marks a failure", priv))
		}
		out = append(out, b)
	}
	if len(failTags) == 0 {
		rm := newBlock("mutate", at, what+" (on failure)")
		rm.when = failed + " && len(field(\"[tags]\")) == 1"
		rm.opts.set("remove_field", strSeq([]string{"[tags]"}))
		out = append(out, rm)
	}
	fail := newBlock("mutate", at, what+" (on failure)")
	fail.when = failed
	if len(failTags) > 0 {
		fail.opts.set("add_tag", strSeq(failTags))
	}
	fail.opts.set("remove_tag", strSeq([]string{priv}))
	return append(out, fail)
}

// privateField is a fresh @metadata field the conversion uses between
// blocks (marks, error fields), named after what it is for.
func (c *conv) privateField(name string) string {
	c.privs++
	return "[@metadata][_ls_" + name + "_" + strconv.Itoa(c.privs) + "]"
}

// onMark arranges a filter whose common options apply to the events it
// marks (Logstash's filter_matched on some of them only: the pieces split
// made, a translation): the filter's mark_field is a private @metadata
// flag, the common options run where it is set, and it is removed after
// them. b's own when guards them too.
func (c *conv) onMark(b *block, common []*step, name, on, why string) []*block {
	out := []*block{b}
	if len(common) == 0 {
		return out
	}
	mark := c.privateField(name)
	b.opts.set("mark_field", str(mark))
	marked := and(b.when, refExpr(mark)+" == true")
	for i, cb := range packSteps(common, b.at, b.label+" (on "+on+")") {
		cb.when = marked
		if i == 0 {
			cb.comments = append(cb.comments, why+": "+mark+" marks it")
		}
		out = append(out, cb)
	}
	rm := newBlock("mutate", b.at, b.label+" (mark removed)")
	rm.when = marked
	rm.opts.set("remove_field", strSeq([]string{mark}))
	return append(out, rm)
}
