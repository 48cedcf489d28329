package lsconf

import "github.com/ingestd/ingestd/lsconf/fieldref"

// Expr is a condition or a part of one: *Binary, *Not, *Compare, *Match,
// *In, or an rvalue used as a condition or operand (*Selector, *String,
// *Number, *Array, *Regex; *MethodCall only in trees that also carry an
// error, since Logstash does not implement method calls).
type Expr interface {
	Node
	expr()
}

// Boolean operators (boolean_operator in the grammar).
const (
	OpAnd  = "and"
	OpOr   = "or"
	OpXor  = "xor"
	OpNand = "nand"
)

// Binary is `L op R` for a boolean operator. Parentheses leave no node: the
// shape of the tree is the grouping, built the way lscl.rb builds it (see
// the parser's combine).
type Binary struct {
	Op   string // OpAnd, OpOr, OpXor or OpNand
	L, R Expr
	Pos  Pos // position of the operator
}

// Not is `!(cond)` or `![field]`.
type Not struct {
	X   Expr
	Pos Pos
}

// Compare is `L op R` with op one of == != < > <= >=.
type Compare struct {
	Op   string
	L, R Expr
	Pos  Pos // position of L
}

// Match is `L =~ R` or `L !~ R`; R is a *Regex, or a *String that Logstash
// compiles as a regular expression.
type Match struct {
	Op  string // "=~" or "!~"
	L   Expr
	R   Expr
	Pos Pos
}

// In is `L in R` or, with Negate, `L not in R`.
type In struct {
	Negate bool
	L, R   Expr
	Pos    Pos
}

// Selector is a field reference written in a condition, such as
// [response][status]. Raw is the text as written, Ref its parsed path.
type Selector struct {
	Raw string
	Ref fieldref.Ref
	Pos Pos
}

// Regex is a /regexp/ literal. Pattern is the text between the slashes as
// written: Logstash strips the slashes and nothing else, so \/ stays \/.
type Regex struct {
	Pattern string
	Pos     Pos
}

// MethodCall is `name(args)`. The grammar has it but Logstash's compiler
// does not implement it (lscl.rb: "Not implemented because no one uses
// this"), so the parser reports an error wherever one appears.
type MethodCall struct {
	Name string
	Args []Expr
	Pos  Pos
}

func (e *Binary) Position() Pos     { return e.Pos }
func (e *Not) Position() Pos        { return e.Pos }
func (e *Compare) Position() Pos    { return e.Pos }
func (e *Match) Position() Pos      { return e.Pos }
func (e *In) Position() Pos         { return e.Pos }
func (e *Selector) Position() Pos   { return e.Pos }
func (e *Regex) Position() Pos      { return e.Pos }
func (e *MethodCall) Position() Pos { return e.Pos }

func (*Binary) expr()     {}
func (*Not) expr()        {}
func (*Compare) expr()    {}
func (*Match) expr()      {}
func (*In) expr()         {}
func (*Selector) expr()   {}
func (*Regex) expr()      {}
func (*MethodCall) expr() {}

// Rvalues that are also attribute values.
func (*String) expr() {}
func (*Number) expr() {}
func (*Array) expr()  {}

// NewSelector builds a selector for path, as if [p0][p1]... had been
// written (names must not contain brackets or commas).
func NewSelector(path ...string) *Selector {
	ref := fieldref.Ref{Path: append([]string(nil), path...)}
	return &Selector{Raw: ref.String(), Ref: ref}
}
