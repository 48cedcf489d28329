// Package translate is the lookup filter: it maps a field's value through
// a table. Two forms, usable together:
//
//   - dictionary + target: an exact-match table (Logstash's translate),
//     e.g. dCache's message type "transfer" → kind "mover".
//   - rules: ordered regex or prefix rules that set several fields, with
//     $1… from the regex, e.g. the logger table "apps.parcels.views" →
//     stream "app", app_module "parcels". The first matching rule wins;
//     fallback applies when none does.
package translate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
)

// Register adds the translate filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "translate", "Maps a field through a dictionary or ordered regex/prefix rules (lookup tables).", New)
}

// Config is the translate filter's config.
type Config struct {
	Source     event.FieldRef    `yaml:"source" required:"true" doc:"field whose value is looked up; of an array, its first element (as Logstash's translate)"`
	Dictionary map[string]string `yaml:"dictionary" doc:"exact matches: {value: result}, stored in target"`
	// DictionaryPath is Logstash's dictionary_path.
	DictionaryPath  string            `yaml:"dictionary_path" doc:"a file of exact matches (YAML or JSON object, or CSV rows key,value, by its extension), instead of dictionary; reloaded when it changes"`
	RefreshInterval time.Duration     `yaml:"refresh_interval" default:"300s" doc:"how often dictionary_path is checked for changes (0: never)"`
	Target          event.FieldRef    `yaml:"target" doc:"where a dictionary result goes"`
	Rules           []Rule            `yaml:"rules" doc:"ordered rules; the first that matches sets its fields"`
	Fallback        map[string]string `yaml:"fallback" doc:"fields set when no rule or dictionary entry matches; a value may reference fields (%{[a][b]}, %{+yyyy.MM.dd}), rendered as Logstash's sprintf does (a missing field keeps its %{...} text)"`
	MarkField       event.FieldRef    `yaml:"mark_field" doc:"a field set to true when a dictionary entry, rule or the fallback wrote its value (Logstash's filter_matched; a converted logstash.conf applies the filter's add_field, add_tag ... on it)"`
	Override        bool              `yaml:"override" default:"true" doc:"replace a field the event already has; false keeps it (Logstash's translate override) and sets only the others"`
}

// Rule is one lookup rule: a regex or a list of prefixes, and the fields it
// sets.
type Rule struct {
	Regex string `yaml:"regex" doc:"regular expression; $1… in set values refer to its groups"`
	// Prefix matches a value equal to a prefix or starting with prefix+".".
	Prefix []string          `yaml:"prefix" doc:"dotted name prefixes: \"django\" matches django and django.*"`
	Set    map[string]string `yaml:"set" required:"true" doc:"{field: value} set when the rule matches"`
}

// Check compiles the table.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	if c.DictionaryPath != "" {
		if _, err := loadDictionary(c.DictionaryPath); err != nil {
			return []spec.FieldError{{Field: "dictionary_path", Msg: err.Error()}}
		}
	}
	return nil
}

type assign struct {
	path  event.Path
	value string
	// sprintf: a fallback value with %{...} references, rendered per event
	// as Logstash's translate does (event.sprintf(@fallback)).
	sprintf *template.Template
}

type rule struct {
	re       *regexp.Regexp
	prefixes []string
	set      []assign
}

type filter struct {
	source   event.Path
	dict     map[string]string
	file     *dictFile // dictionary_path, nil without
	target   event.Path
	rules    []rule
	fallback []assign
	keep     bool       // override: false
	mark     event.Path // mark_field, nil without
	seen     *ruleOutcomes
}

// The rules run for every event, and the texts they run on repeat: a
// service has a few dozen logger names (the corpus: 23 in 811 pipe lines).
// Each regex rule cost a regexp run and each $1 an allocation, per event.
// What the rules made of a text is kept, for up to maxOutcomes texts,
// and the event gets the same assignments.

// maxOutcomes bounds the texts whose outcome is kept: a field of
// unbounded values (a path per request) stops adding beyond it.
const maxOutcomes = 4096

// ruleOutcomes maps a text to the assignments the rules (or the
// fallback) made of it, shared by the workers.
type ruleOutcomes struct {
	m sync.Map // string → []assign, values expanded
	n atomic.Int32
}

// New builds a translate filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	f, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.DictionaryPath != "" {
		log := env.Logger
		f.file, err = openDictFile(cfg.DictionaryPath, cfg.RefreshInterval, func(err error) {
			log.Warn().Err(err).Msg("translate: dictionary not reloaded; the last one stays in use")
		})
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Close stops reloading the dictionary file.
func (f *filter) Close() error {
	if f.file != nil {
		f.file.close()
	}
	return nil
}

func compile(c *Config) (*filter, error) {
	f := &filter{source: c.Source.Path, dict: c.Dictionary, target: c.Target.Path, keep: !c.Override, mark: c.MarkField.Path, seen: new(ruleOutcomes)}
	if len(c.Dictionary) > 0 && c.DictionaryPath != "" {
		return nil, fmt.Errorf("give dictionary or dictionary_path, not both")
	}
	if (len(c.Dictionary) > 0 || c.DictionaryPath != "") && c.Target.IsZero() {
		return nil, fmt.Errorf("dictionary needs a target")
	}
	if len(c.Dictionary) == 0 && c.DictionaryPath == "" && len(c.Rules) == 0 {
		return nil, fmt.Errorf("give a dictionary, a dictionary_path or rules")
	}
	for i, r := range c.Rules {
		var cr rule
		switch {
		case r.Regex != "" && len(r.Prefix) > 0:
			return nil, fmt.Errorf("rules[%d]: give regex or prefix, not both", i)
		case r.Regex != "":
			re, err := regexp.Compile(r.Regex)
			if err != nil {
				return nil, fmt.Errorf("rules[%d]: %w", i, err)
			}
			cr.re = re
		case len(r.Prefix) > 0:
			cr.prefixes = r.Prefix
		default:
			return nil, fmt.Errorf("rules[%d]: needs regex or prefix", i)
		}
		var err error
		if cr.set, err = assigns(r.Set); err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		f.rules = append(f.rules, cr)
	}
	var err error
	if f.fallback, err = assigns(c.Fallback); err != nil {
		return nil, fmt.Errorf("fallback: %w", err)
	}
	for i, a := range f.fallback {
		if strings.Contains(a.value, "%{") {
			t := template.ParseLogstash(a.value)
			f.fallback[i].sprintf = &t
		}
	}
	return f, nil
}

func assigns(m map[string]string) ([]assign, error) {
	out := make([]assign, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, err
		}
		out = append(out, assign{path: p, value: m[k]})
	}
	return out, nil
}

func (f *filter) Apply(e *event.Event) bool {
	if f.translate(e) && f.mark != nil {
		e.Set(f.mark, event.Bool(true))
	}
	return true
}

// translate applies the first dictionary entry or rule that matches, else
// the fallback, and reports whether it wrote a value.
func (f *filter) translate(e *event.Event) bool {
	v, ok := e.Get(f.source)
	if !ok {
		return f.set(e, f.fallback)
	}
	text := lookupText(v)
	dict := f.dict
	if f.file != nil {
		dict = f.file.dict()
	}
	if res, ok := dict[text]; ok {
		if !f.keep || !e.Has(f.target) {
			e.SetString(f.target, res)
			return true
		}
		return false
	}
	if as, ok := f.seen.m.Load(text); ok {
		return f.set(e, as.([]assign))
	}
	as := f.ruleFor(text)
	if f.seen.n.Load() < maxOutcomes {
		if _, loaded := f.seen.m.LoadOrStore(strings.Clone(text), as); !loaded {
			f.seen.n.Add(1)
		}
	}
	return f.set(e, as)
}

// lookupText is the text of the source value v that is looked up. An
// array's first element, as Logstash's translate does (CoerceArray in
// lib/logstash/filters/single_value_update.rb: source.first.to_s; an
// empty array is nil.to_s, ""); anything else its text.
func lookupText(v event.Value) string {
	if v.Kind() == event.KindArray {
		if elems := v.Elems(); len(elems) > 0 {
			return elems[0].Value.Text()
		}
		return ""
	}
	return v.Text()
}

// ruleFor returns the assignments of the first rule that matches text,
// its $1… expanded (in memory of their own), or the fallback's.
func (f *filter) ruleFor(text string) []assign {
	for _, r := range f.rules {
		if r.re != nil {
			if m := r.re.FindStringSubmatchIndex(text); m != nil {
				if !slices.ContainsFunc(r.set, func(a assign) bool { return strings.Contains(a.value, "$") }) {
					return r.set
				}
				out := make([]assign, len(r.set))
				for i, a := range r.set {
					out[i] = a
					if strings.Contains(a.value, "$") {
						out[i].value = string(r.re.ExpandString(nil, a.value, text, m))
					}
				}
				return out
			}
			continue
		}
		for _, p := range r.prefixes {
			if text == p || strings.HasPrefix(text, p) && text[len(p)] == '.' {
				return r.set
			}
		}
	}
	return f.fallback
}

// set writes the assignments (those whose field the event has are kept
// with override off; a rule's $1 were expanded by ruleFor) and reports
// whether it wrote any.
func (f *filter) set(e *event.Event, as []assign) bool {
	wrote := false
	for _, a := range as {
		if f.keep && e.Has(a.path) {
			continue
		}
		val := a.value
		if a.sprintf != nil {
			val = a.sprintf.RenderLogstash(e)
		}
		e.SetString(a.path, val)
		wrote = true
	}
	return wrote
}
