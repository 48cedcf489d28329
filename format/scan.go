package format

import "strings"

// Span is where a field's text is in the line; Start < 0 when the field
// has no value (a "-").
type Span struct{ Start, End int }

// Match is the result of a scan. Reuse one across scans: its slices keep
// their capacity.
type Match struct {
	Spans []Span
	// Fail says where the last failed scan left the format.
	Fail     Failure
	retrying bool
}

// Scan fits line to the format. On success m.Spans holds one span per
// field; on failure m.Fail says where and why.
func (f *Format) Scan(line string, m *Match) bool {
	if cap(m.Spans) < len(f.fields) {
		m.Spans = make([]Span, len(f.fields))
	}
	m.Spans = m.Spans[:len(f.fields)]
	m.Fail = Failure{Pos: -1}
	m.retrying = false
	if !strings.HasPrefix(line, f.prefix) {
		m.Fail = Failure{Pos: mismatchAt(line, f.prefix, 0), what: wantLiteral, lit: f.prefix}
		return false
	}
	tries := 0
	return f.scan(line, 0, 0, m, &tries)
}

// scan matches steps[i:] at line[pos:].
func (f *Format) scan(line string, i, pos int, m *Match, tries *int) bool {
	for ; i < len(f.steps); i++ {
		st := &f.steps[i]
		if st.pad {
			if st.padTo > 0 {
				n := st.padTo - (pos - m.Spans[st.padFrom].Start)
				for ; n > 0; n-- {
					if pos >= len(line) || line[pos] != ' ' {
						m.fail(pos, Failure{what: wantPadTo, n: st.padTo})
						return false
					}
					pos++
				}
				continue
			}
			n := 0
			for pos+n < len(line) && line[pos+n] == ' ' {
				n++
			}
			if i+1 < len(f.steps) && f.steps[i+1].field < 0 {
				keep := len(f.steps[i+1].lit) - len(strings.TrimLeft(f.steps[i+1].lit, " "))
				n = max(n-keep, 0)
			}
			pos += n
			continue
		}
		if st.field < 0 {
			if !strings.HasPrefix(line[pos:], st.lit) {
				m.fail(mismatchAt(line, st.lit, pos), Failure{what: wantLiteral, lit: st.lit})
				return false
			}
			pos += len(st.lit)
			continue
		}
		fd := f.fields[st.field]
		if fd.selfDelimiting() {
			start, end, next, ok := scanField(fd, line, pos)
			if !ok {
				m.fail(start, Failure{what: wantField, field: fd})
				return false
			}
			if next < 0 {
				m.fail(end, Failure{what: wantPadding, field: fd})
				return false
			}
			if fd.Dash && line[start:end] == "-" {
				m.Spans[st.field] = Span{-1, -1}
			} else {
				m.Spans[st.field] = Span{start, end}
			}
			pos = next
			continue
		}
		if st.last {
			end := len(line)
			if fd.Kind != Message {
				if j := strings.IndexByte(line[pos:], '\n'); j >= 0 {
					end = pos + j
				}
			}
			if end != len(line) {
				m.fail(end, Failure{what: wantEnd})
				return false
			}
			if !f.setText(fd, line, pos, end, m, st.field) {
				return false
			}
			return true
		}
		// A free-text field: try each occurrence of the next literal. When
		// a later one is missing too, the first try's failure explains the
		// line best, so only a field with no end at all records one.
		from := pos
		// A byte the field cannot hold bounds its end: no later
		// occurrence of the literal can be its end either. Looked up
		// when a retry needs it (the first try's text is checked as a
		// whole by setText): most fields end at the literal's first
		// occurrence.
		limit := -1
		for tried := false; ; tried = true {
			*tries++
			if *tries > maxTries {
				m.fail(pos, Failure{what: wantTries, lit: st.next, field: fd})
				return false
			}
			j := strings.Index(line[from:], st.next)
			if j < 0 {
				if !tried {
					// Where the field starts: from there on the literal
					// never comes.
					m.fail(pos, Failure{what: wantAfter, lit: st.next, field: fd})
				}
				return false
			}
			end := from + j
			if tried {
				if limit < 0 {
					limit = len(line)
					if k := strings.IndexAny(line[pos:], st.stop); st.stop != "" && k >= 0 {
						limit = pos + k
					}
				}
				if end > limit {
					return false
				}
			}
			if end-pos < fd.Width {
				// Python pads a value to its width: the field's text is
				// at least that long, so this literal is inside it.
				from = end + 1
				continue
			}
			if nl := strings.IndexByte(line[pos:end], '\n'); nl >= 0 && fd.Kind != Message {
				if !tried {
					m.fail(pos+nl, Failure{what: wantAfterOnLine, lit: st.next, field: fd})
				}
				return false
			}
			if f.setText(fd, line, pos, end, m, st.field) && f.scan(line, i+1, end, m, tries) {
				return true
			}
			m.retrying = true
			from = end + 1
			if from > len(line) {
				return false
			}
		}
	}
	if pos != len(line) {
		m.fail(pos, Failure{what: wantEnd})
		return false
	}
	return true
}

// stopBytes are bytes a free-text field's text cannot hold at all, so the
// search for its end stops at the first: spaces in a token, a quote in a
// quoted value (unless escaped), the excluded bytes, a line break outside
// the message.
func (fd *Field) stopBytes() string {
	stop := fd.Exclude
	if fd.Kind == Token && (fd.Width == 0 || fd.fill() != ' ') { // padding may be spaces
		stop += " "
	}
	if fd.Quoted && !fd.Escaped {
		stop += `"`
	}
	if fd.Kind != Message {
		stop += "\n"
	}
	return stop
}

// setText checks a free-text field's text [start,end) and records it.
func (f *Format) setText(fd *Field, line string, start, end int, m *Match, idx int) bool {
	s, e := fd.trimPad(line, start, end)
	// Both servers print an empty value as nothing, not "-": nginx's
	// $host on a request that sent none, $args or gunicorn's %(q)s with
	// no query string.
	if fd.Dash && (e == s || line[s:e] == "-") || fd.Absent != "" && line[s:e] == fd.Absent {
		m.Spans[idx] = Span{-1, -1}
		return true
	}
	if !checkText(fd, line[s:e]) {
		m.fail(s, Failure{what: wantField, field: fd})
		return false
	}
	m.Spans[idx] = Span{s, e}
	return true
}

// trimPad takes the padding off a free-text field's text [s,e): text
// no longer than the width was a shorter value padded up to it. A value
// that itself ends (left-aligned), starts (right-aligned) or does both
// (centred) with the fill byte cannot be told from its padding; the
// padding is taken as long as it can be.
func (fd *Field) trimPad(line string, s, e int) (int, int) {
	if fd.Width == 0 || e-s > fd.Width {
		return s, e
	}
	c := fd.fill()
	a := 0 // fill bytes before the value
	for s+a < e && line[s+a] == c {
		a++
	}
	b := 0 // and after it
	for e-b > s && line[e-b-1] == c {
		b++
	}
	switch {
	case fd.LeftAlign:
		return s, e - b
	case fd.Center:
		// Python puts p/2 before the value and the rest after.
		p := min(e-s, 2*a+1, 2*b)
		return s + p/2, e - (p - p/2)
	}
	return s + a, e
}
