// Package fieldref parses Logstash field references ([a][b], @metadata,
// escaped brackets) the way Logstash's FieldReference.java does: the
// configuration parser reads conditions' selectors with it, and the
// sprintf templates their %{[a][b]} fields.
package fieldref

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Ref is a parsed field reference: the path from the event's root.
// [a][b] is {a, b}; a and [a] are both {a}; [@metadata][x] is {@metadata,
// x} (IsMetadata tells that case apart, as Logstash keeps metadata apart).
type Ref struct {
	Path []string
}

// EscapeStyle is Logstash's config.field_reference.escape_style, the way a
// field name may spell the brackets the syntax uses.
type EscapeStyle int

const (
	// EscapeNone (Logstash's default) has no escapes: a field whose name
	// contains [ or ] cannot be referenced.
	EscapeNone EscapeStyle = iota
	// EscapePercent reads %5B as [ and %5D as ], URI style.
	EscapePercent
	// EscapeAmpersand reads &#91; as [ and &#93; as ], HTML style.
	EscapeAmpersand
)

// ParseEscapeStyle reads a config.field_reference.escape_style value.
func ParseEscapeStyle(s string) (EscapeStyle, error) {
	switch s {
	case "none", "":
		return EscapeNone, nil
	case "percent":
		return EscapePercent, nil
	case "ampersand":
		return EscapeAmpersand, nil
	}
	return EscapeNone, fmt.Errorf("invalid field reference escape style %q (none, percent or ampersand)", s)
}

func (e EscapeStyle) String() string {
	switch e {
	case EscapePercent:
		return "percent"
	case EscapeAmpersand:
		return "ampersand"
	}
	return "none"
}

// Parse parses a field reference with Logstash's default escape
// style (none). See ParseEscaped.
func Parse(s string) (Ref, error) {
	return ParseEscaped(s, EscapeNone)
}

// ParseEscaped parses a field reference the way Logstash's
// FieldReference.java (StrictTokenizer) does:
//
//   - text without brackets is one top-level name, taken as is (even "");
//   - otherwise the reference is a run of [name] fragments, each non-empty;
//     a fragment may itself be a bracketed reference, so [[a][b]][c] is
//     {a, b, c};
//   - anything ambiguous is an error: text before a [ or after a ] ([a]b,
//     a[b]), an empty [] , an unbalanced bracket.
//
// Each name is then unescaped according to style.
func ParseEscaped(s string, style EscapeStyle) (Ref, error) {
	path, err := tokenizeFieldRef(s)
	if err != nil {
		return Ref{}, err
	}
	for i, name := range path {
		if path[i], err = unescapeFieldName(name, style); err != nil {
			return Ref{}, fmt.Errorf("invalid field reference %q: %w", s, err)
		}
	}
	return Ref{Path: path}, nil
}

func tokenizeFieldRef(s string) ([]string, error) {
	bad := func(why string) ([]string, error) {
		return nil, fmt.Errorf("invalid field reference %q: %s", s, why)
	}
	if !strings.ContainsAny(s, "[]") {
		return []string{s}, nil
	}
	var path []string
	depth, split := 0, 0
	var prev byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '[':
			if split != i {
				// Text before the bracket: a mix of bare and bracketed
				// fragments, or an embedded reference not filling its
				// fragment.
				return bad("text before [")
			}
			depth++
			split = i + 1
		case ']':
			if depth <= 0 {
				return bad("] without [")
			}
			if split == i && prev != ']' {
				return bad("empty []")
			}
			if split < i {
				path = append(path, s[split:i])
			}
			depth--
			split = i + 1
		default:
			if prev == ']' {
				return bad("text after ]")
			}
		}
		prev = c
	}
	if depth > 0 {
		return bad("missing ]")
	}
	return path, nil
}

func unescapeFieldName(name string, style EscapeStyle) (string, error) {
	switch style {
	case EscapePercent:
		return unescapePercent(name), nil
	case EscapeAmpersand:
		return unescapeAmpersand(name)
	}
	return name, nil
}

func isUpperHex(c byte) bool { return isDigit(c) || 'A' <= c && c <= 'F' }

// percentAt reports whether s has a %XX sequence at i.
func percentAt(s string, i int) bool {
	return i+2 < len(s) && s[i] == '%' && isUpperHex(s[i+1]) && isUpperHex(s[i+2])
}

// unescapePercent mirrors EscapeHandler.PERCENT: nothing happens unless
// the name holds a %XX sequence (uppercase hex); then a % not starting one
// stays literal and the rest goes through java.net.URLDecoder, which also
// turns + into a space and decodes the bytes as UTF-8.
func unescapePercent(s string) string {
	found := false
	for i := range s {
		if percentAt(s, i) {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	var b strings.Builder
	var pending []byte // bytes of consecutive %XX, decoded together
	flush := func() {
		for len(pending) > 0 {
			r, n := utf8.DecodeRune(pending)
			b.WriteRune(r) // utf8.RuneError (U+FFFD) for a malformed byte, as Java's decoder
			pending = pending[n:]
		}
	}
	for i := 0; i < len(s); i++ {
		switch {
		case percentAt(s, i):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			pending = append(pending, byte(v))
			i += 2
		case s[i] == '+':
			flush()
			b.WriteByte(' ')
		default:
			flush()
			b.WriteByte(s[i])
		}
	}
	flush()
	return b.String()
}

// unescapeAmpersand mirrors EscapeHandler.AMPERSAND: &#NN; (two or more
// decimal digits) becomes that code point.
func unescapeAmpersand(s string) (string, error) {
	if !strings.Contains(s, "&") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '&' && i+1 < len(s) && s[i+1] == '#' {
			j := i + 2
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j-(i+2) >= 2 && j < len(s) && s[j] == ';' {
				cp, err := strconv.ParseInt(s[i+2:j], 10, 32)
				if err != nil || cp > utf8.MaxRune || 0xD800 <= cp && cp <= 0xDFFF {
					return "", fmt.Errorf("%s is not a valid code point", s[i:j+1])
				}
				b.WriteRune(rune(cp))
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// String returns the canonical [a][b] form (names are not escaped).
func (r Ref) String() string {
	var b strings.Builder
	for _, p := range r.Path {
		b.WriteString("[" + p + "]")
	}
	return b.String()
}

// IsMetadata reports whether r refers to @metadata or a field under it.
func (r Ref) IsMetadata() bool { return len(r.Path) > 0 && r.Path[0] == "@metadata" }

// Key returns the last name of the path, the field itself.
func (r Ref) Key() string {
	if len(r.Path) == 0 {
		return ""
	}
	return r.Path[len(r.Path)-1]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
