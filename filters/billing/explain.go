package billing

import (
	"fmt"
	"slices"
	"sort"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
	"github.com/ingestd/ingestd/format/billing"
)

// ExplainEvent says, for a billing line no template fits, how far the
// templates got: the three that got furthest, with the byte offset, the
// text around it and the piece expected there (pipeline test failures).
func (f *Filter) ExplainEvent(e *event.Event) []string {
	v, ok := e.Get(f.source)
	if !ok {
		return []string{fmt.Sprintf("dcache_billing: no %s field", f.source)}
	}
	line := v.Text()
	if _, _, ok := billing.ParseHeader(line); ok {
		return nil
	}
	sets := f.site.Sets()
	if f.files != nil {
		if lib := f.files.library(f.fileKey(e)); lib != nil {
			sets = append(lib.Sets(), sets...)
		}
	}
	type miss struct {
		name string
		fail format.Failure
	}
	var misses []miss
	var m format.Match
	for _, s := range sets {
		for _, variant := range s.Variants() {
			if variant.Format.Scan(line, &m) {
				return nil
			}
			misses = append(misses, miss{variant.Format.Name(), m.Fail})
		}
	}
	sort.SliceStable(misses, func(i, j int) bool { return misses[i].fail.Pos > misses[j].fail.Pos })
	var out []string
	for _, ms := range misses {
		pos := min(max(ms.fail.Pos, 0), len(line))
		from, to := max(pos-20, 0), min(pos+20, len(line))
		s := fmt.Sprintf("dcache_billing %s: leaves the line at byte %d (%q ▸ %q): expected %s", ms.name, pos, line[from:pos], line[pos:to], ms.fail.Expected())
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}
