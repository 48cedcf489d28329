package format

import (
	"strconv"
	"strings"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
)

// Filter is a compiled format filter.
type Filter struct {
	source       event.Path
	serviceField event.Path
	traceback    bool
	loc          *time.Location
	fail         []string
	now          func() time.Time

	own []*entry // the config's formats, tried first
	lib *library
	// order holds the try order per service; "" is the order for an
	// event with no (or an unknown) service.
	order map[string][]*entry
}

// entry is a compiled format with what its fields set.
type entry struct {
	f      *format.Format
	python bool // a Python record: a traceback may follow it
	acts   []action
	set    []constant
	subs   []*entry
	name   event.Value
}

type constant struct {
	path  event.Path
	value event.Value
}

// action says what a field's text becomes.
type action struct {
	kind   format.Kind
	path   event.Path
	layout *format.Layout
	enum   map[string]string
}

var (
	pathTimestamp  = event.Path{"@timestamp"}
	pathMethod     = event.MustPath("[http][request][method]")
	pathURL        = event.MustPath("[url][original]")
	pathVersion    = event.MustPath("[http][version]")
	pathAddress    = event.MustPath("[source][address]")
	pathPort       = event.MustPath("[source][port]")
	pathStackTrace = event.MustPath("[error][stack_trace]")
	pathErrType    = event.MustPath("[error][type]")
	pathErrMessage = event.MustPath("[error][message]")
	pathMessage    = event.Path{"message"}
	pathFormatName = event.MustPath("[@metadata][format]")
)

func newEntry(f *format.Format, python bool, set map[string]string, subs []*entry) (*entry, error) {
	e := &entry{f: f, python: python, subs: subs, name: event.String(f.Name())}
	for _, fd := range f.Fields() {
		a := action{kind: fd.Kind, layout: fd.Layout, enum: fd.Enum}
		if fd.Target != "" {
			p, err := event.ParsePath(fd.Target)
			if err != nil {
				return nil, err
			}
			a.path = p
		}
		e.acts = append(e.acts, a)
	}
	for _, k := range sortedKeys(set) {
		p, err := event.ParsePath(k)
		if err != nil {
			return nil, err
		}
		e.set = append(e.set, constant{p, event.String(set[k])})
	}
	return e, nil
}

// Apply parses the source field with the first format that fits.
func (f *Filter) Apply(e *event.Event) bool {
	v, ok := e.Get(f.source)
	if !ok {
		e.AddTags(f.fail)
		return true
	}
	line := v.Text()
	if strings.IndexByte(line, 0x1b) >= 0 {
		line = stripANSI(line)
	}
	order := f.order[""]
	if len(f.order) > 1 {
		if sv, ok := e.Get(f.serviceField); ok {
			if o, ok := f.order[sv.Text()]; ok {
				order = o
			}
		}
	}
	var m format.Match
	var spans [16]format.Span
	m.Spans = spans[:0]
	head, stack, split := line, "", false
	for _, en := range order {
		text := line
		if en.python && f.traceback {
			if !split {
				head, stack = splitTraceback(line)
				split = true
			}
			text = head
		}
		if text == "" || !en.f.CanStart(text[0]) {
			continue
		}
		if !en.f.Scan(text, &m) {
			continue
		}
		t, ok := f.setFields(e, en, text, &m)
		if !ok {
			continue
		}
		if en.python && stack != "" {
			setTraceback(e, stack)
		}
		if !t.IsZero() {
			e.SetTimestamp(t)
		}
		return true
	}
	e.AddTags(f.fail)
	return true
}

// setFields converts the fields of a fitting scan and sets them. A value
// that does not convert (a 31 February) makes the format not fit; then
// nothing has been set yet, since every field is converted before the
// first is stored.
func (f *Filter) setFields(e *event.Event, en *entry, text string, m *format.Match) (time.Time, bool) {
	var tp format.TimeParts
	hasTime := false
	var vals [16]event.Value
	values := vals[:0]
	for i, a := range en.acts {
		sp := m.Spans[i]
		if sp.Start < 0 {
			values = append(values, event.Value{})
			continue
		}
		s := text[sp.Start:sp.End]
		var val event.Value
		if s == "" && a.kind != format.Message {
			// An empty piece is no value, as grok leaves out empty
			// captures; the message is kept even when empty.
			m.Spans[i] = format.Span{Start: -1, End: -1}
			values = append(values, val)
			continue
		}
		switch a.kind {
		case format.Time:
			if !a.layout.Parse(s, &tp) {
				return time.Time{}, false
			}
			hasTime = true
		case format.Millis:
			n, err := strconv.Atoi(s)
			if err != nil {
				return time.Time{}, false
			}
			tp.SetMillis(n)
		case format.Epoch:
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return time.Time{}, false
			}
			tp.SetEpoch(x)
			hasTime = true
		case format.Level:
			lv, ok := format.NormalizeLevel(s)
			if !ok {
				return time.Time{}, false
			}
			val = event.String(lv)
		case format.LevelNumber:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			val = event.String(format.LevelName(n))
		case format.Int:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			val = intValue(s, n)
		case format.Float:
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return time.Time{}, false
			}
			val = event.Float(x)
		case format.Seconds, format.Millisecs, format.Microsecs:
			n, ok := format.DurationNanos(a.kind, s)
			if !ok {
				return time.Time{}, false
			}
			val = event.Int(n)
		case format.Status:
			n, ok := format.ParseStatus(s)
			if !ok {
				return time.Time{}, false
			}
			val = event.Int(n)
		case format.Enum:
			val = event.String(a.enum[s])
		case format.Request, format.HostPort, format.Protocol:
			val = event.String(s) // split when stored
		default:
			val = event.String(s)
		}
		values = append(values, val)
	}
	var t time.Time
	if hasTime {
		var ok bool
		if t, ok = tp.Time(f.loc, f.now()); !ok {
			return time.Time{}, false
		}
	}
	for i, a := range en.acts {
		if m.Spans[i].Start < 0 {
			continue
		}
		s := text[m.Spans[i].Start:m.Spans[i].End]
		switch a.kind {
		case format.Time, format.Millis, format.Epoch:
		case format.Request:
			method, uri, version, _ := format.SplitRequest(s)
			e.SetString(pathMethod, method)
			e.SetString(pathURL, uri)
			if version != "" {
				e.SetString(pathVersion, version)
			}
		case format.HostPort:
			host, port, _ := format.SplitHostPort(s)
			e.SetString(pathAddress, host)
			e.Set(pathPort, event.Int(port))
		case format.Protocol:
			v, _ := format.ParseProtocol(s)
			e.SetString(pathVersion, v)
		default:
			if a.path != nil {
				e.Set(a.path, values[i])
			}
		}
	}
	for _, c := range en.set {
		if !e.Has(c.path) {
			e.Set(c.path, c.value)
		}
	}
	e.Set(pathFormatName, en.name)
	if len(en.subs) > 0 {
		if msg, ok := e.Get(pathMessage); ok {
			f.applySubs(e, en.subs, msg.Text())
		}
	}
	return t, true
}

// applySubs tries a record's message formats; the first that fits adds
// its fields.
func (f *Filter) applySubs(e *event.Event, subs []*entry, msg string) {
	var m format.Match
	for _, sub := range subs {
		if msg == "" || !sub.f.CanStart(msg[0]) || !sub.f.Scan(msg, &m) {
			continue
		}
		if t, ok := f.setFields(e, sub, msg, &m); ok {
			if !t.IsZero() {
				e.SetTimestamp(t)
			}
			return
		}
	}
}

// intValue keeps a canonical integer's text as the JSON number.
func intValue(s string, n int64) event.Value {
	if s != "" && s[0] != '+' && (s[0] != '0' || len(s) == 1) && !(s[0] == '-' && (len(s) == 1 || s[1] == '0')) {
		return event.RawNumber(s)
	}
	return event.Int(n)
}

// tracebackMarker starts the text Python's Formatter appends after a
// record with exc_info (traceback.format_exception's first line).
const tracebackMarker = "\nTraceback (most recent call last):"

// splitTraceback cuts a Python traceback off the record it follows.
func splitTraceback(s string) (head, stack string) {
	if i := strings.Index(s, tracebackMarker); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// setTraceback stores the traceback and, from its last line ("pkg.Error:
// text" or a bare "pkg.Error"), the exception's type and message.
func setTraceback(e *event.Event, stack string) {
	e.SetString(pathStackTrace, stack)
	last := strings.TrimSuffix(stack, "\n")
	i := strings.LastIndexByte(last, '\n')
	if i < 0 {
		return
	}
	last = last[i+1:]
	typ, msg, hasMsg := strings.Cut(last, ": ")
	if !isExceptionName(typ) {
		return
	}
	e.SetString(pathErrType, typ)
	if hasMsg {
		e.SetString(pathErrMessage, msg)
	} else {
		e.SetString(pathErrMessage, "")
	}
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

// stripANSI removes the SGR colour sequences (ESC [ … m) that uvicorn,
// tornado and Celery write when their output is a terminal.
func stripANSI(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
