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
	"regexp"
	"sort"
	"strings"
	"sync"
)

// files holds ingestd's own patterns (files/) and Logstash's two sets
// (legacy/, ecs-v1/; see README.md).
//
//go:embed files/* legacy/* ecs-v1/*
var files embed.FS

// Shipped returns Logstash's legacy pattern set with ingestd's own
// patterns, which win on a name both define. The map is the caller's.
func Shipped() map[string]string { return maps.Clone(shipped()) }

// ShippedECS returns Logstash's ECS pattern set (logstash-patterns-core's
// ecs-v1: the same base patterns, composite ones capturing into ECS fields
// such as [source][address]) with ingestd's own patterns.
func ShippedECS() map[string]string { return maps.Clone(shippedECS()) }

// Own returns ingestd's own patterns (files/), without Logstash's sets.
func Own() map[string]string { return maps.Clone(own()) }

// The embedded files, read once.
var (
	shipped    = sync.OnceValue(func() map[string]string { return withOwn(readDir("legacy")) })
	shippedECS = sync.OnceValue(func() map[string]string {
		set := readDir("legacy")
		for name, def := range readDir("ecs-v1") {
			if notRE2.MatchString(def) {
				// The legacy definition (or vjeantet's built-in one,
				// for EMAILLOCALPART) is the RE2-ready one.
				continue
			}
			set[name] = def
		}
		return withOwn(set)
	})
	own = sync.OnceValue(func() map[string]string { return readDir("files") })
)

// notRE2 finds what Oniguruma takes and Go's RE2 does not: lookaround,
// atomic groups, possessive quantifiers, and a counted repeat of a group
// holding one (RE2 refuses more than 1,000 repetitions in all).
var notRE2 = regexp.MustCompile(`\(\?<[!=]|\(\?[!=>]|[*+?}]\+|\{\d+,\d+\}\)\{\d+,\d+\}`)

func withOwn(set map[string]string) map[string]string {
	maps.Copy(set, own())
	return set
}

// readDir parses the pattern files of an embedded directory.
func readDir(dir string) map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, dir)
	for _, e := range entries {
		if e.IsDir() {
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
