package format

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/ingestd/ingestd/event"
)

// A piece of the line stored as its JSON text reads and encodes as the
// same piece of the unescaped line, at every cut, for texts with every
// one-character escape; a text with \u escapes maps too, each escape
// standing for its character's bytes.
func TestJSONTextPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 16))
	alphabet := []string{"a", "b", " ", "\"", "\\", "\n", "\t", "\r", "é", "|", "/", "<", ">", "&", "\u2028", "\x01", "€"}
	for range 300 {
		var s string
		for n := r.IntN(40); n > 0; n-- {
			s += alphabet[r.IntN(len(alphabet))]
		}
		// encoding/json writes < > & U+2028 and controls as \u escapes
		// (as go-lumber's default encoder sends them), é and € as they are.
		doc, _ := json.Marshal(map[string]string{"m": s})
		e, err := event.DecodeEvent(doc)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := e.Get(event.Path{"m"})
		line := v.Text()
		jt := newJSONText(v, line)
		for a := 0; a <= len(line); a++ {
			for b := a; b <= len(line); b++ {
				p := jt.piece(line, a, b)
				var back string
				if !utf8.ValidString(line[a:b]) {
					back = line[a:b] // a cut inside a character: a string of its own, escaped on output
				} else if err := json.Unmarshal(p.AppendJSON(nil), &back); err != nil {
					t.Fatal(err)
				}
				if p.Text() != line[a:b] || back != line[a:b] {
					t.Fatalf("%q [%d:%d]: piece %s reads %q, want %q ", line, a, b, p.AppendJSON(nil), p.Text(), line[a:b])
				}
			}
			if tail := jt.tail(line[a:]); tail.Text() != line[a:] {
				t.Fatalf("%q tail from %d: %q", line, a, tail.Text())
			}
		}
	}
	e, _ := event.DecodeEvent([]byte(`{"m":"caf\u00e9 \"x\" \/ \u003cmodule\u003e"}`))
	v, _ := e.Get(event.Path{"m"})
	line := v.Text()
	jt := newJSONText(v, line)
	if jt.json == "" {
		t.Fatal("a text with \\u escapes was not mapped")
	}
	if p := jt.piece(line, 5, len(line)); string(p.AppendJSON(nil)) != `" \"x\" \/ \u003cmodule\u003e"` || p.Text() != line[5:] {
		t.Errorf("piece %s reads %q", p.AppendJSON(nil), p.Text())
	}
}
