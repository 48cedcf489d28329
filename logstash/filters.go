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
type filterFunc func(c *Conv, p *lsconf.Plugin) []*Block

var filterFuncs map[string]filterFunc

func init() {
	filterFuncs = map[string]filterFunc{
		"mutate":    (*Conv).mutate,
		"grok":      (*Conv).grok,
		"date":      (*Conv).date,
		"json":      (*Conv).json,
		"dissect":   (*Conv).dissect,
		"drop":      (*Conv).drop,
		"translate": (*Conv).translate,
		"split":     (*Conv).split,
	}
	for name, spec := range passThroughs {
		filterFuncs[name] = passThrough(spec)
	}
}

// filterItems converts the items of a filter section or branch body; ctx
// is the condition that encloses them ("" at the top).
func (c *Conv) FilterItems(items []lsconf.Item, ctx string) {
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
func (c *Conv) place(blocks []*Block, ctx string) {
	for _, b := range blocks {
		b.When = And(ctx, b.When)
		c.Filters = append(c.Filters, b)
	}
}

// filter converts one filter plugin.
func (c *Conv) filter(p *lsconf.Plugin) []*Block {
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
func (c *Conv) filterBranch(b *lsconf.Branch, ctx string) {
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
			c.FilterItems(cs.Items, "false")
		}
		c.FilterItems(b.Else, "false")
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
				c.place(blocks, And(ctx, conds[0]))
				return
			}
			flag := c.branchBlock(b, conds, ctx)
			c.place(blocks, And(ctx, flagIs(flag, 1)))
			return
		}
	}
	flag := c.branchBlock(b, conds, ctx)
	for i, cs := range b.Cases {
		c.FilterItems(cs.Items, And(ctx, flagIs(flag, i+1)))
	}
	c.FilterItems(b.Else, And(ctx, flagIs(flag, 0)))
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
func (c *Conv) branchBlock(b *lsconf.Branch, conds []string, ctx string) int {
	c.Flags++
	n := c.Flags
	blk := NewBlock("branch", b.Pos, "if")
	cases := &YSeq{}
	for i, x := range conds {
		it := cases.Add(Str(x))
		it.At, it.Label = b.Cases[i].Pos, "condition"
	}
	blk.Opts.Set("cases", cases)
	blk.Opts.Set("target", Str(FlagField(n)))
	what := "the if"
	if len(b.Cases) > 1 || b.Else != nil {
		what = "the chain"
	}
	blk.Comments = append(blk.Comments, fmt.Sprintf("%s is evaluated once; %s records the case taken (0: none)", what, FlagField(n)))
	blk.When = ctx
	c.Filters = append(c.Filters, blk)
	return n
}

func FlagField(n int) string { return "[@metadata][_ls" + strconv.Itoa(n) + "]" }

func flagIs(n, k int) string {
	return RefExpr(FlagField(n)) + " == " + strconv.Itoa(k)
}

// drop converts the drop filter.
func (c *Conv) drop(p *lsconf.Plugin) []*Block {
	o := c.Options(p, "filter")
	if s, a, ok := o.Str("percentage"); ok && s != "100" {
		c.Errorf(a.Pos, "filter \"drop\": option percentage is not supported (ingestd drops every event the filter applies to)")
	}
	b := NewBlock("drop", p.Pos, "filter \"drop\"")
	c.filterID(o, b)
	ignored := map[string]string{}
	for _, name := range commonOptions {
		ignored[name] = "the event is dropped"
	}
	ignored["periodic_flush"] = "no effect on documents"
	o.Finish(ignored)
	return []*Block{b}
}

// filterID gives the block the plugin's id.
func (c *Conv) filterID(o *Opts, b *Block) {
	if id, _, ok := o.Str("id"); ok {
		b.ID = id
	}
}

// supportedFilters lists the filters the conversion takes, sorted.
func supportedFilters() string {
	names := slices.Sorted(maps.Keys(filterFuncs))
	return strings.Join(names, ", ")
}
