package load

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// glob expands a pattern the way Ruby's Dir.glob does for path.config,
// which Go's filepath.Glob does not quite: {a,b} alternatives, ** for any
// number of directories, and * and ? not matching a leading dot (hidden
// files need a pattern that starts with a dot). Results are sorted and
// free of duplicates.
func glob(pattern string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range expandBraces(pattern) {
		matches, err := globOne(p)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	// Dir.glob(path).sort: a plain string sort.
	sort.Strings(out)
	return out, nil
}

// expandBraces turns a{b,c}d into abd and acd, innermost braces included.
func expandBraces(p string) []string {
	depth, open := 0, -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth > 0 {
				continue
			}
			var out []string
			for _, alt := range splitTopLevel(p[open+1 : i]) {
				out = append(out, expandBraces(p[:open]+alt+p[i+1:])...)
			}
			return out
		}
	}
	return []string{p}
}

// splitTopLevel splits on commas outside nested braces.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// globOne matches a brace-free pattern, one path segment at a time.
func globOne(pattern string) ([]string, error) {
	pattern = filepath.Clean(pattern)
	root := ""
	if filepath.IsAbs(pattern) {
		root = string(filepath.Separator)
	}
	segs := strings.Split(strings.TrimPrefix(pattern, root), string(filepath.Separator))
	paths := []string{root}
	for i, seg := range segs {
		last := i == len(segs)-1
		var next []string
		for _, dir := range paths {
			m, err := matchSegment(dir, seg, last)
			if err != nil {
				return nil, err
			}
			next = append(next, m...)
		}
		paths = next
	}
	return paths, nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// matchSegment returns the entries of dir matching one segment; ** matches
// dir itself and every directory below it (hidden ones excepted), as Ruby
// does when ** is followed by a separator.
func matchSegment(dir, seg string, last bool) ([]string, error) {
	if !hasMeta(seg) {
		p := join(dir, seg)
		if _, err := os.Lstat(p); err != nil {
			return nil, nil
		}
		return []string{p}, nil
	}
	if seg == "**" && !last {
		out := []string{dir}
		base := dir
		if base == "" {
			base = "."
		}
		err := filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
			if err != nil || p == base || !d.IsDir() {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if dir == "" {
				p = strings.TrimPrefix(p, "./")
			}
			out = append(out, p)
			return nil
		})
		return out, err
	}
	base := dir
	if base == "" {
		base = "."
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil, nil // not a directory, or unreadable: no match, as in Ruby
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(seg, ".") {
			continue
		}
		ok, err := filepath.Match(strings.ReplaceAll(seg, "**", "*"), name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, join(dir, name))
		}
	}
	return out, nil
}
