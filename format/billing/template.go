package billing

import (
	"fmt"
	"strconv"
	"strings"
)

// The StringTemplate 4 subset dCache's billing templates use. The billing
// cell renders them with an STGroup whose delimiters are '$' and '$'
// (dCache/dcache: modules/dcache/src/main/java/org/dcache/services/billing/cells/BillingCell.java).
//
// Outside an expression, "\$" is a literal '$', "\\" a literal '\' and
// "\}" a literal '}' (ST4's lexer). Inside: an attribute ("$path$"), a
// property chain ("$storage.storageClass$"), options ("$date;
// format=\"yyyy.MM.dd\"$"), $if(c)$ … $elseif(c)$ … $else$ … $endif$,
// comments ("$! … !$") and the escapes $\n$, $\t$, $\ $, $\uXXXX$. ST4
// has no "$$" escape: "$if(storage)$$storage.storageClass$" is two
// expressions side by side (dCache's configuration files write them
// "$$$$", its escape for "$$").

type nodeKind uint8

const (
	nText nodeKind = iota
	nExpr
	nIf
)

type node struct {
	kind nodeKind
	text string // nText: the literal; nExpr: the expression as written
	attr string // nExpr: "storage.storageClass"
	opts map[string]string
	// nIf: branches[i] is taken when conds[i] holds; the last branch
	// is the else (cond "") when there is one.
	conds    []string
	branches [][]node
	hasElse  bool
}

type parser struct {
	src string
	pos int
}

// parseTemplate reads a template into nodes.
func parseTemplate(src string) ([]node, error) {
	p := &parser{src: src}
	nodes, end, err := p.body()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("$%s$ at byte %d without $if$", end, p.pos)
	}
	return nodes, nil
}

// body reads nodes up to the end of the template or an $elseif$, $else$ or
// $endif$, which it returns (with the elseif's condition).
func (p *parser) body() (nodes []node, end string, err error) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			nodes = append(nodes, node{kind: nText, text: lit.String()})
			lit.Reset()
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '\\' && p.pos+1 < len(p.src) && strings.IndexByte(`\$}`, p.src[p.pos+1]) >= 0 {
			lit.WriteByte(p.src[p.pos+1])
			p.pos += 2
			continue
		}
		if c != '$' {
			lit.WriteByte(c)
			p.pos++
			continue
		}
		start := p.pos
		expr, err := p.expr()
		if err != nil {
			return nil, "", err
		}
		switch {
		case strings.HasPrefix(expr, "!") && strings.HasSuffix(expr, "!") && len(expr) >= 2:
			continue // comment
		case strings.HasPrefix(expr, `\`):
			s, err := escape(expr)
			if err != nil {
				return nil, "", fmt.Errorf("at byte %d: %w", start, err)
			}
			lit.WriteString(s)
			continue
		}
		word := strings.TrimSpace(expr)
		if cond, ok := keyword(word, "if"); ok {
			flush()
			n, err := p.ifNode(cond, start)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, n)
			continue
		}
		if cond, ok := keyword(word, "elseif"); ok {
			flush()
			return nodes, "elseif(" + cond + ")", nil
		}
		if word == "else" || word == "endif" {
			flush()
			return nodes, word, nil
		}
		n, err := exprNode(expr)
		if err != nil {
			return nil, "", fmt.Errorf("$%s$ at byte %d: %w", expr, start, err)
		}
		flush()
		nodes = append(nodes, n)
	}
	flush()
	return nodes, "", nil
}

// expr reads "$…$" at p.pos and returns what is between the dollars; a
// '$' inside a quoted string does not end it.
func (p *parser) expr() (string, error) {
	start := p.pos
	i := p.pos + 1
	if i < len(p.src) && p.src[i] == '!' { // $! comment !$
		j := strings.Index(p.src[i+1:], "!$")
		if j < 0 {
			return "", fmt.Errorf("unclosed comment at byte %d", start)
		}
		p.pos = i + 1 + j + 2
		return p.src[start+1 : p.pos-1], nil
	}
	for i < len(p.src) {
		switch p.src[i] {
		case '"':
			i++
			for i < len(p.src) && p.src[i] != '"' {
				if p.src[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(p.src) {
				return "", fmt.Errorf("unclosed string in the expression at byte %d", start)
			}
		case '$':
			p.pos = i + 1
			if i == start+1 {
				return "", fmt.Errorf(`empty expression "$$" at byte %d: StringTemplate has no "$$" escape (write \$ for a literal $; an unexpanded dCache property writes "$$" for "$", see ExpandProperty)`, start)
			}
			return p.src[start+1 : i], nil
		}
		i++
	}
	return "", fmt.Errorf("unclosed $ at byte %d", start)
}

func keyword(word, kw string) (string, bool) {
	rest, ok := strings.CutPrefix(word, kw)
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	return strings.TrimSpace(rest[1 : len(rest)-1]), true
}

// ifNode reads the branches of an $if(cond)$ up to its $endif$.
func (p *parser) ifNode(cond string, start int) (node, error) {
	n := node{kind: nIf}
	for {
		body, end, err := p.body()
		if err != nil {
			return node{}, err
		}
		n.conds = append(n.conds, cond)
		n.branches = append(n.branches, body)
		switch {
		case end == "endif":
			return n, nil
		case end == "else":
			if n.hasElse {
				return node{}, fmt.Errorf("$if$ at byte %d has two $else$", start)
			}
			n.hasElse = true
			cond = ""
		case strings.HasPrefix(end, "elseif("):
			if n.hasElse {
				return node{}, fmt.Errorf("$if$ at byte %d: $elseif$ after $else$", start)
			}
			cond = end[len("elseif(") : len(end)-1]
		default:
			return node{}, fmt.Errorf("$if$ at byte %d has no $endif$", start)
		}
	}
}

// escape reads ST4's special characters: $\n$, $\t$, $\ $, $\r$,
// $\uXXXX$, several in one expression ("$\n\t$").
func escape(expr string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		if expr[i] != '\\' || i+1 >= len(expr) {
			return "", fmt.Errorf("bad escape $%s$", expr)
		}
		i++
		switch expr[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case ' ':
			b.WriteByte(' ')
		case 'u':
			if i+4 >= len(expr) {
				return "", fmt.Errorf("bad escape $%s$", expr)
			}
			r, err := strconv.ParseUint(expr[i+1:i+5], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad escape $%s$", expr)
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			return "", fmt.Errorf("bad escape $%s$", expr)
		}
	}
	return b.String(), nil
}

// exprNode reads "attr.prop; opt=\"v\", opt2=\"w\"".
func exprNode(expr string) (node, error) {
	name, opts, hasOpts := strings.Cut(expr, ";")
	name = strings.TrimSpace(name)
	if !validName(name) {
		return node{}, fmt.Errorf("only attributes (a, a.b) and options are supported, not %q", name)
	}
	n := node{kind: nExpr, text: expr, attr: name}
	if hasOpts {
		n.opts = map[string]string{}
		rest := strings.TrimSpace(opts)
		for rest != "" {
			key, after, ok := strings.Cut(rest, "=")
			key = strings.TrimSpace(key)
			after = strings.TrimSpace(after)
			if !ok || key == "" || !strings.HasPrefix(after, `"`) {
				return node{}, fmt.Errorf("option %q: want name=\"value\"", rest)
			}
			val, n2, err := quoted(after)
			if err != nil {
				return node{}, err
			}
			n.opts[key] = val
			rest = strings.TrimSpace(after[n2:])
			if rest != "" {
				if rest[0] != ',' {
					return node{}, fmt.Errorf("options must be separated by ',' at %q", rest)
				}
				rest = strings.TrimSpace(rest[1:])
			}
		}
	}
	return n, nil
}

// quoted reads a "…" string with ST4's escapes and returns its value and
// length.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			i++
			if i >= len(s) {
				break
			}
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unclosed string %s", s)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
				return false
			}
		}
	}
	return true
}

// Cond is an $if$ condition a variant assumes: Expr as written, and
// whether its branch was taken (false: an $else$ or a later $elseif$ was).
type Cond struct {
	Expr  string
	Taken bool
}

// flat is one variant of a template: its nodes with every $if$ resolved.
type flat struct {
	nodes []node
	conds []Cond
	// groups and consts, by node index, from $if(x)$ blocks (see Group,
	// Const).
	groups []flatGroup
	consts []Const
}

type flatGroup struct {
	target      string
	first, last int // node indices of the first and last field
}

// expand resolves every $if$: one variant per combination of branches,
// in template order (the first branch of the first $if$ first).
func expand(nodes []node, limit int) ([]flat, error) {
	out := []flat{{}}
	for _, n := range nodes {
		if n.kind != nIf {
			for i := range out {
				out[i].nodes = append(out[i].nodes, n)
			}
			continue
		}
		var alts []flat
		for bi, br := range n.branches {
			sub, err := expand(br, limit)
			if err != nil {
				return nil, err
			}
			for _, s := range sub {
				var conds []Cond
				for ci := 0; ci <= bi && ci < len(n.conds); ci++ {
					if n.conds[ci] != "" {
						conds = append(conds, Cond{Expr: n.conds[ci], Taken: ci == bi})
					}
				}
				s.conds = append(conds, s.conds...)
				s.groups, s.consts = blockValue(n, bi, s)
				alts = append(alts, s)
			}
		}
		if !n.hasElse { // no branch taken: the block prints nothing
			var conds []Cond
			for _, c := range n.conds {
				conds = append(conds, Cond{Expr: c, Taken: false})
			}
			alts = append(alts, flat{conds: conds})
		}
		if len(out)*len(alts) > limit {
			return nil, fmt.Errorf("the $if$ blocks expand into more than %d variants", limit)
		}
		var next []flat
		for _, o := range out {
			for _, a := range alts {
				v := flat{
					nodes:  append(append([]node(nil), o.nodes...), a.nodes...),
					conds:  append(append([]Cond(nil), o.conds...), a.conds...),
					consts: append(append([]Const(nil), o.consts...), a.consts...),
				}
				v.groups = append(v.groups, o.groups...)
				for _, g := range a.groups {
					v.groups = append(v.groups, flatGroup{g.target, g.first + len(o.nodes), g.last + len(o.nodes)})
				}
				next = append(next, v)
			}
		}
		out = next
	}
	return out, nil
}

// blockValue says what a resolved $if(x)$ block tells about x, for x a
// plain attribute with a Target: a taken branch of x's own properties
// ("$storage.storageClass$@$storage.hsm$") is x's text as a whole (a
// Group); an $else$ that is only literal text ("<Unknown>") is x's value
// (a Const). It keeps the groups the branch already had.
func blockValue(n node, bi int, s flat) ([]flatGroup, []Const) {
	groups, consts := s.groups, s.consts
	cond := n.conds[0]
	if !validName(cond) || strings.Contains(cond, ".") {
		return groups, consts
	}
	a, ok := attribute(cond)
	if !ok || a.Target == "" {
		return groups, consts
	}
	if bi == 0 && len(s.nodes) > 0 {
		first, last := s.nodes[0], s.nodes[len(s.nodes)-1]
		if first.kind != nExpr || last.kind != nExpr {
			return groups, consts
		}
		for _, x := range s.nodes {
			if x.kind == nExpr && !strings.HasPrefix(x.attr, cond+".") {
				return groups, consts
			}
		}
		return append(groups, flatGroup{target: a.Target, first: 0, last: len(s.nodes) - 1}), consts
	}
	if n.hasElse && bi == len(n.branches)-1 && len(s.nodes) == 1 && s.nodes[0].kind == nText {
		return groups, append(consts, Const{Target: a.Target, Value: s.nodes[0].text})
	}
	return groups, consts
}
