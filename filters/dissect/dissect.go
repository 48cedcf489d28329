// Package dissect is the dissect filter: it splits a field by the literal
// delimiters of a pattern, with no regular expression, as Logstash's
// dissect does. "%{log_level}|%{logger_name}|%{ts}|%{message}" costs a few
// string searches; the last key takes the rest of the text.
//
// Keys: %{name} or %{[a][b]} stores, %{} and %{?name} skip, %{+name}
// appends to the field (joined by the delimiter before it in the pattern,
// a space for the first key, as Logstash's AppendField), %{+name/N} in the
// order N gives, %{&name} stores its text in the field the text of
// %{?name} or %{name} names (an indirect field: "%{?key}=%{&key}" on "a=1"
// sets a to 1), a "->" suffix skips repeats of the following delimiter
// (padding). Keys are stored as Logstash's Dissector stores them: plain
// keys first, then appends by their order, then indirect ones.
package dissect

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the dissect filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "dissect", "Splits a field by the literal delimiters of a pattern (no regex).", New)
}

// Config is the dissect filter's config.
type Config struct {
	Mapping         map[string]string `yaml:"mapping" required:"true" doc:"{source field: pattern}"`
	ConvertDatatype map[string]string `yaml:"convert_datatype" doc:"{field: int|float|boolean} applied after a match"`
	TagOnFailure    []string          `yaml:"tag_on_failure" default:"[_dissectfailure]" doc:"tags added when the pattern does not match"`
}

// Check compiles the patterns.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Field: "mapping", Msg: err.Error()}}
	}
	return nil
}

type key struct {
	path event.Path // nil: skip
	// named: a %{?name} key (skipped), whose text names the field of
	// the %{&name} key whose indirect is its index.
	named    string
	indirect int // the %{?name} or %{name} key's index + 1; 0 for other keys
	appendT  bool
	ordinal  int    // a %{+name/N} key's N
	name     string // a %{name} key's name as written (an indirect may name it)
	pad      bool   // skip repeats of the delimiter after this key
	delim    string // delimiter after the key ("" for the last)
}

type pattern struct {
	source event.Path
	prefix string
	keys   []key
	order  []int // the keys' indexes in the order their values are stored
	// onJSON: the pattern matches a string's JSON text exactly where it
	// matches the string (see cutsJSON), so a string held as received is
	// cut as it is, without unescaping it or escaping the parts again.
	onJSON bool
}

type conversion struct {
	path event.Path
	to   string
}

type filter struct {
	patterns []pattern
	convert  []conversion
	fail     []string
}

// New builds a dissect filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) { return compile(cfg) }

func compile(c *Config) (*filter, error) {
	f := &filter{fail: c.TagOnFailure}
	for _, s := range slices.Sorted(maps.Keys(c.Mapping)) {
		p, err := compilePattern(s, c.Mapping[s])
		if err != nil {
			return nil, err
		}
		f.patterns = append(f.patterns, p)
	}
	for field, to := range c.ConvertDatatype {
		p, err := event.ParsePath(field)
		if err != nil {
			return nil, fmt.Errorf("convert_datatype: %w", err)
		}
		if err := convert.Check(to); err != nil {
			return nil, fmt.Errorf("convert_datatype %s: %w", field, err)
		}
		f.convert = append(f.convert, conversion{p, to})
	}
	return f, nil
}

func compilePattern(source, pat string) (pattern, error) {
	src, err := event.ParsePath(source)
	if err != nil {
		return pattern{}, err
	}
	p := pattern{source: src}
	rest := pat
	first := true
	for {
		i := strings.Index(rest, "%{")
		if i < 0 {
			if first {
				return p, fmt.Errorf("pattern %q has no %%{key}", pat)
			}
			if rest != "" {
				// Text after the last key is its delimiter; what follows it
				// is skipped (Logstash's Dissector adds ?auto_added_skip).
				p.keys[len(p.keys)-1].delim = rest
				p.keys = append(p.keys, key{})
			}
			p.onJSON = p.cutsJSON()
			p.order = p.storeOrder()
			return p, nil
		}
		if first {
			p.prefix = rest[:i]
		} else {
			if i == 0 {
				return p, fmt.Errorf("pattern %q: two keys with no delimiter between them", pat)
			}
			p.keys[len(p.keys)-1].delim = rest[:i]
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return p, fmt.Errorf("pattern %q: unterminated %%{", pat)
		}
		name := rest[i+2 : i+end]
		// %{[a][b]} holds "]}" only at its end.
		if strings.HasPrefix(name, "[") && !strings.HasSuffix(name, "]") && !strings.HasSuffix(name, "->") {
			j := strings.Index(rest[i:], "]}")
			if j < 0 {
				return p, fmt.Errorf("pattern %q: unterminated %%{", pat)
			}
			end = j + 1
			name = rest[i+2 : i+end]
		}
		k := key{}
		if strings.HasSuffix(name, "->") {
			k.pad, name = true, strings.TrimSuffix(name, "->")
		}
		switch {
		case name == "":
		case strings.HasPrefix(name, "?"):
			k.named = name[1:]
		case strings.HasPrefix(name, "&"):
			for j, prev := range p.keys {
				if prev.named != "" && prev.named == name[1:] || prev.name != "" && prev.name == name[1:] {
					k.indirect = j + 1
				}
			}
			if k.indirect == 0 {
				return p, fmt.Errorf("pattern %q: %%{%s} needs a %%{?%s} or %%{%s} before it, whose text names its field", pat, name, name[1:], name[1:])
			}
		default:
			if strings.HasPrefix(name, "+") {
				k.appendT, name = true, name[1:]
				if at := strings.LastIndexByte(name, '/'); at > 0 {
					n, err := strconv.Atoi(name[at+1:])
					if err != nil || n < 0 {
						return p, fmt.Errorf("pattern %q: %%{+%s}: the order after / is not a number", pat, name)
					}
					k.ordinal, name = n, name[:at]
				}
			} else {
				k.name = name
			}
			path, err := event.ParsePath(name)
			if err != nil {
				return p, fmt.Errorf("pattern %q: %w", pat, err)
			}
			k.path = path
		}
		p.keys = append(p.keys, k)
		rest = rest[i+end+1:]
		first = false
	}
}

// match splits s; values[i] belongs to keys[i].
func (p *pattern) match(s string, values []string) bool {
	if !strings.HasPrefix(s, p.prefix) {
		return false
	}
	s = s[len(p.prefix):]
	for i, k := range p.keys {
		if k.delim == "" { // last key: the rest
			values[i] = s
			return true
		}
		j := strings.Index(s, k.delim)
		if j < 0 {
			return false
		}
		values[i] = s[:j]
		s = s[j+len(k.delim):]
		if k.pad {
			for strings.HasPrefix(s, k.delim) {
				s = s[len(k.delim):]
			}
		}
	}
	return true
}

func (f *filter) Apply(e *event.Event) bool {
	var buf [16]string
	for _, p := range f.patterns {
		v, ok := e.Get(p.source)
		if !ok {
			e.AddTags(f.fail)
			continue
		}
		values := buf[:0]
		if len(p.keys) > len(buf) {
			values = make([]string, len(p.keys))
		}
		values = values[:len(p.keys)]
		if text, ok := v.CuttableText(); ok && p.onJSON {
			if !p.match(text, values) {
				e.AddTags(f.fail)
				continue
			}
			for i, k := range p.keys {
				if k.path != nil {
					e.Set(k.path, v.Part(values[i]))
				}
			}
			continue
		}
		if !p.match(v.Text(), values) {
			e.AddTags(f.fail)
			continue
		}
		for _, i := range p.order {
			k := p.keys[i]
			if k.indirect > 0 {
				if name := values[k.indirect-1]; name != "" {
					e.SetString(indirectPath(name), values[i])
				}
				continue
			}
			if k.path == nil {
				continue
			}
			val := values[i]
			if k.appendT {
				if prev, ok := e.Get(k.path); ok {
					val = prev.Text() + p.joinBefore(i) + val
				}
			}
			e.SetString(k.path, val)
		}
	}
	for _, c := range f.convert {
		if v, ok := e.Get(c.path); ok {
			cv, err := convert.Value(v, c.to)
			if err != nil {
				e.AddTags(f.fail)
				continue
			}
			e.Set(c.path, cv)
		}
	}
	return true
}

// storeOrder is the order Logstash's Dissector stores the keys' values
// in: plain keys as written, then appends by their /N (as written when
// equal), then indirect keys (whose names may come from plain keys).
func (p *pattern) storeOrder() []int {
	class := func(k key) int {
		switch {
		case k.indirect > 0:
			return 2
		case k.appendT:
			return 1
		}
		return 0
	}
	order := make([]int, len(p.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ka, kb := p.keys[a], p.keys[b]
		if c := class(ka) - class(kb); c != 0 {
			return c
		}
		return ka.ordinal - kb.ordinal
	})
	return order
}

// joinBefore is what an append of key i joins with: the delimiter before
// it in the pattern (the prefix for the first key), a space when there is
// none, as Logstash's AppendField.joinString.
func (p *pattern) joinBefore(i int) string {
	if i > 0 {
		return p.keys[i-1].delim
	}
	if p.prefix != "" {
		return p.prefix
	}
	return " "
}

// indirectPath is the field a %{?name} text names: a field reference
// ([a][b]) or a plain name.
func indirectPath(name string) event.Path {
	if p, err := event.ParsePath(name); err == nil {
		return p
	}
	return event.Path{name}
}

// cutsJSON reports whether the pattern finds its prefix and delimiters in
// a string's JSON text exactly where it finds them in the string, for a
// text whose only escapes are \" \\ \b \f \n \r \t (Value.CuttableText).
// Then every character the literals hold stands for itself in the text,
// and a literal can neither start inside an escape (its first character
// is none of an escape's second characters) nor end on one's backslash:
// matches map one to one, in order, and the parts are cut outside
// escapes. %{+key} joins parts with plain text, so it takes the plain way.
func (p *pattern) cutsJSON() bool {
	literals := []string{p.prefix}
	for _, k := range p.keys {
		if k.appendT || k.indirect > 0 {
			return false
		}
		literals = append(literals, k.delim)
	}
	for i, lit := range literals {
		if lit == "" {
			continue
		}
		if i > 0 && strings.IndexByte(`"\bfnrt`, lit[0]) >= 0 {
			return false
		}
		for j := 0; j < len(lit); j++ {
			if c := lit[j]; c < 0x20 || c == '"' || c == '\\' {
				return false
			}
		}
	}
	return true
}
