// Package mutate is the mutate filter: field operations applied in a fixed
// order: coerce, rename, copy, replace, add_field (templates), append,
// convert, gsub, split, join, merge, strip, lowercase, uppercase,
// capitalize, remove_field, add_tag, remove_tag. (Logstash's mutate has its own order; a converted
// logstash.conf runs one mutate per step to keep it.)
package mutate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/rubysplit"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
)

// Register adds the mutate filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "mutate", "Renames, copies, sets, converts, rewrites and removes fields and tags.", New)
}

// Config is the mutate filter's config. Keys of maps are field references.
type Config struct {
	Coerce       map[string]any    `yaml:"coerce" doc:"set a field that exists but holds null to this value (strings may use %{[field]}), as Logstash's coerce"`
	Rename       map[string]string `yaml:"rename" doc:"move a field: {from: to}"`
	Copy         map[string]string `yaml:"copy" doc:"copy a field: {from: to}"`
	Replace      map[string]any    `yaml:"replace" doc:"set a field (string values may use %{[field]})"`
	AddField     map[string]any    `yaml:"add_field" doc:"set a field only when the filter applies; string values may use %{[field]}; numbers and booleans keep their type"`
	Append       map[string]any    `yaml:"append" doc:"add a value to a field as Logstash's add_field does: set when the field is absent, else the field becomes an array (if it is not one) and the value is appended; a list appends each of its values; strings may use %{[field]}"`
	Convert      map[string]string `yaml:"convert" doc:"convert a field as Logstash's mutate does (8.14 and later), in the order of the field names: {field: int|float|boolean|string|integer_eu|float_eu}; an array element by element, an object or null left alone. int and float drop commas (1,000 is 1000; the _eu ones read 1.234,5: dots group thousands, a comma starts the fraction), truncate (123.9 is 123), read 0x7b and 1.5e3, and take true as 1 and false as 0; boolean takes true/t/yes/y/1/1.0 and false/f/no/n/0/0.0/empty (any case), and keeps any other value untagged; string writes a float as Ruby does (123.0). A value int or float cannot read (abc, an empty string) fails the filter: the event is tagged tag_on_failure and the rest of the filter (the conversions after it, gsub to remove_tag) is skipped, as Logstash skips the rest of its mutate"`
	Gsub         [][]string        `yaml:"gsub" doc:"regex replacements: [[field, regex, replacement], ...]"`
	Split        map[string]string `yaml:"split" doc:"split a string field into an array: {field: separator}"`
	RubySplit    bool              `yaml:"ruby_split" doc:"split as Logstash's mutate does (Ruby's String#split): trailing empty strings dropped, a one-space separator splits at runs of whitespace (leading whitespace ignored), an empty one into characters"`
	Join         map[string]string `yaml:"join" doc:"join an array field into a string: {field: separator}; anything else is left alone"`
	Merge        map[string]any    `yaml:"merge" doc:"merge fields into another, as Logstash's merge: {dest: added or [added, ...]}; two objects merge their members, anything else concatenates as arrays (a missing field counts as an empty array); an object and a non-object are left alone"`
	Strip        []string          `yaml:"strip" doc:"trim whitespace of these fields"`
	Lowercase    []string          `yaml:"lowercase" doc:"lower-case these fields"`
	Uppercase    []string          `yaml:"uppercase" doc:"upper-case these fields"`
	Capitalize   []string          `yaml:"capitalize" doc:"capitalize these fields as Ruby does: the first character upper case, the rest lower case"`
	RemoveField  []string          `yaml:"remove_field" doc:"delete these fields (with sprintf logstash, %{[field]} in a name is rendered, as Logstash does)"`
	AddTag       []string          `yaml:"add_tag" doc:"add these tags (with sprintf logstash, %{[field]} in a tag is rendered, as Logstash does)"`
	RemoveTag    []string          `yaml:"remove_tag" doc:"remove these tags (rendered like add_tag)"`
	TagOnFailure []string          `yaml:"tag_on_failure" default:"[_mutate_error]" doc:"tags added when a conversion fails (which ends the filter)"`
	Sprintf      string            `yaml:"sprintf" default:"ingestd" enum:"ingestd,logstash" doc:"how %{[field]} renders in replace, add_field, append and coerce: ingestd writes nothing for a missing field; logstash renders as Logstash's sprintf (a missing field keeps its %{...} text, an array its elements joined by commas, %{+yyyy.MM.dd} formats @timestamp), as converted logstash.conf files do"`
}

// Check compiles everything once, so a bad regex or reference is a
// validate error.
func (c *Config) Check() []spec.FieldError {
	_, err := compile(c)
	if err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

type pair struct{ from, to event.Path }

type setOp struct {
	path     event.Path
	tmpl     *template.Template // nil: a typed constant
	val      event.Value
	logstash bool // render tmpl as Logstash's sprintf
}

type convertOp struct {
	path event.Path
	to   string
}

type gsubOp struct {
	path event.Path
	re   *regexp.Regexp
	repl string
	// literal is set when re matches one fixed string and repl has no
	// group references: strings.ReplaceAll then does the same, without
	// the regexp machine (dcache.yml's '\.' → '-' on every entry).
	literal string
}

// replace applies the substitution to s.
func (g *gsubOp) replace(s string) string {
	if g.literal != "" {
		return strings.ReplaceAll(s, g.literal, g.repl)
	}
	return g.re.ReplaceAllString(s, g.repl)
}

type splitOp struct {
	path event.Path
	sep  string
}

type filter struct {
	rename, copy        []pair
	copies              *copyPlan // how copy reads its sources (copies.go)
	coerce              []setOp
	replace, addField   []setOp
	join                []splitOp
	merge               []mergeOp
	capital             []event.Path
	appendOps           []appendOp
	convert             []convertOp
	gsub                []gsubOp
	split               []splitOp
	rubySplit           bool
	strip, lower, upper []event.Path
	remove              []event.Path
	addTag, removeTag   []string
	// tagTemplates holds, with sprintf logstash, the templates among
	// addTag and removeTag (by index; nil when there are none).
	addTagT, removeTagT []*template.Template
	// removeT: with sprintf logstash, the remove_field entries that hold
	// %{...} (by index; their remove entry is nil), rendered into a field
	// reference per event, as Logstash's remove_field does
	// (event.sprintf(field)).
	removeT  []*template.Template
	failTags []string
}

// New builds a mutate filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) { return compile(cfg) }

func compile(c *Config) (*filter, error) {
	f := &filter{addTag: c.AddTag, removeTag: c.RemoveTag, failTags: c.TagOnFailure, rubySplit: c.RubySplit}
	var err error
	if f.rename, err = pairs("rename", c.Rename); err != nil {
		return nil, err
	}
	if f.copy, err = pairs("copy", c.Copy); err != nil {
		return nil, err
	}
	f.copies = planCopies(f.copy)
	st := setter{logstash: c.Sprintf == "logstash"}
	if st.logstash {
		// Logstash's add_tag and remove_tag render each tag (event.sprintf).
		f.addTagT, f.removeTagT = tagTemplates(c.AddTag), tagTemplates(c.RemoveTag)
		f.removeT = tagTemplates(c.RemoveField)
	}
	if f.replace, err = st.sets("replace", c.Replace); err != nil {
		return nil, err
	}
	if f.coerce, err = st.sets("coerce", c.Coerce); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(c.Join)) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		f.join = append(f.join, splitOp{p, c.Join[k]})
	}
	if f.merge, err = merges(c.Merge); err != nil {
		return nil, err
	}
	if f.addField, err = st.sets("add_field", c.AddField); err != nil {
		return nil, err
	}
	if f.appendOps, err = st.appends(c.Append); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(c.Convert)) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		if err := convert.Check(c.Convert[k]); err != nil {
			return nil, fmt.Errorf("convert %s: %w", k, err)
		}
		f.convert = append(f.convert, convertOp{p, c.Convert[k]})
	}
	for i, g := range c.Gsub {
		if len(g) != 3 {
			return nil, fmt.Errorf("gsub[%d]: want [field, regex, replacement], got %d items", i, len(g))
		}
		p, err := event.ParsePath(g[0])
		if err != nil {
			return nil, fmt.Errorf("gsub[%d]: %w", i, err)
		}
		re, err := regexp.Compile(g[1])
		if err != nil {
			return nil, fmt.Errorf("gsub[%d]: %w", i, err)
		}
		op := gsubOp{path: p, re: re, repl: g[2]}
		if lit, complete := re.LiteralPrefix(); complete && lit != "" && !strings.Contains(g[2], "$") {
			op.literal = lit
		}
		f.gsub = append(f.gsub, op)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Split)) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("split: %w", err)
		}
		f.split = append(f.split, splitOp{p, c.Split[k]})
	}
	for _, l := range []struct {
		name string
		in   []string
		out  *[]event.Path
	}{{"strip", c.Strip, &f.strip}, {"lowercase", c.Lowercase, &f.lower}, {"uppercase", c.Uppercase, &f.upper}, {"capitalize", c.Capitalize, &f.capital}, {"remove_field", c.RemoveField, &f.remove}} {
		for i, ref := range l.in {
			if l.name == "remove_field" && f.removeT != nil && f.removeT[i] != nil {
				*l.out = append(*l.out, nil) // rendered per event
				continue
			}
			p, err := event.ParsePath(ref)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", l.name, err)
			}
			*l.out = append(*l.out, p)
		}
	}
	return f, nil
}

func pairs(op string, m map[string]string) ([]pair, error) {
	var out []pair
	for _, k := range slices.Sorted(maps.Keys(m)) {
		from, err := event.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		to, err := event.ParsePath(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, pair{from, to})
	}
	return out, nil
}

func (f *filter) Apply(e *event.Event) bool {
	for _, s := range f.coerce {
		if v, ok := e.Get(s.path); ok && v.IsNull() {
			e.Set(s.path, s.value(e))
		}
	}
	for _, p := range f.rename {
		if v, ok := e.Delete(p.from); ok {
			e.Set(p.to, v)
		}
	}
	f.copyAll(e)
	for _, s := range f.replace {
		e.Set(s.path, s.value(e))
	}
	for _, s := range f.addField {
		e.Set(s.path, s.value(e))
	}
	for _, a := range f.appendOps {
		a.apply(e)
	}
	for _, c := range f.convert {
		v, ok := e.Get(c.path)
		if !ok {
			continue
		}
		cv, set, err := convert.Mutate(v, c.to)
		if err != nil {
			// Logstash's mutate raises here: the rest of the filter,
			// filter_matched included, is skipped and the event tagged.
			e.AddTags(f.failTags)
			return true
		}
		if set {
			e.Set(c.path, cv) // through an array by index too ("[foo][0]"), as Logstash's event.set
		}
	}
	for i := range f.gsub {
		g := &f.gsub[i]
		f.mapStrings(e, g.path, g.replace)
	}
	for _, s := range f.split {
		if v, ok := e.Get(s.path); ok && v.Kind() == event.KindString {
			if f.rubySplit {
				e.Set(s.path, event.StringArray(rubysplit.Split(v.Str(), s.sep, false)...))
			} else {
				e.Set(s.path, event.StringArray(strings.Split(v.Str(), s.sep)...))
			}
		}
	}
	for _, j := range f.join {
		if v, ok := e.Get(j.path); ok && v.Kind() == event.KindArray {
			parts := make([]string, 0, v.Len())
			for _, el := range v.Elems() {
				parts = append(parts, el.Value.Text())
			}
			e.SetString(j.path, strings.Join(parts, j.sep))
		}
	}
	for _, m := range f.merge {
		m.apply(e)
	}
	for _, p := range f.strip {
		f.mapStrings(e, p, strings.TrimSpace)
	}
	for _, p := range f.lower {
		f.mapStrings(e, p, strings.ToLower)
	}
	for _, p := range f.upper {
		f.mapStrings(e, p, strings.ToUpper)
	}
	for _, p := range f.capital {
		f.mapStrings(e, p, capitalize)
	}
	for i, p := range f.remove {
		if p == nil {
			// A missing field keeps its %{...} text, so a field of that
			// literal name is what goes, as in Logstash; a rendering that
			// is no field reference removes nothing.
			if p, err := event.ParsePath(f.removeT[i].RenderLogstash(e)); err == nil {
				e.Delete(p)
			}
			continue
		}
		e.Delete(p)
	}
	if f.addTagT == nil {
		e.AddTags(f.addTag)
	} else {
		for i, t := range f.addTag {
			if tt := f.addTagT[i]; tt != nil {
				t = tt.RenderLogstash(e)
			}
			e.AddTag(t)
		}
	}
	for i, t := range f.removeTag {
		if f.removeTagT != nil && f.removeTagT[i] != nil {
			t = f.removeTagT[i].RenderLogstash(e)
		}
		e.RemoveTag(t)
	}
	return true
}

// tagTemplates parses the tags that hold %{...} references; nil when none
// does.
func tagTemplates(tags []string) []*template.Template {
	var out []*template.Template
	for i, t := range tags {
		if !strings.Contains(t, "%{") {
			continue
		}
		if out == nil {
			out = make([]*template.Template, len(tags))
		}
		tt := template.ParseLogstash(t)
		out[i] = &tt
	}
	return out
}

// mapStrings applies fn to a string field or to each string of an array.
func (f *filter) mapStrings(e *event.Event, p event.Path, fn func(string) string) {
	v, ok := e.Get(p)
	if !ok {
		return
	}
	switch v.Kind() {
	case event.KindString:
		e.SetString(p, fn(v.Str()))
	case event.KindArray:
		elems := make([]event.Value, 0, v.Len())
		for _, el := range v.Elems() {
			if el.Value.Kind() == event.KindString {
				elems = append(elems, event.String(fn(el.Value.Str())))
			} else {
				elems = append(elems, el.Value)
			}
		}
		e.Set(p, event.Array(elems...))
	}
}

// capitalize is Ruby's String#capitalize: the first character upper case,
// the others lower case.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}
