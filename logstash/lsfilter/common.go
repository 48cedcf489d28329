package lsfilter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
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
func (c *conv) commonSteps(o *lsconv.Opts) []*lsconv.Step {
	var steps []*lsconv.Step
	what := o.What()
	addField := c.addFieldStep(o)
	for _, st := range []*lsconv.Step{addField, c.fieldList(o, "remove_field")} {
		if st != nil {
			steps = append(steps, st)
		}
	}
	for _, name := range []string{"add_tag", "remove_tag"} {
		tags, a, ok := o.List(name)
		if !ok {
			continue
		}
		st := &lsconv.Step{Op: name, At: a.Pos}
		// Each tag is a sprintf template (filter_matched's event.sprintf);
		// ingestd's mutate renders it so with sprintf: logstash.
		st.List = append(st.List, tags...)
		steps = append(steps, st)
	}
	if a := o.Get("periodic_flush"); a != nil {
		c.Warnf(a.Pos, "%s: option periodic_flush is ignored (no effect on documents)", what)
	}
	return steps
}

// addFieldStep reads add_field, of a filter or an input (Logstash's
// Decorators.add_fields serves both): ingestd mutate's append, whose
// names and values are sprintf templates; a value may be a list. nil when
// the option is absent.
func (c *conv) addFieldStep(o *lsconv.Opts) *lsconv.Step {
	what := o.What()
	return c.entries(o, "add_field", "append", true, func(ref string, e lsconv.KV) (lsconv.MutateEntry, bool) {
		label := what + ": add_field " + e.Key
		vals, ok := c.StringList(e.Val, label)
		if !ok {
			return lsconv.MutateEntry{}, false
		}
		me := lsconv.MutateEntry{Key: ref, Writes: []string{ref}}
		if strings.Contains(ref, "%{") {
			// A name rendered per event: it reads its references.
			me.Reads = append(me.Reads, templateRefs(ref)...)
		}
		seq := &lsconv.YSeq{Flow: true}
		for _, v := range vals {
			t, ok := c.MutateTemplate(v, e.Val.Position(), label)
			if !ok {
				return lsconv.MutateEntry{}, false
			}
			me.Reads = append(me.Reads, templateRefs(t)...)
			seq.Add(lsconv.RawStr(t))
		}
		me.Val = seq
		if len(seq.Items) == 1 {
			me.Val = seq.Items[0].Val
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
func (c *conv) success(mains []*lsconv.Block, what string, failTags []string, common []*lsconv.Step, applies string) []*lsconv.Block {
	setFail := func(tags []string) {
		for _, b := range mains {
			b.Opts.Set("tag_on_failure", lsconv.StrSeq(tags))
		}
	}
	out := append([]*lsconv.Block(nil), mains...)
	if len(common) == 0 || len(mains) == 0 {
		setFail(failTags)
		return out
	}
	at := mains[0].At
	priv, failed := c.privateFailTag()
	setFail([]string{priv})
	for i, b := range lsconv.PackSteps(common, at, what+" (on success)") {
		b.When = lsconv.And(applies, lsconv.Not(failed))
		if i == 0 {
			b.Comments = append(b.Comments, fmt.Sprintf("Logstash applies add_field, remove_field, add_tag and remove_tag only when the filter succeeded: %s marks a failure", priv))
		}
		out = append(out, b)
	}
	return append(out, onFailure(at, what, priv, failed, failTags)...)
}

// privateFailTag is a fresh tag a converted filter adds on failure in
// place of the Logstash failure tags (which the event may carry already),
// and the condition that it was added.
func (c *conv) privateFailTag() (tag, failed string) {
	c.Privs++
	tag = "_ls_failed_" + strconv.Itoa(c.Privs)
	return tag, "lsIn(" + strconv.Quote(tag) + ", field(\"[tags]\"))"
}

// onFailure are the blocks after a filter that marked its failure with the
// private tag priv (failed is privateFailTag's condition that it did):
// the Logstash failure tags added and priv removed (with no failure tags,
// the tags field is removed when priv was its only element, as Logstash
// would not have one).
func onFailure(at lsconf.Pos, what, priv, failed string, failTags []string) []*lsconv.Block {
	var out []*lsconv.Block
	if len(failTags) == 0 {
		rm := lsconv.NewBlock("mutate", at, what+" (on failure)")
		rm.When = failed + " && len(field(\"[tags]\")) == 1"
		rm.Opts.Set("remove_field", lsconv.StrSeq([]string{"[tags]"}))
		out = append(out, rm)
	}
	fail := lsconv.NewBlock("mutate", at, what+" (on failure)")
	fail.When = failed
	if len(failTags) > 0 {
		fail.Opts.Set("add_tag", lsconv.StrSeq(failTags))
	}
	fail.Opts.Set("remove_tag", lsconv.StrSeq([]string{priv}))
	return append(out, fail)
}

// privateField is a fresh @metadata field the conversion uses between
// blocks (marks, error fields), named after what it is for.
func (c *conv) privateField(name string) string {
	c.Privs++
	return "[@metadata][_ls_" + name + "_" + strconv.Itoa(c.Privs) + "]"
}

// onMark arranges a filter whose common options apply to the events it
// marks (Logstash's filter_matched on some of them only: the pieces split
// made, a translation): the filter's mark_field is a private @metadata
// flag, the common options run where it is set, and it is removed after
// them. b's own when guards them too.
func (c *conv) onMark(b *lsconv.Block, common []*lsconv.Step, name, on, why string) []*lsconv.Block {
	out := []*lsconv.Block{b}
	if len(common) == 0 {
		return out
	}
	mark := c.privateField(name)
	b.Opts.Set("mark_field", lsconv.Str(mark))
	marked := lsconv.And(b.When, lsconv.RefExpr(mark)+" == true")
	for i, cb := range lsconv.PackSteps(common, b.At, b.Label+" (on "+on+")") {
		cb.When = marked
		if i == 0 {
			cb.Comments = append(cb.Comments, why+": "+mark+" marks it")
		}
		out = append(out, cb)
	}
	rm := lsconv.NewBlock("mutate", b.At, b.Label+" (mark removed)")
	rm.When = marked
	rm.Opts.Set("remove_field", lsconv.StrSeq([]string{mark}))
	return append(out, rm)
}
