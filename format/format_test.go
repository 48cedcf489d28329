package format

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustCompile(name, source string, pieces []Piece) *Format {
	f, err := Compile(name, source, pieces)
	if err != nil {
		panic(err)
	}
	return f
}

func mustLayout(t *testing.T, src string) *Layout {
	t.Helper()
	l, err := ParseStrftime(src)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func spans(f *Format, line string, m *Match) map[string]string {
	out := map[string]string{}
	for i, fd := range f.Fields() {
		if sp := m.Spans[i]; sp.Start >= 0 {
			out[fd.Name] = line[sp.Start:sp.End]
		}
	}
	return out
}

// A free-text field tries the next literal's later occurrences when the
// rest does not fit: a logger name holding " - " still parses, because
// the level after it must be a level.
func TestFreeTextTriesLaterOccurrences(t *testing.T) {
	f := mustCompile("t", "", []Piece{
		F(Field{Name: "name", Kind: Text}), Lit(" - "),
		F(Field{Name: "level", Kind: Level}), Lit(" - "),
		F(Field{Name: "msg", Kind: Message}),
	})
	var m Match
	line := "a - b - INFO - x - y"
	if !f.Scan(line, &m) {
		t.Fatalf("no fit: %v", m.Fail)
	}
	got := spans(f, line, &m)
	if got["name"] != "a - b" || got["level"] != "INFO" || got["msg"] != "x - y" {
		t.Fatalf("got %v", got)
	}
}

// The tries are bounded: a line made to make the scan search costs a
// bounded number of passes and fails cleanly.
func TestTriesAreBounded(t *testing.T) {
	f := mustCompile("t", "", []Piece{
		F(Field{Name: "a", Kind: Text}), Lit(" - "),
		F(Field{Name: "b", Kind: Text}), Lit(" - "),
		F(Field{Name: "level", Kind: Level}), Lit("|"),
		F(Field{Name: "msg", Kind: Message}),
	})
	line := strings.Repeat("x - ", 5000) + "end"
	var m Match
	if f.Scan(line, &m) {
		t.Fatal("fit a line that cannot fit")
	}
	if !strings.Contains(m.Fail.Expected(), "tries") && !strings.Contains(m.Fail.Expected(), "level") {
		t.Fatalf("failure %+v", m.Fail)
	}
}

func TestFailureSaysWhereAndWhat(t *testing.T) {
	f := mustCompile("t", "", []Piece{
		Lit("["), F(Field{Name: "%(asctime)s", Kind: Time, Layout: mustLayout(t, "%Y-%m-%d %H:%M:%S")}),
		Lit("] "), F(Field{Name: "%(levelname)s", Kind: Level}), Lit(" "), F(Field{Name: "%(message)s", Kind: Message}),
	})
	var m Match
	if f.Scan("[2025-02-02 12:34:56] NOPE hi", &m) {
		t.Fatal("fit an unknown level")
	}
	if m.Fail.Pos != 22 || !strings.Contains(m.Fail.Expected(), "%(levelname)s") {
		t.Fatalf("failure %+v", m.Fail)
	}
	if f.Scan("(2025", &m) || m.Fail.Pos != 0 || m.Fail.Expected() != `"["` {
		t.Fatalf("failure %+v", m.Fail)
	}
}

func TestPaddingAndPrecision(t *testing.T) {
	// "%(levelname)-8s %(message)s": Python pads with exactly the missing
	// spaces.
	f := mustCompile("t", "", []Piece{F(Field{Name: "lvl", Kind: Level, Width: 8, LeftAlign: true}), Lit(" "), F(Field{Name: "msg", Kind: Message})})
	var m Match
	if !f.Scan("INFO     hello", &m) || spans(f, "INFO     hello", &m)["msg"] != "hello" {
		t.Fatalf("left-aligned: %v", m.Fail)
	}
	if f.Scan("INFO hello", &m) {
		t.Fatal("fit a line missing its padding")
	}
	// "%(levelname)1.1s": the level's first letter.
	g := mustCompile("t", "", []Piece{Lit("["), F(Field{Name: "lvl", Kind: Level, Width: 1, Precision: 1}), Lit(" "), F(Field{Name: "msg", Kind: Message})})
	if !g.Scan("[W x", &m) || g.Scan("[X x", &m) {
		t.Fatal("letter level")
	}
	// "%(lineno)4d": right-aligned digits.
	h := mustCompile("t", "", []Piece{F(Field{Name: "n", Kind: Int, Width: 4}), Lit(":"), F(Field{Name: "msg", Kind: Message})})
	if !h.Scan("  12:x", &m) || spans(h, "  12:x", &m)["n"] != "12" {
		t.Fatalf("right-aligned: %v", spans(h, "  12:x", &m))
	}
	// uvicorn: level, ':' and padding to 9 characters.
	u := mustCompile("t", "", []Piece{F(Field{Name: "lvl", Kind: Level}), Lit(":"), Pad(9), Lit(" "), F(Field{Name: "msg", Kind: Message})})
	for line, ok := range map[string]bool{"INFO:     x": true, "WARNING:  x": true, "CRITICAL: x": true, "INFO: x": false, "WARNING: x": false} {
		if u.Scan(line, &m) != ok {
			t.Errorf("%q: fit %v, want %v", line, !ok, ok)
		}
	}
}

func TestDashQuotedEscapedExclude(t *testing.T) {
	f := mustCompile("t", "", []Piece{
		F(Field{Name: "user", Kind: Token, Dash: true}), Lit(` "`),
		F(Field{Name: "ua", Kind: Text, Quoted: true}), Lit(`" `),
		F(Field{Name: "bytes", Kind: Int, Dash: true}),
	})
	var m Match
	line := `- "curl/8" -`
	if !f.Scan(line, &m) || m.Spans[0].Start != -1 || m.Spans[2].Start != -1 {
		t.Fatalf("dash: %v %v", m.Spans, m.Fail)
	}
	if f.Scan(`bob "a" b" 5`, &m) {
		t.Fatal("a quoted field took a raw quote")
	}
	g := mustCompile("t", "", []Piece{Lit(`"`), F(Field{Name: "r", Kind: Text, Quoted: true, Escaped: true}), Lit(`" `), F(Field{Name: "s", Kind: Int})})
	line = `"GET /x\"y HTTP/1.1" 200`
	if !g.Scan(line, &m) {
		t.Fatalf("escaped quote: %v", m.Fail)
	}
	if got := g.Fields()[0].Unescape(spans(g, line, &m)["r"]); got != `GET /x"y HTTP/1.1` {
		t.Fatalf("unescape: %q", got)
	}
	x := mustCompile("t", "", []Piece{Lit("["), F(Field{Name: "cell", Kind: Text, Exclude: "]"}), Lit("] "), F(Field{Name: "msg", Kind: Message})})
	line = "[a] [b] c"
	if !x.Scan(line, &m) || spans(x, line, &m)["cell"] != "a" {
		t.Fatal("exclude")
	}
}

func TestCompileRefusesAmbiguity(t *testing.T) {
	if _, err := Compile("t", "", []Piece{F(Field{Name: "a", Kind: Text}), F(Field{Name: "b", Kind: Text})}); err == nil {
		t.Fatal("two free-text fields with nothing between them compiled")
	}
	if _, err := Compile("t", "", []Piece{F(Field{Name: "m", Kind: Message}), F(Field{Name: "n", Kind: Int})}); err == nil {
		t.Fatal("a message followed by a field compiled")
	}
	if _, err := Compile("t", "", []Piece{Lit("x")}); err == nil {
		t.Fatal("a format without fields compiled")
	}
}

func TestLayouts(t *testing.T) {
	utc := time.UTC
	now := time.Date(2026, 1, 3, 0, 0, 0, 0, utc)
	cases := []struct {
		layout, java, text string
		want               string // "" = no fit
	}{
		{layout: "%y%m%d %H:%M:%S", text: "250202 12:34:56", want: "2025-02-02T12:34:56Z"},
		{layout: "%d/%b/%Y:%H:%M:%S %z", text: "02/Feb/2025:12:34:56 -0700", want: "2025-02-02T19:34:56Z"},
		{layout: "%Y-%m-%dT%H:%M:%S%z", text: "2025-02-02T12:34:56+01:00", want: "2025-02-02T11:34:56Z"},
		{layout: "%d %b %Y %H:%M:%S.%f3", text: "02 Feb 2025 12:34:56.123", want: "2025-02-02T12:34:56.123Z"},
		{layout: "%Y-%m-%d %H:%M:%S", text: "2025-02-31 12:34:56", want: ""},
		{layout: "%Y-%m-%d %H:%M:%S", text: "2025-13-01 12:34:56", want: ""},
		{layout: "%a %b %e %H:%M:%S %Y", text: "Sun Feb  2 12:34:56 2025", want: "2025-02-02T12:34:56Z"},
		{layout: "%I:%M:%S %p %Y-%m-%d", text: "01:02:03 PM 2025-02-02", want: "2025-02-02T13:02:03Z"},
		// The locale's formats as the C locale writes them (Python 3.11's
		// logging with datefmt "%c", "%x %X", "%D %R").
		{layout: "%c", text: "Sun Dec  6 20:07:56 2026", want: "2026-12-06T20:07:56Z"},
		{layout: "%c", text: "Sun Dec 16 20:07:56 2026", want: "2026-12-16T20:07:56Z"},
		{layout: "%x %X", text: "12/06/26 20:07:56", want: "2026-12-06T20:07:56Z"},
		{layout: "%D %R", text: "12/06/26 20:07", want: "2026-12-06T20:07:00Z"},
		{layout: "%%c %F", text: "%c 2026-12-06", want: "2026-12-06T00:00:00Z"},
		// A time of day with no date is today's, or yesterday's when
		// today's is more than FutureSlack ahead of now (00:00 here).
		{layout: "%H:%M:%S", text: "19:56:20", want: "2026-01-02T19:56:20Z"},
		{layout: "%H:%M:%S", text: "00:30:00", want: "2026-01-03T00:30:00Z"},
		{layout: "%H:%M:%S", text: "01:00:01", want: "2026-01-02T01:00:01Z"},
		{layout: "%X", text: "00:00:00", want: "2026-01-03T00:00:00Z"},
		{layout: "%r", text: "08:07:56 PM", want: "2026-01-02T20:07:56Z"},
		{layout: "%H:%M:%S", text: "24:00:00", want: ""},
		// Zone names: UTC, a name of one offset, tzdata's numbers,
		// Java's GMT+hh:mm; CST names several and UTC (here the
		// configured zone) does not use it.
		{layout: "%Y-%m-%d %H:%M:%S %Z", text: "2026-12-06 20:59:07 CET", want: "2026-12-06T19:59:07Z"},
		{layout: "%Y-%m-%d %H:%M:%S %Z", text: "2026-12-06 20:59:07 GMT", want: "2026-12-06T20:59:07Z"},
		{layout: "%Y-%m-%d %H:%M:%S %Z", text: "2026-12-06 20:59:07 -03", want: "2026-12-06T23:59:07Z"},
		{layout: "%Y-%m-%d %H:%M:%S %Z", text: "2026-12-06 20:59:07 CST", want: ""},
		{layout: "%Y-%m-%d %H:%M:%S %Z", text: "2026-12-06 20:59:07 -0", want: ""},
		{java: "yyyy-MM-dd HH:mm:ss z", text: "2026-12-06 20:59:07 GMT+01:00", want: "2026-12-06T19:59:07Z"},
		{java: "yyyy-MM-dd HH:mm:ss z", text: "2026-12-06 20:59:07 CEST", want: "2026-12-06T18:59:07Z"},
		// No year: the one that puts the time nearest before now (a
		// December line read in January is last year's).
		{java: "MM.dd HH:mm:ss", text: "12.30 21:03:10", want: "2025-12-30T21:03:10Z"},
		{java: "MM.dd HH:mm:ss", text: "01.02 10:00:00", want: "2026-01-02T10:00:00Z"},
		{java: "yyyy.MM.dd HH:mm:ss:SSS", text: "2026.01.02 10:16:01:439", want: "2026-01-02T10:16:01.439Z"},
	}
	for _, c := range cases {
		var l *Layout
		var err error
		if c.java != "" {
			l, err = ParseJava(c.java)
		} else {
			l, err = ParseStrftime(c.layout)
		}
		if err != nil {
			t.Fatal(err)
		}
		var tp TimeParts
		ok := l.Parse(c.text, &tp)
		var got time.Time
		if ok {
			got, ok = tp.Time(utc, now)
		}
		switch {
		case c.want == "" && ok:
			t.Errorf("%s %q: fit as %s, want no fit", l.Source(), c.text, got)
		case c.want != "" && !ok:
			t.Errorf("%s %q: no fit", l.Source(), c.text)
		case c.want != "" && got.UTC().Format(time.RFC3339Nano) != c.want:
			t.Errorf("%s %q: %s, want %s", l.Source(), c.text, got.UTC().Format(time.RFC3339Nano), c.want)
		}
	}
	if _, err := ParseStrftime("%Q"); err == nil {
		t.Error("an unknown directive compiled")
	}
}

func TestPatterns(t *testing.T) {
	f, err := ParsePattern("redis", "%{int [process][pid]}:%{enum [redis][role] M=master S=replica} %{time %d %b %Y %H:%M:%S.%f3} %{letter [log_level]} %{message}")
	if err != nil {
		t.Fatal(err)
	}
	var m Match
	line := "1:M 02 Feb 2025 12:34:56.123 * Ready to accept connections"
	if !f.Scan(line, &m) {
		t.Fatalf("no fit: %v", m.Fail)
	}
	if got := spans(f, line, &m); got["%{message}"] != "Ready to accept connections" {
		t.Fatalf("got %v", got)
	}
	if f.Scan("1:Q 02 Feb 2025 12:34:56.123 * x", &m) {
		t.Fatal("an enum took a value it does not list")
	}
	for _, bad := range []string{"%{nokind}", "%{time}", "%{enum [x]}", "%{int [x] extra}", "%{int"} {
		if _, err := ParsePattern("bad", bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func TestValues(t *testing.T) {
	for in, want := range map[string]string{"WARN": "WARNING", "warn": "WARNING", "FATAL": "CRITICAL", "notice": "INFO", "crit": "CRITICAL", "emerg": "CRITICAL", "#": "WARNING", ".": "DEBUG", "-": "INFO", "*": "INFO", "I": "INFO", "E": "ERROR",
		"SUCCESS": "INFO", "VERBOSE": "DEBUG", "Level 5": "DEBUG", "Level 25": "INFO", "Level 45": "ERROR", "Level 99": "CRITICAL"} {
		if got, ok := NormalizeLevel(in); !ok || got != want {
			t.Errorf("level %q: %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"CHATTY", "Level", "Level x", "Level -1"} {
		if _, ok := NormalizeLevel(in); ok {
			t.Errorf("an unknown level %q normalised", in)
		}
	}
	// The stack path agrees with strings.ToUpper, Unicode included.
	for _, in := range []string{"Warning", "eRr", "ınfo", "crıtıcal", "ſtarting", "starting", "criticalx", "Ğ", "débug", "x"} {
		got, ok := NormalizeLevel(in)
		want, wantOK := levelOfUpper(strings.ToUpper(in))
		if len(in) == 1 {
			continue
		}
		if got != want || ok != wantOK {
			t.Errorf("level %q: %q %v, want %q %v", in, got, ok, want, wantOK)
		}
	}
	// Free text tries every word as a level: no allocation per word.
	if n := testing.AllocsPerRun(100, func() { NormalizeLevel("starting"); NormalizeLevel("warn") }); n != 0 {
		t.Errorf("NormalizeLevel allocates %v times", n)
	}
	if m, u, v, ok := SplitRequest("GET /a?b=c HTTP/1.1"); !ok || m != "GET" || u != "/a?b=c" || v != "1.1" {
		t.Error("request")
	}
	if _, u, v, ok := SplitRequest("GET /"); !ok || u != "/" || v != "" {
		t.Error("HTTP/0.9 request")
	}
	for _, bad := range []string{"", "-", `\x16\x03`, "BLAH", "get / HTTP/1.1", "GET / HTTP/x"} {
		if _, _, _, ok := SplitRequest(bad); ok {
			t.Errorf("request %q split", bad)
		}
	}
	if h, p, ok := SplitHostPort("[::1]:8000"); !ok || h != "::1" || p != 8000 {
		t.Error("IPv6 host:port")
	}
	if _, _, ok := SplitHostPort("::1"); ok {
		t.Error("a bare IPv6 address split")
	}
	if n, ok := ParseStatus("404 Not Found"); !ok || n != 404 {
		t.Error("status with phrase")
	}
	if n, ok := DurationNanos(Millisecs, "12.34"); !ok || n != 12340000 {
		t.Errorf("duration: %d", n)
	}
}

// "%(funcName)-12s %(message)s": the literal after a padded free-text
// field is found after the padding, not inside it.
func TestPaddedFreeText(t *testing.T) {
	f := mustCompile("t", "", []Piece{F(Field{Name: "fn", Kind: Token, Width: 12, LeftAlign: true}), Lit(" "), F(Field{Name: "msg", Kind: Message})})
	var m Match
	line := "main         hello world"
	if !f.Scan(line, &m) {
		t.Fatalf("no fit: %v", m.Fail)
	}
	if got := spans(f, line, &m); got["fn"] != "main" || got["msg"] != "hello world" {
		t.Fatalf("got %q", got)
	}
	line = "a_much_longer_name hi"
	if !f.Scan(line, &m) || spans(f, line, &m)["fn"] != "a_much_longer_name" {
		t.Fatalf("a value longer than its width: %v", spans(f, line, &m))
	}
}

// MayFit only counts on literals that must be on a line's first line: a
// fixed-width field ("%(name)3.3s") takes its characters as they come, a
// line break among them, so the literal after it may be on the second
// line (found by review).
func TestMayFitStopsAtAFieldThatTakesALineBreak(t *testing.T) {
	f, err := Compile("t", "%(name)3.3s: %(message)s", []Piece{
		F(Field{Name: "name", Target: "name", Kind: Token, Width: 3, Precision: 3}),
		Lit(": "),
		F(Field{Name: "message", Target: "message", Kind: Message}),
	})
	if err != nil {
		t.Fatal(err)
	}
	line := "a\nb: hello"
	var m Match
	lb := NewLineBytes(line)
	if !f.Scan(line, &m) || !f.MayFit(&lb) {
		t.Fatalf("%q: scan %v, MayFit %v", line, f.Scan(line, &m), f.MayFit(&lb))
	}
	g, _ := Compile("u", "[%(name)s] %(message)s", []Piece{Lit("["), F(Field{Name: "name", Target: "name", Kind: Token}), Lit("] "), F(Field{Name: "message", Target: "message", Kind: Message})})
	free := NewLineBytes("no brackets here\n[x] later")
	if g.MayFit(&free) {
		t.Error("a format whose first-line literals are missing was not ruled out")
	}
}

// IPv6 clients as the servers write them (lines from a review running
// uvicorn 0.17 and daphne 4.0 on ::1): uvicorn's client_addr is
// '%s:%d' % (host, port), no brackets; daphne's access line is
// "%s - %s [%s] ..." with host:port alike. The host is what is before
// the last colon when it is an IPv6 address.
func TestHostPortIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"::1:41238":             "::1 41238",
		"[::1]:41238":           "::1 41238",
		"::ffff:127.0.0.1:5000": "::ffff:127.0.0.1 5000",
		"2001:db8::7:443":       "2001:db8::7 443",
		"fe80::1%eth0:8000":     "fe80::1%eth0 8000",
		"10.0.0.1:54321":        "10.0.0.1 54321",
		"app.example.org:80":    "app.example.org 80",
		"::1":                   "",
		"1:2:80":                "", // not an IPv6 address before the port
		"::1:99999":             "",
		"::1:":                  "",
		"::1:+80":               "",
		"[::1]":                 "",
		"[::1]:80 x":            "",
		"gg::1:80":              "",
		"host with space:80":    "",
	} {
		h, p, ok := SplitHostPort(in)
		got := ""
		if ok {
			got = fmt.Sprintf("%s %d", h, p)
		}
		if got != want {
			t.Errorf("SplitHostPort(%q) = %q, want %q", in, got, want)
		}
	}
	// daphne-access in filters/format/library.yml, and daphne 4.0's line.
	f, err := ParsePattern("daphne-access", `%{hostport} - %{token? [user][name]} [%{time %d/%b/%Y:%H:%M:%S}] "%{request}" %{status? [http][response][status_code]} %{int? [http][response][body][bytes]}`)
	if err != nil {
		t.Fatal(err)
	}
	var m Match
	line := `::1:47640 - - [06/Dec/2026:19:58:37] "GET /?q=1" 200 2`
	if !f.Scan(line, &m) {
		t.Fatalf("daphne: %v", m.Fail)
	}
	if got := spans(f, line, &m)["%{hostport}"]; got != "::1:47640" {
		t.Fatalf("daphne client %q", got)
	}
}

// A time of day is dated in its zone: with timezone Europe/Berlin, a
// line read at 00:30 on 7 December (CET) that says 23:59:59 was written
// on the 6th, and 00:29:59 on the 7th. Without a now it does not convert.
func TestTimeOfDayInZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	l, err := ParseStrftime("%H:%M:%S")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	for text, want := range map[string]string{"23:59:59": "2026-12-06T22:59:59Z", "00:29:59": "2026-12-06T23:29:59Z", "01:29:59": "2026-12-07T00:29:59Z"} {
		var tp TimeParts
		if !l.Parse(text, &tp) {
			t.Fatalf("%q: no parse", text)
		}
		got, ok := tp.Time(berlin, now)
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("%q: %s %v, want %s", text, got.UTC().Format(time.RFC3339), ok, want)
		}
	}
	var tp TimeParts
	l.Parse("12:00:00", &tp)
	if _, ok := tp.Time(berlin, time.Time{}); ok {
		t.Error("a time of day converted without a now")
	}
}
