package stdout

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
)

// appendRubyDebug appends an event as Logstash's rubydebug codec prints it
// (logstash-codec-rubydebug: event.to_hash.ai, amazing_print's defaults
// without colours, as when standard output is not a terminal): a hash of
// "key" => value lines, keys right-aligned to the longest plus the
// indentation, nested hashes and arrays indented by four more, array
// elements numbered [0], @timestamp unquoted (a LogStash::Timestamp). Keys
// come in the document's order (Logstash's own order is its hash map's).
func appendRubyDebug(dst []byte, e *event.Event, withMetadata bool) []byte {
	fields := e.Root().Fields()
	if withMetadata {
		if meta := e.Metadata(); meta.Kind() == event.KindObject {
			fields = append(fields[:len(fields):len(fields)], event.Field{Key: event.MetadataKey, Value: meta})
		}
	}
	dst = appendRubyHash(dst, fields, 1, true)
	return append(dst, '\n')
}

const rubyIndent = 4

func appendRubyHash(dst []byte, fields []event.Field, level int, root bool) []byte {
	if len(fields) == 0 {
		return append(dst, "{}"...)
	}
	keys := make([]string, len(fields))
	width := 0
	for i, f := range fields {
		keys[i] = rubyInspect(f.Key)
		width = max(width, utf8.RuneCountInString(keys[i]))
	}
	width += level * rubyIndent
	dst = append(dst, "{\n"...)
	for i, f := range fields {
		if pad := width - utf8.RuneCountInString(keys[i]); pad > 0 {
			dst = append(dst, strings.Repeat(" ", pad)...)
		}
		dst = append(dst, keys[i]...)
		dst = append(dst, " => "...)
		if root && f.Key == "@timestamp" && f.Value.Kind() == event.KindString {
			dst = append(dst, f.Value.Str()...)
		} else {
			dst = appendRubyValue(dst, f.Value, level)
		}
		if i < len(fields)-1 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, strings.Repeat(" ", (level-1)*rubyIndent)...)
	return append(dst, '}')
}

func appendRubyArray(dst []byte, elems []event.Field, level int) []byte {
	if len(elems) == 0 {
		return append(dst, "[]"...)
	}
	width := len(strconv.Itoa(len(elems) - 1))
	dst = append(dst, "[\n"...)
	for i, el := range elems {
		dst = append(dst, strings.Repeat(" ", level*rubyIndent)...)
		idx := strconv.Itoa(i)
		dst = append(dst, '[')
		dst = append(dst, strings.Repeat(" ", width-len(idx))...)
		dst = append(dst, idx...)
		dst = append(dst, "] "...)
		dst = appendRubyValue(dst, el.Value, level)
		if i < len(elems)-1 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, strings.Repeat(" ", (level-1)*rubyIndent)...)
	return append(dst, ']')
}

func appendRubyValue(dst []byte, v event.Value, level int) []byte {
	switch v.Kind() {
	case event.KindObject:
		return appendRubyHash(dst, v.Fields(), level+1, false)
	case event.KindArray:
		return appendRubyArray(dst, v.Elems(), level+1)
	case event.KindString:
		return append(dst, rubyInspect(v.Str())...)
	case event.KindNumber:
		return append(dst, rubyNumber(v.Text())...)
	case event.KindBool:
		return append(dst, v.Text()...)
	}
	return append(dst, "nil"...)
}

// rubyNumber writes a JSON number as Ruby prints what Logstash parsed
// from it: an integer as written, a float as Float#to_s does (shortest
// digits, at least one decimal, exponent form below 1e-4 and from 1e16).
func rubyNumber(text string) string {
	if convert.IsIntLiteral(text) {
		return text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return text
	}
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return text
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e16 || abs < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+20, 1.5e-05
		mant, exp, _ := strings.Cut(s, "e")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + fmt.Sprintf("%02s", digits)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// rubyInspect quotes s as Ruby's String#inspect does for UTF-8 text.
func rubyInspect(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		case '\b':
			b.WriteString(`\b`)
		case '\a':
			b.WriteString(`\a`)
		case 0x1b:
			b.WriteString(`\e`)
		case '#':
			// "#{", "#$" and "#@" would interpolate in a Ruby literal.
			if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@') {
				b.WriteString(`\#`)
			} else {
				b.WriteByte('#')
			}
		default:
			switch {
			case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
				fmt.Fprintf(&b, `\x%02X`, s[i])
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
