package load

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func relNames(t *testing.T, dir string, files []string) []string {
	t.Helper()
	out := make([]string, len(files))
	for i, f := range files {
		r, err := filepath.Rel(dir, f)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = filepath.ToSlash(r)
	}
	return out
}

func TestConfigFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.conf": "", "a.conf": "", "10.conf": "", "9.conf": "", "B.conf": "",
		"x.conf~": "", ".hidden.conf": "", "notes.txt": "",
		"sub/c.conf": "", "sub/deeper/d.conf": "", ".git/e.conf": "",
	})
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		// A directory is dir/*: every file, sorted as strings (so 10 before
		// 9 and B before a), minus hidden files, backups and directories.
		{dir, []string{"10.conf", "9.conf", "B.conf", "a.conf", "b.conf", "notes.txt"}},
		{dir + "/*.conf", []string{"10.conf", "9.conf", "B.conf", "a.conf", "b.conf"}},
		{dir + "/{a,b}.conf", []string{"a.conf", "b.conf"}},
		{dir + "/**/*.conf", []string{"10.conf", "9.conf", "B.conf", "a.conf", "b.conf", "sub/c.conf", "sub/deeper/d.conf"}},
		{dir + "/.*.conf", []string{".hidden.conf"}},
		{dir + "/?.conf", []string{"9.conf", "B.conf", "a.conf", "b.conf"}},
		{dir + "/[ab].conf", []string{"a.conf", "b.conf"}},
		{dir + "/a.conf", []string{"a.conf"}},
		{"file://" + dir + "/b.conf", []string{"b.conf"}},
		{dir + "/nothing*", nil},
		{dir + "/missing/a.conf", nil},
	} {
		files, err := ConfigFiles(c.pattern)
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		if got := relNames(t, dir, files); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s:\n got %q\nwant %q", c.pattern, got, c.want)
		}
	}
}

func TestLoadPath(t *testing.T) {
	cfg, err := Path("testdata/conf.d", lsconf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds, files []string
	for _, s := range cfg.Sections {
		kinds = append(kinds, s.Kind)
		files = append(files, filepath.Base(s.Pos.File))
	}
	if want := "input filter filter output"; strings.Join(kinds, " ") != want {
		t.Errorf("sections %v", kinds)
	}
	if want := "01-input.conf 02-filter.conf 10-filter.conf 99-output.conf"; strings.Join(files, " ") != want {
		t.Errorf("files %v", files)
	}
	// Filters run in file order: 02 before 10.
	if got := pluginNames(cfg.Plugins(lsconf.KindFilter)); got != "mutate mutate" {
		t.Errorf("filters %s", got)
	}
	if tag := lsconf.FormatValue(cfg.Plugins(lsconf.KindFilter)[0].Attr("add_tag").Value); tag != `["two"]` {
		t.Errorf("first filter tags %s", tag)
	}
	if !filepath.IsAbs(cfg.Sections[0].Pos.File) {
		t.Errorf("positions name absolute paths: %s", cfg.Sections[0].Pos.File)
	}
}

func TestLoadPathErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"01.conf": "input { x {} }\n",
		"02.conf": "filter {\n  mutate {\n    a =>\n  }\n}\n",
		"03.conf": "output {\n  y { b => [1,] }\n}\n",
	})
	_, err := Path(dir, lsconf.ParseOptions{})
	got := errorStrings(err)
	want := []string{
		filepath.Join(dir, "02.conf") + ":4:3: expected a value (string, number, bareword, array, hash or plugin), found '}'",
		filepath.Join(dir, "03.conf") + ":2:14: trailing comma in array: Logstash's grammar does not allow one",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Each file is parsed on its own (ConfigCompiler.compileSources): a
	// section cannot continue in the next file.
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"1.conf": "filter {\n", "2.conf": "}\n"})
	got = errorStrings(func() error { _, err := Path(dir, lsconf.ParseOptions{}); return err }())
	if len(got) != 2 || !strings.HasSuffix(got[0], "1.conf:2:1: expected } to close section filter opened at "+filepath.Join(dir, "1.conf")+":1:8") ||
		!strings.HasSuffix(got[1], "2.conf:1:1: expected a section (input, filter or output), found '}'") {
		t.Errorf("got %q", got)
	}

	// Logstash refuses files that are not UTF-8.
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"a.conf": "input {}", "b.conf": "input { x { a => \"\xe9\" } }"})
	if _, err := Path(dir, lsconf.ParseOptions{}); err == nil || !strings.Contains(err.Error(), "not UTF-8 encoded: "+filepath.Join(dir, "b.conf")) {
		t.Errorf("err %v", err)
	}
	if _, err := Path(filepath.Join(dir, "*.nothing"), lsconf.ParseOptions{}); err == nil || !strings.Contains(err.Error(), "no configuration files found") {
		t.Errorf("err %v", err)
	}
}

func TestParseSources(t *testing.T) {
	cfg, err := Sources([]Source{
		{Name: "one", Text: []byte("input { a {} } filter { b {} }")},
		{Name: "two", Text: []byte("filter { c {} } output { d {} }")},
	}, lsconf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pluginNames(cfg.Plugins(lsconf.KindFilter)); got != "b c" {
		t.Errorf("filters %s", got)
	}
	if cfg.Sections[2].Pos.File != "two" {
		t.Errorf("pos %v", cfg.Sections[2].Pos)
	}
}
