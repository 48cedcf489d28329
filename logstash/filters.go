package logstash

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// filterFunc converts one Logstash filter into ingestd blocks. Their when
// (if any) is relative to the filter: the enclosing conditions are added
// by the caller.
type filterFunc func(c *conv, p *lsconf.Plugin) []*block

var filterFuncs map[string]filterFunc

func init() {
	filterFuncs = map[string]filterFunc{
		"mutate":    (*conv).mutate,
		"grok":      (*conv).grok,
		"date":      (*conv).date,
		"json":      (*conv).json,
		"dissect":   (*conv).dissect,
		"drop":      (*conv).drop,
		"translate": (*conv).translate,
		"split":     (*conv).split,
	}
	for name, spec := range passThroughs {
		filterFuncs[name] = passThrough(spec)
	}
}

// filterItems converts the items of a filter section or branch body; ctx
// is the condition that encloses them ("" at the top).
func (c *conv) filterItems(items []lsconf.Item, ctx string) {
	for _, it := range items {
		switch it := it.(type) {
		case *lsconf.Plugin:
			c.place(c.filter(it), ctx)
		case *lsconf.Branch:
			c.filterBranch(it, ctx)
		}
	}
}

// place appends blocks with the enclosing condition added to their when.
func (c *conv) place(blocks []*block, ctx string) {
	for _, b := range blocks {
		b.when = and(ctx, b.when)
		c.filters = append(c.filters, b)
	}
}

// filter converts one filter plugin.
func (c *conv) filter(p *lsconf.Plugin) []*block {
	f, ok := filterFuncs[p.Name]
	if !ok {
		if p.Name == "ruby" {
			c.rubyFilter(p)
			return nil
		}
		c.errorf(p.Pos, "filter %q is not supported by the conversion (supported: %s)", p.Name, supportedFilters())
		return nil
	}
	return f(c, p)
}

// filterBranch converts an if / else if / else chain.
func (c *conv) filterBranch(b *lsconf.Branch, ctx string) {
	conds := make([]string, len(b.Cases))
	ok := true
	for i, cs := range b.Cases {
		x, good := c.cond(cs.Cond)
		conds[i], ok = x, ok && good
	}
	if !ok {
		// The condition is reported; convert the bodies anyway so that
		// their problems are reported too, then drop them.
		saved := c.filters
		for _, cs := range b.Cases {
			c.filterItems(cs.Items, "false")
		}
		c.filterItems(b.Else, "false")
		c.filters = saved
		return
	}
	if empty(b) {
		return
	}
	// if A { one filter } with no else: the filter's when is A, which
	// runs at the moment Logstash evaluates A, when the filter is one
	// block (several blocks would evaluate A again after the first).
	if len(b.Cases) == 1 && len(b.Else) == 0 && len(b.Cases[0].Items) == 1 {
		if p, isPlugin := b.Cases[0].Items[0].(*lsconf.Plugin); isPlugin {
			blocks := c.filter(p)
			if len(blocks) <= 1 {
				c.place(blocks, and(ctx, conds[0]))
				return
			}
			flag := c.branchBlock(b, conds, ctx)
			c.place(blocks, and(ctx, flagIs(flag, 1)))
			return
		}
	}
	flag := c.branchBlock(b, conds, ctx)
	for i, cs := range b.Cases {
		c.filterItems(cs.Items, and(ctx, flagIs(flag, i+1)))
	}
	c.filterItems(b.Else, and(ctx, flagIs(flag, 0)))
}

// empty reports a branch whose bodies hold nothing.
func empty(b *lsconf.Branch) bool {
	for _, cs := range b.Cases {
		if len(cs.Items) > 0 {
			return false
		}
	}
	return len(b.Else) == 0
}

// branchBlock emits the branch filter of b and returns its flag number.
func (c *conv) branchBlock(b *lsconf.Branch, conds []string, ctx string) int {
	c.flags++
	n := c.flags
	blk := newBlock("branch", b.Pos, "if")
	cases := &yseq{}
	for i, x := range conds {
		it := cases.add(str(x))
		it.at, it.label = b.Cases[i].Pos, "condition"
	}
	blk.opts.set("cases", cases)
	blk.opts.set("target", str(flagField(n)))
	what := "the if"
	if len(b.Cases) > 1 || b.Else != nil {
		what = "the chain"
	}
	blk.comments = append(blk.comments, fmt.Sprintf("%s is evaluated once; %s records the case taken (0: none)", what, flagField(n)))
	blk.when = ctx
	c.filters = append(c.filters, blk)
	return n
}

func flagField(n int) string { return "[@metadata][_ls" + strconv.Itoa(n) + "]" }

func flagIs(n, k int) string {
	return refExpr(flagField(n)) + " == " + strconv.Itoa(k)
}

// drop converts the drop filter.
func (c *conv) drop(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	if s, a, ok := o.str("percentage"); ok && s != "100" {
		c.errorf(a.Pos, "filter \"drop\": option percentage is not supported (ingestd drops every event the filter applies to)")
	}
	b := newBlock("drop", p.Pos, "filter \"drop\"")
	c.filterID(o, b)
	ignored := map[string]string{}
	for _, name := range commonOptions {
		ignored[name] = "the event is dropped"
	}
	ignored["periodic_flush"] = "no effect on documents"
	o.finish(ignored)
	return []*block{b}
}

// filterID gives the block the plugin's id.
func (c *conv) filterID(o *opts, b *block) {
	if id, _, ok := o.str("id"); ok {
		b.id = id
	}
}

// supportedFilters lists the filters the conversion takes, sorted.
func supportedFilters() string {
	names := slices.Sorted(maps.Keys(filterFuncs))
	return strings.Join(names, ", ")
}
