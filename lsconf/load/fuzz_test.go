package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

// FuzzSubstitute checks that ${VAR} expansion never panics, and that a
// configuration that parses substitutes without error when every variable
// is defined.
func FuzzSubstitute(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*/*.conf")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{
		`output { x { s => "${A:b} ${B} $${C} ${D:}" } }`,
		`filter { if [a] == "${X:1}" and "${Y}" in [t] { } }`,
		`input { x { port => "${PORT:5044}" list => "${L:a,b}" } }`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, _ = ExpandString(string(src), func(string) (string, bool) { return "", false })
		cfg, err := lsconf.Parse("fuzz.conf", src, lsconf.ParseOptions{})
		if err != nil {
			return
		}
		if _, err := Substitute(cfg, func(string) (string, bool) { return "v", true }); err != nil {
			t.Fatalf("substitute with every variable defined: %v", err)
		}
	})
}
