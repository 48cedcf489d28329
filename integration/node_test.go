// Package integration drives ingestd end to end over real sockets on
// 127.0.0.1, with go-lumber's client/v2 (the code Filebeat's logstash
// output uses) as the Beats client.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/inputs/beats"
	"github.com/ingestd/ingestd/plugin"
)

// syncBuffer is a goroutine-safe log sink the tests read back.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// node is an in-process ingestd.
type node struct {
	t       testing.TB
	addr    string
	dataDir string
	logs    *syncBuffer
	runner  *engine.Runner
	beats   *beats.Input
	cancel  context.CancelFunc
	done    chan error
}

// startNode runs cfg (YAML; "${DATA}" is replaced by a temporary data dir,
// the beats input listens on 127.0.0.1:0) with the given registry.
func startNode(t testing.TB, cfg string, reg *plugin.Registry) *node {
	t.Helper()
	if reg == nil {
		reg = builtin.Registry()
	}
	dataDir := t.TempDir()
	cfg = strings.ReplaceAll(cfg, "${DATA}", dataDir)
	loaded, err := config.Load("test.yml", []byte(cfg), reg, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return startLoaded(t, loaded)
}

// startLoaded runs an already loaded config, with the files shipped in
// the binary (index templates) as the CLI gives them.
func startLoaded(t testing.TB, loaded *config.Config) *node {
	t.Helper()
	if loaded.Shipped == nil {
		loaded.Shipped = configs.Shipped
	}
	n := &node{t: t, dataDir: loaded.DataDir, logs: &syncBuffer{}, done: make(chan error, 1)}
	log := zerolog.New(n.logs).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	var err error
	n.runner, err = engine.Build(loaded, log)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() { n.done <- n.runner.Run(ctx) }()
	for _, in := range n.runner.Inputs() {
		if b, ok := in.(*beats.Input); ok {
			select {
			case <-b.Serving():
			case err := <-n.done:
				t.Fatalf("node stopped at start: %v\n%s", err, n.logs)
			case <-time.After(5 * time.Second):
				t.Fatal("beats input did not start listening")
			}
			n.beats, n.addr = b, b.Addr().String()
		}
	}
	t.Cleanup(n.stop)
	return n
}

// stop shuts the node down gracefully and waits for it.
func (n *node) stop() {
	n.cancel()
	select {
	case err := <-n.done:
		if err != nil {
			n.t.Errorf("node: %v", err)
		}
		n.done <- err // later stops return at once
	case <-time.After(60 * time.Second):
		n.t.Errorf("node did not stop within 60s\n%s", n.logs)
	}
}

// streamLines returns the lines of a data stream's NDJSON file.
func (n *node) streamLines(stream string) [][]byte {
	return readLines(n.t, filepath.Join(n.dataDir, "streams", stream+".ndjson"))
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// basicConfig routes everything to the file output, named from Filebeat's
// fields; extra YAML lines go under the beats input.
func basicConfig(beatsExtra string) string {
	return fmt.Sprintf(`data_dir: ${DATA}
shutdown_timeout: 10s
inputs:
  - beats:
      listen: 127.0.0.1:0
%s
pipelines:
  - name: pt
    workers: 2
    data_stream:
      dataset: "%%{[fields][service]}"
      namespace: "%%{[fields][group]}"
outputs:
  - file: {}
`, beatsExtra)
}

func nopLogger() zerolog.Logger { return zerolog.Nop() }
