// Package branch is the branch filter: it evaluates an if / else if chain
// once and records which case matched, so that the filters of each case
// (which carry `when` conditions on that record) run as the chain says.
//
// This is how a Logstash conditional (`if A { f1 f2 } else { f3 }`) runs
// on ingestd's list of filters: A is evaluated once, before f1, as in
// Logstash, even when f1 changes the fields A reads; a `when: A` on each
// filter would evaluate it again after f1.
package branch

import (
	"fmt"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the branch filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "branch", "Evaluates an if / else if chain once and stores the number of the case that matched, for the when of the filters that follow.", New)
}

// Config is the branch filter's config.
type Config struct {
	Cases  []condition.Condition `yaml:"cases" required:"true" doc:"the conditions of the chain, in order (if, else if, ...)"`
	Target event.FieldRef        `yaml:"target" required:"true" doc:"field that receives the 1-based number of the first case that matches, 0 when none does (the else); under [@metadata] it is never written out"`
}

// Check rejects an empty chain.
func (c *Config) Check() []spec.FieldError {
	if len(c.Cases) == 0 {
		return []spec.FieldError{{Field: "cases", Msg: "needs at least one condition"}}
	}
	return nil
}

type filter struct {
	cases  []condition.Condition
	target event.Path
	values []event.Value // the numbers 0…len(cases), built once
}

// New builds a branch filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) {
	if len(cfg.Cases) == 0 {
		return nil, fmt.Errorf("branch: no cases")
	}
	f := &filter{cases: cfg.Cases, target: cfg.Target.Path}
	for i := range len(cfg.Cases) + 1 {
		f.values = append(f.values, event.Int(int64(i)))
	}
	return f, nil
}

func (f *filter) Apply(e *event.Event) bool {
	taken := 0
	for i := range f.cases {
		if f.cases[i].Match(e) {
			taken = i + 1
			break
		}
	}
	e.Set(f.target, f.values[taken])
	return true
}
