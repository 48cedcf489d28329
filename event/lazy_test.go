package event

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// leafPaths lists the path of every scalar and array in v.
func leafPaths(v Value, prefix Path, out *[]Path) {
	for _, f := range v.Fields() {
		p := append(append(Path(nil), prefix...), f.Key)
		if f.Value.Kind() == KindObject && f.Value.Len() > 0 {
			leafPaths(f.Value, p, out)
			continue
		}
		*out = append(*out, p)
	}
}

// TestLazyEventMatchesEagerDecode checks, for every corpus event, that an
// event with raw nested objects reads and writes exactly what a fully
// decoded one does.
func TestLazyEventMatchesEagerDecode(t *testing.T) {
	for i, line := range corpusLines(t) {
		lazy, err := DecodeEvent(line)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		eager, err := DecodeJSON(line)
		if err != nil {
			t.Fatal(err)
		}
		eagerEvent := NewEvent(eager)
		var paths []Path
		leafPaths(eagerEvent.Root(), nil, &paths)
		for _, p := range paths {
			want, _ := eagerEvent.Get(p)
			got, ok := lazy.Get(p)
			if !ok || !reflect.DeepEqual(want.Interface(), got.Interface()) {
				t.Fatalf("line %d: %s: got %v (%v), want %v", i, p, got.Interface(), ok, want.Interface())
			}
		}
		if lazy.HasTag("x") != eagerEvent.HasTag("x") {
			t.Fatalf("line %d: tags differ", i)
		}
		var want, got any
		json.Unmarshal(eagerEvent.AppendJSON(nil), &want)
		if err := json.Unmarshal(lazy.AppendJSON(nil), &got); err != nil {
			t.Fatalf("line %d: invalid output: %v", i, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("line %d: output differs\nwant %v\ngot  %v", i, want, got)
		}
	}
}

func TestLazyEventRawObjects(t *testing.T) {
	in := `{"message":"m","log":{"file":{"path":"/var/log/a.log","inode":"12"},"offset":42,"flags":[1,{"x":2}]},` +
		`"host":{ "name" : "vm" , "ip":["10.0.0.1"]},"esc":{"k\"ey":"v\\u0041"},"@metadata":{"beat":"filebeat"}}`
	e, err := DecodeEvent([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"[log][file][path]":   "/var/log/a.log",
		"[log][offset]":       "42",
		"[log][flags]":        `[1,{"x":2}]`,
		"[log][file]":         `{"path":"/var/log/a.log","inode":"12"}`,
		"[host][name]":        "vm",
		`[esc][k"ey]`:         `v\u0041`,
		"[@metadata][beat]":   "filebeat",
		"[log][file][absent]": "",
	} {
		if got := e.GetString(MustPath(ref)); got != want {
			t.Errorf("%s: got %q want %q", ref, got, want)
		}
	}
	if e.Has(MustPath("[log][file][absent]")) || e.Has(MustPath("[host][name][deeper]")) {
		t.Error("absent fields found")
	}
	// Untouched objects are written as received, whitespace and escapes
	// included; @metadata never.
	out := string(e.AppendJSON(nil))
	wantOut := `{"message":"m","log":{"file":{"path":"/var/log/a.log","inode":"12"},"offset":42,"flags":[1,{"x":2}]},` +
		`"host":{ "name" : "vm" , "ip":["10.0.0.1"]},"esc":{"k\"ey":"v\\u0041"}}`
	if out != wantOut {
		t.Fatalf("untouched:\n got %s\nwant %s", out, wantOut)
	}

	// A clone is independent of writes into the original.
	c := e.Clone()
	e.SetString(MustPath("[log][file][path]"), "/new")
	e.Delete(MustPath("[host][ip]"))
	e.SetString(MustPath("[@metadata][ts]"), "t")
	out = string(e.AppendJSON(nil))
	wantOut = `{"message":"m","log":{"file":{"path":"/new","inode":"12"},"offset":42,"flags":[1,{"x":2}]},` +
		`"host":{"name":"vm"},"esc":{"k\"ey":"v\\u0041"}}`
	if out != wantOut {
		t.Fatalf("written:\n got %s\nwant %s", out, wantOut)
	}
	if got := e.GetString(MustPath("[@metadata][beat]")) + e.GetString(MustPath("[@metadata][ts]")); got != "filebeatt" {
		t.Fatalf("metadata after write: %q", got)
	}
	if got := c.GetString(MustPath("[log][file][path]")); got != "/var/log/a.log" {
		t.Fatalf("clone changed with the original: %q", got)
	}
	if got, _ := c.Get(MustPath("[host]")); got.Len() != 2 || len(got.Fields()) != 2 {
		t.Fatalf("raw Len/Fields: %d %d", got.Len(), len(got.Fields()))
	}
}

// TestLazyEventRepairsAndErrors checks that nested objects that cannot be
// written byte for byte are decoded (and repaired) as before, and that a
// syntax error inside a nested object is reported as the decoder always
// reported it.
func TestLazyEventRepairsAndErrors(t *testing.T) {
	repaired := map[string]string{
		"{\"a\":{\"b\":\"x\x01y\"}}":                    `{"a":{"b":"x\u0001y"}}`,
		"{\"a\":{\"b\":\"x\xffy\"}}":                    `{"a":{"b":"x` + "\ufffd" + `y"}}`,
		`{"a":{"b":"\ud83d\ude00 \ud83d"}}`:             `{"a":{"b":"😀 ` + "\ufffd" + `"}}`,
		`{"a":{"b":"\u00e9"}}`:                          `{"a":{"b":"\u00e9"}}`, // clean: kept as sent
		"{\"a\":{\"b\":\"é\"}}":                         "{\"a\":{\"b\":\"é\"}}",
		"{\"a\":{\n  \"b\": 1,\r\n  \"c\": [1,\n2]\n}}": `{"a":{"b":1,"c":[1,2]}}`, // pretty-printed: one line out
		"{\"a\":{ \"b\" : \"x\\ny\" }}":                 `{"a":{ "b" : "x\ny" }}`,  // an escaped newline is not a line break
	}
	for in, want := range repaired {
		e, err := DecodeEvent([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := string(e.AppendJSON(nil)); got != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
	bad := []string{`{"a":{"b":}}`, `{"a":{"b":1,}}`, `{"a":{"b":"x}}`, `{"a":{"b":"\x"}}`, `{"a":{"b":tru}}`,
		`{"a":{` + strings.Repeat(`"b":{`, 120) + strings.Repeat("}", 121) + `}`, `{"a":{"b":[1,]}}`}
	for _, in := range bad {
		_, lazyErr := DecodeEvent([]byte(in))
		_, eagerErr := DecodeJSON([]byte(in))
		if lazyErr == nil || eagerErr == nil || lazyErr.Error() != eagerErr.Error() {
			t.Errorf("%q: lazy %v, eager %v", in, lazyErr, eagerErr)
		}
	}
}

// TestLazyEventConcurrentReads checks that reading raw objects never
// writes: outputs read one event from several goroutines.
func TestLazyEventConcurrentReads(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"log":{"file":{"path":"p"},"offset":1},"agent":{"id":"a"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if e.GetString(MustPath("[log][file][path]")) != "p" || len(e.AppendJSON(nil)) == 0 {
					t.Error("read failed")
					return
				}
				_ = e.Root().Fields()[0].Value.Len()
			}
		})
	}
	wg.Wait()
}

func TestMembers(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"a":1,"log":{"offset":7,"file":{"path":"p","inode":"9"},"offset":8,"e\"k":"v","arr":[1,{"x":1}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"file", "missing", "offset", `e"k`, "arr"}
	log, _ := e.Get(Path{"log"})
	for name, obj := range map[string]Value{"raw": log, "decoded": expandRaw(log.str())} {
		out := make([]Value, len(keys))
		found := obj.Members(keys, out)
		if found != 0b11101 {
			t.Fatalf("%s: found %b", name, found)
		}
		if p, _ := out[0].Member("path"); p.Str() != "p" || out[2].Text() != "7" || out[3].Str() != "v" || out[4].Len() != 2 || !out[1].IsNull() {
			t.Fatalf("%s: got %s %s %s %s", name, out[0].AppendJSON(nil), out[2].Text(), out[3].Text(), out[4].AppendJSON(nil))
		}
	}
	if found := e.Root().Members([]string{"a", "log"}, make([]Value, 2)); found != 0b11 {
		t.Fatalf("root: %b", found)
	}
	if found := String("x").Members([]string{"a"}, make([]Value, 1)); found != 0 {
		t.Fatal("a string has no members")
	}
}

// FuzzLazyMatchesEager: for any input, the lazy decoder fails exactly when
// the eager one does (with the same message), and writes the same
// document; every output is valid JSON on one line.
func FuzzLazyMatchesEager(f *testing.F) {
	for _, s := range []string{
		`{"a":{"b":[1,{"c":"d\u00e9"}],"e":null},"m":"x\ny","@metadata":{"k":1}}`,
		"{\"a\":{\"b\":\"\x01\xff\"},\"c\":{\n}}",
		`{"a":{"b":"\ud83d\ude00"},"t":[{"x":{}}]}`,
		`{"a":{"b":1,}}`, `{"a":{"b":"\x"}}`, `{"a" : { "b" : true } , "c":{}}`,
		"{\"a\":{\t\"b\":[-0.5e+3,0,1E2,false,null,[],[[]],{\"c\":[{}]}]\t}}",
		`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"a":{"b":01},"c":{"d":1.},"e":{"f":-},"g":{"h":tru},"i":{"j":[1 2]},"k":{"l" 1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lazy, lerr := DecodeEvent(data)
		eagerV, eerr := DecodeJSON(data)
		if eerr == nil && eagerV.Kind() != KindObject {
			eerr = ErrNotObject
		}
		if (lerr == nil) != (eerr == nil) || (lerr != nil && lerr.Error() != eerr.Error()) {
			t.Fatalf("lazy %v, eager %v", lerr, eerr)
		}
		if lerr != nil {
			return
		}
		eager := NewEvent(eagerV)
		got, want := lazy.AppendJSON(nil), eager.AppendJSON(nil)
		if bytes.ContainsAny(got, "\n\r") || !json.Valid(got) {
			t.Fatalf("lazy output not one valid line: %q", got)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("lazy %s\neager %s", got, want)
		}
		// Members looked up in the objects kept raw are the decoded ones.
		lazyTop := lazy.Root().items()
		for i, top := range eager.Root().Fields() {
			lv := lazyTop[i].Value
			for _, m := range top.Value.Fields() {
				a, aok := lv.Member(m.Key)
				b, bok := top.Value.Member(m.Key)
				same := a.Kind() == b.Kind() && string(a.AppendJSON(nil)) == string(b.AppendJSON(nil)) && a.Text() == b.Text()
				if a.Kind() == KindObject && b.Kind() == KindObject { // a raw one keeps its spaces
					var x, y any
					same = json.Unmarshal(a.AppendJSON(nil), &x) == nil && json.Unmarshal(b.AppendJSON(nil), &y) == nil && reflect.DeepEqual(x, y)
				}
				if aok != bok || !same {
					t.Fatalf("[%s][%s]: raw %v %s %q, decoded %v %s %q", top.Key, m.Key, aok, a.AppendJSON(nil), a.Text(), bok, b.AppendJSON(nil), b.Text())
				}
			}
		}
	})
}

// GetPlain reads what Get reads in objects held as text without a
// backslash: nested objects, strings, arrays, numbers, literals, spaces
// between tokens, duplicate keys (the first counts), missing paths and
// outer members looked for inside nested objects.
func TestGetPlainEqualsGet(t *testing.T) {
	objects := []string{
		`{"file":{"path":"/var/lib/dcache/billing-2025.12.30","device_id":"65024"},"offset":259}`,
		`{ "file" : { "path" : "/x/y" } , "flags" : [ "multiline" , {"a":[1,2]} ], "n": -1.5e3, "t": true, "z": null }`,
		`{"a":{"b":{"c":{"d":"deep"}}},"a2":"x","e":{},"arr":[{"k":"v"}],"s":"with } and ] and , inside","dup":1,"dup":2}`,
		`{"unicode":"żółć ✓","empty":"","nested":{"x":[[],{}],"y":"}"}}`,
		`{}`,
	}
	paths := []Path{{"file"}, {"file", "path"}, {"file", "device_id"}, {"file", "missing"}, {"offset"}, {"flags"}, {"flags", "0"},
		{"flags", "1", "a", "1"}, {"n"}, {"t"}, {"z"}, {"a", "b", "c", "d"}, {"a", "b", "c"}, {"a2", "x"}, {"e"}, {"e", "x"},
		{"arr", "0", "k"}, {"s"}, {"dup"}, {"unicode"}, {"empty"}, {"nested", "x", "1"}, {"nested", "y"}, {"nothing"}, {},
		// A member of the outer object looked for inside a nested one: the
		// nested scan stops at its own closing brace.
		{"file", "offset"}, {"a", "a2"}, {"a", "b", "e"}, {"nested", "unicode"}}
	for _, text := range objects {
		v := RawObject(text)
		for _, p := range paths {
			want, wantOK := v.Get(p)
			got, ok := v.GetPlain(p)
			if ok != wantOK || ok && (got.Kind() != want.Kind() || string(got.AppendJSON(nil)) != string(want.AppendJSON(nil))) {
				t.Errorf("%s in %s: GetPlain %v %s, Get %v %s", p, text, ok, got.AppendJSON(nil), wantOK, want.AppendJSON(nil))
			}
		}
	}
}

// TestUTF8SeqAgreesWithDecodeRune checks the decoder's own UTF-8 check
// against utf8.DecodeRune on every lead byte from 0x80 with every second
// byte and the edge values of the third and fourth, whole and cut short.
func TestUTF8SeqAgreesWithDecodeRune(t *testing.T) {
	edges := []byte{0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff}
	for c := 0x80; c <= 0xff; c++ {
		for b1 := 0; b1 <= 0xff; b1++ {
			for _, b2 := range edges {
				for _, b3 := range edges {
					seq := []byte{byte(c), byte(b1), b2, b3}
					for n := 1; n <= 4; n++ {
						got := utf8Seq(seq[:n], 0)
						r, size := utf8.DecodeRune(seq[:n])
						want := size
						if r == utf8.RuneError && size <= 1 {
							want = 0
						}
						if got != want {
							t.Fatalf("% x: utf8Seq %d, DecodeRune %d", seq[:n], got, want)
						}
					}
				}
			}
		}
	}
}

// TestDecodeInternationalText decodes strings of every kind of character,
// valid and not (raw invalid bytes, cut sequences, surrogates written raw),
// with escapes among them, and checks the text written against
// encoding/json's reading of the same line.
func TestDecodeInternationalText(t *testing.T) {
	pieces := []string{"a", "é", "Ж", "東京", "😀", "العربية", `\"`, `\\n`, `\u00e9`, `\ud83d\ude00`,
		"\xff", "\xe6\x9d", "\xed\xa0\x80", "\xf0\x9f\x98", "\xe0\x80\xaf", "x"}
	for i := range 3000 {
		var sb strings.Builder
		for j := range 1 + i%17 {
			sb.WriteString(pieces[(i*7+j*j*3+j)%len(pieces)])
		}
		line := []byte(`{"message":"` + sb.String() + `"}`)
		e, err := DecodeEvent(line)
		var want struct{ Message string }
		werr := json.Unmarshal(line, &want)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: err %v, encoding/json %v", line, err, werr)
		}
		if err != nil {
			continue
		}
		// Invalid bytes are kept as received and repaired when written:
		// the document written is what must match.
		var got struct{ Message string }
		if err := json.Unmarshal(e.AppendJSON(nil), &got); err != nil {
			t.Fatalf("%q: written as invalid JSON: %v", line, err)
		}
		if got.Message != want.Message {
			t.Fatalf("%q: %q, encoding/json %q", line, got.Message, want.Message)
		}
	}
}
