// Package sprintf parses Logstash's sprintf templates (%{[a][b]},
// %{+YYYY.MM.dd}, %{{FORMAT}}, %{+%s}) into literal text and references,
// exactly as Logstash's StringInterpolation scans them, for the converter
// to translate into ingestd's templates.
package sprintf

import (
	"fmt"
	"strings"

	"github.com/ingestd/ingestd/lsconf/fieldref"
)

// PartKind tells what a part of a sprintf template is.
type PartKind int

const (
	// PartLiteral is text copied as is.
	PartLiteral PartKind = iota
	// PartField is %{field} or %{[a][b]}: the field's value. Logstash
	// writes the %{...} text back when the field is missing.
	PartField
	// PartEpoch is %{+%s}: @timestamp in seconds since the epoch.
	PartEpoch
	// PartJoda is %{+FORMAT}: @timestamp in UTC formatted with a Joda-Time
	// pattern (deprecated in Logstash 8 in favour of PartJava).
	PartJoda
	// PartJava is %{{FORMAT}}: @timestamp in UTC formatted with a
	// java.time DateTimeFormatter pattern (Logstash 8 and later).
	PartJava
	// PartTimeNow is %{{TIME_NOW}}: the current time rather than
	// @timestamp (Logstash 9 and later).
	PartTimeNow
)

// Part is one piece of a Template.
type Part struct {
	Kind PartKind
	// Text is the literal text for PartLiteral, the reference as written
	// (between %{ and }) for PartField, the pattern for PartJoda and
	// PartJava.
	Text string
	// Ref is the parsed field reference of a PartField.
	Ref fieldref.Ref
}

// Template is a string with sprintf references, split into parts.
type Template struct {
	Parts []Part
}

// Parse splits a string into literal text and references exactly
// as Logstash's StringInterpolation.evaluate scans it, so that edge cases
// come out the same:
//
//   - a reference runs from %{ to the first } after it: "%{a%{b}}" is the
//     field "a%{b" followed by the literal "}";
//   - %{ with no } after it is literal text ("%{+YYY/web" stays as is);
//   - %{+%s} is the epoch; so is any %{X} whose X is a prefix of "+%s",
//     "%{}" and "%{+}" included (Java's regionMatches with the length of X);
//   - %{{FORMAT}} is a java.time format when the first } is directly
//     followed by another; %{{a}b} is the field "{a";
//   - %{+FORMAT} is a Joda-Time format.
//
// It returns an error for a field reference Logstash would reject (see
// fieldref.Parse), and for "%{{...}" ending the string, where Logstash
// reads past the end of the string (StringIndexOutOfBoundsException).
func Parse(s string) (Template, error) {
	var t Template
	lit := func(text string) {
		if text != "" {
			t.Parts = append(t.Parts, Part{Kind: PartLiteral, Text: text})
		}
	}
	pos := 0
	for {
		open := strings.Index(s[pos:], "%{")
		if open < 0 {
			break
		}
		open += pos
		rel := strings.IndexByte(s[open:], '}')
		if rel < 0 {
			break
		}
		closing := open + rel
		lit(s[pos:open])
		inner := s[open+2 : closing]
		switch {
		case strings.HasPrefix("+%s", inner):
			t.Parts = append(t.Parts, Part{Kind: PartEpoch})
		case s[open+2] == '{' && closing+1 >= len(s):
			return Template{}, fmt.Errorf("sprintf reference %q at the end of %q is missing its second }: Logstash fails on it", s[open:], s)
		case s[open+2] == '{' && s[closing+1] == '}':
			closing++
			pattern := s[open+3 : closing-1]
			if pattern == "TIME_NOW" {
				t.Parts = append(t.Parts, Part{Kind: PartTimeNow})
			} else {
				t.Parts = append(t.Parts, Part{Kind: PartJava, Text: pattern})
			}
		case s[open+2] == '+':
			t.Parts = append(t.Parts, Part{Kind: PartJoda, Text: inner[1:]})
		default:
			ref, err := fieldref.Parse(inner)
			if err != nil {
				return Template{}, fmt.Errorf("sprintf reference %%{%s}: %w", inner, err)
			}
			t.Parts = append(t.Parts, Part{Kind: PartField, Text: inner, Ref: ref})
		}
		pos = closing + 1
	}
	lit(s[pos:])
	return t, nil
}

// IsStatic reports whether the template has no references.
func (t Template) IsStatic() bool {
	for _, p := range t.Parts {
		if p.Kind != PartLiteral {
			return false
		}
	}
	return true
}

// String writes the template back as sprintf text.
func (t Template) String() string {
	var b strings.Builder
	for _, p := range t.Parts {
		switch p.Kind {
		case PartLiteral:
			b.WriteString(p.Text)
		case PartField:
			b.WriteString("%{" + p.Text + "}")
		case PartEpoch:
			b.WriteString("%{+%s}")
		case PartJoda:
			b.WriteString("%{+" + p.Text + "}")
		case PartJava:
			b.WriteString("%{{" + p.Text + "}}")
		case PartTimeNow:
			b.WriteString("%{{TIME_NOW}}")
		}
	}
	return b.String()
}
