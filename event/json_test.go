package event

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusLines returns the events of the shared corpus (skipping the test
// when the corpus is not beside the repository).
func corpusLines(t testing.TB) [][]byte {
	t.Helper()
	files, _ := filepath.Glob("../../shared/corpus/*/events*.jsonl")
	if len(files) == 0 {
		t.Fatal("corpus not found at ../../shared/corpus (CI has it there)")
	}
	var lines [][]byte
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
		fh.Close()
	}
	return lines
}

// TestDecodeMatchesEncodingJSON checks that decoding and re-encoding every
// corpus event yields the same document encoding/json sees.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for i, line := range corpusLines(t) {
		v, err := DecodeJSON(line)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		var want, got any
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		out := v.AppendJSON(nil)
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("line %d: re-encoded JSON invalid: %v\n%s", i, err, out)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("line %d: round trip differs\nwant %v\ngot  %v", i, want, got)
		}
	}
}

func TestDecodeEdgeCases(t *testing.T) {
	good := map[string]string{
		// A string that may stand as it came is written as it came.
		`{"a":"\u00e9\n\"x\"\\","b":[1,-2.5e3,true,false,null],"c":{}}`: `{"a":"\u00e9\n\"x\"\\","b":[1,-2.5e3,true,false,null],"c":{}}`,
		// A raw control character or invalid UTF-8 is repaired as before.
		`{"a":"tab\there","ctl":"raw` + "\t" + `tab","bad":"` + "\xff\xfe" + `"}`: `{"a":"tab\there","ctl":"raw\ttab","bad":"` + "\ufffd\ufffd" + `"}`,
		`{"emoji":"\ud83d\ude00","lone":"\ud83d"}`:                                `{"emoji":"😀","lone":"�"}`,
		" {\"a\" : [ ] } ": `{"a":[]}`,
	}
	for in, want := range good {
		v, err := DecodeJSON([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := string(v.AppendJSON(nil)); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
	bad := []string{``, `{`, `{"a":}`, `{"a":1,}`, `{"a":tru}`, `{"a":"x}`, `{"a":01x}`, `{"a":00}`, `{"a":-01}`, `{} {}`, `{"a":"\x"}`, strings.Repeat("[", 200) + strings.Repeat("]", 200)}
	for _, in := range bad {
		if _, err := DecodeJSON([]byte(in)); err == nil {
			t.Errorf("%q: expected an error", in)
		}
	}
	if _, err := DecodeEvent([]byte(`[1,2]`)); err != ErrNotObject {
		t.Errorf("array event: got %v, want ErrNotObject", err)
	}
}

func TestDecodeCopiesInput(t *testing.T) {
	buf := []byte(`{"message":"hello"}`)
	e, err := DecodeEvent(buf)
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, `{"message":"XXXXX"}`)
	if got := e.GetString(Path{"message"}); got != "hello" {
		t.Fatalf("event shares the caller's buffer: %q", got)
	}
}

func TestAppendQuotedInvalidUTF8(t *testing.T) {
	out := AppendQuoted(nil, "a\xffb\x01")
	if !json.Valid(out) {
		t.Fatalf("invalid JSON %q", out)
	}
	if string(out) != `"a`+"\ufffd"+`b\u0001"` {
		t.Fatalf("got %s", out)
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	lines := corpusLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeEvent(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEncodingJSON(b *testing.B) {
	lines := corpusLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var m map[string]any
		if err := json.Unmarshal(lines[i%len(lines)], &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	lines := corpusLines(b)
	events := make([]*Event, len(lines))
	for i, l := range lines {
		events[i], _ = DecodeEvent(l)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = events[i%len(events)].AppendJSON(buf[:0])
	}
}

func TestNextQuoteOrBackslash(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\"\\\x00\x80\xff\x22\x5c\x7f\x21\x23")
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('A' + rng.IntN(26))
			}
		}
		from := rng.IntN(len(b) + 1)
		want := len(b)
		for i := from; i < len(b); i++ {
			if b[i] == '"' || b[i] == '\\' {
				want = i
				break
			}
		}
		if got := nextQuoteOrBackslash(b, from); got != want {
			t.Fatalf("%q from %d: got %d want %d", b, from, got, want)
		}
	}
}
