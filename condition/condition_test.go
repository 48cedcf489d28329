package condition

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
)

func TestConditions(t *testing.T) {
	e, err := event.DecodeEvent([]byte(`{"tags":["a","accounting"],"fields":{"service":"dcache-billing"},"log":{"file":{"path":"/x/billing-2025.01.01"},"offset":7},"@metadata":{"beat":"filebeat"}}`))
	if err != nil {
		t.Fatal(err)
	}
	match := []string{
		`"accounting" in tags`,
		`fields.service == "dcache-billing"`,
		`hasPrefix(basename(log.file.path), "billing-")`,
		`field("[@metadata][beat]") == "filebeat"`,
		`log.offset > 5`,
		`missing == nil`,
		`fields?.service != nil`,
		``,
	}
	for _, src := range match {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !c.Match(e) {
			t.Errorf("%q does not match", src)
		}
	}
	for _, src := range []string{`"x" in tags`, `missing.deeper == "x"`, `log.offset > "a"`, `fields.service == "other"`} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if c.Match(e) {
			t.Errorf("%q matches", src)
		}
	}
	for _, bad := range []string{`fields.service ==`, `1 +`, `"a"`} {
		if _, err := Compile(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func BenchmarkConditionMatch(b *testing.B) {
	e, _ := event.DecodeEvent([]byte(`{"tags":["django","pt"],"fields":{"service":"django","group":"pt"},"log":{"file":{"path":"/var/log/parcels/django.log"}}}`))
	c, _ := Compile(`fields.service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Match(e)
	}
}

// The native evaluator must agree with expr on every condition shape it
// takes over.
func TestNativeConditionsAgreeWithExpr(t *testing.T) {
	events := []string{
		`{"tags":["a","accounting"],"fields":{"service":"dcache-billing","n":3},"log":{"file":{"path":"/x/billing-2025.01.01"},"offset":7}}`,
		`{"tags":"accounting","service":"dcache-billing","log":{"file":{"path":""}}}`,
		`{"fields":{"service":null,"n":3.0,"b":true},"log":{"file":{"path":7}},"x":{"accounting":1}}`,
		`{}`,
		// Objects kept as their text (rawLookup): with the literal, without
		// it, with escapes, with the field missing or not a string.
		`{"fields":{"service":"django","group":"pt"},"log":{"file":{"path":"/var/log/app/django.log"},"offset":1}}`,
		`{"fields":{"group":"pt"},"log":{"offset":1}}`,
		`{"fields":{"service":"dcache\u002dbilling"},"log":{"file":{"path":"/x/billing\u002d2025.01.01"}}}`,
		`{"fields":{"service":["dcache-billing"]},"log":{"file":{"path":{"p":"billing-x"}}}}`,
		`{"fields":{"other":"dcache-billing"},"log":{"file":{"name":"billing-2025"}}}`,
		`{"fields":"dcache-billing","log":"billing-"}`,
		// Route guards (rootGuard): dotted top-level keys, null members.
		`{"data_stream.dataset":"nginx.access","event":{"module":"nginx"}}`,
		`{"data_stream":null,"tags":[]}`,
		`{"event":{"dataset":"x"},"service":{"type":"nginx"}}`,
	}
	conds := []string{
		`"accounting" in tags`, `"accounting" in x`, `fields.service == "dcache-billing"`, `service != "dcache-billing"`,
		`fields.service == nil`, `nil != fields.service`, `fields.n == 3`, `fields.n == 3.0`, `fields.b == true`, `log.offset == 7`,
		`hasPrefix(basename(log.file.path), "billing-")`, `log.file.path startsWith "/x"`, `log.file.path endsWith ".01"`,
		`log.file.path contains "billing"`, `hasSuffix(log.file.path, "01")`, `!("accounting" in tags)`, `not (fields.n == 3)`,
		`fields.service == "dcache-billing" || service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`,
		`"a" in tags && fields.n == 3`, `field("[fields][service]") == "dcache-billing"`, `true`, `false || fields.b == true`,
		// Where a missing operand's error differs from false: the left of
		// ||, under !, and && inside them.
		`hasPrefix(basename(log.file.path), "billing-") || input() == ""`, `!hasPrefix(basename(log.file.path), "billing-")`,
		`!(fields.service == "x" || log.file.path contains "billing")`, `(log.file.path endsWith ".01" && input() == "") || input() == ""`, `log.file.path contains "billing" || input() == ""`,
		`true && hasSuffix(log.file.path, "01")`, `fields.service != "dcache-billing" && log.file.path contains "app"`,
		`field("[fields][service]") == "dcache-billing" || field("[log][file][path]") startsWith "/x"`,
		`data_stream != nil || event.module != nil || field("[data_stream.dataset]") != nil || field("[data_stream.type]") != nil`,
		`event.dataset == nil && service.type != nil`, `fields.service == nil || tags != nil`, `false`, `false && log.offset == 7`,
		`!(fields.n == 3) && log.offset == 7`, `"x" == "x" || fields.n == 3`, `input() == "" && data_stream == nil`,
		`"billing" startsWith log.file.path`, `nil == data_stream || "a" in tags`,
	}
	for _, src := range conds {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if c.native == nil {
			t.Errorf("%s: not compiled natively", src)
			continue
		}
		for _, js := range events {
			e, _ := event.DecodeEvent([]byte(js))
			vmOnly := c
			vmOnly.native = nil
			if got, want := c.Match(e), vmOnly.Match(e); got != want {
				t.Errorf("%s on %s: native %v, expr %v", src, js, got, want)
			}
		}
	}
	if c, _ := Compile(`len(tags) > 1`); c.native != nil {
		t.Error("len() must stay on expr")
	}
}

// The guard of a route (the top-level keys it needs) is found for the
// shipped routes' shapes, and never for a condition true without them.
func TestRootGuards(t *testing.T) {
	for src, want := range map[string][]string{
		`"accounting" in tags`: {"tags"},
		`fields.service == "dcache-billing" || service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`: {"fields", "service", "log"},
		`data_stream != nil || event.module != nil || field("[data_stream.dataset]") != nil`:                                  {"data_stream", "event", "data_stream.dataset"},
		`event.dataset == nil && service.type != nil`:                                                                         {"service"},
		`a == 1 && (b == 2 || c == 3)`:             {"a"},
		`false`:                                    {},
		`fields.service == nil`:                    nil,
		`fields.service != "x"`:                    nil,
		`!(tags != nil)`:                           nil,
		`true || tags != nil`:                      nil,
		`field("[@metadata][beat]") == "filebeat"`: nil,
		`input() == "beats"`:                       nil,
	} {
		c, err := Compile(src)
		if err != nil || c.native == nil {
			t.Fatalf("%s: %v, native %v", src, err, c.native != nil)
		}
		if c.guarded != (want != nil) || c.guarded && c.guard != event.RootKeySet(want...) {
			t.Errorf("%s: guarded %v (%b), want %q", src, c.guarded, c.guard, want)
		}
	}
}

func BenchmarkConditionMatchVM(b *testing.B) {
	e, _ := event.DecodeEvent([]byte(`{"tags":["django","pt"],"fields":{"service":"django","group":"pt"},"log":{"file":{"path":"/var/log/parcels/django.log"}}}`))
	c, _ := Compile(`fields.service == "dcache-billing" || hasPrefix(basename(log.file.path), "billing-")`)
	c.native = nil
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Match(e)
	}
}

// TestLogstashHelpers: lsIn and lsTruthy, the functions conditions
// converted from a logstash.conf use, follow Logstash's semantics of `in`
// (array membership, substring; the event-dependent configuration docs,
// "Conditionals") and of a bare field reference (FieldTruthy in
// logstash-core's EventCondition.java: missing, null, "" and "false" are
// false).
func TestLogstashHelpers(t *testing.T) {
	e, err := event.DecodeEvent([]byte(`{"tags":["a","_grokparsefailure"],"n":[1,2.5],"msg":"hello world","f":false,"z":0,"s":"","o":{"k":1},"nul":null,"fs":"false","e":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		`lsIn("_grokparsefailure", field("[tags]"))`: true,
		`lsIn("b", field("[tags]"))`:                 false,
		`lsIn(1, field("[n]"))`:                      true,
		`lsIn(1.0, field("[n]"))`:                    true,
		`lsIn("1", field("[n]"))`:                    false,
		`lsIn(2.5, field("[n]"))`:                    true,
		`lsIn("lo wo", field("[msg]"))`:              true,
		`lsIn("bye", field("[msg]"))`:                false,
		`lsIn("k", field("[o]"))`:                    false,
		`lsIn("x", field("[missing]"))`:              false,
		`not lsIn("b", field("[tags]"))`:             true,
		`lsTruthy(field("[msg]"))`:                   true,
		`lsTruthy(field("[f]"))`:                     false,
		`lsTruthy(field("[z]"))`:                     true,
		`lsTruthy(field("[s]"))`:                     false,
		`lsTruthy(field("[fs]"))`:                    false,
		`lsTruthy(field("[e]"))`:                     true,
		`lsTruthy(field("[nul]"))`:                   false,
		`lsTruthy(field("[missing]"))`:               false,
		`lsTruthy(field("[o]"))`:                     true,
	}
	for src, want := range cases {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := c.Match(e); got != want {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
}

// TestInputFunction checks input() against the event's input id, and that
// a field named input (Filebeat's input.type) is still a field.
func TestInputFunction(t *testing.T) {
	e, err := event.DecodeEvent([]byte(`{"input":{"type":"filestream"}}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Input = "beats-tls"
	for src, want := range map[string]bool{
		`input() == "beats-tls"`:                               true,
		`input() == "tcp"`:                                     false,
		`input() in ["tcp", "beats-tls"]`:                      true,
		`input.type == "filestream"`:                           true,
		`input.type == "filestream" && input() == "beats-tls"`: true,
		`!(input() == "beats-tls")`:                            false,
	} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := c.Match(e); got != want {
			t.Errorf("%s: got %v, want %v", src, got, want)
		}
		vm := c
		vm.native = nil
		if got := vm.Match(e); got != want {
			t.Errorf("%s (expr): got %v, want %v", src, got, want)
		}
	}
}

// A call of a function that does not exist fails to compile: it was read
// as a field whose value is called, an error at run time, so the condition
// never matched and its pipeline silently received nothing (an audit of
// DESIGN.md's "conditions compile" found `nosuchfunc(1)` valid).
func TestUnknownFunctionDoesNotCompile(t *testing.T) {
	for _, src := range []string{`nosuchfunc(1)`, `fields.service == "x" && startswith(message, "a")`, `lowercase(service) == "nginx"`} {
		if _, err := Compile(src); err == nil || !strings.Contains(err.Error(), "unknown function") {
			t.Errorf("%s: %v, want unknown function", src, err)
		}
	}
	for _, src := range []string{`hasPrefix(basename(log.file.path), "billing-")`, `input() == "beats"`, `field("[a][b]") == 1`, `len(tags) > 0`} {
		if _, err := Compile(src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}
