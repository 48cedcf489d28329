// Package template parses and renders the %{[field]} references of config
// values (a data stream's dataset, a field to add), as Logstash's sprintf
// format does.
package template

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/event"
)

// Template is a string with %{[field]} references, parsed at load time.
type Template struct {
	Source string
	parts  []templatePart
}

type templatePart struct {
	literal string
	field   event.Path // nil for literal parts
	ref     string     // the reference as written, %{...}
	// date formats @timestamp (%{+yyyy.MM.dd}); epoch writes its seconds
	// (%{+%s}). Only ParseLogstash makes them.
	date  jodaFormat
	epoch bool
}

// dynamic reports whether the part depends on the event.
func (p templatePart) dynamic() bool { return p.field != nil || p.date != nil || p.epoch }

// Parse parses a %{[field]} template.
func Parse(src string) (Template, error) {
	t := Template{Source: src}
	rest := src
	for rest != "" {
		i := strings.Index(rest, "%{")
		if i < 0 {
			t.parts = append(t.parts, templatePart{literal: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return t, fmt.Errorf("%q: unterminated %%{ reference", src)
		}
		ref := rest[i+2 : i+end]
		if strings.HasPrefix(ref, "[") && !strings.HasSuffix(ref, "]") {
			// %{[a][b]} contains '}' only at the end; find the real close.
			j := strings.Index(rest[i:], "]}")
			if j < 0 {
				return t, fmt.Errorf("%q: unterminated %%{ reference", src)
			}
			end = j + 1
			ref = rest[i+2 : i+end]
		}
		p, err := event.ParsePath(ref)
		if err != nil {
			return t, fmt.Errorf("%q: %w", src, err)
		}
		t.parts = append(t.parts, templatePart{field: p, ref: rest[i : i+end+1]})
		rest = rest[i+end+1:]
	}
	return t, nil
}

// ParseLogstash parses s as Logstash's sprintf reads it, which never
// fails: a reference that does not close, or that names no field (a
// %{+date} format, which ingestd does not render), stays literal text.
func ParseLogstash(s string) Template {
	t := Template{Source: s}
	for s != "" {
		i := strings.Index(s, "%{")
		if i < 0 {
			t.parts = append(t.parts, templatePart{literal: s})
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			t.parts = append(t.parts, templatePart{literal: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: s[:i]})
		}
		ref := s[i : i+j+1]
		inner := ref[2 : len(ref)-1]
		switch {
		case inner == "+%s":
			t.parts = append(t.parts, templatePart{epoch: true, ref: ref})
		case strings.HasPrefix(inner, "+"):
			if f, err := compileJoda(inner[1:]); err == nil {
				t.parts = append(t.parts, templatePart{date: f, ref: ref})
			} else {
				t.parts = append(t.parts, templatePart{literal: ref})
			}
		default:
			if p, err := event.ParsePath(inner); err == nil {
				t.parts = append(t.parts, templatePart{field: p, ref: ref})
			} else {
				t.parts = append(t.parts, templatePart{literal: ref})
			}
		}
		s = s[i+j+1:]
	}
	return t
}

// UnmarshalText parses the template when a config is decoded.
func (t *Template) UnmarshalText(text []byte) error {
	parsed, err := Parse(string(text))
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// Literals returns the template's literal text, piece by piece.
func (t Template) Literals() []string {
	var out []string
	for _, p := range t.parts {
		if !p.dynamic() {
			out = append(out, p.literal)
		}
	}
	return out
}

// Pattern returns the template with every field reference replaced by
// wildcard.
func (t Template) Pattern(wildcard string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.dynamic() {
			b.WriteString(wildcard)
		} else {
			b.WriteString(p.literal)
		}
	}
	return b.String()
}

// IsLiteral reports whether the template depends on no event (no field
// reference, no date).
func (t Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.dynamic() {
			return false
		}
	}
	return true
}

// Text returns the template text of a literal template.
func (t Template) Text() string {
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.literal)
	}
	return b.String()
}

// Render substitutes field references from e. ok is false when a
// referenced field is missing or empty.
func (t Template) Render(e *event.Event) (s string, ok bool) { return t.render(e, false) }

// RenderName is Render for a name (a data stream's dataset or namespace,
// an index): a field holding an object or an array counts as missing
// rather than rendering its JSON text, which would only make a mangled
// name such as logs-{_type___nginx_}-default.
func (t Template) RenderName(e *event.Event) (s string, ok bool) { return t.render(e, true) }

// RenderLogstash renders as Logstash's sprintf does (StringInterpolation
// in logstash-core): a missing field keeps its %{...} text, an array
// writes its elements' text joined by commas, an object its JSON.
func (t Template) RenderLogstash(e *event.Event) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.date != nil || p.epoch {
			ts, ok := eventTime(e)
			switch {
			case !ok:
				b.WriteString(p.ref)
			case p.epoch:
				b.WriteString(strconv.FormatInt(ts.Unix(), 10))
			default:
				p.date.format(&b, ts)
			}
			continue
		}
		if p.field == nil {
			b.WriteString(p.literal)
			continue
		}
		v, found := e.Get(p.field)
		switch {
		case !found || v.IsNull():
			b.WriteString(p.ref)
		case v.Kind() == event.KindArray:
			for i, el := range v.Elems() {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(el.Value.Text())
			}
		default:
			b.WriteString(v.Text())
		}
	}
	return b.String()
}

func (t Template) render(e *event.Event, scalarsOnly bool) (s string, ok bool) {
	text := func(p templatePart) (string, bool) {
		v, found := e.Get(p.field)
		if !found || scalarsOnly && (v.Kind() == event.KindObject || v.Kind() == event.KindArray) {
			return "", false
		}
		s := v.Text()
		return s, s != ""
	}
	if len(t.parts) == 1 {
		if t.parts[0].field == nil {
			return t.parts[0].literal, true
		}
		return text(t.parts[0])
	}
	var b strings.Builder
	ok = true
	for _, p := range t.parts {
		if p.field == nil {
			b.WriteString(p.literal)
			continue
		}
		s, found := text(p)
		if !found {
			ok = false
			continue
		}
		b.WriteString(s)
	}
	return b.String(), ok
}
