package codec

import "bytes"

// Splitter cuts a byte stream into lines at a delimiter, as the buffered
// tokenizer of Logstash's line and json_lines codecs does, but with a
// bound: a line longer than max is handed on cut to max bytes as soon as
// it is known to be too long, and the rest of it, up to its delimiter, is
// discarded, so that a client sending no delimiter cannot make the input
// hold more than max bytes (plus one read) for it.
type Splitter struct {
	delim    []byte
	max      int
	buf      []byte // the incomplete line (or, when dropping, what may start a delimiter)
	scanned  int    // bytes of buf where no delimiter can start
	dropping bool   // discarding the rest of a truncated line
}

// shrinkAbove is the buffer capacity given back once a long line is gone,
// so an idle connection does not keep a large buffer.
const shrinkAbove = 64 << 10

// Delimiter returns the line delimiter in effect for a configured one:
// empty (the line and json_lines codecs' default) is a newline, as in
// Logstash. The default is not in the inputs' spec tags because a newline
// would break the generated reference.
func Delimiter(configured string) string {
	if configured == "" {
		return "\n"
	}
	return configured
}

// NewSplitter returns a splitter at delim (not empty) for lines of max
// bytes at most.
func NewSplitter(delim string, max int) *Splitter {
	return &Splitter{delim: []byte(delim), max: max}
}

// Feed takes the next bytes of the stream and calls emit with each line
// they complete, delimiter excluded. line is only valid during the call.
// truncated says the line was longer than max and is cut.
func (s *Splitter) Feed(p []byte, emit func(line []byte, truncated bool)) {
	s.buf = append(s.buf, p...)
	start := 0
	for {
		from := max(start, s.scanned)
		i := bytes.Index(s.buf[from:], s.delim)
		if i < 0 {
			break
		}
		end := from + i
		switch {
		case s.dropping:
			s.dropping = false
		case end-start > s.max:
			emit(s.buf[start:start+s.max], true)
		default:
			emit(s.buf[start:end], false)
		}
		start = end + len(s.delim)
		s.scanned = start
	}
	rest := len(s.buf) - start
	if !s.dropping && rest > s.max {
		emit(s.buf[start:start+s.max], true)
		s.dropping = true
	}
	// Only the last len(delim)-1 bytes can begin a delimiter that the
	// next bytes complete.
	tail := min(rest, len(s.delim)-1)
	if s.dropping {
		start += rest - tail // the truncated line's rest goes
	}
	n := copy(s.buf, s.buf[start:])
	s.buf = s.buf[:n]
	s.scanned = n - tail
	if cap(s.buf) > shrinkAbove && n < cap(s.buf)/4 {
		s.buf = append(make([]byte, 0, max(n, 4<<10)), s.buf...)
	}
}

// Flush ends the stream: what is left of an unterminated last line is
// emitted (Logstash's codec flush when a connection closes), unless it is
// the rest of a truncated one. The splitter is then empty.
func (s *Splitter) Flush(emit func(line []byte, truncated bool)) {
	if len(s.buf) > 0 && !s.dropping {
		emit(s.buf, false)
	}
	s.Reset()
}

// Reset empties the splitter without emitting anything.
func (s *Splitter) Reset() {
	s.buf, s.scanned, s.dropping = s.buf[:0], 0, false
}
