package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/spec"
)

// reloadNode runs a config file in process with a reloader over it.
type reloadNode struct {
	*node
	path     string
	reloader *engine.Reloader
}

func startFileNode(t *testing.T, path string) *reloadNode {
	t.Helper()
	load := func() (*config.Config, error) {
		return config.LoadFile(path, builtin.Registry(), func(string) (string, bool) { return "", false })
	}
	cfg, err := load()
	if err != nil {
		t.Fatal(err)
	}
	n := startLoaded(t, cfg)
	return &reloadNode{node: n, path: path, reloader: &engine.Reloader{Runner: n.runner, Load: load, Log: nopLogger()}}
}

func goodReloadConfig(dataDir, addr string, gen int) string {
	return fmt.Sprintf(`data_dir: %s
shutdown_timeout: 20s
inputs:
  - beats:
      listen: %s
pipelines:
  - name: pt
    workers: %d
    filters:
      - mutate:
          add_field: {"[config_generation]": %d}
    data_stream:
      dataset: "%%{[fields][service]}"
      namespace: "%%{[fields][group]}"
outputs:
  - file: {}
`, dataDir, addr, 1+gen%3, gen)
}

// TestReloadUnderLoad: clients send continuously while the config is
// reloaded 20 times, good and bad alternating. Every event is ACKed and
// written exactly once, no connection is dropped, and the bad configs are
// refused with their validate messages while the good one keeps running.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ingestd.yml")
	addr := freePort(t)
	os.WriteFile(path, []byte(goodReloadConfig(dir, addr, 0)), 0o644)
	n := startFileNode(t, path)

	const conns, size = 4, 500
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sentBatches [conns]atomic.Int64
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(t, addr, nil)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				batch := makeBatch(c, b, size)
				if k, err := cl.Send(batch); err != nil || k != size {
					errs <- fmt.Errorf("conn %d batch %d: the connection failed during reloads: %d %v", c, b, k, err)
					return
				}
				sentBatches[c].Add(1)
			}
		}()
	}
	waitFor(t, 20*time.Second, "traffic", func() bool { return sentBatches[0].Load() > 2 })
	sent := func() int64 {
		var total int64
		for c := range sentBatches {
			total += sentBatches[c].Load()
		}
		return total
	}
	bad := []struct{ edit, want string }{
		{"      listen: ", `unknown key "lisen"`},
		{"    workers: ", "workers: expected an integer"},
		{"  - name: pt\n", "when: condition does not compile"},
		{"      - mutate:\n", "no pattern found for %{NOSUCH}"},
		{"outputs:\n", `unknown output plugin "fiel"`},
	}
	for i := 1; i <= 20; i++ {
		good := goodReloadConfig(dir, addr, i)
		if i%2 == 1 {
			b := bad[(i/2)%len(bad)]
			broken := good
			switch {
			case strings.HasPrefix(b.edit, "      listen"):
				broken = strings.Replace(good, "      listen: ", "      lisen: ", 1)
			case strings.HasPrefix(b.edit, "    workers"):
				broken = strings.Replace(good, "    workers: ", "    workers: x", 1)
			case strings.HasPrefix(b.edit, "  - name"):
				broken = strings.Replace(good, "  - name: pt\n", "  - name: pt\n    when: 'fields.service =='\n", 1)
			case strings.HasPrefix(b.edit, "      - mutate"):
				broken = strings.Replace(good, "      - mutate:\n", "      - grok:\n          match: {message: ['%{NOSUCH:x}']}\n      - mutate:\n", 1)
			default:
				broken = strings.Replace(good, "  - file: {}", "  - fiel: {}", 1)
			}
			os.WriteFile(path, []byte(broken), 0o644)
			err := n.reloader.ReloadNow(context.Background())
			var ps spec.Problems
			if !errors.As(err, &ps) || !strings.Contains(err.Error(), b.want) || !strings.HasPrefix(err.Error(), path+":") {
				t.Fatalf("reload %d: bad config not refused with its message: %v", i, err)
			}
		} else {
			os.WriteFile(path, []byte(good), 0o644)
			if err := n.reloader.ReloadNow(context.Background()); err != nil {
				t.Fatalf("reload %d: %v", i, err)
			}
			// Traffic in the new generation before the next reload: once
			// conns+1 more batches are ACKed after the swap, some
			// connection sent one wholly after it (a fixed sleep left a
			// slow machine with generations that saw no event).
			before := sent()
			waitFor(t, 20*time.Second, "traffic after a reload", func() bool { return sent() > before+conns })
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		for _, l := range strings.Split(n.logs.String(), "\n") {
			if strings.Contains(l, "reload") || strings.Contains(l, "beats") {
				t.Log(l)
			}
		}
		t.Fatal(err)
	}
	m := n.runner.Metrics
	if m.ReloadSuccesses.Load() != 10 || m.ReloadFailures.Load() != 10 {
		t.Fatalf("reloads: %d ok, %d refused; want 10 and 10", m.ReloadSuccesses.Load(), m.ReloadFailures.Load())
	}
	n.stop()
	seen := map[string]int{}
	gens := map[string]bool{}
	for _, l := range n.streamLines("logs-django-pt") {
		seen[idOf(l)]++
		if i := strings.Index(string(l), `"config_generation":`); i >= 0 {
			gens[string(l[i+20:i+22])] = true
		}
	}
	total := 0
	for c := 0; c < conns; c++ {
		for b := 0; b < int(sentBatches[c].Load()); b++ {
			for i := 0; i < size; i++ {
				total++
				if k := seen[eventID(c, b, i)]; k != 1 {
					t.Fatalf("event %s written %d times", eventID(c, b, i), k)
				}
			}
		}
	}
	if len(seen) != total {
		t.Fatalf("%d distinct events written, %d ACKed", len(seen), total)
	}
	if len(gens) < 5 {
		t.Fatalf("only %d config generations processed events: %v", len(gens), gens)
	}
	t.Logf("%d events ACKed and written exactly once across 20 reloads; %d generations processed events", total, len(gens))
}

// TestReloadRebindsChangedListener: a reload that changes the listen
// address closes the old port and serves on the new one.
func TestReloadRebindsChangedListener(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ingestd.yml")
	oldAddr, newAddr := freePort(t), freePort(t)
	os.WriteFile(path, []byte(goodReloadConfig(dir, oldAddr, 0)), 0o644)
	n := startFileNode(t, path)
	cl, err := dial(t, oldAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendAll(t, cl, 0, 1, 100); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	os.WriteFile(path, []byte(goodReloadConfig(dir, newAddr, 1)), 0o644)
	if err := n.reloader.ReloadNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := dial(t, oldAddr, nil, clientTimeout(time.Second)); err == nil {
		_, err = c.Send(makeBatch(9, 9, 1))
		c.Close()
		if err == nil {
			t.Fatal("the old address still serves after the reload")
		}
	}
	cl2, err := dial(t, newAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if err := sendAll(t, cl2, 1, 1, 100); err != nil {
		t.Fatal(err)
	}
	n.stop()
	checkExactlyOnce(t, n.streamLines("logs-django-pt"), 2, 1, 100)
}

// TestSIGHUPReloadsTheBinary: the real binary reloads on SIGHUP (the same
// client connection keeps sending across it); a reload that turns
// reload.automatic on makes it pick up the next change by itself (the
// watcher followed only the config it started with); a bad config is
// refused with its FILE:LINE:COL message and the good one kept.
func TestSIGHUPReloadsTheBinary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ingestd.yml")
	addr := freePort(t)
	write := func(gen int, extra string) {
		cfg := goodReloadConfig(dir, addr, gen) + extra
		os.WriteFile(path, []byte(cfg), 0o644)
	}
	write(1, "reload: {automatic: false}\n")
	p := startProc(t, []string{"INGESTD_HTTP_LISTEN=127.0.0.1:0"}, nil, "run", "-c", path, "--log-level", "debug")
	p.waitListening(t, addr)
	cl, err := dial(t, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	batch := 0
	sendBatch := func() {
		t.Helper()
		events := makeBatch(0, batch, 10)
		if k, err := cl.Send(events); err != nil || k != 10 {
			t.Fatalf("batch %d: %d %v", batch, k, err)
		}
		batch++
	}
	sendBatch() // generation 1
	reloads := func() int { return strings.Count(p.logs.String(), `"message":"reloaded"`) }

	// SIGHUP with a changed config, which turns automatic reload on.
	write(2, "reload: {automatic: true, interval: 200ms}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "a reload", func() bool { return reloads() >= 1 })
	sendBatch() // generation 2, same connection

	// A change and no signal: the watcher the reload turned on applies it.
	write(3, "reload: {automatic: true, interval: 200ms}\n")
	waitFor(t, 10*time.Second, "an automatic reload", func() bool { return reloads() >= 2 })
	sendBatch() // generation 3

	// A bad config is refused with its position; generation 3 keeps running.
	os.WriteFile(path, []byte(strings.Replace(goodReloadConfig(dir, addr, 4), "    workers:", "    wrkers:", 1)), 0o644)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the refusal", func() bool { return strings.Contains(p.logs.String(), path+`:8:5: unknown key \"wrkers\"`) })
	sendBatch() // still generation 3

	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logs)
	}
	p.done <- nil
	var gens []string
	for _, l := range readLines(t, filepath.Join(dir, "streams", "logs-django-pt.ndjson")) {
		i := strings.Index(string(l), `"config_generation":`)
		gens = append(gens, string(l[i+20:i+21]))
	}
	want := strings.Repeat("1", 10) + strings.Repeat("2", 10) + strings.Repeat("3", 20)
	if got := strings.Join(gens, ""); got != want {
		t.Fatalf("generations of the 40 events: %s, want %s", got, want)
	}
}

// TestReloadPicksUpRenewedCertificates: the same config text with renewed
// certificate files is a changed input: the reload rebinds it with the new
// material, and a client that trusts only the new CA gets in.
func TestReloadPicksUpRenewedCertificates(t *testing.T) {
	dir := t.TempDir()
	oldPKI, newPKI := newTestPKI(t), newTestPKI(t)
	cert, key := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	install := func(p *testPKI) {
		for src, dst := range map[string]string{p.serverCert: cert, p.serverKey: key} {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(dst, data, 0o600)
		}
	}
	install(oldPKI)
	addr := freePort(t)
	path := filepath.Join(dir, "ingestd.yml")
	cfg := strings.Replace(goodReloadConfig(dir, addr, 0), "      listen: "+addr+"\n",
		"      listen: "+addr+"\n      tls: {enabled: true, certificate: "+cert+", key: "+key+"}\n", 1)
	os.WriteFile(path, []byte(cfg), 0o644)
	n := startFileNode(t, path)
	before := n.runner.Inputs()[0]
	if c, err := dial(t, addr, newPKI.clientTLS(nil), clientTimeout(2*time.Second)); err == nil {
		_, err = c.Send(makeBatch(9, 9, 1))
		c.Close()
		if err == nil {
			t.Fatal("a client trusting only the new CA got in before the renewal")
		}
	}
	install(newPKI)
	if err := n.reloader.ReloadNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.runner.Inputs()[0] == before {
		t.Fatal("the input was kept although its certificate changed")
	}
	cl, err := dial(t, addr, newPKI.clientTLS(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := sendAll(t, cl, 0, 1, 10); err != nil {
		t.Fatalf("after the renewal: %v", err)
	}
}
