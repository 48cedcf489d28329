// Package patterns holds the grok pattern files shipped with ingestd,
// embedded in the binary. A pattern file has one "NAME regex" per line;
// blank lines and lines starting with # are ignored.
package patterns

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed files/*
var files embed.FS

// Shipped returns every shipped pattern by name.
func Shipped() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, "files")
	for _, e := range entries {
		data, _ := files.ReadFile("files/" + e.Name())
		for name, p := range Parse(string(data)) {
			out[name] = p
		}
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
