package integration

// TestRealProgramsParse runs the real programs whose logs the shipped
// format library parses — nginx, redis-server and gunicorn, as Debian
// packages them — briefly on 127.0.0.1 in a temporary directory, makes a
// few requests it knows the answer to, stops them, and runs every line
// they wrote through the embedded default config in process, as Filebeat
// ships it (fields.group pt, fields.service nginx, redis or django). No
// line may come out tagged *parsefailure, and the fields the test caused
// (method, target, status, user agent, pid) must be what the documents
// say. configs/testdata/real holds lines captured once from the same
// programs; this test captures them afresh on every run, so a new
// package version that changes a format shows up here.
//
// A program not installed skips its part, naming the Debian package;
// .ci/run installs them (nginx, redis-server, python3-gunicorn).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rpStartWait bounds a program's start (until it listens), rpStopWait
// its exit after SIGTERM, rpIOWait each request.
const (
	rpStartWait = 10 * time.Second
	rpStopWait  = 5 * time.Second
	rpIOWait    = 3 * time.Second
)

// rpProc is a real program the test started.
type rpProc struct {
	name    string
	started time.Time
	cmd     *exec.Cmd
	output  *syncBuffer // stdout and stderr, for failure messages
	done    chan struct{}
	err     error // Wait's, once done is closed
}

// rpStart starts path with args in its own process group, and registers
// a cleanup that kills the group if the test did not stop it.
func rpStart(t *testing.T, name, dir, path string, args ...string) *rpProc {
	t.Helper()
	p := &rpProc{name: name, started: time.Now(), cmd: exec.Command(path, args...), output: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Dir = dir
	// TZ=UTC: nginx's error log and redis write local time without a
	// zone, which the shipped pipelines read as UTC.
	p.cmd.Env = append(os.Environ(), "TZ=UTC")
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	// Own group: the cleanup can kill nginx's and gunicorn's workers too;
	// Pdeathsig: nothing outlives a test binary killed on its timeout.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(rpStopWait):
			t.Errorf("%s (pid %d) still running after SIGKILL", name, p.cmd.Process.Pid)
		}
	})
	return p
}

func (p *rpProc) pid() int { return p.cmd.Process.Pid }

// waitListening waits until addr accepts a connection; the program
// exiting first or the deadline passing fails the test.
func (p *rpProc) waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(rpStartWait)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening on %s: %v\n%s", p.name, addr, p.err, p.output)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening on %s after %v: %v\n%s", p.name, addr, rpStartWait, err, p.output)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the exit; past the deadline the
// group is killed and the test fails.
func (p *rpProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM %s: %v", p.name, err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Logf("%s exited: %v", p.name, p.err)
		}
	case <-time.After(rpStopWait):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
		t.Fatalf("%s did not exit within %v of SIGTERM\n%s", p.name, rpStopWait, p.output)
	}
}

// rpLines reads every line of a file the program wrote.
func rpLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// rpParsed is one line's document from the default config.
type rpParsed struct {
	line string
	doc  map[string]any
}

// rpParse runs every line of path through the default config as a
// Filebeat event and fails the test on any line tagged *parsefailure
// unless allowed says why that line may be.
func rpParse(t *testing.T, service, path string, since time.Time, allowed func(line string) string) []rpParsed {
	t.Helper()
	r := defaultRunner(t)
	// Every line was written between the program's start and now; nginx
	// and gunicorn write whole seconds.
	from, until := since.Truncate(time.Second).Add(-time.Second), time.Now().Add(time.Second)
	var out []rpParsed
	lines := rpLines(t, path)
	for _, line := range lines {
		res := runEvent(t, r, map[string]any{
			// Outside the run: a line whose own time is not parsed keeps
			// Filebeat's and fails the check below.
			"@timestamp": "2000-01-01T00:00:00.000Z",
			"message":    line,
			"fields":     map[string]any{"group": "pt", "service": service},
			"log":        map[string]any{"file": map[string]any{"path": path}},
		})
		if res.dropped {
			t.Errorf("%s: line dropped: %q", filepath.Base(path), line)
			continue
		}
		failed := ""
		tags, _ := res.doc["tags"].([]any)
		for _, tag := range tags {
			if s, _ := tag.(string); strings.HasSuffix(s, "parsefailure") {
				failed = s
			}
		}
		if failed != "" {
			if why := allowed(line); why != "" {
				t.Logf("%s: tagged %s, allowed (%s): %q", filepath.Base(path), failed, why, line)
			} else {
				t.Errorf("%s: tagged %s: %q", filepath.Base(path), failed, line)
			}
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, rpStr(res.doc, "@timestamp"))
		if err != nil || ts.Before(from) || ts.After(until) {
			t.Errorf("%s: @timestamp %v not within the run [%s, %s]: %q", filepath.Base(path), res.doc["@timestamp"],
				from.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339), line)
		}
		out = append(out, rpParsed{line: line, doc: res.doc})
	}
	t.Logf("%s: %d lines, %d parsed", filepath.Base(path), len(lines), len(out))
	return out
}

// noException: every line these programs write is a format the library
// knows; none is excused.
func noException(string) string { return "" }

// rpRequest is one HTTP request the test makes, with the status each
// server answers it with (the servers are configured below to do so).
type rpRequest struct {
	method, target, ua, xff, body string
	nginx, gunicorn               int
}

// Each target is unique (n=) so an access line finds its request.
var rpRequests = []rpRequest{
	{method: "GET", target: "/?n=1", ua: "ingestd-realprograms/1", nginx: 200, gunicorn: 200},
	{method: "GET", target: "/missing.html?n=2", ua: "ingestd-realprograms/1", nginx: 404, gunicorn: 404},
	{method: "POST", target: "/submit?n=3", ua: "ingestd-realprograms/1", body: "a=1&b=two", nginx: 201, gunicorn: 201},
	{method: "GET", target: "/?n=4", ua: `Mozilla/5.0 "quoted" agent`, nginx: 200, gunicorn: 200},
	{method: "GET", target: "/search?q=a%20b&n=5", ua: "ingestd-realprograms/1", xff: "203.0.113.7, 198.51.100.2", nginx: 404, gunicorn: 404},
	{method: "POST", target: "/?n=6", ua: "ingestd-realprograms/1", body: "x", nginx: 405, gunicorn: 201},
}

// rpWaitLines waits (up to rpStopWait) until path holds n lines.
func rpWaitLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(rpStopWait)
	for {
		data, _ := os.ReadFile(path)
		if bytes.Count(data, []byte("\n")) >= n || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rpDoRequests makes rpRequests against addr and checks each status.
func rpDoRequests(t *testing.T, addr string, status func(rpRequest) int) {
	t.Helper()
	cl := &http.Client{Timeout: rpIOWait, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, rq := range rpRequests {
		var body io.Reader
		if rq.body != "" {
			body = strings.NewReader(rq.body)
		}
		req, err := http.NewRequest(rq.method, "http://"+addr+rq.target, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", rq.ua)
		if rq.xff != "" {
			req.Header.Set("X-Forwarded-For", rq.xff)
		}
		if rq.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", rq.method, rq.target, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status(rq) {
			t.Fatalf("%s %s: status %d, the test expects %d", rq.method, rq.target, resp.StatusCode, status(rq))
		}
	}
}

// rpStr is a document's string field ("" when absent or not a string).
func rpStr(doc map[string]any, name string) string {
	v, _ := get(doc, name)
	s, _ := v.(string)
	return s
}

// rpNum is a document's numeric field.
func rpNum(doc map[string]any, name string) (float64, bool) {
	v, _ := get(doc, name)
	f, ok := v.(float64)
	return f, ok
}

// rpCheckAccess checks that each access line is one request the test
// made, with its method, target, status and user agent (uaInLog: how
// the server writes it), and that every request has its line.
func rpCheckAccess(t *testing.T, file string, docs []rpParsed, status func(rpRequest) int, uaInLog func(string) string, xff bool) {
	t.Helper()
	byTarget := map[string]rpRequest{}
	for _, rq := range rpRequests {
		byTarget[rq.target] = rq
	}
	seen := map[string]int{}
	for _, d := range docs {
		target := rpStr(d.doc, "url.original")
		rq, ok := byTarget[target]
		if !ok {
			t.Errorf("%s: url.original %q is no request the test made: %q", file, target, d.line)
			continue
		}
		seen[target]++
		if got := rpStr(d.doc, "http.request.method"); got != rq.method {
			t.Errorf("%s: http.request.method %q, want %q: %q", file, got, rq.method, d.line)
		}
		if got, ok := rpNum(d.doc, "http.response.status_code"); !ok || int(got) != status(rq) {
			t.Errorf("%s: http.response.status_code %v, want %d: %q", file, got, status(rq), d.line)
		}
		if got, want := rpStr(d.doc, "user_agent.original"), uaInLog(rq.ua); got != want {
			t.Errorf("%s: user_agent.original %q, want %q: %q", file, got, want, d.line)
		}
		if got := rpStr(d.doc, "source.address"); got != "127.0.0.1" {
			t.Errorf("%s: source.address %q, want 127.0.0.1: %q", file, got, d.line)
		}
		if xff {
			v, present := get(d.doc, "http.request.headers.x_forwarded_for")
			if rq.xff == "" && present && v != "-" {
				t.Errorf("%s: x_forwarded_for %v for a request without the header: %q", file, v, d.line)
			}
			if rq.xff != "" && v != rq.xff {
				t.Errorf("%s: x_forwarded_for %v, want %q: %q", file, v, rq.xff, d.line)
			}
		}
	}
	for _, rq := range rpRequests {
		if seen[rq.target] != 1 {
			t.Errorf("%s: %d lines for %s %s, want 1", file, seen[rq.target], rq.method, rq.target)
		}
	}
}

// rpCheckLevelPID checks a server's own log lines: each has a level and
// the pid of the server or of a worker it announced (workerRE's group 1;
// nil: the server has no workers).
func rpCheckLevelPID(t *testing.T, file string, docs []rpParsed, server int, workerRE *regexp.Regexp) {
	t.Helper()
	if len(docs) == 0 {
		t.Errorf("%s: no line parsed", file)
	}
	pids := map[int]bool{server: true}
	for _, d := range docs {
		if workerRE == nil {
			break
		}
		if m := workerRE.FindStringSubmatch(rpStr(d.doc, "message")); m != nil {
			n, _ := strconv.Atoi(m[1])
			pids[n] = true
		}
	}
	for _, d := range docs {
		if rpStr(d.doc, "log_level") == "" {
			t.Errorf("%s: no log_level: %q", file, d.line)
		}
		if pid, ok := rpNum(d.doc, "process.pid"); !ok || !pids[int(pid)] {
			t.Errorf("%s: process.pid %v is not the server's (%d) nor a worker's it started: %q", file, pid, server, d.line)
		}
	}
}

func TestRealProgramsParse(t *testing.T) {
	t.Run("nginx", rpNginx)
	t.Run("redis", rpRedis)
	t.Run("gunicorn", rpGunicorn)
}

func rpNginx(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("/usr/sbin/nginx")
	if err != nil {
		if bin, err = exec.LookPath("nginx"); err != nil {
			t.Skipf("nginx not installed (apt-get install nginx): %v", err)
		}
	}
	dir := t.TempDir()
	addr := freePort(t)
	for _, d := range []string{"html", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "index.html"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// As root the workers would run as nobody, who cannot enter the
	// test's 0700 temporary directory.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%[1]s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log %[2]s/access.log combined;
    access_log %[2]s/access-main.log main;
    client_body_temp_path %[2]s/tmp/body;
    proxy_temp_path %[2]s/tmp/proxy;
    fastcgi_temp_path %[2]s/tmp/fastcgi;
    uwsgi_temp_path %[2]s/tmp/uwsgi;
    scgi_temp_path %[2]s/tmp/scgi;
    default_type text/plain;
    server {
        listen %[3]s;
        root %[2]s/html;
        location = /submit { return 201 "created\n"; }
    }
}
`, user, dir, addr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// -e: the log nginx writes before it has read the configuration
	// (Debian's is /var/log/nginx/error.log).
	p := rpStart(t, "nginx", dir, bin, "-p", dir+"/", "-e", filepath.Join(dir, "error.log"),
		"-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;")
	p.waitListening(t, addr)
	status := func(rq rpRequest) int { return rq.nginx }
	rpDoRequests(t, addr, status)
	// nginx logs a request after its response, once a refused body is
	// drained (lingering close): a worker stopped before that never logs
	// it. Wait for every request's line before stopping.
	for _, f := range []string{"access.log", "access-main.log"} {
		rpWaitLines(t, filepath.Join(dir, f), len(rpRequests))
	}
	p.stop(t)

	// nginx escapes " (and bytes outside printable ASCII) in a quoted
	// variable as \xHH; the library keeps the escape verbatim.
	escaped := func(ua string) string { return strings.ReplaceAll(ua, `"`, `\x22`) }
	for _, f := range []string{"access.log", "access-main.log"} {
		docs := rpParse(t, "nginx", filepath.Join(dir, f), p.started, noException)
		rpCheckAccess(t, f, docs, status, escaped, f == "access-main.log")
	}
	rpCheckLevelPID(t, "error.log", rpParse(t, "nginx", filepath.Join(dir, "error.log"), p.started, noException),
		p.pid(), regexp.MustCompile(`^start worker process (\d+)$`))
}

func rpRedis(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skipf("redis-server not installed (apt-get install redis-server): %v", err)
	}
	dir := t.TempDir()
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	// --logfile: plain lines (the ASCII-art logo is written only when
	// stdout is a tty and no log file is set).
	p := rpStart(t, "redis", dir, bin, "--port", port, "--bind", "127.0.0.1", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"), "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--loglevel", "verbose")
	p.waitListening(t, addr)

	c, err := net.DialTimeout("tcp", addr, rpIOWait)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(rpIOWait))
	rd := bufio.NewReader(c)
	for _, step := range []struct{ send, want string }{
		{"*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
		{"*3\r\n$3\r\nSET\r\n$7\r\ningestd\r\n$4\r\ntest\r\n", "+OK\r\n"},
	} {
		if _, err := io.WriteString(c, step.send); err != nil {
			t.Fatal(err)
		}
		got, err := rd.ReadString('\n')
		if err != nil || got != step.want {
			t.Fatalf("redis answered %q (%v) to %q, want %q", got, err, step.send, step.want)
		}
	}
	c.Close()
	p.stop(t)

	docs := rpParse(t, "redis", filepath.Join(dir, "redis.log"), p.started, noException)
	// A line redis writes from its signal handler ("pid:signal-handler
	// (unix seconds) Received SIGTERM scheduling shutdown...", still in
	// 7.0) carries no role and no level: only its pid is checked.
	var logged []rpParsed
	for _, d := range docs {
		if strings.Contains(d.line, ":signal-handler (") {
			if pid, _ := rpNum(d.doc, "process.pid"); int(pid) != p.pid() {
				t.Errorf("redis.log: process.pid %v, want %d: %q", pid, p.pid(), d.line)
			}
			continue
		}
		logged = append(logged, d)
	}
	rpCheckLevelPID(t, "redis.log", logged, p.pid(), nil)
	for _, d := range logged {
		if role := rpStr(d.doc, "redis.role"); role != "master" && role != "child" {
			t.Errorf("redis.log: redis.role %q, want master or child: %q", role, d.line)
		}
	}
}

// rpWSGIApp answers as rpRequests expects: POST 201, / 200, else 404.
const rpWSGIApp = `def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        status, body = "201 Created", b"created\n"
    elif environ["PATH_INFO"] == "/":
        status, body = "200 OK", b"hello\n"
    else:
        status, body = "404 Not Found", b"not found\n"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`

func rpGunicorn(t *testing.T) {
	t.Parallel()
	// Debian's python3-gunicorn is on Debian's python3, which the python3
	// first on PATH (a virtualenv, another build) may not be.
	const python = "/usr/bin/python3"
	if _, err := exec.LookPath(python); err != nil {
		t.Skipf("%s not installed (apt-get install python3-gunicorn): %v", python, err)
	}
	if out, err := exec.Command(python, "-c", "import gunicorn").CombinedOutput(); err != nil {
		t.Skipf("gunicorn not importable by %s (apt-get install python3-gunicorn): %v: %s", python, err, out)
	}
	dir := t.TempDir()
	addr := freePort(t)
	if err := os.WriteFile(filepath.Join(dir, "rpapp.py"), []byte(rpWSGIApp), 0o644); err != nil {
		t.Fatal(err)
	}
	p := rpStart(t, "gunicorn", dir, python, "-m", "gunicorn", "--chdir", dir, "--workers", "1",
		"--graceful-timeout", "3", "--bind", addr,
		"--access-logfile", filepath.Join(dir, "access.log"), "--error-logfile", filepath.Join(dir, "error.log"),
		"rpapp:app")
	p.waitListening(t, addr)
	status := func(rq rpRequest) int { return rq.gunicorn }
	rpDoRequests(t, addr, status)
	rpWaitLines(t, filepath.Join(dir, "access.log"), len(rpRequests))
	p.stop(t)

	// gunicorn escapes " in an atom as \"; the library unescapes it.
	same := func(ua string) string { return ua }
	rpCheckAccess(t, "access.log", rpParse(t, "django", filepath.Join(dir, "access.log"), p.started, noException), status, same, false)
	rpCheckLevelPID(t, "error.log", rpParse(t, "django", filepath.Join(dir, "error.log"), p.started, noException),
		p.pid(), regexp.MustCompile(`^Booting worker with pid: (\d+)$`))
}
