package integration

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The ingestd binary, built once, on first use, for the tests that drive
// the real process (signals, exit codes, CLI contract): a run that selects
// only in-process tests (CI's fidelity run) does not build it.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func ingestdBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "ingestd-bin"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "ingestd")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/ingestd").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("build ingestd: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// freePort returns a 127.0.0.1 address nobody listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a running ingestd process.
type proc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

func startProc(t *testing.T, env []string, stdout *os.File, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(ingestdBin(t), args...), logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.logs
	if stdout != nil {
		p.cmd.Stdout = stdout
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	})
	return p
}

// kill sends SIGKILL and waits until the process is gone, so that its
// port is free for the next one.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("killed process did not exit")
	}
}

func (p *proc) waitListening(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, 10*time.Second, "ingestd to listen on "+addr, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		return false
	})
}

// TestKilledServerBatchIsResent: a batch is stuck unacknowledged (the
// output is a pipe nobody reads), the server is SIGKILLed, and the client,
// as Filebeat does, reconnects and resends it: after the restart every
// event is in the output (at-least-once).
func TestKilledServerBatchIsResent(t *testing.T) {
	addr := freePort(t)
	dir := t.TempDir()
	stuck := filepath.Join(dir, "stuck.yml")
	os.WriteFile(stuck, []byte(`inputs:
  - beats: {listen: "`+addr+`", keepalive: 200ms}
pipelines:
  - name: pt
    data_stream: {dataset: django, namespace: pt}
outputs:
  - stdout: {}
`), 0o644)
	r, w, _ := os.Pipe() // nobody reads r: the stdout output blocks once 64 KiB are buffered
	defer r.Close()
	defer w.Close()
	p := startProc(t, []string{"INGESTD_DATA_DIR=" + dir}, w, "run", "-c", stuck)
	p.waitListening(t, addr)

	batch := makeBatch(0, 0, 2048) // ~1 MiB of NDJSON: far more than a pipe holds
	// Keepalives every 200 ms; the client's timeout outlasts the 2 s
	// checked below with room for a late one under -race.
	cl, err := dial(t, addr, nil, clientTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() { _, err := cl.Send(batch); sent <- err }()
	select {
	case err := <-sent:
		t.Fatalf("batch answered although the output is blocked: %v", err)
	case <-time.After(2 * time.Second):
	}
	p.kill(t)
	if err := <-sent; err == nil {
		t.Fatal("client saw no error when the server died")
	}
	cl.Close()

	// Restart with the default config (file output under the data dir).
	p2 := startProc(t, []string{"INGESTD_DATA_DIR=" + dir, "INGESTD_BEATS_LISTEN=" + addr, "INGESTD_HTTP_LISTEN=127.0.0.1:0"}, nil, "run")
	p2.waitListening(t, addr)
	cl2, err := dial(t, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if n, err := cl2.Send(batch); err != nil || n != len(batch) {
		t.Fatalf("resend: n=%d err=%v\n%s", n, err, p2.logs)
	}
	checkExactlyOnce(t, readLines(t, filepath.Join(dir, "streams", "logs-django-pt.ndjson")), 1, 1, 2048)
}

// TestSIGTERMDrainsAndExitsZero: SIGTERM while clients send; ingestd stops
// accepting, finishes in-flight batches, exits 0, and every ACKed event is
// in the output.
func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	addr := freePort(t)
	dir := t.TempDir()
	p := startProc(t, []string{"INGESTD_DATA_DIR=" + dir, "INGESTD_BEATS_LISTEN=" + addr, "INGESTD_HTTP_LISTEN=127.0.0.1:0"}, nil, "run")
	p.waitListening(t, addr)

	const conns = 4
	acked := make(chan []string, conns)
	var batchesAcked atomic.Int64
	for c := range conns {
		go func() {
			var ids []string
			defer func() { acked <- ids }()
			cl, err := dial(t, addr, nil, clientTimeout(5*time.Second))
			if err != nil {
				return
			}
			defer cl.Close()
			for b := 0; ; b++ {
				batch := makeBatch(c, b, 1000)
				if n, err := cl.Send(batch); err != nil || n != len(batch) {
					return
				}
				for i := range batch {
					ids = append(ids, eventID(c, b, i))
				}
				batchesAcked.Add(1)
			}
		}()
	}
	// Every connection is sending (some batches in, more in flight) when
	// the signal comes.
	waitFor(t, 30*time.Second, "batches from every connection", func() bool { return batchesAcked.Load() >= 2*conns })
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.logs)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("ingestd did not exit after SIGTERM")
	}
	written := map[string]int{}
	for _, l := range readLines(t, filepath.Join(dir, "streams", "logs-django-pt.ndjson")) {
		written[idOf(l)]++
	}
	total := 0
	for range conns {
		for _, id := range <-acked {
			total++
			if written[id] == 0 {
				t.Fatalf("event %s was ACKed but is not in the output", id)
			}
		}
	}
	if total == 0 {
		t.Fatal("no batch was ACKed before SIGTERM")
	}
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Fatalf("no shutdown log line:\n%s", p.logs)
	}
}

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv runs the binary with env added to the test's environment and
// returns its output (stdout and stderr) and exit code.
func runCLIEnv(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(ingestdBin(t), args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func TestValidateCLI(t *testing.T) {
	shipped, _ := filepath.Glob("../configs/*.yml")
	if len(shipped) == 0 {
		t.Fatal("no shipped configs found")
	}
	for _, f := range shipped {
		if out, code := runCLI(t, "validate", "-c", f); code != 0 || !strings.Contains(out, "valid") {
			t.Errorf("%s: exit %d: %s", f, code, out)
		}
	}
	if out, code := runCLI(t, "validate"); code != 0 {
		t.Errorf("embedded default: exit %d: %s", code, out)
	}

	broken := filepath.Join(t.TempDir(), "broken.yml")
	os.WriteFile(broken, []byte(`inputs:
  - beats:
      lisen: 0.0.0.0:5044
pipelines:
  - name: pt
    workers: lots
    when: 'tags contains'
    data_stream:
      dataset: Django-App
outputs:
  - file: {}
`), 0o644)
	out, code := runCLI(t, "validate", "-c", broken)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	want := []string{
		broken + `:3:7: unknown key "lisen" in beats (did you mean "listen"?)`,
		broken + `:6:14: pipelines[0].workers: expected an integer, got "lots"`,
		broken + `:7:24: when: condition does not compile: unexpected token EOF`,
		broken + `:9:16: pipelines[0].data_stream.dataset: "Django-App" must be lower case`,
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n got %s\nwant %s…", i+1, lines[i], w)
		}
	}
}

// TestPipelineTestsCLI: the shipped pipeline tests pass through the real
// binary; a failing one exits 1 with a diff per mismatch.
func TestPipelineTestsCLI(t *testing.T) {
	suites, _ := filepath.Glob("../configs/tests/*.yml")
	if len(suites) < 4 {
		t.Fatalf("shipped test files: %v", suites)
	}
	// The node's data directory: a test run neither reads nor writes it
	// (dcache.yml's tests teach the billing filter templates).
	dataDir := t.TempDir()
	t.Setenv("INGESTD_DATA_DIR", dataDir)
	out, code := runCLI(t, append([]string{"test"}, suites...)...)
	if code != 0 || !strings.Contains(out, " passed, 0 failed") {
		t.Fatalf("shipped pipeline tests: exit %d\n%s", code, out)
	}
	if written, _ := os.ReadDir(dataDir); len(written) != 0 {
		t.Errorf("ingestd test wrote into the data directory: %v", written)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	cfg, _ := filepath.Abs("../configs/pt.yml")
	os.WriteFile(bad, []byte(`config: `+cfg+`
tests:
  - name: wrong expectation
    line: 'INFO|django.db|2025-02-02T12:34:56.123|x'
    fields: {group: pt, service: django}
    expect: {data_stream: logs-django-prod, fields: {log_level: DEBUG}, absent: [logger_name]}
`), 0o644)
	out, code = runCLI(t, "test", bad)
	for _, want := range []string{"FAIL " + bad + ": wrong expectation", "data_stream: want logs-django-prod, got logs-django-pt",
		`[log_level]: want "DEBUG", got "INFO"`, `[logger_name]: want <absent>, got "django.db"`, "0 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// The line fits its format: no format is explained as failing it (the
	// explanation once read the message the format had rewritten).
	if strings.Contains(out, "leaves the line") {
		t.Errorf("a line that fits explained as failing:\n%s", out)
	}
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

// TestDocsAreGenerated: docs/reference.md is what `ingestd docs` prints
// from the specs (regenerate with: go run ./cmd/ingestd docs > docs/reference.md).
func TestDocsAreGenerated(t *testing.T) {
	out, code := runCLI(t, "docs")
	want, err := os.ReadFile("../docs/reference.md")
	if err != nil || code != 0 {
		t.Fatalf("docs: exit %d, %v", code, err)
	}
	if out != string(want) {
		t.Fatal("docs/reference.md is stale: run `go run ./cmd/ingestd docs > docs/reference.md`")
	}
}

// TestValidateOnline: --online reaches the cluster, checks the
// credentials and that every data stream has an index template.
func TestValidateOnline(t *testing.T) {
	es := startES(t)
	cfgPath := filepath.Join(t.TempDir(), "online.yml")
	os.WriteFile(cfgPath, []byte(`inputs:
  - beats: {listen: "127.0.0.1:0"}
pipelines:
  - name: metrics
    when: '"m" in tags'
    data_stream: {type: metrics, dataset: "%{[fields][service]}", namespace: prod}
  - name: logs
    data_stream: {dataset: app, namespace: "%{[fields][group]}"}
outputs:
  - elasticsearch:
      hosts: `+es.URL+`
      username: ingest
      password: ${ES_PASS:right}
`), 0o644)
	out, code := runCLI(t, "validate", "--online", "-c", cfgPath)
	if code != 1 || !strings.Contains(out, cfgPath+":10:5: output elasticsearch: data stream metrics-*-prod matches no index template with data_stream") || strings.Contains(out, "logs-app-*") {
		t.Fatalf("missing template: exit %d\n%s", code, out)
	}
	es.RequireBasicAuth("ingest", "right")
	cmd := exec.Command(ingestdBin(t), "validate", "--online", "-c", cfgPath)
	cmd.Env = append(os.Environ(), "ES_PASS=wrong")
	o, _ := cmd.CombinedOutput()
	if !strings.Contains(string(o), "refuses the credentials") {
		t.Fatalf("wrong password accepted:\n%s", o)
	}
	// Once a metrics template exists, the config is valid online.
	req, _ := http.NewRequest(http.MethodPut, es.URL+"/_index_template/metrics", strings.NewReader(`{"index_patterns":["metrics-*-*"],"data_stream":{}}`))
	req.SetBasicAuth("ingest", "right")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("put template: %v", err)
	}
	if out, code := runCLI(t, "validate", "--online", "-c", cfgPath); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestGrokCLI: ingestd grok reaches the grok filter through the registry
// (the CLI names no plugin) and reports as it always did: the matching
// pattern and its captures, how far a failing one got, an unknown pattern
// name; the flags are taken as written (no ${VAR} expansion).
func TestGrokCLI(t *testing.T) {
	out, code := runCLI(t, "grok", "--pattern", `%{INT:x} z`, "--pattern", `%{LOGLEVEL:lvl}\|%{DATA:logger}\|`, "--line", "INFO|apps.x|")
	if code != 0 || !strings.Contains(out, `pattern 1: no match for "%{INT:x} z"`) ||
		!strings.Contains(out, "pattern 2 matched:") || !strings.Contains(out, `[logger] = "apps.x"`) || !strings.Contains(out, `[lvl] = "INFO"`) {
		t.Errorf("two patterns, the second matching: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, "grok", "--pattern", `^%{WORD:a} \${x}$`, "--line", "hi ${x}"); code != 0 || !strings.Contains(out, `[a] = "hi"`) {
		t.Errorf("a literal ${x}: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, "grok", "--pattern", `%{NOPE:x}`, "--line", "a"); code != 1 || strings.TrimSpace(out) != `pattern "%{NOPE:x}": no pattern found for %{NOPE}` {
		t.Errorf("unknown pattern: exit %d\n%s", code, out)
	}
	if _, code := runCLI(t, "grok", "--pattern", `%{INT:x}`, "--line", "a"); code != 1 {
		t.Errorf("no match: exit %d, want 1", code)
	}
}

func TestFormatCLI(t *testing.T) {
	out, code := runCLI(t, "format", "--python", "%(asctime)s [%(process)d] [%(levelname)s] %(message)s", "--datefmt", "[%Y-%m-%d %H:%M:%S %z]",
		"--line", "[2025-02-02 12:34:56 +0000] [7] [INFO] Booting worker with pid: 7")
	if code != 0 || !strings.Contains(out, "given: fits") || !strings.Contains(out, `%(process)d="7"`) {
		t.Errorf("a gunicorn line: exit %d\n%s", code, out)
	}
	out, code = runCLI(t, "format", "--nginx", `$remote_addr - $remote_user [$time_local] "$request" $status`, "--line", `1.2.3.4 - - [06/Dec/2026:01:52:50 +0000] "GET / HTTP/1.1" 2OO`)
	if code != 1 || !strings.Contains(out, "at byte 59") {
		t.Errorf("a bad status: exit %d\n%s", code, out)
	}
	// No format given: the shipped library.
	out, code = runCLI(t, "format", "--line", "1:M 02 Feb 2025 12:34:56.123 * Ready to accept connections")
	if code != 0 || !strings.Contains(out, "redis: fits") {
		t.Errorf("the library: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, "format", "--python", "%(name", "--line", "x"); code != 1 || !strings.Contains(out, "unclosed") {
		t.Errorf("a broken format: exit %d\n%s", code, out)
	}
}

// peakRSS is the process's VmHWM, in bytes (-1 if unknown).
func (p *proc) peakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}
