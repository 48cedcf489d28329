// Package rubysplit is Ruby's String#split with a string separator, which
// Logstash's split filter and mutate's split call, for plugins that must
// cut text as Logstash does.
package rubysplit

import "strings"

// Split is s.split(sep), or s.split(sep, -1) with keepTrailing: an empty
// string has no pieces; a separator of one space splits awk-style, at runs
// of ASCII whitespace, leading whitespace ignored; an empty one splits
// into characters; without keepTrailing the trailing empty pieces are
// dropped.
func Split(s, sep string, keepTrailing bool) []string {
	if s == "" {
		return nil
	}
	var parts []string
	switch sep {
	case " ":
		parts = strings.FieldsFunc(s, isSpace)
		if keepTrailing && isSpace(rune(s[len(s)-1])) {
			parts = append(parts, "") // "  " is [""]
		}
	case "":
		parts = strings.Split(s, "")
		if keepTrailing {
			parts = append(parts, "")
		}
	default:
		parts = strings.Split(s, sep)
	}
	if !keepTrailing {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	return parts
}

// isSpace is Ruby's awk-split whitespace: ASCII only (U+00A0 is no space).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}
