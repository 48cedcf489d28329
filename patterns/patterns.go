// Package patterns holds the grok pattern files shipped with ingestd,
// embedded in the binary. A pattern file has one "NAME regex" per line;
// blank lines and lines starting with # are ignored.
package patterns

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// files holds ingestd's own patterns (files/) and Logstash's legacy set
// (logstash/, see its README.md).
//
//go:embed files/* logstash/*
var files embed.FS

// Shipped returns every shipped pattern by name: Logstash's legacy set,
// then ingestd's own, which win on a name both define. The map is the
// caller's.
func Shipped() map[string]string { return maps.Clone(shipped()) }

// Own returns ingestd's own patterns (files/), without Logstash's set.
func Own() map[string]string { return maps.Clone(own()) }

// shipped reads the embedded files once.
var (
	shipped = sync.OnceValue(func() map[string]string {
		out := readDir("logstash")
		maps.Copy(out, own())
		return out
	})
	own = sync.OnceValue(func() map[string]string { return readDir("files") })
)

// readDir parses the pattern files of an embedded directory.
func readDir(dir string) map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, dir)
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") || strings.HasSuffix(e.Name(), ".sh") {
			continue
		}
		data, _ := files.ReadFile(dir + "/" + e.Name())
		maps.Copy(out, Parse(string(data)))
	}
	return out
}

// Parse reads "NAME regex" lines.
func Parse(text string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, re, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		out[name] = strings.TrimSpace(re)
	}
	return out
}

// LoadDir reads every file of dir as a pattern file (patterns_dir).
func LoadDir(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("patterns_dir: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("patterns_dir: %w", err)
		}
		for k, v := range Parse(string(data)) {
			out[k] = v
		}
	}
	return out, nil
}
