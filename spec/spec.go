package spec

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config structs are their own specification. Each exported field carries
//
//	yaml:"name"        the key (required; "-" skips the field)
//	doc:"..."          one line of reference documentation
//	default:"..."      the value when the key is absent (interpolated like the file)
//	required:"true"    the key must be present
//	enum:"a,b,c"       the allowed values of a string
//
// DecodeNode walks a YAML node against such a struct: unknown keys, wrong
// types, missing required keys and values outside an enum become Problems
// with the position of the offending node. A struct may implement Checker
// for rules that involve several fields.

// Checker is implemented by config structs with rules beyond types.
type Checker interface {
	Check() []FieldError
}

// NodeDecoder is implemented by config types that decode themselves.
type NodeDecoder interface {
	DecodeNode(d *Decoder, n *yaml.Node)
}

// Decoder decodes YAML nodes of one file into config structs.
type Decoder struct {
	File string
	Env  func(string) (string, bool) // environment lookup for ${VAR}
	// Context is whatever the caller's NodeDecoders need beyond the file
	// (the config package keeps its plugin registry here).
	Context  any
	Problems Problems
}

// At returns the position of n.
func (d *Decoder) At(n *yaml.Node) Pos { return Pos{File: d.File, Line: n.Line, Col: n.Column} }

// Report records a problem at n.
func (d *Decoder) Report(n *yaml.Node, format string, args ...any) {
	d.Problems = append(d.Problems, Problem{Pos: d.At(n), Msg: fmt.Sprintf(format, args...)})
}

// Decode decodes n into out, a pointer to a config struct (or any supported
// type), applying defaults for absent keys.
func (d *Decoder) Decode(n *yaml.Node, out any) {
	v := reflect.ValueOf(out).Elem()
	d.decode(n, v, "")
}

// ApplyDefaults sets the default of every field of the struct out points to,
// as if decoded from an empty mapping.
func (d *Decoder) ApplyDefaults(out any) {
	d.Decode(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}, out)
}

var (
	durationType        = reflect.TypeOf(time.Duration(0))
	nodeDecoderType     = reflect.TypeOf((*NodeDecoder)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// DecodeAs decodes n into out (a pointer), naming it what in problems.
func (d *Decoder) DecodeAs(n *yaml.Node, out any, what string) {
	d.decode(n, reflect.ValueOf(out).Elem(), what)
}

func (d *Decoder) decode(n *yaml.Node, v reflect.Value, what string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		v.Addr().Interface().(NodeDecoder).DecodeNode(d, n)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshalerType) {
		// A type that parses itself from text (a field reference, a
		// template): the scalar is interpolated first, and its error is
		// reported at the node.
		if s, ok := d.Scalar(n, what, "a string"); ok {
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
				d.Report(n, "%s", err)
			}
		}
		return
	}
	if v.Type() == durationType {
		s, ok := d.Scalar(n, what, "a duration such as 30s")
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil || dur < 0 {
			d.Report(n, "%s: expected a duration such as 30s or 500ms, got %q", what, s)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.Scalar(n, what, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.Scalar(n, what, "true or false")
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			d.Report(n, "%s: expected true or false, got %q", what, s)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		s, ok := d.Scalar(n, what, "an integer")
		if !ok {
			return
		}
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil || v.OverflowInt(i) {
			d.Report(n, "%s: expected an integer, got %q", what, s)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		s, ok := d.Scalar(n, what, "a number")
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			d.Report(n, "%s: expected a number, got %q", what, s)
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		d.decodeSlice(n, v, what)
	case reflect.Map:
		d.decodeMap(n, v, what)
	case reflect.Struct:
		d.decodeStruct(n, v, what)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), what)
	case reflect.Interface:
		// Any YAML (add_field's values, a default): its strings take
		// ${VAR} like every other config value.
		c, ok := d.interpolateTree(n)
		if !ok {
			return
		}
		var x any
		if err := c.Decode(&x); err != nil {
			d.Report(n, "%s: %v", what, err)
			return
		}
		v.Set(reflect.ValueOf(&x).Elem())
	default:
		panic(fmt.Sprintf("spec: config type %s is not supported", v.Type()))
	}
}

// Scalar returns the interpolated text of a scalar node, reporting any
// other node as not what want says.
func (d *Decoder) Scalar(n *yaml.Node, what, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.Report(n, "%s: expected %s, got %s", what, want, kindName(n))
		return "", false
	}
	return d.Interpolate(n, n.Value)
}

// interpolateTree returns n, or a copy of it whose string scalars have
// their ${VAR} expanded; false when a variable is unset (reported).
func (d *Decoder) interpolateTree(n *yaml.Node) (*yaml.Node, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" || !strings.Contains(n.Value, "${") {
			return n, true
		}
		s, ok := d.Interpolate(n, n.Value)
		if !ok {
			return nil, false
		}
		c := *n
		c.Value = s
		if n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 && s != "" {
			// Unquoted and untagged, the text is read again for its
			// type, as if written there: ${N:42} is the number 42,
			// "${N:42}" and !!str ${N:42} the string; an empty value
			// stays the empty string.
			c.Tag = ""
		}
		return &c, true
	case yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode:
		c := *n
		c.Content = make([]*yaml.Node, len(n.Content))
		good := true
		for i, sub := range n.Content {
			s, ok := d.interpolateTree(sub)
			if !ok {
				good, s = false, sub
			}
			c.Content[i] = s
		}
		return &c, good
	}
	return n, true
}

// Interpolate expands ${VAR} and ${VAR:default} in s, reporting unset
// variables without a default at n.
func (d *Decoder) Interpolate(n *yaml.Node, s string) (string, bool) {
	out, missing := Interpolate(s, d.env)
	if len(missing) > 0 {
		d.Report(n, "environment variable %s is not set and has no default (write ${%s:default})", missing[0], missing[0])
		return "", false
	}
	return out, true
}

func (d *Decoder) env(name string) (string, bool) {
	if d.Env == nil {
		return "", false
	}
	return d.Env(name)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

func (d *Decoder) decodeSlice(n *yaml.Node, v reflect.Value, what string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.Report(n, "%s: expected a list, got %s", what, kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", what, i))
	}
	v.Set(s)
}

func (d *Decoder) decodeMap(n *yaml.Node, v reflect.Value, what string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.Report(n, "%s: expected a mapping, got %s", what, kindName(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(n.Content[i+1], elem, joinWhat(what, key))
		m.SetMapIndex(reflect.ValueOf(key), elem)
	}
	v.Set(m)
}

func joinWhat(what, key string) string {
	if what == "" {
		return key
	}
	return what + "." + key
}

// specField is one key of a config struct.
type specField struct {
	index    int
	key      string
	doc      string
	def      string
	hasDef   bool
	required bool
	enum     []string
}

func specOf(t reflect.Type) []specField {
	var fields []specField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if !sf.IsExported() || key == "" || key == "-" {
			continue
		}
		f := specField{index: i, key: key, doc: sf.Tag.Get("doc"), required: sf.Tag.Get("required") == "true"}
		f.def, f.hasDef = sf.Tag.Lookup("default")
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		fields = append(fields, f)
	}
	return fields
}

func (d *Decoder) decodeStruct(n *yaml.Node, v reflect.Value, what string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	}
	if n.Kind != yaml.MappingNode {
		d.Report(n, "%s: expected a mapping, got %s", orSection(what), kindName(n))
		return
	}
	if at := v.FieldByName("At"); at.IsValid() && at.Type() == reflect.TypeOf(Pos{}) {
		at.Set(reflect.ValueOf(d.At(n)))
	}
	fields := specOf(v.Type())
	byKey := make(map[string]*specField, len(fields))
	for i := range fields {
		byKey[fields[i].key] = &fields[i]
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	failed := map[string]bool{} // keys already reported: no follow-on errors
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f, ok := byKey[k.Value]
		if !ok {
			d.Report(k, "unknown key %q in %s%s", k.Value, orSection(what), suggest(k.Value, fields))
			continue
		}
		if prev := seen[k.Value]; prev != nil {
			d.Report(k, "key %q given twice (first at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		fv := v.Field(f.index)
		before := len(d.Problems)
		d.decode(val, fv, joinWhat(what, k.Value))
		d.checkEnum(val, fv, f, joinWhat(what, k.Value))
		if len(d.Problems) > before {
			failed[k.Value] = true
		}
	}
	for _, f := range fields {
		if seen[f.key] != nil {
			continue
		}
		if f.required {
			d.Report(n, "%s: required key %q is missing", orSection(what), f.key)
			continue
		}
		if f.hasDef {
			def := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f.def, Line: n.Line, Column: n.Column}
			// A default for a list or mapping is written in YAML flow style
			// ("[_grokparsefailure]"); anything else is a plain scalar, even
			// when it starts with a bracket ("[error][code]").
			if k := v.Field(f.index).Kind(); k == reflect.Slice || k == reflect.Map {
				var parsed yaml.Node
				if err := yaml.Unmarshal([]byte(f.def), &parsed); err == nil && len(parsed.Content) == 1 {
					def = parsed.Content[0]
				}
			}
			before := len(d.Problems)
			d.decode(def, v.Field(f.index), joinWhat(what, f.key))
			// The key is absent, so its position is the section's: the
			// message names the key and the default (an environment
			// variable's value is the usual culprit).
			for i := before; i < len(d.Problems); i++ {
				if !strings.Contains(d.Problems[i].Msg, f.key) {
					d.Problems[i].Msg = fmt.Sprintf("%s (absent; its default %s): %s", joinWhat(what, f.key), f.def, d.Problems[i].Msg)
				}
			}
			continue
		}
		// An absent section still gets the defaults of its keys.
		if fv := v.Field(f.index); fv.Kind() == reflect.Struct && fv.Type() != durationType &&
			!selfDecoding(fv.Type()) {
			d.decodeStruct(&yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}, fv, joinWhat(what, f.key))
		}
	}
	if c, ok := v.Addr().Interface().(Checker); ok {
		for _, fe := range c.Check() {
			if failed[fe.Field] {
				continue
			}
			at := n
			if k := seen[fe.Field]; k != nil {
				at = valueOf(n, k)
			}
			pos := d.At(at)
			if fe.Col > 0 {
				pos.Col += fe.Col - 1
				if at.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
					pos.Col++
				}
			}
			msg := fe.Msg
			if fe.Field != "" {
				msg = joinWhat(what, fe.Field) + ": " + msg
			}
			d.Problems = append(d.Problems, Problem{Pos: pos, Msg: msg})
		}
	}
}

// valueOf returns the value node of key k in mapping n.
func valueOf(n, k *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i] == k {
			return n.Content[i+1]
		}
	}
	return k
}

func orSection(what string) string {
	if what == "" {
		return "this section"
	}
	return what
}

func (d *Decoder) checkEnum(n *yaml.Node, v reflect.Value, f *specField, what string) {
	if len(f.enum) == 0 || v.Kind() != reflect.String {
		return
	}
	for _, e := range f.enum {
		if v.String() == e {
			return
		}
	}
	d.Report(n, "%s: %q is not one of %s", what, v.String(), strings.Join(f.enum, ", "))
}

// suggest names the closest known key, to turn a typo into a fix.
func suggest(key string, fields []specField) string {
	best, bestDist := "", 3
	for _, f := range fields {
		if dist := editDistance(key, f.key); dist < bestDist {
			best, bestDist = f.key, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return " (known keys: " + strings.Join(keys, ", ") + ")"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DecodeYAML decodes a YAML document into the config struct out points to,
// with defaults and checks, as a config file's plugin section would be.
// Filter tests and tools use it to build a plugin from a snippet.
func DecodeYAML(name, src string, out any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return Problems{YAMLProblem(name, []byte(src), err)}
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	if len(doc.Content) > 0 {
		n = doc.Content[0]
	}
	d := &Decoder{File: name}
	d.Decode(n, out)
	return d.Problems.Err()
}
