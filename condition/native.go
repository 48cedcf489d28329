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
// condition uses something only expr implements, and the top-level keys
// one of which it needs to be true (guarded: see rootGuard).
func compileNative(src string) (fn boolFn, guard event.KeySet, guarded bool) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, 0, false
	}
	ast.Walk(&tree.Node, &fieldRewriter{})
	fn, ok := nativeBool(tree.Node, true)
	if !ok {
		return nil, 0, false
	}
	keys, guarded := rootGuard(tree.Node)
	return fn, event.RootKeySet(keys...), guarded
}

// matchNative evaluates a native condition like Condition.Match.
func matchNative(fn boolFn, e *event.Event) bool { return fn(e) == isTrue }

// nativeBool compiles n. notTrueAlike says that n's caller treats an
// errored n as it treats a false one (the whole condition, the right side
// of an ||, either side of an && so placed): string tests there may skip
// their operand's lookup when its object's text rules a match out
// (rawLookup), and answer false where a missing operand would have
// errored.
func nativeBool(n ast.Node, notTrueAlike bool) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		v := triOf(n.Value)
		return func(*event.Event) tri { return v }, true
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil, false
		}
		inner, ok := nativeBool(n.Node, false) // ! keeps an error, turns false
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
			or := n.Operator == "||" || n.Operator == "or"
			// An error on the left of || stops it where false goes on.
			l, ok1 := nativeBool(n.Left, notTrueAlike && !or)
			r, ok2 := nativeBool(n.Right, notTrueAlike)
			if !ok1 || !ok2 {
				return nil, false
			}
			if or {
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
			return nativeStringTest(n.Operator, false, n.Left, n.Right, notTrueAlike)
		}
	case *ast.BuiltinNode:
		if len(n.Arguments) == 2 && (n.Name == "hasPrefix" || n.Name == "hasSuffix") {
			op := map[string]string{"hasPrefix": "startsWith", "hasSuffix": "endsWith"}[n.Name]
			return nativeStringTest(op, true, n.Arguments[0], n.Arguments[1], notTrueAlike)
		}
	}
	return nil, false
}

func nativeStringTest(op string, builtin bool, left, right ast.Node, notTrueAlike bool) (boolFn, bool) {
	l, ok1 := nativeVal(left)
	r, ok2 := nativeVal(right)
	if !ok1 || !ok2 {
		return nil, false
	}
	test := map[string]func(string, string) bool{"startsWith": strings.HasPrefix, "endsWith": strings.HasSuffix, "contains": strings.Contains}[op]
	// As expr: the operators are false on a nil operand, the builtins
	// (hasPrefix, hasSuffix) fail on it; both fail on a non-string.
	apply := func(a, b event.Value, okA, okB bool) tri {
		switch {
		case (!okA || !okB) && !builtin:
			return isFalse
		case !okA || !okB || a.Kind() != event.KindString || b.Kind() != event.KindString:
			return errored
		}
		return triOf(test(a.Str(), b.Str()))
	}
	if lit, ok := right.(*ast.StringNode); ok && notTrueAlike && lit.Value != "" {
		// field (or basename(field)) tested for a literal: a value holding
		// no lit passes none of these tests, and here an error is as good
		// as false.
		if p, base, ok := operandField(left); ok {
			want := event.String(lit.Value)
			return func(e *event.Event) tri {
				a, ok, ruledOut := rawLookup(e, p, lit.Value)
				if ruledOut {
					return isFalse
				}
				if ok && a.Kind() == event.KindString {
					// The common case without a Value for basename's
					// result: routes run this for every event.
					s := a.Str()
					if base {
						s = baseOf(s)
					}
					return triOf(test(s, lit.Value))
				}
				if base {
					a, ok = basename(a, ok)
				}
				return apply(a, want, ok, true)
			}, true
		}
	}
	return func(e *event.Event) tri {
		a, ok := l(e)
		b, ok2 := r(e)
		return apply(a, b, ok, ok2)
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
	if isBasename(right) {
		return nil, false // expr fails on basename(nil) or basename(7); == would read it as false
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
		if p, _, ok := operandField(right); ok && want != "" { // never basename: see above
			return func(e *event.Event) tri {
				v, ok, ruledOut := rawLookup(e, p, want)
				// Ruled out: false whether the field is missing, another
				// string or no string.
				return triOf(!ruledOut && ok && v.Kind() == event.KindString && v.Str() == want)
			}, true
		}
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
		if p, ok := fieldRef(n); ok {
			return fieldGetter(p), true
		}
		if arg, ok := basenameOf(n); ok {
			inner, ok := nativeVal(arg)
			if !ok {
				return nil, false
			}
			return func(e *event.Event) (event.Value, bool) { return basename(inner(e)) }, true
		}
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "Input" && len(n.Arguments) == 0 {
			return func(e *event.Event) (event.Value, bool) { return event.String(e.Input), true }, true
		}
	}
	return nil, false
}

// isBasename reports whether n is a basename() call.
func isBasename(n ast.Node) bool {
	_, ok := basenameOf(n)
	return ok
}

// basenameOf returns x of a basename(x) call.
func basenameOf(n ast.Node) (ast.Node, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return nil, false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	return c.Arguments[0], ok && id.Value == "Basename"
}

// fieldRef returns the path a field operand names: FieldPath("a", "b")
// (what fieldRewriter makes of a.b) or field("[a][b]").
func fieldRef(n ast.Node) (event.Path, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok {
		return nil, false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil, false
	}
	switch id.Value {
	case "FieldPath":
		p := make(event.Path, 0, len(c.Arguments))
		for _, a := range c.Arguments {
			s, ok := a.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			p = append(p, s.Value)
		}
		return p, true
	case "Field":
		if len(c.Arguments) == 1 {
			if s, ok := c.Arguments[0].(*ast.StringNode); ok {
				p, err := event.ParsePath(s.Value)
				return p, err == nil
			}
		}
	}
	return nil, false
}

// operandField returns the path of a field operand nested at least one
// level down, and whether it is wrapped in basename(), for rawLookup.
func operandField(n ast.Node) (p event.Path, base bool, ok bool) {
	if inner, isBase := basenameOf(n); isBase {
		n, base = inner, true
	}
	p, ok = fieldRef(n)
	if !ok || len(p) < 2 || p[0] == event.MetadataKey {
		return nil, false, false
	}
	return p, base, true
}

// rawLookup reads the field at p (two levels down or more) for a test
// for lit, looking its top-level member up once. ruledOut is true when
// that member is an object still held as its JSON text (a Filebeat
// event's fields, log, agent …, see event/lazy.go) in which lit cannot
// be: the text has no escapes and does not contain lit, so no string in
// it contains lit. A route's test of [fields][service] or
// [log][file][path] is then answered by two vectorised searches of the
// text instead of a scan of its members, which cost a few hundred
// nanoseconds each per event. ok is false when the field is missing or
// null.
func rawLookup(e *event.Event, p event.Path, lit string) (v event.Value, ok, ruledOut bool) {
	top, ok := e.Get(p[:1])
	if !ok {
		return event.Value{}, false, false
	}
	if text, raw := top.RawText(); raw && strings.IndexByte(text, '\\') < 0 {
		if !strings.Contains(text, lit) {
			return event.Value{}, false, true
		}
		v, ok = top.GetPlain(p[1:])
	} else {
		v, ok = top.Get(p[1:])
	}
	return v, ok && v.Kind() != event.KindNull, false
}

// basename is basename() of a value (ok: present and not null).
func basename(v event.Value, ok bool) (event.Value, bool) {
	if !ok || v.Kind() != event.KindString {
		return event.RawNumber(""), true // not a string: the test on it errors, as in expr
	}
	return event.String(baseOf(v.Str())), true
}

// baseOf is basename() of a string: its last element ("" stays "").
func baseOf(s string) string {
	if s == "" {
		return ""
	}
	return path.Base(s)
}

func fieldGetter(p event.Path) valFn {
	return func(e *event.Event) (event.Value, bool) {
		v, ok := e.Get(p)
		return v, ok && v.Kind() != event.KindNull
	}
}
