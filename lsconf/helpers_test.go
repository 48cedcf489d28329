package lsconf

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Sources cited in the tests, all under https://github.com/elastic/logstash
// at commit 5e5356567fd548a0390c14def8ebd70acf85d04a unless stated:
//
//	grammar:      logstash-core/lib/logstash/compiler/lscl/lscl_grammar.treetop
//	compiler:     logstash-core/lib/logstash/compiler/lscl.rb
//	compiler_spec logstash-core/spec/logstash/compiler/compiler_spec.rb
//	config_ast    logstash-core/spec/logstash/config/config_ast_spec.rb
//	conditionals  logstash-core/spec/conditionals_spec.rb
//	docs          docs/reference/event-dependent-configuration.md,
//	              docs/reference/configuration-file-structure.md

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	return mustParseOpts(t, src, ParseOptions{})
}

func mustParseOpts(t *testing.T, src string, opts ParseOptions) *Config {
	t.Helper()
	cfg, err := ParseString("test.conf", src, opts)
	if err != nil {
		t.Fatalf("parse %q:\n%v", src, err)
	}
	return cfg
}

// parseErrors returns the error messages of parsing src, one per problem.
func parseErrors(src string, opts ParseOptions) []string {
	_, err := ParseString("test.conf", src, opts)
	return errorStrings(err)
}

func errorStrings(err error) []string {
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		return []string{err.Error()}
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Error()
	}
	return out
}

// condOf parses `filter { if COND {} }` and returns the condition.
func condOf(t *testing.T, cond string) Expr {
	t.Helper()
	cfg := mustParse(t, "filter { if "+cond+" { } }")
	return cfg.Sections[0].Items[0].(*Branch).Cases[0].Cond
}

// sexpr renders a condition as an s-expression, so that tests state the
// tree shape compactly: (or (and a b) c).
func sexpr(e Expr) string {
	switch e := e.(type) {
	case *Binary:
		return "(" + e.Op + " " + sexpr(e.L) + " " + sexpr(e.R) + ")"
	case *Not:
		return "(! " + sexpr(e.X) + ")"
	case *Compare:
		return "(" + e.Op + " " + sexpr(e.L) + " " + sexpr(e.R) + ")"
	case *Match:
		return "(" + e.Op + " " + sexpr(e.L) + " " + sexpr(e.R) + ")"
	case *In:
		op := "in"
		if e.Negate {
			op = "not-in"
		}
		return "(" + op + " " + sexpr(e.L) + " " + sexpr(e.R) + ")"
	case *Selector:
		return e.Raw
	case *String:
		return fmt.Sprintf("%q", e.Value)
	case *Number:
		return e.Text
	case *Regex:
		return "/" + e.Pattern + "/"
	case *Array:
		elems := make([]string, len(e.Elems))
		for i, v := range e.Elems {
			if x, ok := v.(Expr); ok {
				elems[i] = sexpr(x)
			} else {
				elems[i] = FormatValue(v)
			}
		}
		return "[" + strings.Join(elems, " ") + "]"
	case *MethodCall:
		return e.Name + "()"
	}
	return fmt.Sprintf("?%T", e)
}

var posType = reflect.TypeOf(Pos{})

// clearPositions zeroes every Pos in a tree, so that trees parsed from
// different texts can be compared.
func clearPositions(v any) {
	clearValue(reflect.ValueOf(v))
}

func clearValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			clearValue(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			clearValue(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			clearValue(v.Index(i))
		}
	}
}

func TestClearPositions(t *testing.T) {
	a := mustParse(t, "filter { if [a] { x { b => [1] } } }")
	b := mustParse(t, "filter {\n  if [a] {\n    x {\n      b => [ 1 ]\n    }\n  }\n}")
	clearPositions(a)
	clearPositions(b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("trees differ:\n%s\n%s", a, b)
	}
}
