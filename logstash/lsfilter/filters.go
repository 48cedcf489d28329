package lsfilter

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// filterFunc converts one Logstash filter into ingestd blocks. Their when
// (if any) is relative to the filter: the enclosing conditions are added
// by the caller.
type filterFunc func(c *conv, p *lsconf.Plugin) []*lsconv.Block

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
func (c *conv) place(blocks []*lsconv.Block, ctx string) {
	for _, b := range blocks {
		b.When = lsconv.And(ctx, b.When)
		c.Filters = append(c.Filters, b)
	}
}

// filter converts one filter plugin.
func (c *conv) filter(p *lsconf.Plugin) []*lsconv.Block {
	f, ok := filterFuncs[p.Name]
	if !ok {
		if p.Name == "ruby" {
			c.rubyFilter(p)
			return nil
		}
		c.Errorf(p.Pos, "filter %q is not supported by the conversion (supported: %s)", p.Name, supportedFilters())
		return nil
	}
	return f(c, p)
}

// filterBranch converts an if / else if / else chain.
func (c *conv) filterBranch(b *lsconf.Branch, ctx string) {
	conds := make([]string, len(b.Cases))
	ok := true
	for i, cs := range b.Cases {
		x, good := c.Cond(cs.Cond)
		conds[i], ok = x, ok && good
	}
	if !ok {
		// The condition is reported; convert the bodies anyway so that
		// their problems are reported too, then drop them.
		saved := c.Filters
		for _, cs := range b.Cases {
			c.filterItems(cs.Items, "false")
		}
		c.filterItems(b.Else, "false")
		c.Filters = saved
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
				c.place(blocks, lsconv.And(ctx, conds[0]))
				return
			}
			flag := c.branchBlock(b, conds, ctx)
			c.place(blocks, lsconv.And(ctx, flagIs(flag, 1)))
			return
		}
	}
	flag := c.branchBlock(b, conds, ctx)
	for i, cs := range b.Cases {
		c.filterItems(cs.Items, lsconv.And(ctx, flagIs(flag, i+1)))
	}
	c.filterItems(b.Else, lsconv.And(ctx, flagIs(flag, 0)))
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
	c.Flags++
	n := c.Flags
	blk := lsconv.NewBlock("branch", b.Pos, "if")
	cases := &lsconv.YSeq{}
	for i, x := range conds {
		it := cases.Add(lsconv.Str(x))
		it.At, it.Label = b.Cases[i].Pos, "condition"
	}
	blk.Opts.Set("cases", cases)
	blk.Opts.Set("target", lsconv.Str(FlagField(n)))
	what := "the if"
	if len(b.Cases) > 1 || b.Else != nil {
		what = "the chain"
	}
	blk.Comments = append(blk.Comments, fmt.Sprintf("%s is evaluated once; %s records the case taken (0: none)", what, FlagField(n)))
	blk.When = ctx
	c.Filters = append(c.Filters, blk)
	return n
}

// FlagField is the [@metadata] field where branch filter n stores the
// case it took.
func FlagField(n int) string { return "[@metadata][_ls" + strconv.Itoa(n) + "]" }

func flagIs(n, k int) string {
	return lsconv.RefExpr(FlagField(n)) + " == " + strconv.Itoa(k)
}

// drop converts the drop filter.
func (c *conv) drop(p *lsconf.Plugin) []*lsconv.Block {
	o := c.Options(p, "filter")
	if s, a, ok := o.Str("percentage"); ok && s != "100" {
		c.Errorf(a.Pos, "filter \"drop\": option percentage is not supported (ingestd drops every event the filter applies to)")
	}
	b := lsconv.NewBlock("drop", p.Pos, "filter \"drop\"")
	c.filterID(o, b)
	ignored := map[string]string{}
	for _, name := range commonOptions {
		ignored[name] = "the event is dropped"
	}
	ignored["periodic_flush"] = "no effect on documents"
	o.Finish(ignored)
	return []*lsconv.Block{b}
}

// filterBlock reads a filter's options and starts its block, with the
// filter's id.
func (c *conv) filterBlock(p *lsconf.Plugin, plugin string) (*lsconv.Opts, string, *lsconv.Block) {
	o := c.Options(p, "filter")
	what := o.What()
	b := lsconv.NewBlock(plugin, p.Pos, what)
	c.filterID(o, b)
	return o, what, b
}

// filterID gives the block the plugin's id.
func (c *conv) filterID(o *lsconv.Opts, b *lsconv.Block) {
	if id, _, ok := o.Str("id"); ok {
		b.ID = id
	}
}

// supportedFilters lists the filters the conversion takes, sorted.
func supportedFilters() string {
	names := slices.Sorted(maps.Keys(filterFuncs))
	return strings.Join(names, ", ")
}
