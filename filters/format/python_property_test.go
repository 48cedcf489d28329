package format

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
)

// TestPythonLoggingProperty runs Python's own logging module over random
// records in every declared format and checks that each line it writes
// parses back to exactly the record's attributes: levels, logger names,
// messages (unicode, pipes, brackets, colons, " - ", newlines), times,
// threads, processes, call sites, and tracebacks of real exceptions
// (chained, bare, multi-line, in packages, exception groups).
//
// Where a record cannot be told apart from another one by its text the
// generator does not make it (see the ambiguity notes in the script and at
// pyPropertyFormats): such a line parses, but as the other record.
//
// INGESTD_PROPERTY_SEED reruns a seed; INGESTD_PROPERTY_COUNT sets the
// records per format; INGESTD_PROPERTY_DUMP names a file that gets the
// script's output (one JSON line per record).
func TestPythonLoggingProperty(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found on PATH")
	}
	seed := time.Now().UnixNano() % 1_000_000_000
	if s := os.Getenv("INGESTD_PROPERTY_SEED"); s != "" {
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("INGESTD_PROPERTY_SEED: %v", err)
		}
	}
	count := 200
	if s := os.Getenv("INGESTD_PROPERTY_COUNT"); s != "" {
		if count, err = strconv.Atoi(s); err != nil {
			t.Fatalf("INGESTD_PROPERTY_COUNT: %v", err)
		}
	}
	t.Logf("seed %d (rerun: INGESTD_PROPERTY_SEED=%d go test ./filters/format -run Property -count=1 -v)", seed, seed)

	dir := t.TempDir()
	script := filepath.Join(dir, "pyprop.py")
	if err := os.WriteFile(script, []byte(pyPropertyScript), 0o644); err != nil {
		t.Fatal(err)
	}
	input, err := json.Marshal(map[string]any{"seed": seed, "count": count, "dir": dir, "formats": pyPropertyFormats})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", script)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("seed %d: python3: %v\n%s", seed, err, stderr.String())
	}
	if p := os.Getenv("INGESTD_PROPERTY_DUMP"); p != "" {
		if err := os.WriteFile(p, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	filters := make([]*Filter, len(pyPropertyFormats))
	for i, pf := range pyPropertyFormats {
		cfg := &Config{
			Source:       event.FieldRef{Path: event.Path{"message"}},
			Formats:      []Decl{{Name: pf.Name, Python: pf.Fmt, DateFmt: pf.DateFmt, Style: pf.Style}},
			Library:      false,
			ServiceField: event.FieldRef{Path: event.Path{"service"}},
			Traceback:    true,
			Timezone:     "",
			TagOnFailure: []string{"_formatparsefailure"},
		}
		f, err := compile(cfg, time.UTC)
		if err != nil {
			t.Fatalf("format %s: %v", pf.Name, err)
		}
		filters[i] = f
	}

	checked := make([]int, len(pyPropertyFormats))
	failed := make([]int, len(pyPropertyFormats))
	excs := make([]int, len(pyPropertyFormats))
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for sc.Scan() {
		var r pyRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("seed %d: python output %q: %v", seed, sc.Bytes(), err)
		}
		if r.F < 0 || r.F >= len(pyPropertyFormats) {
			t.Fatalf("seed %d: python output names format %d", seed, r.F)
		}
		pf := &pyPropertyFormats[r.F]
		checked[r.F]++
		if r.ExcType != nil {
			excs[r.F]++
		}
		e := event.NewEvent(event.Object(event.Field{Key: "message", Value: event.String(r.Text)}))
		filters[r.F].Apply(e)
		want := pyExpected(t, pf, &r)
		if problems := pyCompare(e, pf, want); len(problems) > 0 {
			failed[r.F]++
			if failed[r.F] <= 3 {
				t.Errorf("seed %d, format %s (%q):\nline %q\n%s", seed, pf.Name, pf.Fmt, r.Text, strings.Join(problems, "\n"))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i, pf := range pyPropertyFormats {
		t.Logf("%-10s %4d records (%3d with tracebacks), %d failures", pf.Name, checked[i], excs[i], failed[i])
		if checked[i] != count {
			t.Errorf("seed %d, format %s: python wrote %d records, want %d", seed, pf.Name, checked[i], count)
		}
		if failed[i] > 3 {
			t.Errorf("seed %d, format %s: %d failures in all (first 3 shown)", seed, pf.Name, failed[i])
		}
	}
}

// pyPropertyFormat is a formatter the script runs, and what its random
// values may hold besides their plain forms. A field that ends at a
// literal may hold that literal only when a wrong cut cannot fit the rest
// of the line: "%(name)s - %(levelname)s" lets the name hold " - " (the
// scanner tries later occurrences, and a logger-name piece is never a bare
// level word), but "%(name)s:%(message)s" cannot let it hold ":", since
// the message fits anything.
type pyPropertyFormat struct {
	Name    string `json:"name"`
	Fmt     string `json:"fmt"`
	DateFmt string `json:"datefmt"`
	Style   string `json:"style"`
	// NameSeps, ThreadSeps and ProcessSeps are joiners the logger,
	// thread and process names may contain.
	NameSeps    []string `json:"name_seps"`
	ThreadSeps  []string `json:"thread_seps"`
	ProcessSeps []string `json:"process_seps"`
}

var pyPropertyFormats = []pyPropertyFormat{
	{Name: "basic", Fmt: "%(levelname)s:%(name)s:%(message)s", Style: "%",
		NameSeps: []string{" - ", " ", "|", "[x]"}},
	{Name: "dashes", Fmt: "%(asctime)s - %(name)s - %(levelname)s - %(message)s", Style: "%",
		NameSeps: []string{" - ", ":", "|", " "}},
	{Name: "padded", Fmt: "%(asctime)s %(levelname)-8s %(name)s %(message)s", Style: "%",
		NameSeps: []string{":", "|", "-"}},
	{Name: "flask", Fmt: "[%(asctime)s] %(levelname)s in %(module)s: %(message)s", Style: "%"},
	{Name: "gunicorn", Fmt: "%(asctime)s [%(process)d] [%(levelname)s] %(message)s", DateFmt: "[%Y-%m-%d %H:%M:%S %z]", Style: "%"},
	{Name: "detailed", Fmt: "%(asctime)s.%(msecs)03d %(levelname)s %(name)s [%(threadName)s] %(funcName)s %(pathname)s:%(lineno)d %(message)s", DateFmt: "%Y-%m-%dT%H:%M:%S", Style: "%",
		NameSeps: []string{":", "|", " - ", " "}, ThreadSeps: []string{"]", "[0]", ":"}},
	{Name: "brace", Fmt: "{asctime} {levelname:<8} {name}: {message}", Style: "{",
		NameSeps: []string{":", " ", " - ", "|"}},
	{Name: "dollar", Fmt: "$levelname $name $message", Style: "$",
		NameSeps: []string{":", "|", "-"}},
	{Name: "pt-pipe", Fmt: "%(levelname)s|%(name)s|%(asctime)s.%(msecs)03d|%(message)s", Style: "%",
		NameSeps: []string{"|", " ", " - ", ":"}},
	// The name cannot hold " - " here: cut early, the thread name would
	// take the rest of it and still fit.
	{Name: "jibe", Fmt: "%(name)s - %(threadName)s - %(levelname)s - %(message)s", Style: "%",
		NameSeps: []string{":", "|", " "}, ThreadSeps: []string{" - ", ":"}},
	{Name: "created", Fmt: "%(created)f %(levelno)s %(message)s", Style: "%"},
	{Name: "celery", Fmt: "[%(asctime)s: %(levelname)s/%(processName)s] %(message)s", Style: "%",
		ProcessSeps: []string{" ", "]", "[1]", ":"}},
	{Name: "full", Fmt: "%(asctime)s|%(levelno)s|%(process)d:%(thread)d|%(processName)s/%(threadName)s|%(filename)s:%(lineno)d|%(module)s.%(funcName)s|%(name)s|%(message)s", DateFmt: "%a, %d %b %Y %H:%M:%S %z", Style: "%",
		NameSeps: []string{":", " ", " - ", "/"}, ThreadSeps: []string{":", " - ", "/"}, ProcessSeps: []string{":", " "}},
}

// pyRecord is one line the script wrote and the LogRecord it came from.
type pyRecord struct {
	F           int     `json:"f"`
	Text        string  `json:"text"`
	LevelName   string  `json:"levelname"`
	Name        string  `json:"name"`
	Message     string  `json:"message"`
	Created     float64 `json:"created"`
	Msecs       float64 `json:"msecs"`
	AscSec      int64   `json:"asctime_sec"`
	ThreadName  string  `json:"threadName"`
	ProcessName string  `json:"processName"`
	Process     int64   `json:"process"`
	Thread      int64   `json:"thread"`
	FuncName    string  `json:"funcName"`
	Pathname    string  `json:"pathname"`
	Filename    string  `json:"filename"`
	Module      string  `json:"module"`
	Lineno      int64   `json:"lineno"`
	ExcType     *string `json:"exc_type"`
	ExcMessage  *string `json:"exc_message"`
	ExcText     *string `json:"exc_text"`
}

// pyLeaf is an expected field: its text and whether it is a JSON number.
type pyLeaf struct {
	text string
	num  bool
}

var pyAttrRE = map[string]*regexp.Regexp{
	"%": regexp.MustCompile(`%\((\w+)\)`),
	"{": regexp.MustCompile(`\{(\w+)[:!}]`),
	"$": regexp.MustCompile(`\$\{?(\w+)`),
}

// pyExpected is what the filter must make of r: every field the format
// prints, from the LogRecord's own attributes.
func pyExpected(t *testing.T, pf *pyPropertyFormat, r *pyRecord) map[string]pyLeaf {
	want := map[string]pyLeaf{}
	attrs := map[string]bool{}
	for _, m := range pyAttrRE[pf.Style].FindAllStringSubmatch(pf.Fmt, -1) {
		attrs[m[1]] = true
	}
	str := func(path, s string) { want[path] = pyLeaf{text: s} }
	num := func(path string, n int64) { want[path] = pyLeaf{text: strconv.FormatInt(n, 10), num: true} }
	for a := range attrs {
		switch a {
		case "levelname", "levelno":
			str("log_level", r.LevelName)
		case "name":
			str("logger_name", r.Name)
		case "message":
			str("message", r.Message)
		case "threadName":
			str("process.thread.name", r.ThreadName)
		case "thread":
			num("process.thread.id", r.Thread)
		case "process":
			num("process.pid", r.Process)
		case "processName":
			str("process.name", r.ProcessName)
		case "module":
			str("log.origin.module", r.Module)
		case "funcName":
			str("log.origin.function", r.FuncName)
		case "pathname":
			str("log.origin.file.path", r.Pathname)
		case "filename":
			str("log.origin.file.name", r.Filename)
		case "lineno":
			num("log.origin.file.line", r.Lineno)
		case "asctime", "created", "msecs":
		default:
			t.Fatalf("format %s: the test does not know %s", pf.Name, a)
		}
	}
	var ts time.Time
	switch {
	case attrs["created"]:
		// To the millisecond of the text Python wrote ("%f": six
		// digits, correctly rounded, as Go's 'f' rounds).
		s := strconv.FormatFloat(r.Created, 'f', 6, 64)
		sec, frac, _ := strings.Cut(s, ".")
		n, _ := strconv.ParseInt(sec, 10, 64)
		ms, _ := strconv.Atoi(frac[:3])
		ts = time.Unix(n, int64(ms)*int64(time.Millisecond))
	case attrs["asctime"]:
		ts = time.Unix(r.AscSec, 0)
		// Python's default asctime ends ",%03d" % msecs; a datefmt
		// writes seconds, and %(msecs)03d the milliseconds.
		if pf.DateFmt == "" || attrs["msecs"] {
			ts = ts.Add(time.Duration(int64(r.Msecs)) * time.Millisecond)
		}
	}
	if !ts.IsZero() {
		str("@timestamp", ts.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	}
	if r.ExcType != nil {
		str("error.type", *r.ExcType)
		str("error.message", *r.ExcMessage)
		str("error.stack_trace", *r.ExcText)
	}
	return want
}

// pyCompare lists how the event differs from want: a tag, a field missing,
// wrong or of the wrong type, or a field want does not have.
func pyCompare(e *event.Event, pf *pyPropertyFormat, want map[string]pyLeaf) []string {
	var problems []string
	if tags := e.Tags(); len(tags) > 0 {
		problems = append(problems, fmt.Sprintf("  tagged %v", tags))
	}
	if got := e.GetString(event.MustPath("[@metadata][format]")); got != pf.Name && len(e.Tags()) == 0 {
		problems = append(problems, fmt.Sprintf("  [@metadata][format] = %q, want %q", got, pf.Name))
	}
	got := map[string]event.Value{}
	pyFlatten("", e.Root(), got)
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		w, wok := want[k]
		g, gok := got[k]
		switch {
		case !gok:
			problems = append(problems, fmt.Sprintf("  %s missing, want %q", k, w.text))
		case !wok:
			problems = append(problems, fmt.Sprintf("  %s = %q, not expected", k, g.Text()))
		case g.Text() != w.text:
			problems = append(problems, fmt.Sprintf("  %s = %q\n  %s want %q", k, g.Text(), strings.Repeat(" ", len(k)), w.text))
		case w.num && g.Kind() != event.KindNumber, !w.num && g.Kind() != event.KindString:
			problems = append(problems, fmt.Sprintf("  %s = %q has JSON kind %d", k, g.Text(), g.Kind()))
		}
	}
	return problems
}

func pyFlatten(prefix string, v event.Value, out map[string]event.Value) {
	if v.Kind() != event.KindObject {
		out[prefix] = v
		return
	}
	for _, f := range v.Fields() {
		k := f.Key
		if prefix != "" {
			k = prefix + "." + k
		}
		pyFlatten(k, f.Value, out)
	}
}

// pyPropertyScript reads {seed, count, dir, formats} on stdin and writes
// one JSON line per record: the text its handler formatted and the
// record's attributes.
const pyPropertyScript = `
import builtins, calendar, importlib.util, json, logging, os, random, sys, time

spec = json.load(sys.stdin)
rng = random.Random(spec["seed"])
COUNT = spec["count"]

# Real call sites in a package under a directory with a space, and in a
# module whose name is no identifier.
site = os.path.join(spec["dir"], "site pkgs")
os.makedirs(os.path.join(site, "myapp"), exist_ok=True)
SOURCES = {
    "myapp/__init__.py": "",
    "myapp/errors.py": (
        "class PaymentError(Exception):\n"
        "    pass\n"
        "\n"
        "class Timeout(Exception):\n"
        "    pass\n"
        "\n"
        "class Outer:\n"
        "    class InnerError(LookupError):\n"
        "        pass\n"
        "\n"
        "def charge(amount):\n"
        "    raise PaymentError('card declined: amount=%d' % amount)\n"
    ),
    "myapp/views.py": (
        "def handle_request(log, level, msg, args, exc):\n"
        "    log.log(level, msg, *args, exc_info=exc)\n"
        "\n"
        "class Resource:\n"
        "    def on_get(self, log, level, msg, args, exc):\n"
        "        if level:\n"
        "            log.log(level, msg, *args, exc_info=exc)\n"
    ),
    "worker-pool.py": (
        "import logging\n"
        "\n"
        "def _run_task_2(log, level, msg, args, exc):\n"
        "    for _ in range(1):\n"
        "        log.log(level, msg, *args, exc_info=exc)\n"
        "\n"
        "emit = lambda log, level, msg, args, exc: log.log(level, msg, *args, exc_info=exc)\n"
    ),
}
for rel, src in SOURCES.items():
    with open(os.path.join(site, rel), "w") as fh:
        fh.write(src)
sys.path.insert(0, site)
import myapp.errors as errors
import myapp.views as views
_spec = importlib.util.spec_from_file_location("worker-pool", os.path.join(site, "worker-pool.py"))
wp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wp)


def emit_direct(log, level, msg, args, exc):
    log.log(level, msg, *args, exc_info=exc)


class Service:
    def process_item(self, log, level, msg, args, exc):
        log.log(level, msg, *args, exc_info=exc)


SITES = [emit_direct, Service().process_item, views.handle_request, views.Resource().on_get, wp._run_task_2, wp.emit]

LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL]

# NormalizeLevel's words: a logger or thread name piece after " - " that
# is one of these could be read as the level.
LEVEL_WORDS = {"debug", "trace", "info", "notice", "warning", "warn", "error", "err",
               "critical", "fatal", "crit", "alert", "emerg", "d", "i", "w", "e", "c", "f"}

PIECES = [
    "user", "login", "ok", "request done", "GET /api/v1/items?id=3&x=y HTTP/1.1", "donn\u00e9es",
    "\u65e5\u672c\u8a9e\u306e\u30ed\u30b0", "\U0001F680 launched", "\u03a9\u03bc\u03ad\u03b3\u03b1", "e\u0301",
    "a|b|c", "|", "[bracketed]", "[", "]", "{braced}", "<angle>", "'single'", '"double"', "key: value",
    "a - b", " - ", ":", "::", "%", "100%", "$HOME", "${x}", "\\path\\to", "tab\there", "12:34:56",
    "2024-01-02 03:04:05,678", "INFO", "ERROR:root:nested", "WARNING - x - y", "null", "{}", "[]",
    "Traceback", "x=1,y=2", "  indented", "trailing  ", "[1234] [INFO]", "in views:", "/",
]

NAME_PIECES = ["app", "myapp", "db", "pool", "worker_3", "api.v2", "tornado.access", "celery.worker.strategy",
               "uvicorn.error", "gunicorn", "x9", "_private", "\u00dcn\u00efcode", "kafka_2_consumer", "root",
               "a", "Foo", "django.request", "pt.jobs.run_42"]

THREADS = ["MainThread", "Thread-7 (worker)", "ThreadPoolExecutor-0_3", "asyncio_0", "Dummy-2",
           "gunicorn worker", "\u043f\u043e\u0442\u043e\u043a-1", "Thread-12", "ws_loop"]

PROCESSES = ["MainProcess", "ForkPoolWorker-3", "SpawnProcess-1:2", "Process-2", "Beat",
             "\u043f\u0440\u043e\u0446\u0435\u0441\u0441", "SyncManager-1"]


def ambiguous(s):
    parts = s.split(" - ")
    return any(p.isalpha() and p.lower() in LEVEL_WORDS for p in parts[1:])


def joined(base, seps, pieces):
    while True:
        s = base
        if seps and rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                s += rng.choice(seps) + rng.choice(pieces)
        if not ambiguous(s):
            return s


def logger_name(f):
    base = ".".join(rng.choice(NAME_PIECES) for _ in range(rng.randint(1, 3)))
    return joined(base, f.get("name_seps"), NAME_PIECES)


def text(newlines):
    if rng.random() < 0.03:
        return ""
    seps = [" ", " ", " ", "", ", "]
    if newlines:
        seps += ["\n", "\r\n"]
    s = rng.choice(PIECES)
    for _ in range(rng.randint(0, 7)):
        s += rng.choice(seps) + rng.choice(PIECES)
    return s


class LocalError(Exception):
    pass


def raise_value_error():
    int("x" + rng.choice(["12", "abc", "\u00fc"]))

def raise_payment():
    errors.charge(rng.randint(1, 999))

def raise_bare():
    raise errors.Timeout()

def raise_bare_builtin():
    raise RuntimeError

def raise_chain():
    try:
        {}["missing-%d" % rng.randint(0, 9)]
    except KeyError as e:
        raise errors.PaymentError("upstream lookup failed") from e

def raise_context():
    try:
        1 / 0
    except ZeroDivisionError:
        raise LocalError("while dividing: " + text(False))

def raise_multiline():
    raise ValueError("first line\nsecond: line\n  indented third\n\nAfter: blank")

def raise_chain_multiline():
    try:
        raise ValueError("inner\nSecond: x")
    except ValueError as e:
        raise errors.PaymentError("outer\nline two") from e


def raise_unraised_cause():
    # The cause was never raised: Python prints it without a
    # "Traceback (most recent call last):" line of its own.
    raise errors.PaymentError("outer") from ValueError("inner")

def raise_inner():
    raise errors.Outer.InnerError(text(False))

def raise_keyerror():
    {}[text(False)]

def raise_random():
    raise LocalError(text(True).rstrip("\n"))

RAISERS = [raise_value_error, raise_payment, raise_bare, raise_bare_builtin, raise_chain, raise_context,
           raise_multiline, raise_chain_multiline, raise_unraised_cause, raise_inner, raise_keyerror, raise_random]

if hasattr(builtins, "ExceptionGroup"):
    def raise_group():
        raise ExceptionGroup("batch failed", [ValueError("a"), errors.Timeout()])
    RAISERS.append(raise_group)


def type_name(t):
    # As traceback.TracebackException prints it.
    mod, qual = t.__module__, t.__qualname__
    return qual if mod in ("__main__", "builtins") else mod + "." + qual


def exc_info():
    try:
        rng.choice(RAISERS)()
    except BaseException:
        return sys.exc_info()
    raise AssertionError("did not raise")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.override = {}
        self.records = []

    def emit(self, record):
        for k, v in self.override.items():
            setattr(record, k, v)
        self.records.append((record, self.format(record)))


def created_ns():
    sec = rng.randint(946684800, 2145916799)
    r = rng.random()
    if r < 0.1:
        return sec * 10**9
    if r < 0.3:
        return sec * 10**9 + rng.randint(0, 999) * 10**6
    if r < 0.35:
        return sec * 10**9 + 999 * 10**6 + rng.randint(0, 999999)
    return sec * 10**9 + rng.randint(0, 10**9 - 1)


# Loggers inherit the root's level: setLevel on each would clear the
# cache of every logger, quadratic in their number.
logging.getLogger().setLevel(logging.DEBUG)
out = sys.stdout
for fi, f in enumerate(spec["formats"]):
    h = Capture()
    fm = logging.Formatter(f["fmt"], f["datefmt"] or None, f["style"])
    fm.converter = time.gmtime
    h.setFormatter(fm)
    for _ in range(COUNT):
        name = logger_name(f)
        log = logging.getLogger(name)
        log.handlers = [h]
        log.propagate = False
        exc = exc_info() if rng.random() < 0.25 else None
        # A message ending in a newline right before a traceback reads as
        # one without it: Python adds no newline of its own then.
        msg = text(rng.random() < 0.3)
        if exc is not None:
            msg = msg.rstrip("\n")
        args = ()
        if rng.random() < 0.2:
            msg = msg.replace("%", "%%") + " id=%d who=%r what=%s"
            args = (rng.randint(-5, 10**6), rng.choice(NAME_PIECES), text(False).replace("%", "%%"))
        ns = created_ns()
        h.override = {
            "created": ns / 1e9,
            "msecs": float(ns % 10**9 // 10**6),
            "threadName": joined(rng.choice(THREADS), f.get("thread_seps"), THREADS),
            "processName": joined(rng.choice(PROCESSES), f.get("process_seps"), PROCESSES),
            "process": rng.randint(1, 4194304),
            "thread": rng.randint(1, 2**47),
        }
        h.records = []
        rng.choice(SITES)(log, rng.choice(LEVELS), msg, args, exc)
        if len(h.records) != 1:
            raise AssertionError("%d records" % len(h.records))
        r, line = h.records[0]
        rec = {
            "f": fi, "text": line, "levelname": r.levelname, "name": r.name, "message": r.getMessage(),
            "created": r.created, "msecs": r.msecs,
            "asctime_sec": calendar.timegm(fm.converter(r.created)),
            "threadName": r.threadName, "processName": r.processName, "process": r.process,
            "thread": r.thread, "funcName": r.funcName, "pathname": r.pathname, "filename": r.filename,
            "module": r.module, "lineno": r.lineno,
        }
        if r.exc_info:
            rec["exc_type"] = type_name(r.exc_info[0])
            rec["exc_message"] = str(r.exc_info[1])
            rec["exc_text"] = r.exc_text
        out.write(json.dumps(rec) + "\n")
out.flush()
`
