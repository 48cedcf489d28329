// Package grok is the grok filter on github.com/vjeantet/grok: it matches
// fields against grok patterns (%{SYNTAX:SEMANTIC:TYPE}) and stores the
// captures in (nested) fields with type conversion.
//
// vjeantet/grok accepts only word characters in capture names and int or
// float as types, and reports a group that did not take part in a match
// like an empty one. So every capture of a configured pattern is renamed
// to an internal name whose real field path and type the filter keeps,
// and each pattern ends with an empty sentinel group, so a match is known
// even when it captured nothing. Every pattern is compiled when the config
// loads: a bad regex or an unknown %{NAME} is a validate error.
package grok

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	vgrok "github.com/vjeantet/grok"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/patterns"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the grok filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "grok", "Parses fields with grok patterns into typed, nested fields.", New)
}

// Config is the grok filter's config.
type Config struct {
	Match              FieldPatterns     `yaml:"match" required:"true" doc:"{field: [pattern, ...]}: fields and their patterns are tried in the order written, as Logstash's grok does; a field holding an array is matched element by element; a missing field is matched as the empty string"`
	BreakOnMatch       bool              `yaml:"break_on_match" default:"true" doc:"stop at the first pattern that matches (and at the first field that matched). Without it, every pattern is tried, and a field counts as matched when its last pattern matched (Logstash's rule)"`
	PatternsDir        []string          `yaml:"patterns_dir" doc:"directories of extra pattern files (NAME regex per line), on top of the shipped patterns"`
	PatternDefinitions map[string]string `yaml:"pattern_definitions" doc:"inline patterns {NAME: regex}"`
	Overwrite          []string          `yaml:"overwrite" doc:"fields a capture replaces; otherwise, as in Logstash, an existing string becomes an array of it and the capture, an array gets the capture appended, a null is replaced, and any other value (an object, a number, a boolean) is kept and the capture dropped"`
	KeepEmptyCaptures  bool              `yaml:"keep_empty_captures" default:"false" doc:"store every capture that matched the empty string, and as null every one whose group took no part in the match (as Logstash does)"`
	KeepEmptyFields    []string          `yaml:"keep_empty_fields" doc:"fields whose empty capture is stored (\"\" is a value there, e.g. an empty error message); use this rather than keep_empty_captures when the pattern has optional groups"`
	TagOnFailure       []string          `yaml:"tag_on_failure" default:"[_grokparsefailure]" doc:"tags added when no pattern matches"`
	Target             event.FieldRef    `yaml:"target" doc:"an object field the captures go into (Logstash's target); empty: the root. overwrite and keep_empty_fields name captures without it"`
	EcsCompatibility   plugin.ECSMode    `yaml:"ecs_compatibility" default:"disabled" enum:"disabled,v1,v8" doc:"the pattern set, as Logstash's grok chooses it: disabled, Logstash's legacy patterns (COMBINEDAPACHELOG capturing clientip, verb…); v1 or v8, its ECS patterns (capturing [source][address], [http][request][method]…, the default of Logstash 8)"`
}

// Check compiles every pattern.
func (c *Config) Check() []spec.FieldError {
	if _, err := compileChecked(c, true); err != nil {
		return []spec.FieldError{{Field: "match", Msg: err.Error()}}
	}
	return nil
}

const sentinel = "igmatched"

// sentinelGroup ends every pattern given to vjeantet: it reports a match
// that captured nothing as a non-empty map (explain relies on it; the
// matcher does not need it).
const sentinelGroup = "(?P<" + sentinel + ">)"

// capture is where an internal capture name stores its text.
type capture struct {
	path event.Path
	key  string // path.String(), for the keep_empty_fields and overwrite sets
	typ  string
}

// Pattern is one compiled pattern of a match list.
type Pattern struct {
	Source   string // as configured
	expanded string // renamed captures + sentinel, as given to vjeantet
	m        *matcher
	caps     []capture // where each of m.stores goes
}

type source struct {
	path     event.Path
	patterns []Pattern
	recall   *recall // with break_on_match (one pattern's captures per text)
}

// Filter is a compiled grok filter.
type Filter struct {
	g         *vgrok.Grok
	defs      map[string]string // the definitions loaded, as written (for explain)
	all       map[string]string // every definition available (explain loads more of them)
	sources   []source
	captures  map[string]capture
	overwrite map[string]bool
	breakOn   bool
	keepEmpty bool
	keepField map[string]bool
	fail      []string
	// checkOnly compiles patterns far enough to know they are valid (the
	// config check), not into matchers (New does): building the default
	// config compiled every grok pattern twice.
	checkOnly bool
}

// New builds a grok filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) { return compile(cfg) }

// Definitions returns the shipped patterns, then the patterns_dir files,
// then the inline definitions (later ones win).
func Definitions(dirs []string, inline map[string]string) (map[string]string, error) {
	return definitions(patterns.Shipped(), dirs, inline)
}

func definitions(defs map[string]string, dirs []string, inline map[string]string) (map[string]string, error) {
	for _, d := range dirs {
		extra, err := patterns.LoadDir(d)
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			defs[k] = v
		}
	}
	for k, v := range inline {
		defs[k] = v
	}
	return defs, nil
}

func compile(c *Config) (*Filter, error) { return compileChecked(c, false) }

func compileChecked(c *Config, checkOnly bool) (*Filter, error) {
	shipped := patterns.Shipped
	if c.EcsCompatibility.ECS() {
		shipped = patterns.ShippedECS
	}
	all, err := definitions(shipped(), c.PatternsDir, c.PatternDefinitions)
	if err != nil {
		return nil, err
	}
	// Only the definitions the patterns use, directly or through others:
	// vjeantet prepares every definition it is given, and the shipped set
	// (Logstash's legacy patterns with ingestd's) is hundreds, most of
	// them unused by any one filter.
	defs := referenced(all, c.Match.all())
	f := &Filter{defs: maps.Clone(defs), all: all, captures: map[string]capture{}, overwrite: map[string]bool{}, keepField: map[string]bool{}, breakOn: c.BreakOnMatch, keepEmpty: c.KeepEmptyCaptures, fail: c.TagOnFailure, checkOnly: checkOnly}
	// Definitions may capture into nested fields too: rename their
	// captures through the same table.
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if defs[name], err = f.rename(defs[name]); err != nil {
			return nil, fmt.Errorf("pattern %s: %w", name, err)
		}
	}
	// vjeantet's own base patterns stay (RE2-ready ones, EMAILLOCALPART
	// among them, that the pattern files lack); the definitions given win.
	if f.g, err = vgrok.NewWithConfig(&vgrok.Config{NamedCapturesOnly: true, Patterns: defs}); err != nil {
		return nil, fmt.Errorf("grok patterns: %w", err)
	}
	for _, k := range c.KeepEmptyFields {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("keep_empty_fields: %w", err)
		}
		f.keepField[p.String()] = true
	}
	for _, o := range c.Overwrite {
		p, err := event.ParsePath(o)
		if err != nil {
			return nil, fmt.Errorf("overwrite: %w", err)
		}
		f.overwrite[p.String()] = true
	}
	for _, fp := range c.Match {
		p, err := event.ParsePath(fp.Field)
		if err != nil {
			return nil, fmt.Errorf("match: %w", err)
		}
		src := source{path: p, recall: new(recall)}
		for _, pat := range fp.Patterns {
			cp, err := f.compilePattern(pat)
			if err != nil {
				return nil, err
			}
			src.patterns = append(src.patterns, cp)
		}
		f.sources = append(f.sources, src)
	}
	if !c.Target.IsZero() {
		for i := range f.sources {
			for j := range f.sources[i].patterns {
				caps := f.sources[i].patterns[j].caps
				for k := range caps {
					caps[k].path = append(slices.Clip(c.Target.Path), caps[k].path...)
				}
			}
		}
	}
	return f, nil
}

// referenced returns the definitions of defs that the patterns reference,
// directly or through other definitions.
func referenced(defs map[string]string, patterns []string) map[string]string {
	out := map[string]string{}
	queue := append([]string(nil), patterns...)
	for len(queue) > 0 {
		p := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, m := range grokRef.FindAllStringSubmatch(p, -1) {
			name := m[1]
			if _, seen := out[name]; seen {
				continue
			}
			if def, ok := defs[name]; ok {
				out[name] = def
				queue = append(queue, def)
			}
		}
	}
	return out
}

var (
	grokRef  = regexp.MustCompile(`%\{(\w+)(?::([^:}]+))?(?::(\w+))?\}`)
	namedRef = regexp.MustCompile(`\(\?P?<([^>]+)>`)
	wordOnly = regexp.MustCompile(`^\w+$`)
)

// compilePattern renames captures and compiles the pattern now, so that
// errors surface at load time.
func (f *Filter) compilePattern(pat string) (Pattern, error) {
	expanded, err := f.rename(pat)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %w", pat, err)
	}
	expanded += sentinelGroup
	if _, err := f.g.Match(expanded, ""); err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %s", pat, err)
	}
	re, err := compiledRegexp(f.g, expanded)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %s", pat, err)
	}
	if f.checkOnly {
		return Pattern{Source: pat, expanded: expanded}, nil
	}
	m, err := newMatcher(strings.TrimSuffix(re.String(), sentinelGroup))
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %s", pat, err)
	}
	cp := Pattern{Source: pat, expanded: expanded, m: m}
	for _, s := range m.stores {
		c, ok := f.captures[s.name]
		if !ok {
			c = capture{path: event.Path{s.name}, key: event.Path{s.name}.String()}
		}
		cp.caps = append(cp.caps, c)
	}
	return cp, nil
}

// rename replaces every capture name by an internal one and records the
// real field path and type.
func (f *Filter) rename(pat string) (string, error) {
	var convErr error
	expanded := grokRef.ReplaceAllStringFunc(pat, func(m string) string {
		sub := grokRef.FindStringSubmatch(m)
		syntax, semantic, typ := sub[1], sub[2], sub[3]
		if semantic == "" {
			return "%{" + syntax + "}"
		}
		name, err := f.internalName(semantic, typ)
		if err != nil {
			convErr = err
		}
		return "%{" + syntax + ":" + name + "}"
	})
	expanded = namedRef.ReplaceAllStringFunc(expanded, func(m string) string {
		raw := namedRef.FindStringSubmatch(m)[1]
		if wordOnly.MatchString(raw) && !strings.HasPrefix(raw, "ig") {
			return m
		}
		name, err := f.internalName(raw, "")
		if err != nil {
			convErr = err
		}
		return "(?P<" + name + ">"
	})
	return expanded, convErr
}

func (f *Filter) internalName(ref, typ string) (string, error) {
	p, err := event.ParsePath(ref)
	if err != nil {
		return "", err
	}
	if typ != "" {
		if err := convert.Check(typ); err != nil {
			return "", err
		}
	}
	name := "ig" + strconv.Itoa(len(f.captures))
	f.captures[name] = capture{path: p, key: p.String(), typ: typ}
	return name, nil
}

// Apply matches the fields in order, as Logstash's grok filter does
// (filter, match and match_against_groks in grok.rb): one failure tag set
// when no field matched; with break_on_match, the first field that
// matched ends it.
func (f *Filter) Apply(e *event.Event) bool {
	matched := false
	for i := range f.sources {
		if f.matchField(e, &f.sources[i]) {
			matched = true
			if f.breakOn {
				break
			}
		}
	}
	if !matched {
		e.AddTags(f.fail)
	}
	return true
}

// matchField matches one field: an array element by element (matched when
// any element did), anything else as its text (a missing field as "",
// Ruby's nil.to_s).
func (f *Filter) matchField(e *event.Event, src *source) bool {
	v, _ := e.Get(src.path)
	if v.Kind() == event.KindArray {
		matched := false
		for _, el := range v.Elems() {
			if f.matchText(e, src, el.Value.Text()) {
				matched = true
			}
		}
		return matched
	}
	return f.matchText(e, src, e.Text(v))
}

// matchText tries the field's patterns on text. Without break_on_match it
// reports whether the last pattern matched, as Logstash's loop does (its
// result is reassigned per pattern).
func (f *Filter) matchText(e *event.Event, src *source, text string) bool {
	if f.breakOn && src.recall != nil {
		return f.matchRecalled(e, src, text)
	}
	matched := false
	var scratch [16]string
	for i := range src.patterns {
		p := &src.patterns[i]
		vals, ok := p.m.match(text, scratch[:0])
		matched = ok
		if !ok {
			continue
		}
		f.store(e, p, text, vals)
		if f.breakOn {
			break
		}
	}
	return matched
}

// matchRecalled is matchText with break_on_match, through the source's
// recall of its last text.
func (f *Filter) matchRecalled(e *event.Event, src *source, text string) bool {
	if o := src.recall.lookup(text); o != nil {
		if o.pattern < 0 {
			return false
		}
		f.store(e, &src.patterns[o.pattern], text, o.vals)
		return true
	}
	var scratch [16]string
	for i := range src.patterns {
		p := &src.patterns[i]
		if vals, ok := p.m.match(text, scratch[:0]); ok {
			src.recall.record(text, i, vals)
			f.store(e, p, text, vals)
			return true
		}
	}
	src.recall.record(text, -1, nil)
	return false
}

// MatchIndex returns the index of the first pattern of field that matches
// text, or -1. It serves pipeline tests and grok explain.
func (f *Filter) MatchIndex(field string, text string) int {
	for _, src := range f.sources {
		if src.path.String() != field && !(len(src.path) == 1 && src.path[0] == field) {
			continue
		}
		for i, p := range src.patterns {
			if _, ok := p.m.match(text, nil); ok {
				return i
			}
		}
	}
	return -1
}

// value is what a capture stores of its text: the text, or its
// conversion (%{NUMBER:n:int} stores 42).
func (c capture) value(text string) event.Value {
	if c.typ != "" {
		if cv, err := convert.Text(text, c.typ); err == nil {
			return cv
		}
	}
	return event.String(text)
}

// store sets the captured texts (vals[i] for p.caps[i]) of p's match on
// text, in the order the pattern captures them (two captures into one
// field make [first, second], as in Logstash).
// It follows Logstash's grok (handle in lib/logstash/filters/grok.rb):
// an empty capture, or one whose group took no part in the match (nil in
// Ruby), is dropped unless keep_empty_captures keeps it, the latter as
// null; a capture the overwrite list names replaces the field; otherwise
// a field that is absent or null is set, an array gets the capture
// appended, a string becomes [old, capture], and any other value (an
// object such as Filebeat's agent, a number, a boolean, Logstash's
// @timestamp) stays as it is and the capture is dropped.
func (f *Filter) store(e *event.Event, p *Pattern, text string, vals []string) {
	var absent []bool // which groups took no part, worked out when needed
	for i, s := range vals {
		c := p.caps[i]
		val := c.value(s)
		if s == "" && !f.keepField[c.key] {
			if !f.keepEmpty {
				continue
			}
			if absent == nil {
				absent = p.m.absent(text)
			}
			if absent[i] {
				val = event.Value{} // Ruby's nil, not converted either
			}
		}
		if !f.overwrite[c.key] {
			if old, exists := e.Get(c.path); exists {
				switch old.Kind() {
				case event.KindNull:
				case event.KindArray, event.KindString:
					if old.Kind() == event.KindString && len(c.path) == 1 && c.path[0] == timestampKey {
						continue // a LogStash::Timestamp in Logstash, not a String
					}
					val = appendValue(old, val)
				default:
					continue
				}
			}
		}
		e.Set(c.path, val)
	}
}

// timestampKey is the field Logstash holds as a Timestamp, not a String.
const timestampKey = "@timestamp"

// appendValue returns old (an array, or a string promoted to one) with v
// appended.
func appendValue(old, v event.Value) event.Value {
	var elems []event.Value
	if old.Kind() == event.KindArray {
		for _, el := range old.Elems() {
			elems = append(elems, el.Value)
		}
	} else {
		elems = append(elems, old)
	}
	return event.Array(append(elems, v)...)
}

// load adds the definitions pattern needs that the filter has not loaded
// (Explain tries patterns of the whole library). Not safe for concurrent
// use: explaining is done by one goroutine (the CLI, a pipeline test).
func (f *Filter) load(pattern string) error {
	missing := map[string]string{}
	for name, def := range referenced(f.all, []string{pattern}) {
		if _, ok := f.defs[name]; !ok {
			f.defs[name] = def
			renamed, err := f.rename(def)
			if err != nil {
				return fmt.Errorf("pattern %s: %w", name, err)
			}
			missing[name] = renamed
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return f.g.AddPatternsFromMap(missing)
}
