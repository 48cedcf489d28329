package condition

import (
	"github.com/expr-lang/expr/ast"
	"github.com/ingestd/ingestd/event"
)

// Most events reach a route's condition without any of the fields it
// reads: an app-log event at the integrations route (data_stream,
// event.module, three dotted data_stream keys) or at the accounting route
// (tags). Each absent field still cost a closure call and a lookup, ~50 ns,
// and routes run for every event. A condition that can only be true when
// one of a few top-level keys is present carries those keys as a guard,
// and the event's index of its own top-level keys rules it out with one
// AND (event.Event.LacksAll).

// rootGuard returns top-level keys of which an event needs at least one
// for the native evaluation of n to be true; ok is false when there is no
// such set (n can be true on an event without any field, as x == nil or
// !x). It follows the native evaluator's semantics, so it is only used
// with it.
func rootGuard(n ast.Node) (keys []string, ok bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		return nil, !n.Value // false is never true: no key can make it so
	case *ast.BinaryNode:
		switch n.Operator {
		case "||", "or":
			l, ok1 := rootGuard(n.Left)
			r, ok2 := rootGuard(n.Right)
			if !ok1 || !ok2 {
				return nil, false
			}
			return append(l, r...), true
		case "&&", "and":
			// Both sides must be true: either side's keys will do.
			l, ok1 := rootGuard(n.Left)
			r, ok2 := rootGuard(n.Right)
			switch {
			case ok1 && (!ok2 || len(l) <= len(r)):
				return l, true
			case ok2:
				return r, true
			}
			return nil, false
		case "==":
			// A literal other than nil equals only a present field.
			if _, isNil := n.Left.(*ast.NilNode); isNil {
				return nil, false
			}
			if _, isNil := n.Right.(*ast.NilNode); isNil {
				return nil, false
			}
			return anyOperandRoot(n.Left, n.Right)
		case "!=":
			// Only x != nil needs x; x != "a" is true without it.
			_, lNil := n.Left.(*ast.NilNode)
			_, rNil := n.Right.(*ast.NilNode)
			switch {
			case lNil && !rNil:
				return anyOperandRoot(n.Right)
			case rNil && !lNil:
				return anyOperandRoot(n.Left)
			}
			return nil, false
		case "in":
			return anyOperandRoot(n.Right) // "x" in nil is false
		case "startsWith", "endsWith", "contains":
			return anyOperandRoot(n.Left, n.Right) // false or failing on nil
		}
	case *ast.BuiltinNode:
		if n.Name == "hasPrefix" || n.Name == "hasSuffix" {
			return anyOperandRoot(n.Arguments...) // they fail on nil
		}
	}
	return nil, false
}

// anyOperandRoot returns the top-level key of the first operand that is a
// field (or basename of one) outside @metadata.
func anyOperandRoot(ns ...ast.Node) ([]string, bool) {
	for _, n := range ns {
		if p, ok := fieldOperand(n); ok && len(p) > 0 && p[0] != event.MetadataKey {
			return []string{p[0]}, true
		}
	}
	return nil, false
}

// fieldOperand returns the path of a field operand, looking through
// basename() (which fails on a missing field).
func fieldOperand(n ast.Node) (event.Path, bool) {
	for {
		inner, ok := basenameOf(n)
		if !ok {
			return fieldRef(n)
		}
		n = inner
	}
}
