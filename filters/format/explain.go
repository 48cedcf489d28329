package format

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
)

// ExplainLine tries every format on line, in the order of an event with
// no service, and says which fits and what it sets, or where each one
// leaves the line and what it expected there.
func (f *Filter) ExplainLine(line string) ([]string, bool, error) {
	return f.explain(line, f.order[""]), f.fits(line, f.order[""]), nil
}

// ExplainEvent explains why the event's line fits no format (pipeline
// test failures).
func (f *Filter) ExplainEvent(e *event.Event) []string {
	v, ok := e.Get(f.source)
	if !ok {
		return []string{fmt.Sprintf("format: no %s field", f.source)}
	}
	order := f.order[""]
	if sv, ok := e.Get(f.serviceField); ok {
		if o, ok := f.order[sv.Text()]; ok {
			order = o
		}
	}
	line := v.Text()
	if f.fits(line, order) {
		return nil
	}
	// A test failure needs the formats that came closest, not the whole
	// library: the three whose first choices got furthest into the line.
	report := f.explainAll(line, order)
	sort.SliceStable(report, func(i, j int) bool { return report[i].pos > report[j].pos })
	var out []string
	for i, r := range report {
		if i == 3 {
			break
		}
		out = append(out, "format "+r.text)
	}
	return out
}

type explained struct {
	pos  int
	text string
}

func (f *Filter) fits(line string, order []*entry) bool {
	_, ok := f.applyAlone(line, order)
	return ok
}

// applyAlone runs the filter, with only the formats of order, on an event
// holding line, as Apply does: the event, and whether a format fitted.
func (f *Filter) applyAlone(line string, order []*entry) (*event.Event, bool) {
	e := event.NewEvent(event.Object(event.Field{Key: "message", Value: event.String(line)}))
	sub := *f
	sub.source = pathMessage
	sub.order = map[string][]*entry{"": order}
	sub.fail = []string{"_explain_nofit"}
	sub.Apply(e)
	return e, !e.HasTag("_explain_nofit")
}

// sets runs the format en alone on line, as the filter does, and says
// what the event then holds: the fields converted (levels normalised,
// numbers, @timestamp), or that a value does not convert.
func (f *Filter) sets(line string, en *entry) (string, bool) {
	e, ok := f.applyAlone(line, []*entry{en})
	if !ok {
		if en.messageRequired {
			return "but none of its message formats fits the message: the format does not fit", false
		}
		return "but a value does not convert (a date that does not exist, a number out of range, a zone name such as CST that the timezone setting does not resolve): the format does not fit", false
	}
	return "sets: " + string(e.AppendJSON(nil)), true
}

func (f *Filter) explain(line string, order []*entry) []string {
	var out []string
	for _, r := range f.explainAll(line, order) {
		out = append(out, r.text)
	}
	return out
}

func (f *Filter) explainAll(line string, order []*entry) []explained {
	var out []explained
	var m format.Match
	for _, en := range order {
		text := f.prepare(en, line)
		head, _ := text, ""
		if en.python && f.traceback {
			head, _ = splitTraceback(text)
		}
		if en.f.Scan(head, &m) {
			var parts []string
			for i, fd := range en.f.Fields() {
				if sp := m.Spans[i]; sp.Start >= 0 {
					parts = append(parts, fmt.Sprintf("%s=%q", fd.Name, head[sp.Start:sp.End]))
				}
			}
			out = append(out, explained{len(head), fmt.Sprintf("%s: fits: %s", en.f.Name(), strings.Join(parts, " "))})
			sets, ok := f.sets(line, en)
			out = append(out, explained{len(head), "  " + sets})
			if ok {
				return out
			}
			continue // as the filter goes on to the next format
		}
		out = append(out, explained{m.Fail.Pos, fmt.Sprintf("%s: leaves the line %s", en.f.Name(), describe(head, m.Fail))})
	}
	return out
}

// describe shows a failure with the text around it.
func describe(line string, fl format.Failure) string {
	pos := min(max(fl.Pos, 0), len(line))
	from, to := max(pos-20, 0), min(pos+20, len(line))
	return fmt.Sprintf("at byte %d (%q ▸ %q): expected %s", pos, line[from:pos], line[pos:to], fl.Expected())
}
