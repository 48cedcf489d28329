package format

import (
	"net/netip"
	"strconv"
	"strings"
)

// scanField reads a self-delimiting field at line[pos:]: its text is
// [start,end) and the line goes on at next, after its padding. ok is
// false when no value is at start; next is -1 when the padding around
// the value is not the padding Python writes for it, exactly the width
// less the value's length, with the field's fill byte.
func scanField(fd *Field, line string, pos int) (start, end, next int, ok bool) {
	if fd.fixedWidth() {
		// "%(levelname)1.1s", "%(name)5.5s": the padding, if any, is
		// inside the width.
		next = pos + fd.Width
		if next > len(line) {
			return pos, pos, -1, false
		}
		start, end = fd.trimPad(line, pos, next)
		if fd.Kind == Level {
			if _, ok := NormalizeLevel(line[start:end]); !ok {
				return pos, pos, -1, false
			}
		}
		return start, end, next, true
	}
	lead := 0
	if fd.Width > 0 && !fd.LeftAlign {
		// Right-aligned or centred: padding comes before the value, at
		// most the width less one (a value has a character) or half of
		// that when centred.
		most := fd.Width - 1
		if fd.Center {
			most /= 2
		}
		for c := fd.fill(); lead < most && pos+lead < len(line) && line[pos+lead] == c; lead++ {
		}
	}
	start = pos + lead
	end, ok = scanValue(fd, line, start)
	if !ok || fd.Width == 0 {
		return start, end, end, ok
	}
	pad := max(fd.Width-(end-start), 0)
	before, after := pad, 0
	switch {
	case fd.LeftAlign:
		before, after = 0, pad
	case fd.Center:
		before, after = pad/2, pad-pad/2
	}
	if lead != before {
		return start, end, -1, true
	}
	next = end
	for c := fd.fill(); after > 0; after-- {
		if next >= len(line) || line[next] != c {
			return start, end, -1, true
		}
		next++
	}
	return start, end, next, true
}

func scanValue(fd *Field, line string, pos int) (int, bool) {
	if fd.Dash && strings.HasPrefix(line[pos:], "-") && (pos+1 == len(line) || !isDigit(line[pos+1])) {
		return pos + 1, true
	}
	switch fd.Kind {
	case Int:
		end := pos
		if end < len(line) && (line[end] == '-' || line[end] == '+') {
			end++
		}
		d := end
		for end < len(line) && isDigit(line[end]) {
			end++
		}
		return end, end > d
	case Millis, LevelNumber:
		end := pos
		for end < len(line) && isDigit(line[end]) {
			end++
		}
		if fd.Kind == Millis && !millisOK(line[pos:end]) {
			return pos, false
		}
		return end, end > pos
	case Float, Epoch, Seconds, Millisecs, Microsecs:
		return scanNumber(line, pos)
	case Level:
		end := pos
		for end < len(line) && isLetter(line[end]) {
			end++
		}
		if line[pos:end] == "Level" && end+1 < len(line) && line[end] == ' ' && isDigit(line[end+1]) {
			// Python's name for a level no one named: "Level 5".
			for end++; end < len(line) && isDigit(line[end]); end++ {
			}
		}
		if _, ok := NormalizeLevel(line[pos:end]); !ok || end == pos {
			return pos, false
		}
		return end, true
	case Time:
		end, ok := fd.Layout.scan(line, pos, nil)
		return end, ok
	}
	return pos, false
}

// millisOK reports whether digits can be Python's msecs, which %(msecs)d
// and %(msecs)03d write in at most three digits: "123456" after a time's
// seconds is a microsecond clock, another format's, and read as
// milliseconds it moved the time by minutes ("000586" by 586 ms).
func millisOK(digits string) bool { return len(digits) <= 3 }

func scanNumber(line string, pos int) (int, bool) {
	end := pos
	if end < len(line) && line[end] == '-' {
		end++
	}
	d := end
	for end < len(line) && isDigit(line[end]) {
		end++
	}
	if end == d {
		return pos, false
	}
	if end+1 < len(line) && line[end] == '.' && isDigit(line[end+1]) {
		end++
		for end < len(line) && isDigit(line[end]) {
			end++
		}
	}
	return end, true
}

// checkText checks a free-text field's text against its kind.
func checkText(fd *Field, s string) bool {
	if fd.Quoted && !quotedOK(s, fd.Escaped) {
		return false
	}
	if fd.Exclude != "" && strings.ContainsAny(s, fd.Exclude) {
		return false
	}
	switch fd.Kind {
	case Token:
		return s != "" && strings.IndexByte(s, ' ') < 0
	case Enum:
		_, ok := fd.Enum[s]
		return ok
	case Request:
		// Any text: a client may send garbage ("\x16\x03…", "", "BLAH");
		// such a request sets no method, URL or version.
		return strings.IndexByte(s, '\n') < 0
	case HostPort:
		_, _, ok := SplitHostPort(s)
		return ok
	case Status:
		_, ok := ParseStatus(s)
		return ok
	case Protocol:
		_, ok := ParseProtocol(s)
		return ok
	case Millis:
		return s != "" && strings.Trim(s, "0123456789") == "" && millisOK(s)
	case Int, LevelNumber:
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case Float, Epoch, Seconds, Millisecs, Microsecs:
		end, ok := scanNumber(s, 0)
		return ok && end == len(s)
	case Level:
		_, ok := NormalizeLevel(s)
		return ok
	case Time:
		end, ok := fd.Layout.scan(s, 0, nil)
		return ok && end == len(s)
	}
	return true
}

func quotedOK(s string, escaped bool) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '"' && !(escaped && i > 0 && s[i-1] == '\\') {
			return false
		}
	}
	return true
}

// Unescape undoes an Escaped field's \" (gunicorn escapes quotes).
func (fd *Field) Unescape(s string) string {
	if !fd.Escaped || !strings.Contains(s, `\"`) {
		return s
	}
	return strings.ReplaceAll(s, `\"`, `"`)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// NormalizeLevel maps a level as programs write it onto Python's names:
// DEBUG, INFO, WARNING, ERROR, CRITICAL. It knows Python's own (and WARN,
// FATAL, TRACE, NOTICE), nginx's lower-case ones (notice, crit, alert,
// emerg), tornado's and others' first letters, and redis' symbols
// (. debug, - verbose, * notice, # warning, mapped as redis' own syslog
// output maps them).
//
// Scanning free text for a level field tries every word of it
// ("starting", "worker", …): strings.ToUpper allocated for each, so an
// unmatched line cost more than a matched one. ASCII words are
// upper-cased into a buffer on the stack.
func NormalizeLevel(s string) (string, bool) {
	if n, ok := strings.CutPrefix(s, "Level "); ok {
		// logging.getLevelName of a number no addLevelName named
		// (logger.log(5, ...)): the level it falls in.
		if v, err := strconv.ParseInt(n, 10, 64); err == nil && n != "" && isDigit(n[0]) {
			return levelOfNumber(v), true
		}
		return "", false
	}
	if len(s) == 1 {
		switch s[0] {
		case 'D', 'd', '.':
			return "DEBUG", true
		case 'I', 'i', '-', '*':
			return "INFO", true
		case 'W', 'w', '#':
			return "WARNING", true
		case 'E', 'e':
			return "ERROR", true
		case 'C', 'c', 'F', 'f':
			return "CRITICAL", true
		}
		return "", false
	}
	switch s {
	case "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL":
		return s, true
	}
	var buf [8]byte // the longest name, CRITICAL
	if len(s) > len(buf) || !upperASCII(s, buf[:len(s)]) {
		if isASCII(s) {
			return "", false // longer than any name
		}
		return levelOfUpper(strings.ToUpper(s)) // Unicode: ToUpper("ınfo") is INFO
	}
	return levelOfUpper(string(buf[:len(s)])) // inlined: the comparisons do not keep the string
}

// upperASCII writes s upper-cased into dst (as long as s); false when s
// is not ASCII.
func upperASCII(s string, dst []byte) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst[i] = c
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// levelOfUpper names an upper-cased level text.
func levelOfUpper(u string) (string, bool) {
	switch u {
	case "DEBUG", "TRACE":
		return "DEBUG", true
	case "INFO", "NOTICE", "SUCCESS":
		// SUCCESS: the custom level (25, between INFO and WARNING) that
		// loguru and verboselogs add and apps copy with addLevelName.
		return "INFO", true
	case "VERBOSE", "SPAM":
		// verboselogs' 15 and 5.
		return "DEBUG", true
	case "WARNING", "WARN":
		return "WARNING", true
	case "ERROR", "ERR":
		return "ERROR", true
	case "CRITICAL", "FATAL", "CRIT", "ALERT", "EMERG":
		return "CRITICAL", true
	}
	return "", false
}

// levelOfNumber is the Python level a number falls in (below 20 DEBUG,
// then INFO, WARNING, ERROR from 40, CRITICAL from 50).
func levelOfNumber(n int64) string {
	switch {
	case n < 20:
		return "DEBUG"
	case n < 30:
		return "INFO"
	case n < 40:
		return "WARNING"
	case n < 50:
		return "ERROR"
	}
	return "CRITICAL"
}

// LevelName is the level log_level holds for a level number: Python's
// name for it (logging.getLevelName), or for a number Python names
// "Level N", the level it falls in, as NormalizeLevel reads "Level N" (a
// %(levelno)s and a %(levelname)s field of one record agree).
func LevelName(n int64) string {
	switch n {
	case 10:
		return "DEBUG"
	case 20:
		return "INFO"
	case 30:
		return "WARNING"
	case 40:
		return "ERROR"
	case 50:
		return "CRITICAL"
	}
	return levelOfNumber(n)
}

// SplitRequest splits an HTTP request line "GET /path HTTP/1.1" into the
// method, the URI and the version ("1.1"); HTTP/0.9's "GET /path" has no
// version.
func SplitRequest(s string) (method, uri, version string, ok bool) {
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return "", "", "", false
	}
	method = s[:sp]
	for i := 0; i < len(method); i++ {
		if c := method[i]; !(c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return "", "", "", false
		}
	}
	rest := s[sp+1:]
	if i := strings.LastIndexByte(rest, ' '); i >= 0 {
		v, ok := ParseProtocol(rest[i+1:])
		if !ok {
			return "", "", "", false
		}
		uri, version = rest[:i], v
	} else {
		uri = rest
	}
	if uri == "" || strings.IndexByte(uri, ' ') >= 0 {
		return "", "", "", false
	}
	return method, uri, version, true
}

// ParseProtocol takes "1.1" out of "HTTP/1.1".
func ParseProtocol(s string) (string, bool) {
	v, ok := strings.CutPrefix(s, "HTTP/")
	if !ok || v == "" {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isDigit(c) && c != '.' {
			return "", false
		}
	}
	return v, true
}

// SplitHostPort splits "10.0.0.1:54321", "[::1]:54321" or "::1:54321" at
// the last colon. uvicorn writes its client as '%s:%d' % (host, port),
// so an IPv6 client comes without brackets ("::1:41238"), as daphne's
// access log writes it too ("::1:47640"); such a host is taken when it
// is an IPv6 address (a zone, "fe80::1%eth0", included). The text
// always holds a port in these formats, so "fe80::1:8000" is fe80::1
// port 8000, never the address fe80::1:8000 alone.
func SplitHostPort(s string) (host string, port int64, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i+1 == len(s) || s[i+1] == '+' || s[i+1] == '-' {
		return "", 0, false
	}
	p, err := strconv.ParseInt(s[i+1:], 10, 32)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, false
	}
	host = s[:i]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	} else if strings.IndexByte(host, ':') >= 0 {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", 0, false
		}
	}
	if host == "" || strings.IndexByte(host, ' ') >= 0 {
		return "", 0, false
	}
	return host, p, true
}

// ParseStatus reads "200" or "200 OK" (uvicorn appends the phrase).
func ParseStatus(s string) (int64, bool) {
	code, phrase, _ := strings.Cut(s, " ")
	if len(code) != 3 || strings.IndexByte(phrase, '\n') >= 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(code, 10, 32)
	if err != nil || n < 100 {
		return 0, false
	}
	return n, true
}

// DurationNanos converts a duration field's text to nanoseconds.
func DurationNanos(k Kind, s string) (int64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	scale := 1e9
	switch k {
	case Millisecs:
		scale = 1e6
	case Microsecs:
		scale = 1e3
	}
	return int64(f*scale + 0.5), true
}
