package format

import (
	"strings"

	"github.com/ingestd/ingestd/event"
)

// The first lines of what Python's Formatter appends after a record with
// exc_info (traceback.format_exception): a traceback, or since Python
// 3.11 an exception group's.
const (
	tracebackMarker = "\nTraceback (most recent call last):"
	groupMarker     = "\n  + Exception Group Traceback (most recent call last):"
	// stackMarker starts what Formatter.format appends for stack_info=True
	// (formatStack), after the traceback when there is one.
	stackMarker      = "\nStack (most recent call last):"
	chainedByContext = "During handling of the above exception, another exception occurred:"
	chainedByCause   = "The above exception was the direct cause of the following exception:"
)

// splitTraceback cuts a Python traceback off the record it follows. A
// cause that was never raised (raise X from ValueError("inner")) is
// printed without a traceback of its own, as its exception line, a blank
// line and "The above exception was the direct cause…": the cut moves back
// over it (over a one-line cause; one over several lines cannot be told
// from the message).
func splitTraceback(s string) (head, stack string) {
	if strings.IndexByte(s, '\n') < 0 {
		return s, "" // every marker starts a line: most records have one line
	}
	i := -1 // the first marker
	for _, m := range [...]string{tracebackMarker, groupMarker, stackMarker} {
		if j := strings.Index(s, m); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return s, ""
	}
	for {
		pre := s[:i]
		var rest string
		if r, ok := strings.CutSuffix(pre, "\n\n"+chainedByCause+"\n"); ok {
			rest = r
		} else if r, ok := strings.CutSuffix(pre, "\n\n"+chainedByContext+"\n"); ok {
			rest = r
		} else {
			break
		}
		k := strings.LastIndexByte(rest, '\n')
		if k < 0 {
			break
		}
		if _, _, ok := exceptionLine(rest[k+1:]); !ok {
			break
		}
		i = k
	}
	return s[:i], s[i+1:]
}

// setTraceback stores the traceback and the exception's type and message:
// the first unindented line after the frames of the last traceback of the
// chain ("pkg.Error: text", whose text may run over several lines, or a
// bare "pkg.Error"); in an exception group's, the group's own line.
func setTraceback(e *event.Event, stack string, asValue event.Value) {
	e.Set(pathStackTrace, asValue)
	// A stack_info block names no exception, and ends the one before it.
	if strings.HasPrefix(stack, stackMarker[1:]) {
		return
	}
	if k := strings.Index(stack, stackMarker); k >= 0 {
		stack = stack[:k]
	}
	lines := strings.Split(strings.TrimSuffix(stack, "\n"), "\n")
	if strings.HasPrefix(stack, "  + ") {
		for _, l := range lines {
			if rest, ok := strings.CutPrefix(l, "  | "); ok && rest != "" && rest[0] != ' ' {
				if typ, msg, ok := exceptionLine(rest); ok {
					e.SetString(pathErrType, typ)
					e.SetString(pathErrMessage, msg)
				}
				return
			}
		}
		return
	}
	exc, end := -1, len(lines)
	inBlock := true // a block runs from its "Traceback" line to its exception
	for i, l := range lines {
		switch {
		case l == chainedByContext || l == chainedByCause:
			if exc >= 0 {
				end = i
				if end > exc+1 && lines[end-1] == "" {
					end--
				}
			}
			inBlock = true
		case i == 0 || l == "" || l[0] == ' ' || strings.HasPrefix(l, "Traceback ("):
		case inBlock:
			if _, _, ok := exceptionLine(l); ok {
				exc, end, inBlock = i, len(lines), false
			}
		}
	}
	if exc < 0 {
		return
	}
	typ, msg, _ := exceptionLine(lines[exc])
	if end > exc+1 {
		msg += "\n" + strings.Join(lines[exc+1:end], "\n")
	}
	e.SetString(pathErrType, typ)
	e.SetString(pathErrMessage, msg)
}

// exceptionLine splits "pkg.Error: text" or a bare "pkg.Error".
func exceptionLine(l string) (typ, msg string, ok bool) {
	typ, msg, _ = strings.Cut(l, ": ")
	if strings.HasSuffix(typ, ":") && msg == "" {
		typ = strings.TrimSuffix(typ, ":") // "pkg.Error:" with an empty str()
	}
	return typ, msg, isExceptionName(typ)
}

func isExceptionName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case i > 0 && (c == '.' || c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	return true
}
