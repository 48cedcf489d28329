// Package kv is the kv filter: it extracts key=value pairs from a text
// field, with the semantics of Logstash's logstash-filter-kv (option names
// and defaults are the same, so a converted logstash.conf keeps its kv
// section as it is).
//
// Differences from Logstash: field_split_pattern and value_split_pattern
// are Go RE2 regexps (no lookahead or lookbehind; Check says so), and the
// parser runs in linear time, so timeout_millis never fires and
// tag_on_timeout is accepted but never added.
package kv

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
)

// Register adds the kv filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "kv", "Extracts key=value pairs from a text field (Logstash kv).", New)
}

// Config is the kv filter's config. The keys are Logstash's.
type Config struct {
	Source               event.FieldRef      `yaml:"source" default:"message" doc:"field holding the text (a string, or an array of strings)"`
	Target               event.FieldRef      `yaml:"target" doc:"object field receiving the pairs; empty sets each key as a field reference at the root"`
	FieldSplit           string              `yaml:"field_split" default:" " doc:"characters separating pairs (a regex character class body, as in Logstash)"`
	FieldSplitPattern    string              `yaml:"field_split_pattern" doc:"RE2 regexp separating pairs; overrides field_split"`
	ValueSplit           string              `yaml:"value_split" default:"=" doc:"characters separating a key from its value (a character class body)"`
	ValueSplitPattern    string              `yaml:"value_split_pattern" doc:"RE2 regexp separating a key from its value; overrides value_split"`
	IncludeKeys          []template.Template `yaml:"include_keys" doc:"keep only these keys (after trim/remove/transform, before prefix); %{field} allowed"`
	ExcludeKeys          []template.Template `yaml:"exclude_keys" doc:"drop these keys; %{field} allowed"`
	DefaultKeys          map[string]string   `yaml:"default_keys" doc:"{key: value} set when the text does not hold the key"`
	TrimKey              string              `yaml:"trim_key" doc:"characters stripped from both ends of keys"`
	TrimValue            string              `yaml:"trim_value" doc:"characters stripped from both ends of values"`
	RemoveCharKey        string              `yaml:"remove_char_key" doc:"characters removed anywhere in keys"`
	RemoveCharValue      string              `yaml:"remove_char_value" doc:"characters removed anywhere in values"`
	Prefix               template.Template   `yaml:"prefix" doc:"string put before every key; %{field} allowed"`
	TransformKey         string              `yaml:"transform_key" enum:"lowercase,uppercase,capitalize" doc:"change the case of keys"`
	TransformValue       string              `yaml:"transform_value" enum:"lowercase,uppercase,capitalize" doc:"change the case of values"`
	AllowDuplicateValues bool                `yaml:"allow_duplicate_values" default:"true" doc:"a repeated key collects every value in an array; false skips a value the key already holds"`
	AllowEmptyValues     bool                `yaml:"allow_empty_values" default:"false" doc:"keep keys whose value is empty"`
	IncludeBrackets      bool                `yaml:"include_brackets" default:"true" doc:"values in (), [] or <> are read whole, like quoted ones"`
	Recursive            bool                `yaml:"recursive" default:"false" doc:"parse values that hold pairs themselves into objects"`
	Whitespace           string              `yaml:"whitespace" default:"lenient" enum:"lenient,strict" doc:"lenient allows spaces around value_split"`
	TimeoutMillis        int                 `yaml:"timeout_millis" default:"30000" doc:"accepted for Logstash compatibility; parsing is linear and never times out"`
	TagOnTimeout         string              `yaml:"tag_on_timeout" default:"_kv_filter_timeout" doc:"accepted for Logstash compatibility; never added"`
	TagOnFailure         []string            `yaml:"tag_on_failure" default:"[_kv_filter_error]" doc:"tags added when a key is not a valid field reference"`
}

// Check compiles the separators and character classes.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

type filter struct {
	cfg                Config
	sc                 *scanner
	trimKey, trimValue *charClass
	rmKey, rmValue     *charClass
	defaults           []event.Field // sorted by key: a YAML map has no order
	// include and exclude are the key lists when no entry has a %{field}
	// reference (rendered once, not per event).
	include, exclude []string
}

// New builds a kv filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) {
	return compile(cfg)
}

func compile(c *Config) (*filter, error) {
	f := &filter{cfg: *c}
	if c.ValueSplit == "" {
		return nil, fmt.Errorf("value_split must be a non-empty string")
	}
	if c.FieldSplit == "" && c.FieldSplitPattern == "" {
		return nil, fmt.Errorf("field_split must be a non-empty string")
	}
	sc := &scanner{brackets: c.IncludeBrackets, pattern: c.FieldSplitPattern != "" || c.ValueSplitPattern != ""}
	lenient := c.Whitespace != "strict"
	if sc.pattern {
		fs := orElse(c.FieldSplitPattern, "["+c.FieldSplit+"]")
		vs := orElse(c.ValueSplitPattern, "["+c.ValueSplit+"]")
		if lenient {
			vs = " *(?:" + vs + ") *"
		}
		var err error
		if sc.fs.re, err = anchored("field_split_pattern", fs); err != nil {
			return nil, err
		}
		if sc.vs.re, err = anchored("value_split_pattern", vs); err != nil {
			return nil, err
		}
	} else {
		var err error
		if sc.fs.class, err = newClass(c.FieldSplit, false); err != nil {
			return nil, fmt.Errorf("field_split: %w", err)
		}
		if sc.vs.class, err = newClass(c.ValueSplit, false); err != nil {
			return nil, fmt.Errorf("value_split: %w", err)
		}
		sc.vs.lenient = lenient
		// The key stops at either separator's characters, as Logstash's
		// [^#{value_split}#{field_split}] does.
		if sc.keyStop, err = newClass(c.ValueSplit+c.FieldSplit, false); err != nil {
			return nil, fmt.Errorf("value_split and field_split: %w", err)
		}
		sc.valStop = sc.fs.class
	}
	f.sc = sc
	f.include, f.exclude = literals(c.IncludeKeys), literals(c.ExcludeKeys)
	for _, o := range []struct {
		name, chars string
		dst         **charClass
	}{
		{"trim_key", c.TrimKey, &f.trimKey}, {"trim_value", c.TrimValue, &f.trimValue},
		{"remove_char_key", c.RemoveCharKey, &f.rmKey}, {"remove_char_value", c.RemoveCharValue, &f.rmValue},
	} {
		if o.chars == "" {
			continue
		}
		cl, err := newClass(o.chars, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
		*o.dst = cl
	}
	keys := make([]string, 0, len(c.DefaultKeys))
	for k := range c.DefaultKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f.defaults = append(f.defaults, event.Field{Key: k, Value: event.String(c.DefaultKeys[k])})
	}
	return f, nil
}

func orElse(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// anchored compiles a split regexp to match only at the start of the text
// it is given. (?m) makes $ an end of line, as in Ruby.
func anchored(name, src string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`(?m)^(?:` + src + `)`)
	if err != nil {
		hint := ""
		if strings.Contains(src, "(?=") || strings.Contains(src, "(?!") || strings.Contains(src, "(?<") {
			hint = " (Go RE2 regexps have no lookahead or lookbehind: rewrite the pattern without them)"
		}
		return nil, fmt.Errorf("%s %q: %w%s", name, src, err, hint)
	}
	return re, nil
}

// parse state for one event.
type run struct {
	f                *filter
	include, exclude []string
	prefix           string
	fields           []event.Field
}

func (f *filter) Apply(e *event.Event) bool {
	src, ok := e.Get(f.cfg.Source.Path)
	if !ok {
		return true
	}
	r := run{f: f, include: f.include, exclude: f.exclude, prefix: f.cfg.Prefix.RenderLogstash(e)}
	if r.include == nil {
		r.include = render(f.cfg.IncludeKeys, e)
	}
	if r.exclude == nil {
		r.exclude = render(f.cfg.ExcludeKeys, e)
	}
	// Room for a typical line's pairs: growing from nil costs more.
	r.fields = make([]event.Field, 0, 16)
	switch src.Kind() {
	case event.KindString:
		r.fields = r.parse(src.Text(), r.fields)
	case event.KindArray:
		for _, el := range src.Elems() {
			if el.Value.Kind() == event.KindString {
				r.fields = r.parse(el.Value.Text(), r.fields)
			}
		}
	}
	// @default_keys.merge(kv): defaults first, replaced by parsed values.
	kv := r.fields
	if len(f.defaults) > 0 {
		kv = slices.Clone(f.defaults)
		for _, fl := range r.fields {
			if i := indexOf(kv, fl.Key); i >= 0 {
				kv[i].Value = fl.Value
			} else {
				kv = append(kv, fl)
			}
		}
	}
	if len(kv) == 0 {
		return true
	}
	if !f.cfg.Target.IsZero() {
		e.Set(f.cfg.Target.Path, event.Object(kv...))
		return true
	}
	// Without a target each key is a field reference, as event.set(k, v)
	// reads it; one that is not valid fails the event as Logstash's
	// exception does, after the keys before it were set.
	var one [1]string
	for _, fl := range kv {
		p := event.Path(one[:])
		if p[0] = fl.Key; strings.IndexByte(fl.Key, '[') >= 0 || strings.IndexByte(fl.Key, ']') >= 0 {
			var err error
			if p, err = event.ParsePath(fl.Key); err != nil {
				e.AddTags(f.cfg.TagOnFailure)
				return true
			}
		}
		e.Set(p, fl.Value)
	}
	return true
}

// literals returns the texts of ts when none has a %{field} reference,
// else nil (they render per event).
func literals(ts []template.Template) []string {
	if len(ts) == 0 || slices.ContainsFunc(ts, func(t template.Template) bool { return !t.IsLiteral() }) {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text()
	}
	return out
}

func render(ts []template.Template, e *event.Event) []string {
	if len(ts) == 0 {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.RenderLogstash(e)
	}
	return out
}

func indexOf(fs []event.Field, key string) int {
	for i := range fs {
		if fs[i].Key == key {
			return i
		}
	}
	return -1
}

// parse adds the pairs of text to kv, following the plugin's parse method
// step by step (the order of trimming, filtering and prefixing matters).
func (r *run) parse(text string, kv []event.Field) []event.Field {
	f := r.f
	f.sc.scan(text, func(p pair) {
		key, value := p.key, p.value
		if value == "" && !f.cfg.AllowEmptyValues {
			return
		}
		if f.trimKey != nil {
			key = f.trimKey.trim(key)
		}
		if f.rmKey != nil {
			key = f.rmKey.remove(key)
		}
		key = transform(key, f.cfg.TransformKey)
		if len(r.include) > 0 && !slices.Contains(r.include, key) || slices.Contains(r.exclude, key) {
			return
		}
		key = r.prefix + key
		if f.trimValue != nil {
			value = f.trimValue.trim(value)
		}
		if f.rmValue != nil {
			value = f.rmValue.remove(value)
		}
		value = transform(value, f.cfg.TransformValue)
		i := indexOf(kv, key)
		if !f.cfg.AllowDuplicateValues && i >= 0 && holds(kv[i].Value, value) {
			return
		}
		v := event.String(value)
		if f.cfg.Recursive {
			if inner := r.parse(value, nil); len(inner) > 0 {
				v = event.Object(inner...)
			}
		}
		switch {
		case i < 0:
			kv = append(kv, event.Field{Key: key, Value: v})
		case kv[i].Value.Kind() == event.KindArray:
			kv[i].Value = event.Array(append(values(kv[i].Value), v)...)
		default:
			kv[i].Value = event.Array(kv[i].Value, v)
		}
	})
	return kv
}

func values(v event.Value) []event.Value {
	out := make([]event.Value, 0, v.Len()+1)
	for _, el := range v.Elems() {
		out = append(out, el.Value)
	}
	return out
}

// holds is Ruby's kv_keys[key].include?(value) as the plugin calls it: an
// array holds an equal element, an object (recursive) a member of that
// name, and a string — Ruby's String#include? — the value as a substring.
func holds(v event.Value, value string) bool {
	switch v.Kind() {
	case event.KindArray:
		for _, el := range v.Elems() {
			if el.Value.Kind() == event.KindString && el.Value.Text() == value {
				return true
			}
		}
		return false
	case event.KindObject:
		_, ok := v.Member(value)
		return ok
	default:
		return strings.Contains(v.Text(), value)
	}
}

// transform applies transform_key/transform_value. capitalize is Ruby's
// String#capitalize: the first character upper case, the rest lower case.
func transform(s, how string) string {
	switch how {
	case "lowercase":
		return strings.ToLower(s)
	case "uppercase":
		return strings.ToUpper(s)
	case "capitalize":
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s
		}
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
	}
	return s
}
