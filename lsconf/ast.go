package lsconf

// Node is any element of the syntax tree.
type Node interface {
	// Position is where the node starts in its file.
	Position() Pos
}

// Section kinds, the only three Logstash knows (plugin_type in the grammar).
const (
	KindInput  = "input"
	KindFilter = "filter"
	KindOutput = "output"
)

// Config is a parsed pipeline configuration: its sections in source order.
// Logstash allows each kind of section several times and in any order; it
// runs inputs in parallel, filters in sequence (in the order written) and
// outputs in parallel, so the order of Sections matters for filters only.
type Config struct {
	Sections []*Section
}

// Section is an input, filter or output block.
type Section struct {
	Kind  string // KindInput, KindFilter or KindOutput
	Items []Item
	Pos   Pos
}

// Item is an element of a section or of a branch body: a *Plugin or a
// *Branch.
type Item interface {
	Node
	item()
}

// Plugin is `name { attr => value ... }`.
//
// Attributes keep their order and duplicates: Logstash merges repeated
// attributes later (hashes merged, arrays concatenated, other values turned
// into an array, see Plugin#map_expr_attributes in lscl.rb), which is the
// next step's business.
type Plugin struct {
	Name  string // unquoted; the grammar also allows a quoted name
	Attrs []*Attr
	Pos   Pos
}

// Attr is one `name => value` of a plugin.
type Attr struct {
	Name  string // unquoted (Logstash strips the quotes of 'name' => ...)
	Value Value
	Pos   Pos
}

// Branch is `if COND { ... } else if COND { ... } else { ... }`.
type Branch struct {
	Cases   []*Case // the if, then each else if
	Else    []Item  // nil without else; non-nil (maybe empty) with one
	ElsePos Pos     // position of the else keyword, when there is one
	Pos     Pos     // position of the if keyword
}

// Case is one condition of a branch and the items it guards.
type Case struct {
	Cond  Expr
	Items []Item
	Pos   Pos // position of `if` (or of `else` for an else if)
}

// Attr returns the first attribute called name, or nil.
func (p *Plugin) Attr(name string) *Attr {
	for _, a := range p.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func (c *Config) Position() Pos {
	if len(c.Sections) == 0 {
		return Pos{}
	}
	return c.Sections[0].Pos
}
func (s *Section) Position() Pos { return s.Pos }
func (p *Plugin) Position() Pos  { return p.Pos }
func (a *Attr) Position() Pos    { return a.Pos }
func (b *Branch) Position() Pos  { return b.Pos }
func (c *Case) Position() Pos    { return c.Pos }

func (*Plugin) item() {}
func (*Branch) item() {}

// Value is an attribute value: *String, *Number, *Bool, *Bareword, *Array,
// *Hash or *PluginValue.
type Value interface {
	Node
	value()
}

// String is a quoted string.
//
// Raw is the text between the quotes as written. Value is what Logstash
// passes on: Raw itself by default, or Raw with escape sequences processed
// when config.support_escapes is on (ParseOptions.SupportEscapes). Note that
// without escapes \" keeps its backslash: the grammar only lets \" not end
// the string.
type String struct {
	Value string
	Raw   string
	Quote byte // '"' or '\''; 0 for a string built by code (Format then picks one)
	Pos   Pos
}

// Number is an integer or decimal literal ("-"? [0-9]+ ("." [0-9]*)?).
// Text is the literal as written; see Int64, Float64 and IsFloat for its
// value as Logstash reads it.
type Number struct {
	Text string
	Pos  Pos
}

// Bool is the bareword true or false. Logstash itself passes the bareword
// text on and lets each plugin option coerce it; Bool.Text gives that text.
type Bool struct {
	Value bool
	Pos   Pos
}

// Bareword is an unquoted word value ([A-Za-z_][A-Za-z0-9_]+, at least two
// characters), such as `codec => json`. Logstash treats it as a string.
type Bareword struct {
	Text string
	Pos  Pos
}

// Array is `[ v, v, ... ]`; the grammar allows no trailing comma.
type Array struct {
	Elems []Value
	Pos   Pos
}

// Hash is `{ key => value ... }`: entries separated by whitespace (commas
// are a syntax error in Logstash), in source order.
type Hash struct {
	Entries []*HashEntry
	Pos     Pos
}

// HashEntry is one `key => value` of a hash. Key is a *String, *Number or
// *Bareword.
type HashEntry struct {
	Key   Value
	Value Value
	Pos   Pos
}

// PluginValue is a plugin used as a value, as in `codec => json { ... }`.
// A bare `codec => json` is a *Bareword: Logstash resolves codec names when
// it builds the plugin.
type PluginValue struct {
	Plugin *Plugin
}

func (v *String) Position() Pos      { return v.Pos }
func (v *Number) Position() Pos      { return v.Pos }
func (v *Bool) Position() Pos        { return v.Pos }
func (v *Bareword) Position() Pos    { return v.Pos }
func (v *Array) Position() Pos       { return v.Pos }
func (v *Hash) Position() Pos        { return v.Pos }
func (v *HashEntry) Position() Pos   { return v.Pos }
func (v *PluginValue) Position() Pos { return v.Plugin.Pos }

func (*String) value()      {}
func (*Number) value()      {}
func (*Bool) value()        {}
func (*Bareword) value()    {}
func (*Array) value()       {}
func (*Hash) value()        {}
func (*PluginValue) value() {}

// Text returns "true" or "false".
func (v *Bool) Text() string {
	if v.Value {
		return "true"
	}
	return "false"
}

// KeyString returns the key as Logstash uses it: a string's value, a
// number's or bareword's text.
func (e *HashEntry) KeyString() string {
	return ScalarText(e.Key)
}

// ScalarText is the text of a scalar value (a string, number, bareword or
// boolean), "" for others.
func ScalarText(v Value) string {
	switch v := v.(type) {
	case *String:
		return v.Value
	case *Number:
		return v.Text
	case *Bareword:
		return v.Text
	case *Bool:
		return v.Text()
	}
	return ""
}

// Get returns the value of the first entry whose key is key, or nil.
func (h *Hash) Get(key string) Value {
	for _, e := range h.Entries {
		if e.KeyString() == key {
			return e.Value
		}
	}
	return nil
}

// Plugins returns the plugins of the sections of the given kind, in order,
// including those inside branches (but not plugins used as values).
func (c *Config) Plugins(kind string) []*Plugin {
	var out []*Plugin
	for _, s := range c.Sections {
		if s.Kind == kind {
			out = appendPlugins(out, s.Items)
		}
	}
	return out
}

func appendPlugins(out []*Plugin, items []Item) []*Plugin {
	for _, it := range items {
		switch it := it.(type) {
		case *Plugin:
			out = append(out, it)
		case *Branch:
			for _, c := range it.Cases {
				out = appendPlugins(out, c.Items)
			}
			out = appendPlugins(out, it.Else)
		}
	}
	return out
}
