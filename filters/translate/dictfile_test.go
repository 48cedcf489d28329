package translate

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// TestDictionaryPath: the file forms logstash-filter-translate reads
// (YAML, JSON, CSV key,value rows, chosen by extension), looked up exactly.
func TestDictionaryPath(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"codes.yml":  "\"200\": OK\n\"404\": Not Found\n",
		"codes.json": `{"200": "OK", "404": "Not Found"}`,
		"codes.csv":  "200,OK\n404,Not Found\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := &Config{Source: event.FieldRef{Path: event.Path{"status"}}, Target: event.FieldRef{Path: event.Path{"text"}}, DictionaryPath: path, Override: true}
		if errs := cfg.Check(); len(errs) > 0 {
			t.Fatalf("%s: %v", name, errs)
		}
		f, err := New(cfg, plugin.Env{})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := event.DecodeEvent([]byte(`{"status":404}`))
		f.Apply(e)
		if got := e.GetString(event.Path{"text"}); got != "Not Found" {
			t.Errorf("%s: %q", name, got)
		}
		f.(plugin.Closer).Close()
	}
	bad := &Config{Source: event.FieldRef{Path: event.Path{"s"}}, Target: event.FieldRef{Path: event.Path{"t"}}, DictionaryPath: filepath.Join(dir, "missing.yml")}
	if errs := bad.Check(); len(errs) == 0 {
		t.Error("a missing dictionary file passed the check")
	}
	both := &Config{Source: event.FieldRef{Path: event.Path{"s"}}, Target: event.FieldRef{Path: event.Path{"t"}}, DictionaryPath: filepath.Join(dir, "codes.yml"), Dictionary: map[string]string{"a": "b"}}
	if errs := both.Check(); len(errs) == 0 {
		t.Error("dictionary and dictionary_path together passed the check")
	}
}

// TestDictionaryReload: a changed file is read again at the next
// refresh; a file that turns unreadable keeps the last dictionary.
func TestDictionaryReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.yml")
	os.WriteFile(path, []byte("a: one\n"), 0o600)
	f, err := New(&Config{Source: event.FieldRef{Path: event.Path{"k"}}, Target: event.FieldRef{Path: event.Path{"v"}}, DictionaryPath: path,
		RefreshInterval: 20 * time.Millisecond, Override: true}, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.(plugin.Closer).Close()
	lookup := func() string {
		e, _ := event.DecodeEvent([]byte(`{"k":"a"}`))
		f.Apply(e)
		return e.GetString(event.Path{"v"})
	}
	if got := lookup(); got != "one" {
		t.Fatalf("first: %q", got)
	}
	later := time.Now().Add(2 * time.Second)
	os.WriteFile(path, []byte("a: two\n"), 0o600)
	os.Chtimes(path, later, later)
	deadline := time.Now().Add(5 * time.Second)
	for lookup() != "two" {
		if time.Now().After(deadline) {
			t.Fatal("the changed dictionary was not reloaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.WriteFile(path, []byte("a: [unclosed\n"), 0o600)
	os.Chtimes(path, later.Add(time.Second), later.Add(time.Second))
	time.Sleep(100 * time.Millisecond)
	if got := lookup(); got != "two" {
		t.Errorf("after a broken file: %q", got)
	}
}
