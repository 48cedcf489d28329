package lsconv

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/fieldref"
	"github.com/ingestd/ingestd/lsconf/sprintf"
	"github.com/ingestd/ingestd/template"
)

// Opts reads the options of one plugin. Every option a converter does not
// take is reported by Finish: a warning when it is known not to change
// documents, an error otherwise, so that nothing is dropped silently.
type Opts struct {
	c      *Conv
	Plugin *lsconf.Plugin
	kind   string // "input", "filter", "output"
	Attrs  map[string]*lsconf.Attr
	Order  []string
	used   map[string]bool
}

// Options collects the attributes of p. A repeated attribute is merged as
// Logstash merges it (Plugin#map_expr_attributes in lscl.rb): hashes
// merged, arrays concatenated; a repeated scalar is an error.
func (c *Conv) Options(p *lsconf.Plugin, kind string) *Opts {
	o := &Opts{c: c, Plugin: p, kind: kind, Attrs: map[string]*lsconf.Attr{}, used: map[string]bool{}}
	for _, a := range p.Attrs {
		prev, dup := o.Attrs[a.Name]
		if !dup {
			o.Attrs[a.Name] = a
			o.Order = append(o.Order, a.Name)
			continue
		}
		switch pv := prev.Value.(type) {
		case *lsconf.Hash:
			if h, ok := a.Value.(*lsconf.Hash); ok {
				merged := &lsconf.Hash{Pos: pv.Pos, Entries: append(append([]*lsconf.HashEntry(nil), pv.Entries...), h.Entries...)}
				o.Attrs[a.Name] = &lsconf.Attr{Name: a.Name, Value: merged, Pos: prev.Pos}
				continue
			}
		case *lsconf.Array:
			if arr, ok := a.Value.(*lsconf.Array); ok {
				merged := &lsconf.Array{Pos: pv.Pos, Elems: append(append([]lsconf.Value(nil), pv.Elems...), arr.Elems...)}
				o.Attrs[a.Name] = &lsconf.Attr{Name: a.Name, Value: merged, Pos: prev.Pos}
				continue
			}
		}
		c.Errorf(a.Pos, "%s %q: option %s is given twice (first at %s)", kind, p.Name, a.Name, prev.Pos)
	}
	return o
}

// Require reports each of names the plugin lacks: options Logstash
// requires, or that ingestd needs where Logstash has a default.
func (o *Opts) Require(names ...string) {
	for _, n := range names {
		if !o.Has(n) {
			o.c.Errorf(o.Plugin.Pos, "%s: option %s is required", o.What(), n)
		}
	}
}

// What names the plugin in messages: filter "grok".
func (o *Opts) What() string { return fmt.Sprintf("%s %q", o.kind, o.Plugin.Name) }

// Get returns the attribute called name (nil when absent) and marks it
// used.
func (o *Opts) Get(name string) *lsconf.Attr {
	a := o.Attrs[name]
	if a != nil {
		o.used[name] = true
	}
	return a
}

// Has reports whether the option is given, without using it.
func (o *Opts) Has(name string) bool { return o.Attrs[name] != nil }

// ignoredEverywhere are options of every plugin that cannot change a
// document.
var ignoredEverywhere = map[string]string{
	"enable_metric":     "metrics only",
	"ecs_compatibility": "ingestd's plugins have one behaviour, described in docs/reference.md; check the fields the conversion produces",
}

// Finish reports the options nobody took: those in ignored (and
// ignoredEverywhere) as warnings with their reason, the rest as errors.
func (o *Opts) Finish(ignored map[string]string) {
	for _, name := range o.Order {
		if o.used[name] {
			continue
		}
		a := o.Attrs[name]
		reason, ok := ignored[name]
		if !ok {
			reason, ok = ignoredEverywhere[name]
		}
		if ok {
			o.c.Warnf(a.Pos, "%s: option %s is ignored (%s)", o.What(), name, reason)
			continue
		}
		o.c.Errorf(a.Pos, "%s: option %s is not supported by the conversion", o.What(), name)
	}
}

// Scalar returns the text of a string, bareword, number or boolean.
func Scalar(v lsconf.Value) (string, bool) {
	switch v := v.(type) {
	case *lsconf.String:
		return v.Value, true
	case *lsconf.Bareword:
		return v.Text, true
	case *lsconf.Number:
		return v.Text, true
	case *lsconf.Bool:
		return v.Text(), true
	}
	return "", false
}

// Str returns a string option, reporting another kind of value.
func (o *Opts) Str(name string) (string, *lsconf.Attr, bool) {
	a := o.Get(name)
	if a == nil {
		return "", nil, false
	}
	s, ok := Scalar(a.Value)
	if !ok {
		o.c.Errorf(a.Value.Position(), "%s: option %s: expected a string, got %s", o.What(), name, KindOf(a.Value))
		return "", a, false
	}
	return s, a, true
}

// Boolean returns a boolean option (true/false, bare or quoted) and
// whether it was given and valid.
func (o *Opts) Boolean(name string) (value, given bool) {
	s, a, ok := o.Str(name)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	o.c.Errorf(a.Value.Position(), "%s: option %s: expected true or false, got %q", o.What(), name, s)
	return false, false
}

// List returns an array option as strings; a single scalar is a list of
// one, as Logstash's :array validation makes it.
func (o *Opts) List(name string) ([]string, *lsconf.Attr, bool) {
	a := o.Get(name)
	if a == nil {
		return nil, nil, false
	}
	vals, ok := o.c.StringList(a.Value, o.What()+": option "+name)
	return vals, a, ok
}

// StringList reads a string or a list of strings (what names the option
// in errors); false after an error.
func (c *Conv) StringList(v lsconf.Value, what string) ([]string, bool) {
	if s, ok := Scalar(v); ok {
		return []string{s}, true
	}
	arr, ok := v.(*lsconf.Array)
	if !ok {
		c.Errorf(v.Position(), "%s: expected a list of strings, got %s", what, KindOf(v))
		return nil, false
	}
	out := make([]string, 0, len(arr.Elems))
	for _, e := range arr.Elems {
		s, ok := Scalar(e)
		if !ok {
			c.Errorf(e.Position(), "%s: expected a string, got %s", what, KindOf(e))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// KV is one entry of a hash option.
type KV struct {
	Key string
	Val lsconf.Value
	At  lsconf.Pos // the key's position
}

// Hash returns a hash option's entries in order. Like Logstash's :hash
// validation it also accepts a list of an even number of items
// ([key, value, key, value]).
func (o *Opts) Hash(name string) ([]KV, *lsconf.Attr, bool) {
	a := o.Get(name)
	if a == nil {
		return nil, nil, false
	}
	switch v := a.Value.(type) {
	case *lsconf.Hash:
		out := make([]KV, 0, len(v.Entries))
		for _, e := range v.Entries {
			out = append(out, KV{Key: e.KeyString(), Val: e.Value, At: e.Key.Position()})
		}
		return mergeDupKeys(out), a, true
	case *lsconf.Array:
		if len(v.Elems)%2 == 0 {
			var out []KV
			for i := 0; i < len(v.Elems); i += 2 {
				k, ok := Scalar(v.Elems[i])
				if !ok {
					o.c.Errorf(v.Elems[i].Position(), "%s: option %s: expected a string key, got %s", o.What(), name, KindOf(v.Elems[i]))
					return nil, a, false
				}
				out = append(out, KV{Key: k, Val: v.Elems[i+1], At: v.Elems[i].Position()})
			}
			return mergeDupKeys(out), a, true
		}
	}
	o.c.Errorf(a.Value.Position(), "%s: option %s: expected a hash { key => value }, got %s", o.What(), name, KindOf(a.Value))
	return nil, a, false
}

// KindOf names the kind of a .conf value in messages.
func KindOf(v lsconf.Value) string {
	switch v.(type) {
	case *lsconf.String:
		return "a string"
	case *lsconf.Number:
		return "a number"
	case *lsconf.Bool:
		return "a boolean"
	case *lsconf.Bareword:
		return "a bare word"
	case *lsconf.Array:
		return "a list"
	case *lsconf.Hash:
		return "a hash"
	case *lsconf.PluginValue:
		return "a plugin"
	}
	return "nothing"
}

// FieldRef turns a Logstash field reference into ingestd's bracket form.
// It reports what cannot be a field in either (a bad reference, a name
// holding brackets, an empty name).
func (c *Conv) FieldRef(ref string, at lsconf.Pos, what string) (string, bool) {
	if strings.Contains(ref, "%{") {
		c.Errorf(at, "%s: field name %q: a name made from a sprintf template is not supported", what, ref)
		return "", false
	}
	fr, err := fieldref.Parse(ref)
	if err != nil {
		c.Errorf(at, "%s: %v", what, err)
		return "", false
	}
	return c.PathRef(fr.Path, at, what, false)
}

var arrayIndex = regexp.MustCompile(`^-?[0-9]+$`)

// PathRef writes a parsed reference in ingestd's form. An array index
// ([list][0]) reads an element in templates and conditions (read is
// true), as in Logstash; in a field an option writes or moves it is an
// error: ingestd sets and removes fields by name only.
func (c *Conv) PathRef(path []string, at lsconf.Pos, what string, read bool) (string, bool) {
	if len(path) == 0 {
		c.Errorf(at, "%s: empty field reference", what)
		return "", false
	}
	var b strings.Builder
	for i, p := range path {
		if p == "" || strings.ContainsAny(p, "[]") {
			c.Errorf(at, "%s: field name %q cannot be written in ingestd (empty, or holding [ or ])", what, p)
			return "", false
		}
		if i > 0 && !read && arrayIndex.MatchString(p) {
			c.Errorf(at, "%s: %s: ingestd writes fields by name, not into an array element (Logstash would address element %s)", what, fieldref.Ref{Path: path}.String(), p)
			return "", false
		}
		b.WriteString("[" + p + "]")
	}
	return b.String(), true
}

// Template checks a sprintf template and returns it in the form ingestd's
// templates read (%{[a][b]} references). Date formats (%{+yyyy.MM.dd},
// %{{...}}, %{+%s}) are not supported by ingestd's templates.
func (c *Conv) Template(s string, at lsconf.Pos, what string) (string, bool) {
	return c.convertTemplate(s, at, what, false)
}

// MutateTemplate is template for a value a converted mutate renders (with
// sprintf: logstash, as Logstash's sprintf): date references
// (%{+yyyy.MM.dd}, %{+%s}) are kept too.
func (c *Conv) MutateTemplate(s string, at lsconf.Pos, what string) (string, bool) {
	return c.convertTemplate(s, at, what, true)
}

func (c *Conv) convertTemplate(s string, at lsconf.Pos, what string, dates bool) (string, bool) {
	if !strings.Contains(s, "%{") {
		return s, true
	}
	t, err := sprintf.Parse(s)
	if err != nil {
		c.Errorf(at, "%s: %v", what, err)
		return "", false
	}
	var b strings.Builder
	refs := 0
	for _, p := range t.Parts {
		switch p.Kind {
		case sprintf.PartLiteral:
			if strings.Contains(p.Text, "%{") {
				c.Errorf(at, "%s: %q: the literal text %%{ (a reference without its closing }) cannot be written in an ingestd template", what, s)
				return "", false
			}
			b.WriteString(p.Text)
		case sprintf.PartField:
			ref, ok := c.PathRef(p.Ref.Path, at, what, true)
			if !ok {
				return "", false
			}
			// The reference as written when ingestd reads it as the same
			// field: a missing field renders its %{...} text, which must
			// be the .conf's (%{method}, not %{[method]}).
			if written, err := event.ParsePath(p.Text); err == nil && slices.Equal(written, p.Ref.Path) {
				ref = p.Text
			}
			b.WriteString("%{" + ref + "}")
			refs++
		case sprintf.PartJoda:
			if !dates {
				c.Errorf(at, "%s: %q: date references (%%{+FORMAT}) are not supported here", what, s)
				return "", false
			}
			if template.CheckJoda(p.Text) != nil {
				c.Errorf(at, "%s: %q: the date format %q uses a Joda letter ingestd does not render", what, s, p.Text)
				return "", false
			}
			b.WriteString("%{+" + p.Text + "}")
		case sprintf.PartEpoch:
			if !dates {
				c.Errorf(at, "%s: %q: date references (%%{+%%s}) are not supported here", what, s)
				return "", false
			}
			b.WriteString("%{+%s}")
		default:
			c.Errorf(at, "%s: %q: java.time references (%%{{FORMAT}}, %%{{TIME_NOW}}) are not supported; %%{+FORMAT} (Joda) is", what, s)
			return "", false
		}
	}
	return b.String(), true
}

// HasRefs reports whether a converted template references fields.
func HasRefs(s string) bool { return strings.Contains(s, "%{") }

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ECSMode is a plugin's ecs_compatibility: its own option, else the
// pipeline's (pipeline.ecs_compatibility), else Logstash 8's default, v8.
func (c *Conv) ECSMode(o *Opts) string {
	mode := "v8"
	if c.Opts.ECSCompatibility != "" {
		mode = c.Opts.ECSCompatibility
	}
	if v, a, ok := o.Str("ecs_compatibility"); ok {
		switch v {
		case "disabled", "v1", "v8":
			mode = v
		default:
			c.Errorf(a.Value.Position(), "%s: ecs_compatibility %q: use disabled, v1 or v8", o.What(), v)
		}
	}
	return mode
}

// mergeDupKeys gives a key written more than once (a repeated option,
// add_field => ["a", "x"] add_field => ["a", "y"]) all its values, in
// order, as one array, as Logstash's :hash validation (config/mixin.rb)
// and hash_merge_with_dups (util.rb) do; the entry stays where the key
// first appears.
func mergeDupKeys(entries []KV) []KV {
	first := map[string]int{}
	out := entries[:0:0]
	for _, e := range entries {
		i, dup := first[e.Key]
		if !dup {
			first[e.Key] = len(out)
			out = append(out, e)
			continue
		}
		prev := out[i].Val
		if a, ok := Scalar(prev); ok {
			if b, ok := Scalar(e.Val); ok && a == b {
				continue // the same value again: hash_merge_with_dups keeps one
			}
		}
		arr, ok := prev.(*lsconf.Array)
		if !ok {
			arr = &lsconf.Array{Pos: prev.Position(), Elems: []lsconf.Value{prev}}
		} else {
			arr = &lsconf.Array{Pos: arr.Pos, Elems: append([]lsconf.Value(nil), arr.Elems...)}
		}
		if more, ok := e.Val.(*lsconf.Array); ok {
			arr.Elems = append(arr.Elems, more.Elems...)
		} else {
			arr.Elems = append(arr.Elems, e.Val)
		}
		out[i].Val = arr
	}
	return out
}

// NumberOpt reads a :number option as Logstash validates one: a number, or a
// string holding exactly an integer or a decimal ("2048",
// "${QUEUE_SIZE:2048}" once substituted), as config/mixin.rb accepts.
// whole says it is an integer.
func NumberOpt(v lsconf.Value) (text string, whole, ok bool) {
	switch n := v.(type) {
	case *lsconf.Number:
		return n.Text, !n.IsFloat(), true
	case *lsconf.String:
		t := strings.TrimSpace(n.Value)
		if t != n.Value || t == "" {
			return "", false, false
		}
		if _, err := strconv.ParseInt(t, 10, 64); err == nil {
			return t, true, true
		}
		if _, err := strconv.ParseFloat(t, 64); err == nil && strings.Contains(t, ".") {
			return t, false, true
		}
	}
	return "", false, false
}

// DatesRender checks that every date reference of t (%{+FORMAT}) uses
// Joda letters ingestd renders; one that does not would stay as written.
func (c *Conv) DatesRender(t sprintf.Template, at lsconf.Pos, what string) bool {
	ok := true
	for _, p := range t.Parts {
		if p.Kind == sprintf.PartJoda && template.CheckJoda(p.Text) != nil {
			c.Errorf(at, "%s: the date format %q uses a Joda letter ingestd does not render", what, p.Text)
			ok = false
		}
	}
	return ok
}

// UniqueID is a plugin's id option, else name, numbered from the second
// time taken counts it.
func UniqueID(taken map[string]int, o *Opts, name string) string {
	id := name
	if s, _, ok := o.Str("id"); ok && s != "" {
		id = s
	}
	taken[id]++
	if n := taken[id]; n > 1 {
		id = id + "_" + strconv.Itoa(n)
	}
	return id
}

// CodecPlugin reads a codec option: its name (codec => json, codec =>
// "json", codec => json { ... }) and, when written with a block, its
// plugin. ok is false for another kind of value.
func CodecPlugin(v lsconf.Value) (name string, p *lsconf.Plugin, ok bool) {
	switch v := v.(type) {
	case *lsconf.Bareword:
		return v.Text, nil, true
	case *lsconf.String:
		return v.Value, nil, true
	case *lsconf.PluginValue:
		return v.Plugin.Name, v.Plugin, true
	}
	return "", nil, false
}

// PluginAttrs returns the attributes of p, none when p is nil.
func PluginAttrs(p *lsconf.Plugin) []*lsconf.Attr {
	if p == nil {
		return nil
	}
	return p.Attrs
}
