package lsconf

import "strings"

// The scanner holds the lexical rules of lscl_grammar.treetop. The language
// is parsed without a token stream (it is a PEG: whether a word is a name,
// a bareword or a keyword depends on where it appears), so these are helpers
// over a byte offset rather than a tokenizer.

type scanner struct {
	src []byte
	off int
}

func (s *scanner) eof() bool { return s.off >= len(s.src) }

// peek returns the current byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.off < len(s.src) {
		return s.src[s.off]
	}
	return 0
}

func (s *scanner) peekAt(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func (s *scanner) hasPrefix(p string) bool {
	return strings.HasPrefix(string(s.src[s.off:min(len(s.src), s.off+len(p))]), p)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isNameChar matches the grammar's name characters [A-Za-z0-9_-], used for
// plugin names and attribute names.
func isNameChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

// isBarewordChar matches [A-Za-z0-9_], the tail of a bareword.
func isBarewordChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// skipWS skips the grammar's whitespace rule, [ \t\r\n]+, and reports
// whether there was any. Attributes must be separated by it: a comment alone
// does not do (attribute (whitespace cs attribute)*).
func (s *scanner) skipWS() bool {
	start := s.off
	for s.off < len(s.src) && isSpace(s.src[s.off]) {
		s.off++
	}
	return s.off > start
}

// skipCS skips the grammar's cs rule: whitespace and comments. A comment
// runs from # to the end of the line. It returns the offset of a comment
// that ends in a lone \r, which the grammar's comment rule
// (... [^\r\n]* ("\r"? "\n" / !.)) does not accept, or -1.
func (s *scanner) skipCS() int {
	for {
		s.skipWS()
		if s.peek() != '#' {
			return -1
		}
		start := s.off
		for s.off < len(s.src) && s.src[s.off] != '\n' && s.src[s.off] != '\r' {
			s.off++
		}
		if s.peek() == '\r' && s.peekAt(1) != '\n' {
			return start
		}
	}
}

// scanName scans [A-Za-z0-9_-]+ and returns it ("" if none).
func (s *scanner) scanName() string {
	start := s.off
	for s.off < len(s.src) && isNameChar(s.src[s.off]) {
		s.off++
	}
	return string(s.src[start:s.off])
}

// scanBareword scans [A-Za-z_][A-Za-z0-9_]+. The grammar's bareword needs at
// least two characters, so a single letter is not one; ok is false then and
// nothing is consumed.
func (s *scanner) scanBareword() (string, bool) {
	c := s.peek()
	if !isLetter(c) && c != '_' {
		return "", false
	}
	end := s.off + 1
	for end < len(s.src) && isBarewordChar(s.src[end]) {
		end++
	}
	if end-s.off < 2 {
		return "", false
	}
	w := string(s.src[s.off:end])
	s.off = end
	return w, true
}

// scanNumber scans "-"? [0-9]+ ("." [0-9]*)?. ok is false, with nothing
// consumed, when there is no digit.
func (s *scanner) scanNumber() (string, bool) {
	end := s.off
	if end < len(s.src) && s.src[end] == '-' {
		end++
	}
	digits := end
	for end < len(s.src) && isDigit(s.src[end]) {
		end++
	}
	if end == digits {
		return "", false
	}
	if end < len(s.src) && s.src[end] == '.' {
		end++
		for end < len(s.src) && isDigit(s.src[end]) {
			end++
		}
	}
	text := string(s.src[s.off:end])
	s.off = end
	return text, true
}

// scanQuoted scans a string or regexp literal delimited by q, positioned on
// the opening delimiter. As in the grammar ('"' ('\"' / !'"' .)* '"'), a
// backslash only matters before the delimiter: \q does not end the literal,
// every other backslash is an ordinary character. So "a\\" is unterminated
// in Logstash too: its \" is taken as an escaped quote. It returns the text
// between the delimiters; ok is false at end of input.
func (s *scanner) scanQuoted(q byte) (raw string, ok bool) {
	start := s.off + 1
	i := start
	for i < len(s.src) {
		switch {
		case s.src[i] == '\\' && i+1 < len(s.src) && s.src[i+1] == q:
			i += 2
		case s.src[i] == q:
			s.off = i + 1
			return string(s.src[start:i]), true
		default:
			i++
		}
	}
	return "", false
}

// scanSelector scans a field reference as the grammar's selector rule
// writes it: one or more "[" [^\]\[,]+ "]", with nothing in between. It
// consumes nothing and returns "" if there is not at least one element.
func (s *scanner) scanSelector() string {
	end := s.off
	for end < len(s.src) && s.src[end] == '[' {
		i := end + 1
		for i < len(s.src) && s.src[i] != ']' && s.src[i] != '[' && s.src[i] != ',' {
			i++
		}
		if i == end+1 || i >= len(s.src) || s.src[i] != ']' {
			break
		}
		end = i + 1
	}
	sel := string(s.src[s.off:end])
	s.off = end
	return sel
}
