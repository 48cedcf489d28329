package event

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestQuotedStringsReadUnescapedWriteVerbatim(t *testing.T) {
	in := `{"m":"GET \"/a\" \u00e9\ttab\\ \/x","plain":"INFO","ctl":"a` + "\x01" + `b","sur":"\ud83d\ude00"}`
	e, err := DecodeEvent([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"m": "GET \"/a\" é\ttab\\ /x", "plain": "INFO", "ctl": "a\x01b", "sur": "😀"} {
		v, _ := e.Root().Member(key)
		if v.Str() != want || v.Text() != want {
			t.Errorf("%s reads %q / %q, want %q", key, v.Str(), v.Text(), want)
		}
	}
	m, _ := e.Root().Member("m")
	if text, ok := m.JSONText(); !ok || text != `GET \"/a\" \u00e9\ttab\\ \/x` {
		t.Errorf("JSONText %q %v", text, ok)
	}
	// Control characters and surrogates are repaired when decoded, so they
	// are not held as received.
	for _, key := range []string{"ctl", "sur"} {
		if v, _ := e.Root().Member(key); v.quoted {
			t.Errorf("%s kept as received", key)
		}
	}
	want := `{"m":"GET \"/a\" \u00e9\ttab\\ \/x","plain":"INFO","ctl":"a\u0001b","sur":"😀"}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Errorf("wrote %s\nwant  %s", got, want)
	}
	// A part cut outside escapes reads and writes as that part.
	part := m.Part(`\"/a\" \u00e9`)
	if part.Str() != `"/a" é` || string(part.AppendJSON(nil)) != `"\"/a\" \u00e9"` {
		t.Errorf("part reads %q, writes %s", part.Str(), part.AppendJSON(nil))
	}
	if p := m.Part("GET"); p.esc&hasEscapes != 0 || p.Str() != "GET" {
		t.Errorf("a part without escapes: %+v", p)
	}
	// \u and \/ may stand for anything: the text is not cuttable.
	if _, ok := m.CuttableText(); ok {
		t.Error("a text with \\u is cuttable")
	}
	plain, _ := e.Root().Member("plain")
	if text, ok := plain.CuttableText(); !ok || text != "INFO" {
		t.Errorf("CuttableText %q %v", text, ok)
	}
	cut, err := DecodeEvent([]byte(`{"m":"a\"b\\c\nd"}`))
	if err != nil {
		t.Fatal(err)
	}
	cm, _ := cut.Root().Member("m")
	if text, ok := cm.CuttableText(); !ok || text != `a\"b\\c\nd` {
		t.Errorf("CuttableText %q %v", text, ok)
	}
}

// FuzzQuotedMatchesDecoded: a string held as received reads exactly as the
// decoder would have unescaped it, and writes one valid JSON string that
// stands for the same text.
func FuzzQuotedMatchesDecoded(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c\/d\b\f\n\r\t`, `\u00e9\u0000\uFFFF`, `\ud83d\ude00`, `tail\`, `\u12`, "caf\xc3\xa9", "bad\xff", `\\u0041`,
		// stops at every offset of a word, sequences across word ends
		strings.Repeat(`ab\"cé東🚚\\x`, 9) + "\xe6\x9d", strings.Repeat(`é`, 13) + "\x01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		buf := []byte(`"` + content + `"`)
		d := decoder{buf: buf}
		v, err := d.stringValue()
		d2 := decoder{buf: buf}
		s, err2 := d2.string()
		if (err == nil) != (err2 == nil) || d.pos != d2.pos {
			t.Fatalf("%q: errors %v / %v, ends %d / %d", content, err, err2, d.pos, d2.pos)
		}
		if err != nil || d.pos != len(buf) {
			return
		}
		if v.Str() != s {
			t.Fatalf("%q: reads %q, the decoder unescapes %q", content, v.Str(), s)
		}
		if _, ok := v.CuttableText(); ok && hasCodeEscape(content) {
			t.Fatalf("%q: cuttable, with a \\u or \\/ escape", content)
		}
		out := v.AppendJSON(nil)
		var back string
		if err := json.Unmarshal(out, &back); err != nil || !json.Valid(out) {
			t.Fatalf("%q: wrote %s: %v", content, out, err)
		}
		if v.quoted && back != s {
			t.Fatalf("%q: wrote %s, which stands for %q, not %q", content, out, back, s)
		}
	})
}

// hasCodeEscape reports whether the JSON text s holds a \u or \/ escape.
func hasCodeEscape(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\\' {
			if s[i+1] == 'u' || s[i+1] == '/' {
				return true
			}
			i++
		}
	}
	return false
}

func TestUnescapeQuotedOutsideCheckedText(t *testing.T) {
	// Not in text the decoder checked, but unescaping stays total: as the
	// decoder would unescape it, and what it cannot read is kept.
	for in, want := range map[string]string{
		`plain`:                 "plain",
		`a\nb\"c\\d\/e`:         "a\nb\"c\\d/e",
		`\ud83d\ude00 \ud83d x`: "😀 \ufffd x",
		`tail\`:                 `tail\`,
		`bad\x`:                 `bad\x`,
		`\u12`:                  `\u12`,
	} {
		if got := unescapeQuoted(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// Unescaping checked text gives what encoding/json decodes, for strings
// of every kind of content: runs of each length between escapes (the
// eight-byte copy ahead of the result), every one-byte escape, \u escapes
// of one to three UTF-8 bytes, surrogate pairs and lone surrogates.
func TestUnescapeQuotedMatchesEncodingJSON(t *testing.T) {
	pieces := []string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00e9`, `\u20ac`, `\u0041`, `\ud83d\ude00`, `\ud83d`, `\ude00x`, `é`, `日本`, "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "0123456789abcdef01"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		var want string
		if err := json.Unmarshal([]byte(`"`+text+`"`), &want); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := unescapeQuotedInto(text, make([]byte, 0, len(text))); got != want {
			t.Fatalf("%q: %q, want %q", text, got, want)
		}
		// With exactly the room promised, at the end of a larger buffer.
		room := make([]byte, 5, 5+len(text))
		if got := unescapeQuotedInto(text, room); got != want {
			t.Fatalf("%q after a prefix: %q, want %q", text, got, want)
		}
	}
}
