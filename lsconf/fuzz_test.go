package lsconf

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ingestd/ingestd/lsconf/fieldref"
	"github.com/ingestd/ingestd/lsconf/sprintf"
)

// FuzzParse checks that parsing never panics and that whatever parses
// formats into text that parses back to the same tree, formatting the same
// way. The field reference and sprintf parsers get the input too, for crashes
// (package load fuzzes ${VAR} substitution).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.conf")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src, false)
		}
	}
	for _, s := range []string{
		`filter { if [a] and [b] or ![c] and ([d] in ["x", 1]) { x { a => "b\"c" b => 'd' c => [1, {aa => bb}] codec => json {} } } }`,
		`filter { if [a] =~ /x\/y/ xor "s" not in [t] { } else if [a] { } else { } }`,
		"input { iff { } if-x { } } # end",
		`output { x { "q r" => -1.5 s => "%{+YYYY} %{[a][b]} %{{yyyy}} ${A:b}" } }`,
		"filter { if [a] in [\"x\" #,\n] { } }",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, escapes bool) {
		s := string(src)
		_, _ = sprintf.Parse(s)
		_, _ = fieldref.ParseEscaped(s, fieldref.EscapePercent)
		_, _ = fieldref.ParseEscaped(s, fieldref.EscapeAmpersand)

		opts := ParseOptions{SupportEscapes: escapes}
		cfg, err := Parse("fuzz.conf", src, opts)
		if err != nil {
			return
		}
		text := Format(cfg)
		again, err := ParseString("formatted.conf", text, opts)
		if err != nil {
			t.Fatalf("formatted text does not parse: %v\ninput:\n%s\nformatted:\n%s", err, src, text)
		}
		if text2 := Format(again); text2 != text {
			t.Fatalf("format not stable:\n%s\n---\n%s", text, text2)
		}
		clearPositions(cfg)
		clearPositions(again)
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("tree changed by format/parse:\ninput:\n%s\nformatted:\n%s", src, text)
		}
	})
}
