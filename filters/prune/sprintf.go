package prune

import (
	"strings"

	"github.com/ingestd/ingestd/event"
)

// sprintf is a string with %{field} references rendered as Logstash's
// event.sprintf renders them (StringInterpolation in logstash-core): a
// missing or null field keeps its %{...} text, an array is its elements'
// text joined by commas, an object its JSON. %{+date} formats are not
// supported: they stay as written.
type sprintf struct {
	parts []sprintfPart
}

type sprintfPart struct {
	text string     // a literal, or the reference as written
	path event.Path // nil for literals
}

func parseSprintf(s string) sprintf {
	var t sprintf
	for s != "" {
		i := strings.Index(s, "%{")
		if i < 0 {
			t.parts = append(t.parts, sprintfPart{text: s})
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			t.parts = append(t.parts, sprintfPart{text: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, sprintfPart{text: s[:i]})
		}
		ref := s[i : i+j+1]
		p, err := event.ParsePath(ref[2 : len(ref)-1])
		if err != nil || strings.HasPrefix(ref, "%{+") {
			p = nil
		}
		t.parts = append(t.parts, sprintfPart{text: ref, path: p})
		s = s[i+j+1:]
	}
	return t
}

// static reports whether the text references no field.
func (t sprintf) static() bool {
	for _, p := range t.parts {
		if p.path != nil {
			return false
		}
	}
	return true
}

func (t sprintf) render(e *event.Event) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.path == nil {
			b.WriteString(p.text)
			continue
		}
		v, ok := e.Get(p.path)
		switch {
		case !ok || v.IsNull():
			b.WriteString(p.text)
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
