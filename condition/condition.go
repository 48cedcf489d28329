package condition

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/spec"
	"gopkg.in/yaml.v3"
)

// Condition is a boolean expression over an event, written in the
// expr-lang language (https://expr-lang.org) and compiled when the config
// loads. Event fields are plain identifiers and member chains:
//
//	"accounting" in tags
//	fields.service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")
//	field("[@metadata][beat]") == "filebeat"
//	input() == "beats-tls"
//
// A missing field is nil, so comparisons with it are simply false. The empty
// Condition matches every event.
type Condition struct {
	Source  string
	program *vm.Program
	native  boolFn // the same condition without the VM, when possible

	// guard: with guarded, the native condition is false on an event
	// without any of these top-level keys (see rootGuard).
	guard   event.KeySet
	guarded bool
}

// condEnv is what a compiled condition sees. Field chains are rewritten at
// compile time into FieldPath calls on it, so evaluation reads the event's
// compact tree directly instead of building a map per event.
type condEnv struct {
	ev *event.Event
}

// FieldPath returns the value at the path given as parts, as plain Go
// values (nil when absent).
func (c condEnv) FieldPath(parts ...string) any {
	v, ok := c.ev.Get(event.Path(parts))
	if !ok {
		return nil
	}
	return v.Interface()
}

// Field returns the value at a [a][b] field reference.
func (c condEnv) Field(ref string) any {
	p, err := event.ParsePath(ref)
	if err != nil {
		return nil
	}
	return c.FieldPath(p...)
}

// Input returns the id of the input the event came from (event.Event.Input).
func (c condEnv) Input() string { return c.ev.Input }

// Basename returns the last element of a slash-separated path.
func (condEnv) Basename(p string) string { return baseOf(p) }

// LsIn is Logstash's `in`: membership in an array (by ==), or a substring
// of a string; anything else (a missing field, an object) holds nothing.
// It serves conditions converted from a logstash.conf.
func (condEnv) LsIn(needle, haystack any) bool {
	switch h := haystack.(type) {
	case []any:
		for _, v := range h {
			if lsEqual(needle, v) {
				return true
			}
		}
	case string:
		if n, ok := needle.(string); ok {
			return strings.Contains(h, n)
		}
	}
	return false
}

// LsTruthy is Logstash's truth of a field in a condition (`if [f]`):
// false when it is missing or null, or its text is empty or "false"
// (FieldTruthy in logstash-core's EventCondition.java); a 0, an empty
// array or object is true.
func (condEnv) LsTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != "" && x != "false"
	}
	return true
}

// lsEqual compares as Logstash's == does: numbers by value whatever their
// type, everything else by type and value.
func lsEqual(a, b any) bool {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// envMethods are identifiers that name functions, not event fields.
var envMethods = map[string]string{"field": "Field", "basename": "Basename", "FieldPath": "FieldPath", "Field": "Field", "Basename": "Basename",
	"lsIn": "LsIn", "LsIn": "LsIn", "lsTruthy": "LsTruthy", "LsTruthy": "LsTruthy", "Input": "Input"}

// callMethods are functions whose name is also a common field name
// (Filebeat sets input.type): the identifier is a field unless it is
// called.
var callMethods = map[string]string{"input": "Input"}

// fieldRewriter turns identifiers and member chains into FieldPath calls.
// expr walks children first, so inner chains are folded before outer ones.
// err is the first call of a name that is no function: read as a field
// whose value is called, it would fail at run time, so never match,
// silently.
type fieldRewriter struct{ err error }

func (fr *fieldRewriter) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.CallNode); ok {
			// A function name was rewritten as a field by mistake: undo.
			if len(id.Arguments) == 1 {
				if s, ok := id.Arguments[0].(*ast.StringNode); ok {
					m, ok := envMethods[s.Value]
					if !ok {
						m, ok = callMethods[s.Value]
					}
					if ok {
						n.Callee = &ast.IdentifierNode{Value: m}
					} else if fr.err == nil {
						fr.err = &file.Error{Location: n.Location(), Message: "unknown function " + s.Value + "()"}
					}
				}
			}
		}
	case *ast.IdentifierNode:
		if m, ok := envMethods[n.Value]; ok {
			n.Value = m
			return
		}
		ast.Patch(node, &ast.CallNode{
			Callee:    &ast.IdentifierNode{Value: "FieldPath"},
			Arguments: []ast.Node{&ast.StringNode{Value: n.Value}},
		})
	case *ast.MemberNode:
		call, ok := n.Node.(*ast.CallNode)
		prop, isStr := n.Property.(*ast.StringNode)
		if !ok || !isStr || n.Method {
			return
		}
		if id, ok := call.Callee.(*ast.IdentifierNode); !ok || id.Value != "FieldPath" {
			return
		}
		args := append(append([]ast.Node(nil), call.Arguments...), &ast.StringNode{Value: prop.Value})
		ast.Patch(node, &ast.CallNode{Callee: call.Callee, Arguments: args})
	}
}

// refChecker rejects field("…") calls whose literal reference cannot name
// a field, so such a condition fails at validate time, not silently at
// run time.
type refChecker struct{ err error }

func (rc *refChecker) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || rc.err != nil {
		return
	}
	if id, ok := call.Callee.(*ast.IdentifierNode); !ok || id.Value != "Field" || len(call.Arguments) != 1 {
		return
	}
	if s, ok := call.Arguments[0].(*ast.StringNode); ok {
		if _, err := event.ParsePath(s.Value); err != nil {
			loc := call.Location()
			rc.err = &file.Error{Location: loc, Message: "field(" + strconv.Quote(s.Value) + ") names no field: " + err.Error()}
		}
	}
}

// CompileCondition compiles src. The error of a bad expression carries the
// 1-based column inside src.
func Compile(src string) (Condition, error) {
	c := Condition{Source: src}
	if strings.TrimSpace(src) == "" {
		return c, nil
	}
	fields, refs := &fieldRewriter{}, &refChecker{}
	prog, err := expr.Compile(src, expr.Env(condEnv{}), expr.AsBool(), expr.Patch(fields), expr.Patch(refs))
	if err != nil {
		return c, err
	}
	if err := cmp.Or(fields.err, refs.err); err != nil {
		return c, err
	}
	c.program = prog
	c.native, c.guard, c.guarded = compileNative(src)
	return c, nil
}

// Match evaluates the condition on e. A runtime error (such as comparing a
// string with a number) counts as no match.
func (c *Condition) Match(e *event.Event) bool {
	if c.program == nil {
		return true
	}
	if c.native != nil {
		if c.guarded && e.LacksAll(c.guard) {
			return false
		}
		return matchNative(c.native, e)
	}
	out, err := expr.Run(c.program, condEnv{ev: e})
	if err != nil {
		return false
	}
	b, _ := out.(bool)
	return b
}

// IsEmpty reports whether the condition matches everything.
func (c *Condition) IsEmpty() bool { return c.program == nil }

// DecodeNode compiles the condition at load time, reporting a bad
// expression at its column in the file.
func (c *Condition) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	src, ok := d.Scalar(n, "when", "an expression")
	if !ok {
		return
	}
	cond, err := Compile(src)
	if err != nil {
		pos := d.At(n)
		msg := err.Error()
		if fe, ok := err.(*file.Error); ok {
			msg = fe.Message
			if fe.Line <= 1 && fe.Column >= 0 && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				pos.Col += fe.Column
				if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
					pos.Col++
				}
			}
		}
		d.Problems = append(d.Problems, spec.Problem{Pos: pos, Msg: fmt.Sprintf("when: condition does not compile: %s", msg)})
		return
	}
	*c = cond
}
