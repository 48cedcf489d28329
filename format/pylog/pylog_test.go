package pylog

import (
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/format"
)

func fields(t *testing.T, fm Formatter, line string) map[string]string {
	t.Helper()
	f, err := Compile(fm)
	if err != nil {
		t.Fatal(err)
	}
	var m format.Match
	if !f.Scan(line, &m) {
		t.Fatalf("%q does not fit %q: %v", line, fm.Format, m.Fail)
	}
	out := map[string]string{}
	for i, fd := range f.Fields() {
		if sp := m.Spans[i]; sp.Start >= 0 {
			out[fd.Target+fd.Name] = line[sp.Start:sp.End]
		}
	}
	return out
}

// The three styles of logging.Formatter; lines as Python 3.11 writes them
// (python3 -c 'import logging; …'; the property test in filters/format
// runs Python itself for many more).
func TestStyles(t *testing.T) {
	got := fields(t, Formatter{Format: "{asctime} {levelname:<8} {name}: {message}", Style: Brace}, "2025-02-02 12:34:56,123 INFO     app.x: hello: world")
	if got["[log_level]{levelname:<8}"] != "INFO" || got["[logger_name]{name}"] != "app.x" || got["[message]{message}"] != "hello: world" {
		t.Fatalf("brace: %v", got)
	}
	got = fields(t, Formatter{Format: "$levelname ${name} $message", Style: Dollar}, "ERROR db.pool failed")
	if got["[log_level]$levelname"] != "ERROR" || got["[logger_name]${name}"] != "db.pool" {
		t.Fatalf("dollar: %v", got)
	}
	got = fields(t, Formatter{Format: "%(asctime)s.%(msecs)03d %(levelname)-8s [%(threadName)s] %(funcName)s %(pathname)s:%(lineno)d %(message)s", DateFmt: "%Y-%m-%dT%H:%M:%S"},
		"2025-02-02T12:34:56.007 WARNING  [MainThread] run /app/x.py:42 careful")
	if got["%(msecs)03d"] != "007" || got["[log][origin][file][line]%(lineno)d"] != "42" || got["[process][thread][name]%(threadName)s"] != "MainThread" {
		t.Fatalf("percent: %v", got)
	}
}

func TestUnknownAttributesAreText(t *testing.T) {
	got := fields(t, Formatter{Format: "%(request_id)s %(message)s"}, "abc-1 done")
	if got["[python][request_id]%(request_id)s"] != "abc-1" {
		t.Fatalf("got %v", got)
	}
}

func TestBadFormats(t *testing.T) {
	for _, fm := range []Formatter{
		{Format: "%(name)"}, {Format: "%(name"}, {Format: "%d"}, {Format: "{name", Style: Brace},
		{Format: "$", Style: Dollar}, {Format: "%(name)s%(message)s"}, {Format: "x", Style: '#'},
		{Format: "%(asctime)s", DateFmt: "%Q"},
	} {
		if _, err := Compile(fm); err == nil {
			t.Errorf("%q (style %c) compiled", fm.Format, fm.Style)
		}
	}
}

// The Jibe logging doc's dictConfig (https://docs.storagemadeeasy.com/jibe/logging
// names loggers and handlers; its formatters are the three formats the
// issue quotes), as JSON; dictConfig also takes YAML.
const jibeDictConfig = `{
  "version": 1,
  "formatters": {
    "simple": {"format": "%(levelname)s - %(message)s"},
    "timed": {"format": "%(asctime)s - %(levelname)s - %(message)s"},
    "threaded": {"format": "%(name)s - %(threadName)s - %(levelname)s - %(message)s"},
    "iso": {"()": "logging.Formatter", "fmt": "{asctime} {message}", "style": "{", "datefmt": "%Y-%m-%dT%H:%M:%S"}
  },
  "handlers": {"slack": {"class": "jibe.SlackHandler", "level": "WARNING", "formatter": "simple"}},
  "loggers": {"jibe": {"level": "INFO", "handlers": ["slack"]}}
}`

func TestDictConfig(t *testing.T) {
	fms, err := DictConfig([]byte(jibeDictConfig))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, fm := range fms {
		names = append(names, fm.Name)
		if _, err := Compile(fm); err != nil {
			t.Fatalf("%s: %v", fm.Name, err)
		}
	}
	if strings.Join(names, ",") != "simple,timed,threaded,iso" {
		t.Fatalf("formatters %v, want the document's order", names)
	}
	if fms[3].Style != Brace || fms[3].Format != "{asctime} {message}" || fms[3].DateFmt != "%Y-%m-%dT%H:%M:%S" {
		t.Fatalf("class formatter: %+v", fms[3])
	}
	yml := "version: 1\nformatters:\n  brief:\n    format: '%(levelname)s:%(name)s:%(message)s'\n"
	if fms, err := DictConfig([]byte(yml)); err != nil || len(fms) != 1 {
		t.Fatalf("yaml: %v %v", fms, err)
	}
	for _, bad := range []string{"{}", "formatters: {x: {style: '#'}}", "formatters: {x: {format: 5}}", "[", "formatters: {x: {datefmt: [1]}}"} {
		if _, err := DictConfig([]byte(bad)); err == nil {
			t.Errorf("%q read", bad)
		}
	}
}

// uvicorn 0.17 serving on ::1 (a review's line): client_addr is
// '%s:%d' % (host, port), so an IPv6 client has no brackets.
func TestUvicornIPv6Client(t *testing.T) {
	line := `INFO:     ::1:41238 - "GET /x HTTP/1.1" 200 OK`
	msg := fields(t, Formatter{Format: "%(levelprefix)s %(message)s"}, line)["[message]%(message)s"]
	got := fields(t, Formatter{Format: `%(client_addr)s - "%(request_line)s" %(status_code)s`}, msg)
	if got["%(client_addr)s"] != "::1:41238" || got["[http][response][status_code]%(status_code)s"] != "200 OK" {
		t.Fatalf("got %v", got)
	}
	if h, p, ok := format.SplitHostPort(got["%(client_addr)s"]); !ok || h != "::1" || p != 41238 {
		t.Fatalf("split %q %d %v", h, p, ok)
	}
}

// str.format's alignments and fills, and printf's, as Python 3.11's
// logging writes them (python3 -c 'import logging; …' with each format
// and loggers "app.mod" and "a"; the first line is a review's). Python
// centres with half the padding before the value, rounded down.
func TestAlignmentAndFill(t *testing.T) {
	type want struct{ level, name, pid, line, msg string }
	cases := []struct {
		fm    Formatter
		lines map[string]want
	}{
		{Formatter{Format: "[{levelname:^9}] {name}: {message}", Style: Brace}, map[string]want{
			"[  INFO   ] app.mod: hello world": {"INFO", "app.mod", "", "", "hello world"},
			"[ WARNING ] a: careful":           {"WARNING", "a", "", "", "careful"},
			"[CRITICAL ] app.mod: x":           {"CRITICAL", "app.mod", "", "", "x"},
		}},
		{Formatter{Format: "[{levelname:*^9}] {name:.^12} {message}", Style: Brace}, map[string]want{
			"[**INFO***] ..app.mod... hello world": {"INFO", "app.mod", "", "", "hello world"},
			"[*WARNING*] .....a...... careful":     {"WARNING", "a", "", "", "careful"},
			"[CRITICAL*] ..app.mod... x":           {"CRITICAL", "app.mod", "", "", "x"},
		}},
		// A number is right-aligned unless told otherwise; '=' pads a
		// number without a sign as '>' does.
		{Formatter{Format: "[{levelname:>8}] [{name:<10}] {process:8} {lineno:=5} {message}", Style: Brace}, map[string]want{
			"[    INFO] [app.mod   ]    25846    16 hello world": {"INFO", "app.mod", "25846", "16", "hello world"},
			"[CRITICAL] [a         ]    25846    16 x":           {"CRITICAL", "a", "25846", "16", "x"},
		}},
		// A 0 before the width is the fill: 00015, and "a0000" for a str.
		{Formatter{Format: "{levelname:-<8}|{name:05}|{lineno:05}|{message}", Style: Brace}, map[string]want{
			"INFO----|app.mod|00015|hello world": {"INFO", "app.mod", "", "15", "hello world"},
			"WARNING-|a0000|00015|careful":       {"WARNING", "a", "", "15", "careful"},
			"CRITICAL|a0000|00015|x":             {"CRITICAL", "a", "", "15", "x"},
		}},
		{Formatter{Format: "%(levelname)-8s|%(process)8d|%(name)10s|%(lineno)05d|%(message)s"}, map[string]want{
			"INFO    |   25846|   app.mod|00016|hello world": {"INFO", "app.mod", "25846", "00016", "hello world"},
			"CRITICAL|   25846|         a|00016|x":           {"CRITICAL", "a", "25846", "00016", "x"},
		}},
	}
	for _, c := range cases {
		f, err := Compile(c.fm)
		if err != nil {
			t.Fatal(err)
		}
		for line, w := range c.lines {
			var m format.Match
			if !f.Scan(line, &m) {
				t.Errorf("%q does not fit %q: %v", line, c.fm.Format, m.Fail)
				continue
			}
			got := want{}
			for i, fd := range f.Fields() {
				sp := m.Spans[i]
				if sp.Start < 0 {
					continue
				}
				v := line[sp.Start:sp.End]
				switch fd.Target {
				case "[log_level]":
					got.level = v
				case "[logger_name]":
					got.name = v
				case "[process][pid]":
					got.pid = v
				case "[log][origin][file][line]":
					got.line = v
				case "[message]":
					got.msg = v
				}
			}
			if got != w {
				t.Errorf("%q as %q: %+v, want %+v", line, c.fm.Format, got, w)
			}
		}
	}
	// Padding other than Python's does not fit: a centred value with
	// its padding all before it, a fill other than the declared one.
	f, err := Compile(Formatter{Format: "[{levelname:^9}] {message}", Style: Brace})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"[     INFO] x", "[INFO     ] x", "[**INFO***] x"} {
		var m format.Match
		if f.Scan(line, &m) {
			t.Errorf("%q fit %q", line, "[{levelname:^9}] {message}")
		}
	}
	// Python refuses '=' for a str (ValueError for every record).
	for _, bad := range []string{"{levelname:=9} {message}", "{name:*=9} {message}", "{levelname:9q} {message}"} {
		if _, err := Compile(Formatter{Format: bad, Style: Brace}); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

// A width equal to the precision is a fixed-width field; its padding is
// inside the width (lines from Python 3.11).
func TestFixedWidthPadding(t *testing.T) {
	fm := Formatter{Format: "%(name)5.5s|%(levelname)-4.4s|%(message)s"}
	for line, name := range map[string]string{"   ab|WARN|hi": "ab", "app.m|WARN|hi": "app.m"} {
		got := fields(t, fm, line)
		if got["[logger_name]%(name)5.5s"] != name || got["[log_level]%(levelname)-4.4s"] != "WARN" {
			t.Errorf("%q: %v", line, got)
		}
	}
}

// datefmt "%c" and "%x %X" as Python 3.11 writes them in the C locale
// (TZ=UTC python3 -c 'import logging; logging.basicConfig(format=
// "%(asctime)s %(levelname)s: %(message)s", datefmt="%c", …)').
func TestLocaleDatefmts(t *testing.T) {
	for datefmt, line := range map[string]string{
		"%c":    "Sun Dec  6 20:07:56 2026 INFO: Started",
		"%x %X": "12/06/26 20:07:56 INFO: Started",
	} {
		got := fields(t, Formatter{Format: "%(asctime)s %(levelname)s: %(message)s", DateFmt: datefmt}, line)
		if got["[log_level]%(levelname)s"] != "INFO" || got["[message]%(message)s"] != "Started" {
			t.Errorf("%s: %v", datefmt, got)
		}
	}
}

// A time-only datefmt (Python 3.11, TZ=Europe/Berlin python3 -c 'import
// logging; logging.basicConfig(format="%(asctime)s %(levelname)s:
// %(message)s", datefmt="%H:%M:%S", level=logging.INFO);
// logging.info("Started")' read at 20:08:52Z): Python writes no date, and
// the line is dated on the day it is read.
func TestTimeOnlyDatefmt(t *testing.T) {
	fm := Formatter{Format: "%(asctime)s %(levelname)s: %(message)s", DateFmt: "%H:%M:%S"}
	line := "21:08:49 INFO: Started"
	got := fields(t, fm, line)
	f, _ := Compile(fm)
	var tp format.TimeParts
	if !f.Fields()[0].Layout.Parse(got["%(asctime)s"], &tp) {
		t.Fatalf("asctime %q", got["%(asctime)s"])
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	ts, ok := tp.Time(berlin, time.Date(2026, 12, 6, 20, 8, 52, 0, time.UTC))
	if !ok || ts.UTC().Format(time.RFC3339) != "2026-12-06T20:08:49Z" {
		t.Fatalf("time %s %v", ts, ok)
	}
}

// datefmt "%Z" and "%z" as Python 3.11 writes them in several zones
// (TZ=<zone>; logging.Formatter("%(asctime)s %(levelname)s %(message)s",
// datefmt="%Y-%m-%d %H:%M:%S %Z").format(record) for a record created at
// the instant wanted; the first line is a review's). tz is the filter's
// timezone ("" = UTC); want "" means the time does not convert: the
// name means several offsets and the configured zone does not use it.
func TestZoneNames(t *testing.T) {
	zoned := Formatter{Format: "%(asctime)s %(levelname)s %(message)s", DateFmt: "%Y-%m-%d %H:%M:%S %Z"}
	offset := Formatter{Format: zoned.Format, DateFmt: "%Y-%m-%d %H:%M:%S %z"}
	cases := []struct {
		fm             Formatter
		tz, line, want string
	}{
		{zoned, "", "2026-12-06 20:59:07 CET WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "Europe/Berlin", "2026-12-06 20:59:07 CET WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "", "2026-06-06 21:59:07 CEST WARNING zoned", "2026-06-06T19:59:07Z"},
		// The hour Berlin's clocks go back: the name tells the two apart.
		{zoned, "Europe/Berlin", "2026-10-25 02:30:00 CEST WARNING zoned", "2026-10-25T00:30:00Z"},
		{zoned, "Europe/Berlin", "2026-10-25 02:30:00 CET WARNING zoned", "2026-10-25T01:30:00Z"},
		{zoned, "", "2026-10-25 02:30:00 CET WARNING zoned", "2026-10-25T01:30:00Z"},
		{zoned, "Europe/Berlin", "2026-12-06 19:59:07 UTC WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "", "2026-06-06 20:59:07 BST WARNING zoned", "2026-06-06T19:59:07Z"},
		{zoned, "", "2026-12-06 14:59:07 EST WARNING zoned", "2026-12-06T19:59:07Z"},
		// Names of several offsets: the configured zone decides.
		{zoned, "America/Chicago", "2026-12-06 13:59:07 CST WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "Asia/Shanghai", "2026-12-07 03:59:07 CST WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "", "2026-12-06 13:59:07 CST WARNING zoned", ""},
		{zoned, "Europe/Berlin", "2026-12-06 13:59:07 CST WARNING zoned", ""},
		{zoned, "Asia/Kolkata", "2026-12-07 01:29:07 IST WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "Europe/Dublin", "2026-06-06 20:59:07 IST WARNING zoned", "2026-06-06T19:59:07Z"},
		{zoned, "", "2026-12-07 01:29:07 IST WARNING zoned", ""},
		{zoned, "America/Los_Angeles", "2026-12-06 11:59:07 PST WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "", "2026-12-06 11:59:07 PST WARNING zoned", ""},
		// tzdata's numbers for zones without a name.
		{zoned, "", "2026-12-06 16:59:07 -03 WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "Europe/Berlin", "2026-12-07 01:44:07 +0545 WARNING zoned", "2026-12-06T19:59:07Z"},
		{zoned, "", "2026-12-06 20:59:07 XYZ WARNING zoned", ""},
		{offset, "", "2026-12-06 20:59:07 +0100 WARNING zoned", "2026-12-06T19:59:07Z"},
		{offset, "America/Chicago", "2026-12-07 01:44:07 +0545 WARNING zoned", "2026-12-06T19:59:07Z"},
	}
	for _, c := range cases {
		t.Run(c.tz+" "+c.line, func(t *testing.T) {
			loc := time.UTC
			if c.tz != "" {
				var err error
				if loc, err = time.LoadLocation(c.tz); err != nil {
					t.Skip(err) // this case only: no zone database here
				}
			}
			got := fields(t, c.fm, c.line)
			f, _ := Compile(c.fm)
			var tp format.TimeParts
			if !f.Fields()[0].Layout.Parse(got["%(asctime)s"], &tp) {
				t.Fatalf("%q: asctime %q", c.line, got["%(asctime)s"])
			}
			ts, ok := tp.Time(loc, time.Time{})
			switch {
			case c.want == "" && ok:
				t.Errorf("%q (timezone %q): %s, want no conversion", c.line, c.tz, ts.UTC().Format(time.RFC3339))
			case c.want != "" && (!ok || ts.UTC().Format(time.RFC3339) != c.want):
				t.Errorf("%q (timezone %q): %s %v, want %s", c.line, c.tz, ts.UTC().Format(time.RFC3339), ok, c.want)
			}
		})
	}
}
