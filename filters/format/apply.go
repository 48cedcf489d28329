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
	// unindent is removed from the start of continuation lines (tornado
	// indents them by four spaces).
	unindent string
	// messageRequired: the format fits only if a sub-format fits its
	// message.
	messageRequired bool
}

type constant struct {
	path  event.Path
	value event.Value
}

// action says what a field's text becomes.
type action struct {
	field  *format.Field
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
		a := action{field: fd, kind: fd.Kind, layout: fd.Layout, enum: fd.Enum}
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
	line := e.Text(v)
	var asReceived jsonText // the line's pieces as the JSON text they came as
	if strings.IndexByte(line, 0x1b) >= 0 {
		line = stripANSI(line)
	} else {
		asReceived = newJSONText(v, line)
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
	// The traceback is cut off once per form of the line (as sent, and
	// with continuation lines unindented), not once per format tried.
	var plain, unindented split
	// Once a format has missed, the bytes of the line's first line rule
	// out the formats whose literals need others (format.MayFit).
	lb := format.NewLineBytes(line)
	missed := false
	for _, en := range order {
		text, stack := line, ""
		pieces := &asReceived // text is line, or the head of it
		if en.unindent != "" {
			pieces = &jsonText{}
		}
		if en.python && f.traceback {
			sp := &plain
			if en.unindent != "" {
				sp = &unindented
			}
			if !sp.done {
				sp.head, sp.stack = splitTraceback(f.prepare(en, line))
				sp.done = true
			}
			text, stack = sp.head, sp.stack
		} else if en.unindent != "" {
			text = f.prepare(en, line)
		}
		if text == "" || !en.f.CanStart(text[0]) || missed && !en.f.MayFit(&lb) {
			continue
		}
		if !en.f.Scan(text, &m) {
			missed = true
			continue
		}
		t, ok := f.setFields(e, en, text, &m, pieces)
		if !ok {
			continue
		}
		if en.python && stack != "" {
			setTraceback(e, stack, pieces.tail(stack))
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
func (f *Filter) setFields(e *event.Event, en *entry, text string, m *format.Match, pieces *jsonText) (time.Time, bool) {
	var tp format.TimeParts
	hasTime := false
	// Every field is converted before the first is stored: its text (the
	// split kinds are split when stored) and value.
	var txts [16]string
	var vals [16]event.Value
	texts, values := txts[:0], vals[:0]
	message, hasMessage := "", false
	for i, a := range en.acts {
		sp := m.Spans[i]
		if sp.Start < 0 {
			texts, values = append(texts, ""), append(values, event.Value{})
			continue
		}
		s := a.field.Unescape(text[sp.Start:sp.End])
		texts = append(texts, s)
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
			n, err := strconv.Atoi(s) // at most three digits (format.millisOK)
			if err != nil {
				return time.Time{}, false
			}
			tp.SetMillis(n)
		case format.Epoch:
			if !tp.SetEpoch(s) {
				return time.Time{}, false
			}
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
			val = event.IntText(s, n)
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
			// split when stored
		default:
			val = event.String(s)
			if a.kind == format.Message {
				message, hasMessage = s, true
				if !a.field.Escaped {
					val = pieces.piece(text, sp.Start, sp.End)
				}
			}
		}
		values = append(values, val)
	}
	if en.messageRequired && !en.subFits(text, m) {
		return time.Time{}, false
	}
	var t time.Time
	if hasTime {
		var ok bool
		var now time.Time
		if !tp.HasYear {
			now = time.Now() // only a time without a year needs today
		}
		if t, ok = tp.Time(f.loc, now); !ok {
			return time.Time{}, false
		}
	}
	for i, a := range en.acts {
		if m.Spans[i].Start < 0 {
			continue
		}
		s := texts[i]
		switch a.kind {
		case format.Time, format.Millis, format.Epoch:
		case format.Request:
			method, uri, version, ok := format.SplitRequest(s)
			if !ok {
				break // garbage a client sent: no method, URL or version
			}
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
	if len(en.subs) > 0 && hasMessage {
		f.applySubs(e, en.subs, message)
	}
	return t, true
}

// subFits reports whether one of the entry's message formats fits the
// message the scan m found.
func (en *entry) subFits(text string, m *format.Match) bool {
	for i, a := range en.acts {
		if a.kind != format.Message || m.Spans[i].Start < 0 {
			continue
		}
		msg := text[m.Spans[i].Start:m.Spans[i].End]
		var sm format.Match
		for _, sub := range en.subs {
			if msg != "" && sub.f.CanStart(msg[0]) && sub.f.Scan(msg, &sm) {
				return true
			}
		}
	}
	return false
}

// applySubs tries a record's message formats; the first that fits adds
// its fields.
func (f *Filter) applySubs(e *event.Event, subs []*entry, msg string) {
	var m format.Match
	for _, sub := range subs {
		if msg == "" || !sub.f.CanStart(msg[0]) || !sub.f.Scan(msg, &m) {
			continue
		}
		// The record's time is the event's: a time inside the message
		// (Twisted's access line) is when the request came.
		if _, ok := f.setFields(e, sub, msg, &m, &jsonText{}); ok {
			return
		}
	}
}

type split struct {
	head, stack string
	done        bool
}

// prepare undoes what a format does to continuation lines.
func (f *Filter) prepare(en *entry, line string) string {
	if en.unindent == "" || strings.IndexByte(line, '\n') < 0 {
		return line
	}
	return strings.ReplaceAll(line, "\n"+en.unindent, "\n")
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
