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

// TestDictFileWatch: a file that turns unreadable is reported (and the
// last dictionary kept), JSON numbers keep their text, and close stops
// the reload goroutine.
func TestDictFileWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.json")
	if err := os.WriteFile(path, []byte(`{"a": 1000000, "b": 1.50}`), 0o600); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16)
	d, err := openDictFile(path, 10*time.Millisecond, func(err error) {
		select {
		case errs <- err:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.dict(); got["a"] != "1000000" || got["b"] != "1.50" {
		t.Errorf("numbers: %q", got)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(path, []byte(`{"a": [unclosed`), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, later, later)
	select {
	case <-errs:
	case <-time.After(5 * time.Second):
		t.Fatal("a broken dictionary file was not reported")
	}
	if got := d.dict()["a"]; got != "1000000" {
		t.Errorf("after a broken file: %q", got)
	}
	stopped := make(chan struct{})
	go func() { d.close(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not stop the reload goroutine")
	}
	for len(errs) > 0 {
		<-errs
	}
	time.Sleep(50 * time.Millisecond)
	if len(errs) != 0 {
		t.Error("the file was still checked after close")
	}
}

// TestYAMLDuplicateKeys: a YAML dictionary with a key written twice loads,
// the last value winning, as logstash-filter-translate's yaml_file.rb
// overwrites (real dictionaries such as IANA protocol lists have them).
func TestYAMLDuplicateKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iana.yml")
	if err := os.WriteFile(path, []byte("\"42/tcp\": first\n\"42/tcp\": nameserver\n\"53/udp\": domain\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := loadDictionary(path)
	if err != nil || d["42/tcp"] != "nameserver" || d["53/udp"] != "domain" {
		t.Errorf("%v, %v", d, err)
	}
}
