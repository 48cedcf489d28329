package format

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
)

func newFilter(t testing.TB, c Config) *Filter {
	t.Helper()
	if c.Source.Path == nil {
		c.Source.Path = event.Path{"message"}
	}
	if c.ServiceField.Path == nil {
		c.ServiceField.Path = event.Path{"service"}
	}
	if c.TagOnFailure == nil {
		c.TagOnFailure = []string{"_formatparsefailure"}
	}
	f, err := compile(&c, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func lineEvent(line, service string) *event.Event {
	fields := []event.Field{{Key: "message", Value: event.String(line)}}
	if service != "" {
		fields = append(fields, event.Field{Key: "service", Value: event.String(service)})
	}
	return event.NewEvent(event.Object(fields...))
}

func text(e *event.Event, ref string) string {
	v, ok := e.Get(event.MustPath(ref))
	if !ok {
		return "<absent>"
	}
	return v.Text()
}

func TestLibraryCompiles(t *testing.T) {
	lib, err := shippedLibrary()
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.entries) < 25 {
		t.Fatalf("%d formats", len(lib.entries))
	}
	for _, svc := range []string{"django", "celery", "celerybeat", "flower", "nginx", "react", "redis"} {
		if len(lib.services[svc]) == 0 {
			t.Errorf("no formats for service %s", svc)
		}
	}
}

// Tracebacks as Python 3.11's traceback module prints them: the last
// exception of a chain, a message over several lines, a bare class, an
// exception group.
func TestTracebacks(t *testing.T) {
	f := newFilter(t, Config{Formats: []Decl{{Python: "%(levelname)s:%(name)s:%(message)s"}}, Traceback: true})
	cases := []struct{ stack, typ, msg string }{
		{"Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nValueError: bad", "ValueError", "bad"},
		{"Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"x.py\", line 3, in <module>\napp.errors.Boom: second", "app.errors.Boom", "second"},
		{"Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\ncelery.exceptions.ImproperlyConfigured: line one\nline two", "celery.exceptions.ImproperlyConfigured", "line one\nline two"},
		{"Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nTimeoutError", "TimeoutError", ""},
		// raise PaymentError("outer") from ValueError("inner"): the cause
		// was never raised, so it has no traceback of its own.
		{"ValueError: inner\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nmyapp.errors.PaymentError: outer", "myapp.errors.PaymentError", "outer"},
		{"  + Exception Group Traceback (most recent call last):\n  |   File \"x.py\", line 1, in <module>\n  | ExceptionGroup: two (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: a\n    +------------------------------------", "ExceptionGroup", "two (2 sub-exceptions)"},
	}
	for _, c := range cases {
		e := lineEvent("ERROR:app:failed\n"+c.stack, "")
		f.Apply(e)
		if text(e, "message") != "failed" || text(e, "[error][stack_trace]") != c.stack || text(e, "[error][type]") != c.typ || text(e, "[error][message]") != c.msg {
			t.Errorf("%q:\n message %q type %q msg %q", c.stack, text(e, "message"), text(e, "[error][type]"), text(e, "[error][message]"))
		}
	}
}

func TestServiceOrderSubFormatsAndSet(t *testing.T) {
	f := newFilter(t, Config{Library: true, Traceback: true})
	// Flower's tornado access line: the record, then its message's
	// access fields (mher/flower#1409 shows such lines).
	e := lineEvent("[I 250202 12:34:56 web:2250] 200 GET /dashboard (10.0.0.1) 12.34ms", "flower")
	f.Apply(e)
	want := map[string]string{"log_level": "INFO", "message": "200 GET /dashboard (10.0.0.1) 12.34ms", "[http][response][status_code]": "200",
		"[http][request][method]": "GET", "[url][original]": "/dashboard", "[source][address]": "10.0.0.1", "[event][duration]": "12340000",
		"@timestamp": "2025-02-02T12:34:56.000Z", "[log][origin][file][line]": "2250", "stream": "access"}
	for ref, w := range want {
		if got := text(e, ref); got != w {
			t.Errorf("%s: %q, want %q", ref, got, w)
		}
	}
	// A stream the sender set is kept.
	e = lineEvent("[I 250202 12:34:56 web:2250] 200 GET / (10.0.0.1) 1.00ms", "flower")
	e.Set(event.Path{"stream"}, event.String("mine"))
	f.Apply(e)
	if text(e, "stream") != "mine" {
		t.Errorf("stream %q", text(e, "stream"))
	}
	// Colours are stripped (uvicorn under a terminal).
	e = lineEvent("\x1b[32mINFO\x1b[0m:     127.0.0.1:47612 - \"\x1b[1mGET / HTTP/1.1\x1b[0m\" \x1b[32m200 OK\x1b[0m", "django")
	f.Apply(e)
	if text(e, "[source][port]") != "47612" || text(e, "[http][response][status_code]") != "200" {
		t.Errorf("coloured uvicorn: %v", e.Tags())
	}
	// werkzeug's banner is not uvicorn 0.10's "LEVEL: message", nor one
	// of Django's bare records.
	e = lineEvent("WARNING: This is a development server. Do not use it in a production deployment.", "django")
	f.Apply(e)
	if !e.HasTag("_formatparsefailure") {
		t.Errorf("banner parsed as %s", text(e, "[@metadata][format]"))
	}
}

// Django's default console handler writes the bare message (a review ran
// python3-django 3.2.25 runserver, DEBUG=True, default LOGGING): the
// request records get their level and path, an unhandled exception its
// error fields; for any other service such a line is tagged, and so is a
// django line that is none of Django's records.
func TestDjangoBareMessages(t *testing.T) {
	f := newFilter(t, Config{Library: true, Traceback: true})
	cases := []struct{ line, message, level, path, errType string }{
		{"Not Found: /nf", "Not Found: /nf", "WARNING", "/nf", ""},
		{"Forbidden (CSRF cookie not set.): /form/", "Forbidden (CSRF cookie not set.): /form/", "WARNING", "/form/", ""},
		{"Method Not Allowed (POST): /only-get/", "Method Not Allowed (POST): /only-get/", "WARNING", "/only-get/", ""},
		{"Internal Server Error: /boom\nTraceback (most recent call last):\n  File \"/tmp/dj/urls.py\", line 6, in boom\n    raise ValueError('django boom')\nValueError: django boom",
			"Internal Server Error: /boom", "ERROR", "/boom", "ValueError"},
		{"Watching for file changes with StatReloader", "Watching for file changes with StatReloader", "INFO", "", ""},
	}
	orAbsent := func(s string) string {
		if s == "" {
			return "<absent>"
		}
		return s
	}
	for _, c := range cases {
		c.level, c.path, c.errType = orAbsent(c.level), orAbsent(c.path), orAbsent(c.errType)
		e := lineEvent(c.line, "django")
		f.Apply(e)
		if e.HasTag("_formatparsefailure") || text(e, "message") != c.message || text(e, "log_level") != c.level || text(e, "[url][path]") != c.path || text(e, "[error][type]") != c.errType {
			t.Errorf("%q: tags %v message %q level %q path %q error %q", c.line, e.Tags(), text(e, "message"), text(e, "log_level"), text(e, "[url][path]"), text(e, "[error][type]"))
		}
		e = lineEvent(c.line, "celery")
		f.Apply(e)
		if !e.HasTag("_formatparsefailure") {
			t.Errorf("%q as celery: parsed as %s", c.line, text(e, "[@metadata][format]"))
		}
	}
	e := lineEvent("INFO|app.views|2025-02-30T12:34:56.123|no such day", "django")
	f.Apply(e)
	if !e.HasTag("_formatparsefailure") {
		t.Errorf("a PT line with a bad time parsed as %s", text(e, "[@metadata][format]"))
	}
}

func TestUnindent(t *testing.T) {
	f := newFilter(t, Config{Library: true, Traceback: true})
	e := lineEvent("[E 261206 01:54:25 app:32] Failed: division\n    Traceback (most recent call last):\n      File \"/tmp/app.py\", line 30, in main\n        1/0\n    ZeroDivisionError: division by zero", "flower")
	f.Apply(e)
	if text(e, "message") != "Failed: division" || text(e, "[error][type]") != "ZeroDivisionError" || !strings.HasPrefix(text(e, "[error][stack_trace]"), "Traceback (most recent call last):\n  File") {
		t.Fatalf("message %q error %q stack %q", text(e, "message"), text(e, "[error][type]"), text(e, "[error][stack_trace]"))
	}
}

func TestDictConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logging.json")
	if err := os.WriteFile(path, []byte(`{"version": 1, "formatters": {"simple": {"format": "%(levelname)s - %(message)s"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFilter(t, Config{DictConfig: path, Traceback: true})
	e := lineEvent("WARNING - disk almost full", "")
	f.Apply(e)
	if text(e, "log_level") != "WARNING" || text(e, "message") != "disk almost full" {
		t.Fatalf("tags %v", e.Tags())
	}
	c := Config{DictConfig: filepath.Join(t.TempDir(), "missing.json"), Source: event.FieldRef{Path: event.Path{"message"}}}
	if _, err := compile(&c, time.UTC); err == nil {
		t.Fatal("a missing dictconfig file compiled")
	}
}

// Django's own LOGGING example (docs.djangoproject.com, "Logging":
// "verbose" and "simple" formatters) written with "simple" first: a line of
// the verbose formatter, as Python's logging wrote it, takes the verbose
// format whichever order the file gives, not "simple" with the rest of the
// record in its message.
func TestDictConfigTriesTheFormatterWithMoreFieldsFirst(t *testing.T) {
	for _, order := range []string{
		`"simple": {"format": "%(levelname)s %(message)s"}, "verbose": {"format": "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s"}`,
		`"verbose": {"format": "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s"}, "simple": {"format": "%(levelname)s %(message)s"}`,
	} {
		path := filepath.Join(t.TempDir(), "logging.json")
		if err := os.WriteFile(path, []byte(`{"version": 1, "formatters": {`+order+`}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		f := newFilter(t, Config{DictConfig: path, Traceback: true})
		e := lineEvent("WARNING 2026-12-06 19:57:08,056 log 2266 139797468431040 Not Found: /favicon.ico", "")
		f.Apply(e)
		if text(e, "message") != "Not Found: /favicon.ico" || text(e, "[process][pid]") != "2266" || e.HasTag("_formatparsefailure") {
			t.Fatalf("%s: message %q pid %q tags %v", order, text(e, "message"), text(e, "[process][pid]"), e.Tags())
		}
		e = lineEvent("INFO plain record", "")
		f.Apply(e)
		if text(e, "message") != "plain record" || text(e, "log_level") != "INFO" {
			t.Fatalf("%s: simple line: message %q", order, text(e, "message"))
		}
	}
}

func TestExplain(t *testing.T) {
	f := newFilter(t, Config{Formats: []Decl{{Name: "pipe", Python: "%(levelname)s|%(name)s|%(message)s"}}})
	report, ok, err := f.ExplainLine("INFO|app|hi")
	if err != nil || !ok || !strings.Contains(report[0], "pipe: fits") {
		t.Fatalf("%v %v %v", report, ok, err)
	}
	report, ok, _ = f.ExplainLine("CHATTY|app|x")
	if ok || !strings.Contains(report[0], "at byte 0") || !strings.Contains(report[0], "%(levelname)s") {
		t.Fatalf("%v", report)
	}
	report, ok, _ = f.ExplainLine("INFO app")
	if ok || !strings.Contains(report[0], `expected "|"`) {
		t.Fatalf("%v", report)
	}
	// What a fitting format sets, converted as the filter stores it; a
	// format whose values do not convert does not fit, and the next is
	// tried, as the filter does.
	g := newFilter(t, Config{Formats: []Decl{
		{Name: "dated", Python: "%(asctime)s %(levelname)s %(message)s", DateFmt: "%Y-%m-%d"},
		{Name: "any", Pattern: "%{text} %{level [log_level]} %{message}"},
	}})
	report, ok, _ = g.ExplainLine("2025-02-30 warn hi")
	if want := `  sets: {"message":"hi","log_level":"WARNING"}`; !ok || len(report) != 4 || !strings.Contains(report[1], "does not convert") || report[3] != want {
		t.Fatalf("%q", report)
	}
}

// realLines are the lines of configs/testdata/real, one per library
// format that fits it (the first seen), for the benchmarks.
func realLines(tb testing.TB, f *Filter) map[string][2]string {
	files, _ := filepath.Glob("../../configs/testdata/real/*.jsonl")
	out := map[string][2]string{}
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rl struct{ Line, Service string }
			if json.Unmarshal(sc.Bytes(), &rl) != nil || strings.Contains(rl.Line, "\n") {
				continue
			}
			e := lineEvent(rl.Line, rl.Service)
			f.Apply(e)
			if name := text(e, "[@metadata][format]"); name != "<absent>" && out[name] == [2]string{} {
				out[name] = [2]string{rl.Line, rl.Service}
			}
		}
		fh.Close()
	}
	return out
}

// BenchmarkLibrary: per shipped format, a real line of it through the
// filter as the default config runs it (the service's formats first),
// and the same line scanned by another format it does not fit.
func BenchmarkLibrary(b *testing.B) {
	f := newFilter(b, Config{Library: true, Traceback: true})
	lines := realLines(b, f)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range lines {
			if !yield(k) {
				return
			}
		}
	})
	var entries = map[string]*entry{}
	for _, en := range f.lib.entries {
		entries[en.f.Name()] = en
	}
	for _, name := range names {
		line, service := lines[name][0], lines[name][1]
		// What the event's copy costs, to subtract from filter (the
		// filter writes the event, so each round needs a fresh one).
		b.Run(name+"/clone", func(b *testing.B) {
			e := lineEvent(line, service)
			b.ReportAllocs()
			for b.Loop() {
				_ = e.Clone()
			}
		})
		b.Run(name+"/filter", func(b *testing.B) {
			e := lineEvent(line, service)
			b.ReportAllocs()
			for b.Loop() {
				e := e.Clone()
				f.Apply(e)
			}
		})
		if en := entries[name]; en != nil && !en.python {
			// The format's scanner alone on its line (what the format
			// costs, without the event's writes).
			b.Run(name+"/scan", func(b *testing.B) {
				var m format.Match
				for b.Loop() {
					en.f.Scan(line, &m)
				}
			})
		}
		if en := entries[name]; en != nil && en.python {
			b.Run(name+"/scan", func(b *testing.B) {
				var m format.Match
				for b.Loop() {
					head, _ := splitTraceback(line)
					en.f.Scan(head, &m)
				}
			})
		}
		if en := entries[name]; en != nil {
			b.Run(name+"/miss", func(b *testing.B) {
				// The format's scanner on a line of another format.
				other := lines["nginx-combined"][0]
				if name == "nginx-combined" || name == "nginx-main" {
					other = lines["pt-pipe"][0]
				}
				var m format.Match
				for b.Loop() {
					en.f.Scan(other, &m)
				}
			})
		}
	}
}

// BenchmarkUnmatched: a line no shipped format fits, through the filter
// as the default config runs it, against a line that fits (issue 16: a
// line no format matches costs no more than one that matches). The
// unmatched lines are what a user's own program may write: free text, a
// JSON line, a line in a format close to a shipped one.
func BenchmarkUnmatched(b *testing.B) {
	f := newFilter(b, Config{Library: true, Traceback: true})
	lines := realLines(b, f)
	cases := map[string][2]string{
		"matched-pt-pipe": lines["pt-pipe"],
		"matched-nginx":   lines["nginx-combined"],
		"free-text":       {"starting worker loop after reload of the configuration", "django"},
		"json":            {`{"level":"info","ts":1733400000.123,"msg":"request served","status":200}`, "django"},
		"near-pt-pipe":    {"INFO|django.server|yesterday|\"GET / HTTP/1.1\" 200 1", "django"},
		"near-nginx":      {`10.0.0.1 - - [02/Feb/2025:12:34:56 +0000] "GET / HTTP/1.1" 200 abc "-" "curl/8.0"`, "nginx"},
		"free-no-service": {"starting worker loop after reload of the configuration", ""},
		// A 64 KB line (the corpus has lines of 138 KB), fitting and not.
		"long-free-text":    {strings.Repeat("starting worker loop ", 3200), "django"},
		"matched-long-pipe": {"INFO|django.server|2025-12-30T21:16:01.340|" + strings.Repeat("x", 64000), "django"},
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		line, service := cases[name][0], cases[name][1]
		b.Run(name, func(b *testing.B) {
			e := lineEvent(line, service)
			b.ReportAllocs()
			for b.Loop() {
				e := e.Clone()
				f.Apply(e)
			}
		})
	}
}

// MayFit never rules out a format that fits: every real line (with
// tracebacks and continuation lines) and every line of the generated
// corpus, against every library format, scanned as Apply scans it.
func TestMayFitNeverRulesOutAFit(t *testing.T) {
	f := newFilter(t, Config{Library: true, Traceback: true})
	var lines []string
	files, _ := filepath.Glob("../../configs/testdata/real/*.jsonl")
	corpus, _ := filepath.Glob("../../../shared/corpus/applog/events.jsonl")
	for _, name := range append(files, corpus...) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(data), "\n") {
			var rl struct{ Line, Message string }
			if json.Unmarshal([]byte(l), &rl) == nil {
				lines = append(lines, rl.Line+rl.Message)
			}
		}
	}
	if len(lines) < 100 {
		t.Fatalf("only %d lines", len(lines))
	}
	fits := 0
	for _, line := range lines {
		lb := format.NewLineBytes(line)
		for _, en := range f.lib.entries {
			text := f.prepare(en, line)
			if en.python {
				text, _ = splitTraceback(text)
			}
			var m format.Match
			if text != "" && en.f.Scan(text, &m) {
				fits++
				if !en.f.MayFit(&lb) {
					t.Errorf("%s fits %q but MayFit ruled it out", en.f.Name(), line)
				}
			}
		}
	}
	if fits < len(lines)/2 {
		t.Errorf("%d fits in %d lines: the lines were not read", fits, len(lines))
	}
}

// Celery's TaskFormatter writes "???" for the task of a record logged
// outside a task (celery/app/log.py; celery 5.2.6 wrote this line in a
// review): no task name or id, the rest as usual.
func TestCeleryRecordOutsideATask(t *testing.T) {
	f := newFilter(t, Config{Library: true, Traceback: true})
	e := lineEvent("[2026-12-06 19:59:01,101: WARNING/ForkPoolWorker-1] ???[???]: from a helper thread", "celery")
	f.Apply(e)
	if e.HasTag("_formatparsefailure") || text(e, "message") != "from a helper thread" || text(e, "log_level") != "WARNING" ||
		text(e, "[celery][task_name]") != "<absent>" || text(e, "[celery][task_id]") != "<absent>" {
		t.Errorf("format %s message %q level %q task %q %q", text(e, "[@metadata][format]"), text(e, "message"), text(e, "log_level"), text(e, "[celery][task_name]"), text(e, "[celery][task_id]"))
	}
}
