package lsconv

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// Conditions are translated into expr-lang (package condition) following
// Logstash's evaluator, org.logstash.config.ir.compiler.EventCondition
// (logstash-core), operator by operator:
//
//   - [f] alone (and the operands of and/or/not that are fields) is
//     FieldTruthy: false for a missing field, null, false, "" and
//     "false" (valueIsTruthy: the value's text is empty or "false").
//   - == and != compare with Ruby equality: numbers by value (5 == 5.0),
//     strings by content, nothing across types; != is the negation.
//   - < <= > >= compare two values of one kind. Logstash raises an
//     evaluation error for a missing field or values of different kinds;
//     ingestd treats such a condition as not matching, even under !.
//   - =~ and !~ match only a string field (FieldMatches: anything else is
//     no match, so !~ holds); the regular expression is Ruby's, where ^
//     and $ match at every line, so it runs in RE2 with (?m).
//   - in: "s" in [f] is ConstantStringInField (f contains s, or f is a
//     list holding s), [f] in "s" is FieldInConstantScalar (f is a string
//     inside s), [f] in [l] with a literal list compares texts
//     (FieldInConstantList: 5 in ["5"] holds), [a] in [b] is FieldInField
//     (a list or hash on the left holds nothing). lsIn implements the
//     membership and substring cases. not in is the negation.
//   - and, or, xor, nand as written (the tree already has Logstash's
//     precedence, see lsconf's parser).

// field is the expr-lang reading of a field.
func FieldExpr(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteString("[" + p + "]")
	}
	return RefExpr(b.String())
}

// Present is the condition that the field ref (in ingestd's bracket
// form, as fieldRef returns it) is set and not null.
func Present(ref string) string { return RefExpr(ref) + " != nil" }

// RefExpr reads the field ref, in ingestd's bracket form.
func RefExpr(ref string) string { return "field(" + strconv.Quote(ref) + ")" }

// Truthy is Logstash's FieldTruthy on an expr-lang operand (lsTruthy
// implements it: missing, null, "" and "false" are false).
func Truthy(x string) string {
	return "lsTruthy(" + x + ")"
}

// Cond translates a condition. It reports what cannot be translated and
// returns ok false then.
func (c *Conv) Cond(e lsconf.Expr) (string, bool) {
	switch e := e.(type) {
	case *lsconf.Binary:
		l, okL := c.Cond(e.L)
		r, okR := c.Cond(e.R)
		if !okL || !okR {
			return "", false
		}
		switch e.Op {
		case lsconf.OpAnd:
			return paren(l) + " && " + paren(r), true
		case lsconf.OpOr:
			return paren(l) + " || " + paren(r), true
		case lsconf.OpXor:
			return "(" + l + ") != (" + r + ")", true
		case lsconf.OpNand:
			return "!(" + paren(l) + " && " + paren(r) + ")", true
		}
		c.Errorf(e.Pos, "condition: unknown operator %q", e.Op)
		return "", false
	case *lsconf.Not:
		x, ok := c.Cond(e.X)
		if !ok {
			return "", false
		}
		return "!(" + x + ")", true
	case *lsconf.Selector:
		f, ok := c.selector(e)
		if !ok {
			return "", false
		}
		return Truthy(f), true
	case *lsconf.String, *lsconf.Number:
		// A constant as a condition: Logstash's valueIsTruthy on it.
		s, _ := Scalar(e.(lsconf.Value))
		return strconv.FormatBool(s != "" && s != "false"), true
	case *lsconf.Compare:
		return c.compare(e)
	case *lsconf.Match:
		return c.match(e)
	case *lsconf.In:
		x, ok := c.in(e)
		if !ok {
			return "", false
		}
		if e.Negate {
			return "!(" + x + ")", true
		}
		return x, true
	case *lsconf.MethodCall:
		c.Errorf(e.Pos, "condition: method calls are not supported (Logstash does not implement them either)")
		return "", false
	}
	c.Errorf(e.Position(), "condition: %s cannot be a condition", exprKind(e))
	return "", false
}

// paren wraps an operand of && that holds ||.
func paren(s string) string {
	if strings.Contains(s, "||") || strings.Contains(s, " != (") {
		return "(" + s + ")"
	}
	return s
}

func exprKind(e lsconf.Expr) string {
	switch e.(type) {
	case *lsconf.Regex:
		return "a regular expression"
	case *lsconf.Array:
		return "a list"
	}
	return fmt.Sprintf("%T", e)
}

func (c *Conv) selector(s *lsconf.Selector) (string, bool) {
	if len(s.Ref.Path) == 0 {
		c.Errorf(s.Pos, "condition: empty field reference %s", s.Raw)
		return "", false
	}
	if _, ok := c.PathRef(s.Ref.Path, s.Pos, "condition", true); !ok {
		return "", false
	}
	return FieldExpr(s.Ref.Path), true
}

// operand translates a value operand: a field, a string, a number or a
// list of those.
func (c *Conv) operand(e lsconf.Expr) (string, bool) {
	switch e := e.(type) {
	case *lsconf.Selector:
		return c.selector(e)
	case *lsconf.String:
		return strconv.Quote(e.Value), true
	case *lsconf.Number:
		return number(e.Text), true
	case *lsconf.Array:
		parts := make([]string, 0, len(e.Elems))
		for _, el := range e.Elems {
			x, ok := el.(lsconf.Expr)
			if !ok {
				c.Errorf(el.Position(), "condition: %s cannot be in a list", KindOf(el))
				return "", false
			}
			p, ok := c.operand(x)
			if !ok {
				return "", false
			}
			parts = append(parts, p)
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	c.Errorf(e.Position(), "condition: %s cannot be compared", exprKind(e))
	return "", false
}

// number writes a Logstash number literal for expr ("1." is 1.0).
func number(t string) string {
	if strings.HasSuffix(t, ".") {
		return t + "0"
	}
	// A leading zero is octal in Ruby's Integer(): 010 is 8.
	if n := (&lsconf.Number{Text: t}); !n.IsFloat() {
		if v, err := n.Int64(); err == nil {
			return strconv.FormatInt(v, 10)
		}
	}
	return t
}

func (c *Conv) compare(e *lsconf.Compare) (string, bool) {
	l, okL := c.operand(e.L)
	r, okR := c.operand(e.R)
	if !okL || !okR {
		return "", false
	}
	switch e.Op {
	case "==", "!=", "<", ">", "<=", ">=":
		return l + " " + e.Op + " " + r, true
	}
	c.Errorf(e.Pos, "condition: unknown comparison %q", e.Op)
	return "", false
}

func (c *Conv) match(e *lsconf.Match) (string, bool) {
	l, ok := c.operand(e.L)
	if !ok {
		return "", false
	}
	var pattern string
	var at lsconf.Pos
	switch r := e.R.(type) {
	case *lsconf.Regex:
		pattern, at = r.Pattern, r.Pos
	case *lsconf.String:
		pattern, at = r.Value, r.Pos
	default:
		c.Errorf(e.R.Position(), "condition: the right side of %s must be a regular expression or a string", e.Op)
		return "", false
	}
	re, ok := c.Regex(pattern, at, "condition")
	if !ok {
		return "", false
	}
	x := fmt.Sprintf("type(%s) == \"string\" && %s matches %s", l, l, strconv.Quote(re))
	if e.Op == "!~" {
		return "!(" + x + ")", true
	}
	return x, true
}

// RubyOnly names regular expression features of Ruby (Onigmo) that RE2
// lacks, for a clearer message than RE2's.
var RubyOnly = []struct {
	Re   *regexp.Regexp
	Name string
}{
	{regexp.MustCompile(`\(\?<?[=!]`), "lookaround assertions ((?=, (?!, (?<=, (?<!)"},
	{regexp.MustCompile(`\(\?>`), "atomic groups ((?>...))"},
	{regexp.MustCompile(`[*+?}]\+`), "possessive quantifiers (*+, ++, ?+)"},
	{regexp.MustCompile(`\\[1-9]`), "back-references (\\1)"},
	{regexp.MustCompile(`\\k<`), "named back-references (\\k<name>)"},
	{regexp.MustCompile(`\\[hHRXZG]`), `the escapes \h, \H, \R, \X, \Z and \G`},
	{regexp.MustCompile(`\(\?#`), "comments ((?#...))"},
	{regexp.MustCompile(`\\g<`), "subexpression calls (\\g<name>)"},
}

// WithoutEscapedBackslashes replaces each escaped backslash (\\) of a
// regular expression by two NULs, so that what follows it is not taken for
// an escape: "\\\\h" is a backslash and an h, not \h.
func WithoutEscapedBackslashes(re string) string {
	return strings.ReplaceAll(re, `\\`, "\x00\x00")
}

// Regex turns a Ruby regular expression into the RE2 one that means the
// same: (?m) first when it has ^ or $ (in Ruby they always match at line
// breaks). What RE2 cannot run is an error at the pattern's position.
func (c *Conv) Regex(pattern string, at lsconf.Pos, what string) (string, bool) {
	if _, err := regexp.Compile(pattern); err != nil {
		plain := WithoutEscapedBackslashes(pattern)
		for _, f := range RubyOnly {
			if f.Re.MatchString(plain) {
				c.Errorf(at, "%s: regular expression /%s/ uses %s, which Ruby has and Go's RE2 does not", what, pattern, f.Name)
				return "", false
			}
		}
		c.Errorf(at, "%s: regular expression /%s/ does not compile in Go's RE2: %v", what, pattern, err)
		return "", false
	}
	if strings.ContainsAny(pattern, "^$") {
		return "(?m)" + pattern, true
	}
	return pattern, true
}

func (c *Conv) in(e *lsconf.In) (string, bool) {
	switch r := e.R.(type) {
	case *lsconf.Array:
		// [f] in ["a", "b"]: FieldInConstantList compares the texts.
		l, ok := c.operand(e.L)
		if !ok {
			return "", false
		}
		list, ok := c.textList(r)
		if !ok {
			return "", false
		}
		if _, isField := e.L.(*lsconf.Selector); isField {
			return fmt.Sprintf("%s != nil && string(%s) in %s", l, l, list), true
		}
		return fmt.Sprintf("%s in %s", l, list), true
	}
	l, okL := c.operand(e.L)
	r, okR := c.operand(e.R)
	if !okL || !okR {
		return "", false
	}
	return fmt.Sprintf("lsIn(%s, %s)", l, r), true
}

// textList writes the elements of a literal list as their texts.
func (c *Conv) textList(a *lsconf.Array) (string, bool) {
	parts := make([]string, 0, len(a.Elems))
	for _, el := range a.Elems {
		switch v := el.(type) {
		case *lsconf.String:
			parts = append(parts, strconv.Quote(v.Value))
		case *lsconf.Number:
			parts = append(parts, strconv.Quote(number(v.Text)))
		default:
			c.Errorf(el.Position(), "condition: a list after in may hold strings and numbers, not %s", KindOf(el))
			return "", false
		}
	}
	return "[" + strings.Join(parts, ", ") + "]", true
}

// And joins conditions with &&, skipping empty ones.
func And(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return joined(out, " && ")
}

// joined joins conditions with op, each in parentheses when there are
// several.
func joined(out []string, op string) string {
	if len(out) == 1 {
		return out[0]
	}
	for i, p := range out {
		out[i] = paren(p)
	}
	return strings.Join(out, op)
}

// Not negates a condition.
func Not(x string) string { return "!(" + x + ")" }

// Or is the disjunction of conditions; "" (always) when one of them is.
func Or(parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p == "" {
			return ""
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return joined(out, " || ")
}
