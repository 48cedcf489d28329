package lsconf

import "github.com/ingestd/ingestd/lsconf/fieldref"

// boolOp is a boolean operator met while parsing a condition.
type boolOp struct {
	op  string
	off int
}

// parseCondition parses expression (cs boolean_operator cs expression)*.
// Like the grammar it needs no word boundary around operators: [a]and[b]
// is a condition.
func (p *parser) parseCondition() Expr {
	p.enter()
	defer p.leave()
	operands := []Expr{p.parseExpression()}
	var ops []boolOp
	for {
		save := p.off
		p.cs()
		op := p.peekBoolOp()
		if op == "" {
			p.off = save
			break
		}
		ops = append(ops, boolOp{op, p.off})
		p.off += len(op)
		p.cs()
		operands = append(operands, p.parseExpression())
	}
	return p.combine(operands, ops)
}

func (p *parser) peekBoolOp() string {
	for _, op := range []string{OpAnd, OpOr, OpXor, OpNand} {
		if p.hasPrefix(op) {
			return op
		}
	}
	return ""
}

// combine builds the tree of one level of a condition (parentheses are
// levels of their own) exactly as Condition#join_conditions in lscl.rb
// does, because that tree is what Logstash evaluates:
//
//   - a shunting yard in which and (precedence 2) binds tighter than or (1),
//     so `a or b and c` is a or (b and c) and `a and b or c` is
//     (a and b) or c (compiler_spec.rb "and or precedence");
//   - an operator is only moved to the output when the previous one binds
//     strictly tighter, so equal operators group to the right:
//     `a or b or c` is a or (b or c) (compiler_spec.rb "multiple or");
//   - at most one operator is moved per incoming operator, so
//     `a and b and c or d` is a and ((b and c) or d), not the textbook
//     ((a and b) and c) or d. Logstash evaluates it that way, so we build
//     it that way;
//   - precedence() knows only and and or: with xor or nand among two or
//     more operators it raises ArgumentError and the pipeline does not
//     load. We report that; xor and nand alone, or parenthesised, are fine.
//
// Before the LIR compiler (Logstash 5 and older) conditions became Ruby
// code, where and and or bind equally from the left; Logstash 6 changed
// that to the above.
func (p *parser) combine(operands []Expr, ops []boolOp) Expr {
	if len(ops) == 0 {
		return operands[0]
	}
	if len(ops) > 1 {
		for _, op := range ops {
			if op.op == OpXor || op.op == OpNand {
				p.report(op.off, "%s cannot be combined with other boolean operators without parentheses: Logstash's compiler only ranks and and or, and fails on this condition", op.op)
				break
			}
		}
	}
	type token struct {
		e  Expr // nil for an operator
		op boolOp
	}
	var out []token
	var stack []boolOp
	for i, e := range operands {
		if i > 0 {
			op := ops[i-1]
			if n := len(stack); n > 0 && precedence(stack[n-1].op) > precedence(op.op) {
				out = append(out, token{op: stack[n-1]})
				stack = stack[:n-1]
			}
			stack = append(stack, op)
		}
		out = append(out, token{e: e})
	}
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, token{op: stack[i]})
	}
	var st []Expr
	for _, t := range out {
		if t.e != nil {
			st = append(st, t.e)
			continue
		}
		l, r := st[len(st)-2], st[len(st)-1]
		st = append(st[:len(st)-2], &Binary{Op: t.op.op, L: l, R: r, Pos: p.lines.pos(t.op.off)})
	}
	return st[0]
}

// precedence is lscl.rb's: and 2, or 1. xor and nand have none there (that
// case is reported by combine); ranking them with and keeps a tree.
func precedence(op string) int {
	if op == OpOr {
		return 1
	}
	return 2
}

// parseExpression parses
//
//	"(" cs condition cs ")" / negative_expression / in_expression /
//	not_in_expression / compare_expression / regexp_expression / rvalue
//
// All but the first two start with an rvalue, so the rvalue is parsed once
// and the operator after it decides.
func (p *parser) parseExpression() Expr {
	p.enter()
	defer p.leave()
	start := p.off
	switch p.peek() {
	case '(':
		return p.parseParenthesised()
	case '!':
		// negative_expression: "!" cs "(" cs condition cs ")" / "!" cs selector
		p.off++
		p.cs()
		switch p.peek() {
		case '(':
			return &Not{X: p.parseParenthesised(), Pos: p.lines.pos(start)}
		case '[':
			if sel := p.parseSelector(); sel != nil {
				return &Not{X: sel, Pos: p.lines.pos(start)}
			}
		}
		p.fail(p.off, "expected ( or a field reference such as [field] after !, found %s", p.describe(p.off))
	}
	pos := p.lines.pos(start)
	l := p.parseRvalue()
	save := p.off
	p.cs()
	switch {
	case p.hasPrefix("in"):
		p.off += len("in")
		p.cs()
		return &In{L: l, R: p.parseRvalue(), Pos: pos}
	case p.hasPrefix("not ") || p.hasPrefix("not") && isSpace(p.peekAt(3)):
		// not_in_operator is "not " cs "in": the character right after
		// not must be a space, a tab or newline will not do.
		if p.peekAt(3) != ' ' {
			p.fail(p.off+3, "write `not in` with a space after not: Logstash's grammar requires one")
		}
		p.off += len("not ")
		p.cs()
		if !p.hasPrefix("in") {
			p.fail(p.off, "expected in after not, found %s", p.describe(p.off))
		}
		p.off += len("in")
		p.cs()
		return &In{Negate: true, L: l, R: p.parseRvalue(), Pos: pos}
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "=~", "!~", "<", ">"} {
		if !p.hasPrefix(op) {
			continue
		}
		p.off += len(op)
		p.cs()
		if op == "=~" || op == "!~" {
			// regexp_expression: rvalue cs regexp_operator cs (string / regexp)
			var r Expr
			switch p.peek() {
			case '/':
				r = p.parseRegex()
			case '"', '\'':
				r = p.parseString()
			default:
				p.fail(p.off, "expected a /regexp/ or a string after %s, found %s", op, p.describe(p.off))
			}
			return &Match{Op: op, L: l, R: r, Pos: pos}
		}
		return &Compare{Op: op, L: l, R: p.parseRvalue(), Pos: pos}
	}
	p.off = save
	return l
}

// parseParenthesised parses "(" cs condition cs ")".
func (p *parser) parseParenthesised() Expr {
	open := p.off
	p.off++
	p.cs()
	e := p.parseCondition()
	p.cs()
	if p.peek() != ')' {
		p.fail(p.off, "expected ) to close ( at %s, found %s", p.lines.pos(open), p.describe(p.off))
	}
	p.off++
	return e
}

// parseRvalue parses string / number / selector / array / method_call /
// regexp. Because selector comes before array, a list of one element such
// as ["x"] or [1] is a field reference (to a field named "x" with its
// quotes, or 1): a well-known Logstash pitfall (elastic/logstash#1850), kept
// so that conditions mean what they mean in Logstash.
func (p *parser) parseRvalue() Expr {
	p.enter()
	defer p.leave()
	start := p.off
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		return p.parseString()
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case c == '[':
		if sel := p.parseSelector(); sel != nil {
			return sel
		}
		return p.parseArray()
	case c == '/':
		return p.parseRegex()
	case isLetter(c) || c == '_':
		return p.parseMethodCall()
	}
	p.fail(start, "expected a value (\"string\", number, [field], [list] or /regexp/), found %s", p.describe(start))
	return nil
}

// parseSelector parses selector_element+, or returns nil without consuming
// anything.
func (p *parser) parseSelector() *Selector {
	start := p.off
	raw := p.scanSelector()
	if raw == "" {
		return nil
	}
	ref, err := fieldref.ParseEscaped(raw, p.opts.FieldRefEscape)
	if err != nil {
		p.report(start, "%v", err)
	}
	return &Selector{Raw: raw, Ref: ref, Pos: p.lines.pos(start)}
}

func (p *parser) parseRegex() *Regex {
	start := p.off
	raw, ok := p.scanQuoted('/')
	if !ok {
		p.fail(start, "unterminated regexp: missing closing /")
	}
	return &Regex{Pattern: raw, Pos: p.lines.pos(start)}
}

// parseMethodCall parses method cs "(" cs (rvalue (cs "," cs rvalue)*)? cs ")".
// A word in a condition can only start a method call; the usual mistake is
// a bareword where a quoted string was meant (`[type] == apache`, fixed in
// the Logstash docs by elastic/logstash#12810), or true/false.
func (p *parser) parseMethodCall() Expr {
	start := p.off
	name, ok := p.scanBareword()
	if !ok {
		p.fail(start, "unexpected %s in a condition: quote strings and write field references as [name]", p.describe(start))
	}
	p.cs()
	if p.peek() != '(' {
		p.fail(start, "unexpected bareword %q in a condition: quote a string (\"%s\") or write a field reference ([%s]); Logstash conditions take neither barewords nor true/false", name, name, name)
	}
	p.off++
	mc := &MethodCall{Name: name, Pos: p.lines.pos(start)}
	p.cs()
	if p.peek() != ')' {
		for {
			mc.Args = append(mc.Args, p.parseRvalue())
			p.cs()
			if p.peek() != ',' {
				break
			}
			p.off++
			p.cs()
		}
	}
	if p.peek() != ')' {
		p.fail(p.off, "expected , or ) in the arguments of %s(, found %s", name, p.describe(p.off))
	}
	p.off++
	p.report(start, "method call %s(...) is not supported: Logstash's grammar has method calls but its compiler does not implement them", name)
	return mc
}
