// Package prune is Logstash's prune filter (logstash-filter-prune): it
// removes top-level fields by name (whitelist_names, blacklist_names) or
// by value (whitelist_values, blacklist_values), all regular expressions.
// Like Logstash's it looks at top-level fields only (tags among them, and
// never @metadata): nested fields cannot be named.
package prune

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/ingestd/ingestd/template"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the prune filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "prune", "Removes top-level fields whose names or values match (or fail to match) regular expressions, as Logstash's prune filter does.", New)
}

// Config is the prune filter's config. Patterns are unanchored, as in
// Logstash: write ^name$ for an exact name. ^ and $ match at line
// boundaries, as they do in Ruby.
type Config struct {
	Interpolate     bool              `yaml:"interpolate" default:"false" doc:"render %{field} references in names, patterns and value keys per event (Logstash's sprintf: a missing field keeps its %{...} text) before compiling them"`
	WhitelistNames  []string          `yaml:"whitelist_names" doc:"keep only the top-level fields whose name matches one of these regexes (empty: keep all)"`
	BlacklistNames  []string          `yaml:"blacklist_names" default:"['%\\{[^}]+\\}']" doc:"remove the top-level fields whose name matches one of these regexes; the default removes names that are unresolved %{field} references"`
	WhitelistValues map[string]string `yaml:"whitelist_values" doc:"{field: regex}: remove the field unless its value matches; of an array only the matching elements stay (the field goes when none does)"`
	BlacklistValues map[string]string `yaml:"blacklist_values" doc:"{field: regex}: remove the field when its value matches; of an array the matching elements go (the field goes when all do)"`
}

// Check compiles every pattern, so a bad regex is a validate error.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

// pattern is a regex known at load time (re), or, with interpolate and a
// %{field} reference, one rendered and compiled per event.
type pattern struct {
	re   *regexp.Regexp
	tmpl template.Template
	last *atomic.Pointer[rendered] // with tmpl: the last rendering compiled
}

// rendered is a template's rendering and its regex (nil when invalid):
// events usually render the same text, which is then compiled once.
type rendered struct {
	src string
	re  *regexp.Regexp
}

type valueRule struct {
	key   template.Template
	name  string // the key when static
	pat   pattern
	white bool
}

type filter struct {
	white, black []pattern
	values       []valueRule
}

// New builds a prune filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) { return compile(cfg) }

func compile(c *Config) (*filter, error) {
	f := &filter{}
	var err error
	if f.white, err = patterns("whitelist_names", c.WhitelistNames, c.Interpolate); err != nil {
		return nil, err
	}
	if f.black, err = patterns("blacklist_names", c.BlacklistNames, c.Interpolate); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		opt   string
		m     map[string]string
		white bool
	}{{"whitelist_values", c.WhitelistValues, true}, {"blacklist_values", c.BlacklistValues, false}} {
		for _, k := range slices.Sorted(maps.Keys(l.m)) {
			p, err := newPattern(l.m[k], c.Interpolate)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", l.opt, k, err)
			}
			r := valueRule{name: k, pat: p, white: l.white}
			if c.Interpolate {
				if r.key = template.ParseLogstash(k); r.key.IsLiteral() {
					r.key = template.Template{}
				}
			}
			f.values = append(f.values, r)
		}
	}
	return f, nil
}

func patterns(opt string, srcs []string, interpolate bool) ([]pattern, error) {
	var out []pattern
	for _, s := range srcs {
		p, err := newPattern(s, interpolate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opt, err)
		}
		out = append(out, p)
	}
	if len(out) < 2 || slices.ContainsFunc(out, func(p pattern) bool { return p.re == nil }) {
		return out, nil
	}
	// Regexp.union, as Logstash matches names: one scan per name
	// instead of one per pattern.
	alts := make([]string, len(srcs))
	for i, s := range srcs {
		alts[i] = "(?:" + s + ")"
	}
	re, err := rubyRegexp(strings.Join(alts, "|"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opt, err)
	}
	return []pattern{{re: re}}, nil
}

func newPattern(src string, interpolate bool) (pattern, error) {
	if interpolate {
		if t := template.ParseLogstash(src); !t.IsLiteral() {
			return pattern{tmpl: t, last: new(atomic.Pointer[rendered])}, nil
		}
	}
	re, err := rubyRegexp(src)
	if err != nil {
		return pattern{}, err
	}
	return pattern{re: re}, nil
}

// rubyRegexp compiles a Ruby regex: ^ and $ are line anchors there.
// (RE2 lacks Ruby's backreferences and lookaround; those fail here.)
func rubyRegexp(src string) (*regexp.Regexp, error) { return regexp.Compile("(?m)" + src) }

// regexp returns the pattern's regex for e; nil when the rendered text
// is not a valid regex (Logstash would raise there).
func (p pattern) regexp(e *event.Event) *regexp.Regexp {
	if p.re != nil {
		return p.re
	}
	src := p.tmpl.RenderLogstash(e)
	if r := p.last.Load(); r != nil && r.src == src {
		return r.re
	}
	re, err := rubyRegexp(src)
	if err != nil {
		re = nil
	}
	p.last.Store(&rendered{src: strings.Clone(src), re: re}) // kept past e
	return re
}

func (p pattern) match(e *event.Event, s string) bool {
	re := p.regexp(e)
	return re != nil && re.MatchString(s)
}

// partial is an array field of which only some elements stay.
type partial struct {
	key  string
	keep []bool // per element
}

// Apply decides every removal on the event as it came (Logstash collects
// them first: with interpolate a pattern may reference a field that is
// removed), then removes.
func (f *filter) Apply(e *event.Event) bool {
	root := e.Root()
	var drop []string
	var parts []partial
	if len(f.white) > 0 {
		res := f.regexps(e, f.white)
		for _, m := range root.Fields() {
			if !anyMatch(res, m.Key) {
				drop = append(drop, m.Key)
			}
		}
	}
	if len(f.black) > 0 {
		res := f.regexps(e, f.black)
		for _, m := range root.Fields() {
			if anyMatch(res, m.Key) {
				drop = append(drop, m.Key)
			}
		}
	}
	for _, r := range f.values {
		key := r.name
		if r.key.Source != "" {
			key = r.key.RenderLogstash(e)
		}
		v, ok := root.Member(key)
		if !ok || v.IsNull() || v.Kind() == event.KindBool && !v.BoolValue() || v.Kind() == event.KindObject {
			// Logstash skips nil and false; an object has no match
			// method in Ruby (it raises), it is left alone here.
			continue
		}
		re := r.pat.regexp(e)
		if re == nil {
			continue
		}
		if v.Kind() != event.KindArray {
			if re.MatchString(v.Text()) != r.white {
				drop = append(drop, key)
			}
			continue
		}
		elems := v.Elems()
		keep := make([]bool, len(elems))
		kept := 0
		for i, el := range elems {
			if keep[i] = re.MatchString(el.Value.Text()) == r.white; keep[i] {
				kept++
			}
		}
		switch kept {
		case len(elems):
		case 0:
			drop = append(drop, key)
		default:
			parts = append(parts, partial{key, keep})
		}
	}
	for _, k := range drop {
		e.Delete(event.Path{k})
	}
	// Rules on the same array combine: an element stays only if every
	// rule keeps it. (In Logstash the last rule's result would win, and a
	// field both removed and pruned would raise.)
	for i, p := range parts {
		v, ok := e.Get(event.Path{p.key})
		if !ok || v.Kind() != event.KindArray || len(v.Elems()) != len(p.keep) {
			continue // removed, or done with an earlier rule
		}
		for _, q := range parts[i+1:] {
			if q.key == p.key {
				for j := range p.keep {
					p.keep[j] = p.keep[j] && q.keep[j]
				}
			}
		}
		var out []event.Value
		for j, el := range v.Elems() {
			if p.keep[j] {
				out = append(out, el.Value)
			}
		}
		if len(out) == 0 {
			e.Delete(event.Path{p.key})
		} else {
			e.Set(event.Path{p.key}, event.Array(out...))
		}
	}
	return true
}

func (f *filter) regexps(e *event.Event, ps []pattern) []*regexp.Regexp {
	out := make([]*regexp.Regexp, 0, len(ps))
	for _, p := range ps {
		if re := p.regexp(e); re != nil {
			out = append(out, re)
		}
	}
	return out
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
