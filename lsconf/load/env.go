package load

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// LookupFunc returns the value of a substitution variable and whether it
// is defined. os.LookupEnv is one; Logstash looks in its secret store
// first, then in the environment.
type LookupFunc func(name string) (string, bool)

// placeholderRE is Logstash's SUBSTITUTION_PLACEHOLDER_REGEX (the same in
// substitution_variables.rb and ConfigVariableExpander.java):
// ${NAME} or ${NAME:default}, NAME made of [a-zA-Z0-9_.] and not starting
// with a digit, the default running to the first }.
var placeholderRE = regexp.MustCompile(`\$\{([a-zA-Z_.][a-zA-Z0-9_.]*)(?::([^}]*))?\}`)

// undefinedVar is the message of ConfigVariableExpander.expand.
func undefinedVar(placeholder, name string) string {
	return fmt.Sprintf("Cannot evaluate `%s`. Replacement variable `%s` is not defined in a Logstash secret store or an environment entry and there is no default value given.", placeholder, name)
}

// placeholderError is an undefined variable, at a byte offset of the text
// that held it.
type placeholderError struct {
	off int
	msg string
}

// ExpandString replaces every ${NAME} and ${NAME:default} in s, anywhere
// in it, as Logstash's Ruby side does (replace_placeholders: a gsub over
// the value). This is how pipelines.yml values, config.string included, are
// expanded. A variable that is undefined and has no default is an error.
func ExpandString(s string, lookup LookupFunc) (string, error) {
	out, _, errs := expandAll(s, lookup)
	if len(errs) > 0 {
		return s, fmt.Errorf("%s", errs[0].msg)
	}
	return out, nil
}

func resolve(s string, m []int, lookup LookupFunc) (string, *placeholderError) {
	name := s[m[2]:m[3]]
	if v, ok := lookup(name); ok {
		return v, nil
	}
	if m[4] >= 0 {
		return s[m[4]:m[5]], nil
	}
	return "", &placeholderError{off: m[0], msg: undefinedVar(s[m[0]:m[1]], name)}
}

// expandAll is the gsub: it returns the expanded text and whether any
// placeholder was found.
func expandAll(s string, lookup LookupFunc) (string, bool, []placeholderError) {
	matches := placeholderRE.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s, false, nil
	}
	var b strings.Builder
	var errs []placeholderError
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		v, err := resolve(s, m, lookup)
		if err != nil {
			errs = append(errs, *err)
		}
		b.WriteString(v)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), true, errs
}

// expandWhole is ConfigVariableExpander.expand: only a value that is
// exactly one placeholder is replaced.
func expandWhole(s string, lookup LookupFunc) (string, *placeholderError) {
	m := placeholderRE.FindStringSubmatchIndex(s)
	if m == nil || m[0] != 0 || m[1] != len(s) {
		return s, nil
	}
	return resolve(s, m, lookup)
}

// Substitute returns a copy of cfg with ${VAR} placeholders replaced the
// way Logstash replaces them when it builds the pipeline (cfg itself is
// left alone):
//
//   - in plugin option values, strings at any depth (array elements, hash
//     values but not hash keys, options of a codec plugin). Logstash first
//     replaces a value that is exactly one placeholder
//     (CompiledPipeline.expandConfigVariables), then every placeholder in
//     what is left (the Ruby plugin mixin's deep_replace). When that second
//     pass finds one, the result is "refined": enclosing quotes are
//     stripped and a "[a, b]" text becomes an array of strings;
//   - in conditions, a string operand, or a string element of a list
//     operand, that is exactly one placeholder (ExpressionSubstitution);
//     regular expressions are never expanded, nor strings after =~ or !~,
//     which Logstash compiles as regular expressions.
//
// Substituted strings lose their Raw text, so Format prints their value.
// Every undefined variable without a default is reported, at the position
// of its ${ when the string was taken verbatim from the source, else at the
// string.
func Substitute(cfg *lsconf.Config, lookup LookupFunc) (*lsconf.Config, error) {
	s := &substituter{lookup: lookup}
	out := cfg.Clone()
	for _, sec := range out.Sections {
		s.items(sec.Items)
	}
	return out, s.errs.Err()
}

type substituter struct {
	lookup LookupFunc
	errs   lsconf.ErrorList
}

func (s *substituter) items(items []lsconf.Item) {
	for _, it := range items {
		switch it := it.(type) {
		case *lsconf.Plugin:
			s.plugin(it)
		case *lsconf.Branch:
			for _, c := range it.Cases {
				c.Cond = s.expr(c.Cond)
				s.items(c.Items)
			}
			s.items(it.Else)
		}
	}
}

func (s *substituter) plugin(p *lsconf.Plugin) {
	for _, a := range p.Attrs {
		a.Value = s.value(a.Value)
	}
}

func (s *substituter) value(v lsconf.Value) lsconf.Value {
	switch v := v.(type) {
	case *lsconf.String:
		return s.optionString(v)
	case *lsconf.Array:
		for i, e := range v.Elems {
			v.Elems[i] = s.value(e)
		}
	case *lsconf.Hash:
		for _, e := range v.Entries {
			e.Value = s.value(e.Value)
		}
	case *lsconf.PluginValue:
		s.plugin(v.Plugin)
	}
	return v
}

func (s *substituter) fail(str *lsconf.String, direct bool, e *placeholderError) {
	pos := str.Pos
	if direct && (str.Quote == '"' || str.Quote == '\'') && str.Raw == str.Value {
		pos = pos.Advance(string(str.Quote) + str.Raw[:e.off])
	}
	s.errs = append(s.errs, &lsconf.Error{Pos: pos, Msg: e.msg})
}

func (s *substituter) optionString(str *lsconf.String) lsconf.Value {
	v, err := expandWhole(str.Value, s.lookup)
	if err != nil {
		s.fail(str, true, err)
		return str
	}
	direct := v == str.Value
	out, found, errs := expandAll(v, s.lookup)
	for i := range errs {
		s.fail(str, direct, &errs[i])
	}
	if len(errs) > 0 {
		return str
	}
	if found {
		return refine(out, str.Pos)
	}
	if v != str.Value {
		return &lsconf.String{Value: v, Pos: str.Pos}
	}
	return str
}

func (s *substituter) expr(e lsconf.Expr) lsconf.Expr {
	switch e := e.(type) {
	case *lsconf.Binary:
		e.L, e.R = s.expr(e.L), s.expr(e.R)
	case *lsconf.Not:
		e.X = s.expr(e.X)
	case *lsconf.Compare:
		e.L, e.R = s.expr(e.L), s.expr(e.R)
	case *lsconf.In:
		e.L, e.R = s.expr(e.L), s.expr(e.R)
	case *lsconf.Match:
		e.L = s.expr(e.L)
	case *lsconf.String:
		return s.condString(e)
	case *lsconf.Array:
		for i, el := range e.Elems {
			if str, ok := el.(*lsconf.String); ok {
				e.Elems[i] = s.condString(str)
			}
		}
	}
	return e
}

func (s *substituter) condString(str *lsconf.String) *lsconf.String {
	v, err := expandWhole(str.Value, s.lookup)
	switch {
	case err != nil:
		s.fail(str, true, err)
	case v != str.Value:
		return &lsconf.String{Value: v, Pos: str.Pos}
	}
	return str
}

// refine is the refine step of replace_placeholders
// (substitution_variables.rb): strip one pair of enclosing single quotes,
// then of double quotes, and read "[a, b]" as a list of strings, each
// stripped of blanks and enclosing quotes.
func refine(s string, pos lsconf.Pos) lsconf.Value {
	r := stripEnclosing(stripEnclosing(s, "'"), `"`)
	if !strings.HasPrefix(r, "[") || !strings.HasSuffix(r, "]") || len(r) < 2 {
		return &lsconf.String{Value: r, Pos: pos}
	}
	arr := &lsconf.Array{Pos: pos}
	for _, f := range rubySplitComma(r[1 : len(r)-1]) {
		f = strings.Trim(f, " \t\n\v\f\r\x00")
		arr.Elems = append(arr.Elems, &lsconf.String{Value: stripEnclosing(stripEnclosing(f, "'"), `"`), Pos: pos})
	}
	return arr
}

func stripEnclosing(s, c string) string {
	if s != "" && strings.HasPrefix(s, c) && strings.HasSuffix(s, c) {
		if len(s) == 1 {
			return ""
		}
		return s[1 : len(s)-1]
	}
	return s
}

// rubySplitComma is Ruby's String#split(","): trailing empty fields are
// dropped, and an empty string gives no field at all.
func rubySplitComma(s string) []string {
	f := strings.Split(s, ",")
	for len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	return f
}
