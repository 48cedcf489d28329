package condition

import (
	"path"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/ingestd/ingestd/event"
)

// Routing conditions run for every event, and expr's VM converts each
// field it reads into Go values (~3 µs and 25 allocations for the shipped
// dCache condition). The common shapes — field == / != literal, "x" in
// field, hasPrefix/hasSuffix/startsWith/endsWith/contains, basename(),
// nil checks, && || ! — compile here into closures that read the event's
// tree directly. Anything else runs on expr, with the same semantics.

// tri is a condition's outcome; errored means expr would have failed at
// run time (such as "x" in a string), which makes the whole condition
// false, even under !.
type tri uint8

const (
	isFalse tri = iota
	isTrue
	errored
)

func triOf(b bool) tri {
	if b {
		return isTrue
	}
	return isFalse
}

type boolFn func(e *event.Event) tri

// valFn returns the value of an operand; ok is false when it is absent or
// null.
type valFn func(e *event.Event) (event.Value, bool)

// compileNative returns a native evaluator for src, or nil when the
// condition uses something only expr implements.
func compileNative(src string) boolFn {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	ast.Walk(&tree.Node, fieldRewriter{})
	fn, ok := nativeBool(tree.Node)
	if !ok {
		return nil
	}
	return fn
}

// matchNative evaluates a native condition like Condition.Match.
func matchNative(fn boolFn, e *event.Event) bool { return fn(e) == isTrue }

func nativeBool(n ast.Node) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		v := triOf(n.Value)
		return func(*event.Event) tri { return v }, true
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil, false
		}
		inner, ok := nativeBool(n.Node)
		if !ok {
			return nil, false
		}
		return func(e *event.Event) tri {
			switch inner(e) {
			case isTrue:
				return isFalse
			case isFalse:
				return isTrue
			}
			return errored
		}, true
	case *ast.BinaryNode:
		switch n.Operator {
		case "||", "or", "&&", "and":
			l, ok1 := nativeBool(n.Left)
			r, ok2 := nativeBool(n.Right)
			if !ok1 || !ok2 {
				return nil, false
			}
			if n.Operator == "||" || n.Operator == "or" {
				return func(e *event.Event) tri {
					if a := l(e); a != isFalse {
						return a // true short-circuits; an error stops expr
					}
					return r(e)
				}, true
			}
			return func(e *event.Event) tri {
				if a := l(e); a != isTrue {
					return a
				}
				return r(e)
			}, true
		case "==", "!=":
			eq, ok := nativeEqual(n.Left, n.Right)
			if !ok {
				return nil, false
			}
			if n.Operator == "!=" {
				return func(e *event.Event) tri { return triOf(eq(e) != isTrue) }, true
			}
			return eq, true
		case "in":
			lit, ok := n.Left.(*ast.StringNode)
			field, ok2 := nativeVal(n.Right)
			if !ok || !ok2 {
				return nil, false
			}
			want := lit.Value
			return func(e *event.Event) tri {
				v, ok := field(e)
				if !ok {
					return isFalse // in nil is false
				}
				switch v.Kind() {
				case event.KindArray:
					for _, el := range v.Elems() {
						if el.Value.Kind() == event.KindString && el.Value.Str() == want {
							return isTrue
						}
					}
					return isFalse
				case event.KindObject:
					_, has := v.Member(want)
					return triOf(has)
				}
				return errored // expr cannot look into a scalar
			}, true
		case "startsWith", "endsWith", "contains":
			return nativeStringTest(n.Operator, n.Left, n.Right)
		}
	case *ast.BuiltinNode:
		if len(n.Arguments) == 2 && (n.Name == "hasPrefix" || n.Name == "hasSuffix") {
			op := map[string]string{"hasPrefix": "startsWith", "hasSuffix": "endsWith"}[n.Name]
			return nativeStringTest(op, n.Arguments[0], n.Arguments[1])
		}
	}
	return nil, false
}

func nativeStringTest(op string, left, right ast.Node) (boolFn, bool) {
	l, ok1 := nativeVal(left)
	r, ok2 := nativeVal(right)
	if !ok1 || !ok2 {
		return nil, false
	}
	test := map[string]func(string, string) bool{"startsWith": strings.HasPrefix, "endsWith": strings.HasSuffix, "contains": strings.Contains}[op]
	return func(e *event.Event) tri {
		a, ok := l(e)
		b, ok2 := r(e)
		if !ok || !ok2 || a.Kind() != event.KindString || b.Kind() != event.KindString {
			return errored // expr fails on nil and non-strings
		}
		return triOf(test(a.Str(), b.Str()))
	}, true
}

// nativeEqual compares an operand with a literal (either side).
func nativeEqual(left, right ast.Node) (boolFn, bool) {
	if isLiteral(right) && !isLiteral(left) {
		left, right = right, left
	}
	if !isLiteral(left) {
		return nil, false
	}
	field, ok := nativeVal(right)
	if !ok {
		return nil, false
	}
	switch lit := left.(type) {
	case *ast.NilNode:
		return func(e *event.Event) tri { _, ok := field(e); return triOf(!ok) }, true
	case *ast.StringNode:
		want := lit.Value
		return func(e *event.Event) tri {
			v, ok := field(e)
			return triOf(ok && v.Kind() == event.KindString && v.Str() == want)
		}, true
	case *ast.BoolNode:
		want := lit.Value
		return func(e *event.Event) tri {
			v, ok := field(e)
			return triOf(ok && v.Kind() == event.KindBool && v.BoolValue() == want)
		}, true
	case *ast.IntegerNode:
		want := float64(lit.Value)
		return func(e *event.Event) tri {
			v, ok := field(e)
			f, isNum := v.Number()
			return triOf(ok && isNum && f == want)
		}, true
	case *ast.FloatNode:
		want := lit.Value
		return func(e *event.Event) tri {
			v, ok := field(e)
			f, isNum := v.Number()
			return triOf(ok && isNum && f == want)
		}, true
	}
	return nil, false
}

func isLiteral(n ast.Node) bool {
	switch n.(type) {
	case *ast.NilNode, *ast.StringNode, *ast.BoolNode, *ast.IntegerNode, *ast.FloatNode:
		return true
	}
	return false
}

// nativeVal compiles a field reference, a string literal or basename().
func nativeVal(n ast.Node) (valFn, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		v := event.String(n.Value)
		return func(*event.Event) (event.Value, bool) { return v, true }, true
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return nil, false
		}
		switch id.Value {
		case "FieldPath":
			p := make(event.Path, 0, len(n.Arguments))
			for _, a := range n.Arguments {
				s, ok := a.(*ast.StringNode)
				if !ok {
					return nil, false
				}
				p = append(p, s.Value)
			}
			return fieldGetter(p), true
		case "Field":
			if len(n.Arguments) != 1 {
				return nil, false
			}
			s, ok := n.Arguments[0].(*ast.StringNode)
			if !ok {
				return nil, false
			}
			p, err := event.ParsePath(s.Value)
			if err != nil {
				return nil, false
			}
			return fieldGetter(p), true
		case "Input":
			if len(n.Arguments) != 0 {
				return nil, false
			}
			return func(e *event.Event) (event.Value, bool) { return event.String(e.Input), true }, true
		case "Basename":
			if len(n.Arguments) != 1 {
				return nil, false
			}
			inner, ok := nativeVal(n.Arguments[0])
			if !ok {
				return nil, false
			}
			return func(e *event.Event) (event.Value, bool) {
				v, ok := inner(e)
				if !ok || v.Kind() != event.KindString {
					return event.RawNumber(""), true // not a string: the test on it errors, as in expr
				}
				if v.Str() == "" {
					return event.String(""), true
				}
				return event.String(path.Base(v.Str())), true
			}, true
		}
	}
	return nil, false
}

func fieldGetter(p event.Path) valFn {
	return func(e *event.Event) (event.Value, bool) {
		v, ok := e.Get(p)
		return v, ok && v.Kind() != event.KindNull
	}
}
