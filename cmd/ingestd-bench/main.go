// Command ingestd-bench is the load harness: a Beats load generator on
// go-lumber client/v2 (C connections, pipelined async batches like
// Filebeat, zlib level, replaying corpus pipe-format lines), a fast bulk
// sink, and `run`, which drives the whole scenario against the real
// ingestd binary and prints events/s, CPU seconds per 1M events (from
// /proc) and peak RSS.
//
//	ingestd-bench run --ingestd ./ingestd --conns 8 --events 1000000
//	ingestd-bench sink --listen 127.0.0.1:9200 [--delay 50ms]
//	ingestd-bench load --addr 127.0.0.1:5044 --conns 8 --events 1000000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ingestd/ingestd/internal/harness"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ingestd-bench run|families|load|sink [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "load":
		err = cmdLoad(os.Args[2:])
	case "sink":
		err = cmdSink(os.Args[2:])
	case "families":
		err = cmdFamilies(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingestd-bench:", err)
		os.Exit(1)
	}
}

func loadFlags(fs *flag.FlagSet) *loadConfig {
	c := &loadConfig{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5044", "ingestd beats address")
	fs.IntVar(&c.conns, "conns", 8, "connections")
	fs.IntVar(&c.events, "events", 1000000, "events to send")
	fs.IntVar(&c.batch, "batch", 2048, "events per batch")
	fs.IntVar(&c.level, "level", 3, "zlib compression level")
	fs.IntVar(&c.inflight, "inflight", 2, "pipelined batches per connection")
	fs.StringVar(&c.corpus, "corpus", "", "events.jsonl whose pipe-format messages are replayed (default: generated lines)")
	fs.BoolVar(&c.allLines, "all-lines", false, "replay every message of the corpus, not only the pipe-format ones (for a config such as configs/pt.yml)")
	fs.BoolVar(&c.asIs, "as-is", false, "replay the corpus' events as they are, with their own fields, tags and file paths, so that the default config routes each family to its pipeline (with --shipped: the family through the default config)")
	return c
}

func cmdLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	cfg := loadFlags(fs)
	prebuilt := fs.Bool("prebuilt", false, "encode and compress every batch with go-lumber client/v2 before the clock starts, then replay those bytes (the load generator's CPU then stays out of the way of the server measured)")
	fs.Parse(args)
	batches, err := loadBatches(*cfg)
	if err != nil {
		return err
	}
	var wire [][]byte
	if *prebuilt {
		if wire, err = recordBatches(batches, cfg.level); err != nil {
			return err
		}
	}
	res, err := sendLoad(context.Background(), *cfg, batches, wire)
	if err != nil {
		return err
	}
	fmt.Printf("%d events in %s: %.0f events/s\n", res.events, res.elapsed.Round(time.Millisecond), float64(res.events)/res.elapsed.Seconds())
	// When the first batch went out (Unix seconds): a server that
	// acknowledges before its output has written (gogstash) is timed from
	// here to its sink's last document, without the batches' preparation.
	fmt.Printf("clock started at %.3f\n", float64(time.Now().Add(-res.elapsed).UnixNano())/1e9)
	return nil
}

func cmdSink(args []string) error {
	fs := flag.NewFlagSet("sink", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:9200", "address")
	delay := fs.Duration("delay", 0, "delay per bulk request")
	every := fs.Duration("every", time.Second, "how often the counts are printed")
	fs.Parse(args)
	s, err := startSink(*listen, *delay)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("sink listening on", s.addr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
			fmt.Printf("%d documents, %d bulk requests\n", s.docs.Load(), s.requests.Load())
		}
	}
}

const benchConfig = `data_dir: %s
http: {listen: ""}
shutdown_timeout: 10s
inputs:
  - beats:
      listen: %s
%soutputs:
  - elasticsearch:
      hosts: http://%s
      compression: %v
      workers: %d
      flush_interval: 200ms
`

// runOptions are run's flags: the load, the binary and how it is run.
type runOptions struct {
	load       loadConfig
	bin        string
	workers    int
	esWorkers  int
	gzip       bool
	sinkDelay  time.Duration
	profile    string
	memProfile string
	prebuilt   bool
	config     string
	shipped    bool
}

// runResult is what a run measured of ingestd.
type runResult struct {
	startup        time.Duration
	load           loadResult
	user, sys      float64 // CPU seconds
	faults, peakKB int64
	// bodyBytes and wireBytes are the bulk bodies' bytes the sink
	// received, inflated and as sent.
	bodyBytes, wireBytes int64
}

func (r runResult) perMillion(x float64) float64 { return x * 1e6 / float64(r.load.events) }

func (r runResult) eventsPerSecond() float64 {
	return float64(r.load.events) / r.load.elapsed.Seconds()
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	lc := loadFlags(fs)
	o := runOptions{}
	fs.StringVar(&o.bin, "ingestd", "./ingestd", "ingestd binary")
	fs.IntVar(&o.workers, "workers", 2, "pipeline workers")
	fs.IntVar(&o.esWorkers, "es-workers", 4, "concurrent bulk requests")
	fs.BoolVar(&o.gzip, "gzip", false, "gzip bulk bodies to the sink")
	fs.DurationVar(&o.sinkDelay, "sink-delay", 0, "delay of every bulk answer (a slow cluster)")
	fs.StringVar(&o.profile, "cpuprofile", "", "have ingestd write a CPU profile here")
	fs.StringVar(&o.memProfile, "memprofile", "", "have ingestd write a heap profile here when the load is done")
	fs.BoolVar(&o.prebuilt, "prebuilt", false, "replay batches go-lumber client/v2 encoded and compressed beforehand (measures ingestd with less load-generator CPU; not the issue's scenario)")
	fs.StringVar(&o.config, "config", "", "ingestd config to run instead of the built-in scenario (its beats input must listen on --addr and its output point at the sink, whose address is in $BENCH_SINK)")
	fs.BoolVar(&o.shipped, "shipped", false, "run the shipped default config as a user does (no -c; INGESTD_ES_HOSTS pointed at the sink, compression as shipped)")
	fs.Parse(args)
	o.load = *lc

	r, err := runScenario(o)
	if err != nil {
		return err
	}
	lat := append([]time.Duration(nil), r.load.latencies...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(q*float64(len(lat)-1))].Round(time.Millisecond)
	}
	fmt.Printf("conns=%d workers=%d events=%d batch=%d zlib=%d sink_delay=%s prebuilt=%v\n", o.load.conns, o.workers, r.load.events, o.load.batch, o.load.level, o.sinkDelay, o.prebuilt)
	fmt.Printf("  start-up to listening: %s\n", r.startup.Round(time.Millisecond))
	fmt.Printf("  throughput:            %.0f events/s (%s)\n", r.eventsPerSecond(), r.load.elapsed.Round(time.Millisecond))
	fmt.Printf("  ingestd CPU:           %.2f s per 1M events (user %.2f, system %.2f)\n", r.perMillion(r.user+r.sys), r.perMillion(r.user), r.perMillion(r.sys))
	fmt.Printf("  ingestd peak RSS:      %.1f MB (page faults: %.0f per 1k events)\n", float64(r.peakKB)/1024, float64(r.faults)/float64(r.load.events)*1e3)
	fmt.Printf("  batch latency:         p50 %s, p99 %s, max %s\n", p(0.5), p(0.99), p(1))
	fmt.Printf("  bulk bodies:           %.0f bytes per event, %.0f as sent\n", float64(r.bodyBytes)/float64(r.load.events), float64(r.wireBytes)/float64(r.load.events))
	return nil
}

// runScenario starts the sink and ingestd, sends the load, waits until the
// sink holds every acknowledged event (less those the filters dropped)
// and measures ingestd meanwhile.
func runScenario(o runOptions) (runResult, error) {
	var r runResult
	lc := o.load
	s, err := startSink("127.0.0.1:0", o.sinkDelay)
	if err != nil {
		return r, err
	}
	defer s.Close()
	dir, err := os.MkdirTemp("", "ingestd-bench")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	if lc.addr == "127.0.0.1:5044" {
		lc.addr = freeAddr()
	}
	path := o.config
	if path == "" && !o.shipped {
		path = filepath.Join(dir, "bench.yml")
		cfg := fmt.Sprintf(benchConfig, dir, lc.addr, harness.Pipelines(o.workers), s.addr, o.gzip, o.esWorkers)
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			return r, err
		}
	}
	batches, err := loadBatches(lc)
	if err != nil {
		return r, err
	}
	var wire [][]byte
	if o.prebuilt {
		if wire, err = recordBatches(batches, lc.level); err != nil {
			return r, err
		}
	}

	runArgs := []string{"run", "--log-level", "warn"}
	if !o.shipped {
		runArgs = append(runArgs, "-c", path)
	}
	if o.profile != "" {
		runArgs = append(runArgs, "--cpuprofile", o.profile)
	}
	if o.memProfile != "" {
		runArgs = append(runArgs, "--memprofile", o.memProfile)
	}
	cmd := exec.Command(o.bin, runArgs...)
	cmd.Env = append(os.Environ(), "BENCH_SINK="+s.addr, "INGESTD_BEATS_LISTEN="+lc.addr)
	// The monitoring API, where the filters' drops are counted (a config
	// of one's own may take its address from $INGESTD_HTTP_LISTEN too).
	httpAddr := freeAddr()
	cmd.Env = append(cmd.Env, "INGESTD_HTTP_LISTEN="+httpAddr)
	if o.shipped {
		cmd.Env = append(cmd.Env, "INGESTD_ES_HOSTS=http://"+s.addr, "INGESTD_DATA_DIR="+dir)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer cmd.Process.Kill()
	if err := waitListening(lc.addr, 10*time.Second); err != nil {
		return r, err
	}
	r.startup = time.Since(started)
	pid := cmd.Process.Pid
	user0, sys0, faults0 := procStat(pid)
	ctx := context.Background()
	r.load, err = sendLoad(ctx, lc, batches, wire)
	if err != nil {
		return r, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// Events a filter drops on purpose (dCache's format headers) never
	// reach the sink: the shipped config's counters say how many.
	dropped := func() int64 { return droppedEvents(httpAddr) }
	if err := s.waitDocs(waitCtx, r.load.events, dropped); err != nil {
		return r, err
	}
	droppedByFilters := dropped()
	user1, sys1, faults1 := procStat(pid)
	r.user, r.sys, r.faults = user1-user0, sys1-sys0, faults1-faults0
	r.peakKB = peakRSSKB(pid)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	r.bodyBytes, r.wireBytes = s.body.Load(), s.wire.Load()
	if s.docs.Load() != r.load.events-droppedByFilters {
		return r, fmt.Errorf("sink got %d documents for %d ACKed events (%d dropped by filters)", s.docs.Load(), r.load.events, droppedByFilters)
	}
	return r, nil
}

// cmdFamilies runs every family of the corpus through the shipped default
// config, as a user runs it, one after the other, and prints one table
// (issue 16): the dCache, accounting and app-log corpora replayed as they
// are (8 connections), and the app-log corpus' pipe-format lines (20
// connections, the first scenario).
func cmdFamilies(args []string) error {
	fs := flag.NewFlagSet("families", flag.ExitOnError)
	bin := fs.String("ingestd", "./ingestd", "ingestd binary")
	corpus := fs.String("corpus-dir", "../shared/corpus", "the corpus: <family>/events.jsonl")
	events := fs.Int("events", 300000, "events per family")
	pipeEvents := fs.Int("pipe-events", 1000000, "pipe-format events")
	fs.Parse(args)
	load := func(family string, conns, n int, asIs bool) loadConfig {
		return loadConfig{addr: "127.0.0.1:5044", conns: conns, events: n, batch: 2048, level: 3, inflight: 2,
			corpus: filepath.Join(*corpus, family, "events.jsonl"), asIs: asIs}
	}
	rows := []struct {
		name string
		load loadConfig
	}{
		{"dCache billing", load("dcache", 8, *events, true)},
		{"accounting", load("accounting", 8, *events, true)},
		{"app logs, all formats", load("applog", 8, *events, true)},
		{"pipe-format lines, 20 connections", load("applog", 20, *pipeEvents, false)},
	}
	fmt.Println("| family | events/s | CPU s per 1M events | peak RSS | start-up to listening |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, row := range rows {
		r, err := runScenario(runOptions{load: row.load, bin: *bin, workers: 2, esWorkers: 4, shipped: true})
		if err != nil {
			return fmt.Errorf("%s: %w", row.name, err)
		}
		fmt.Printf("| %s | %.0f | %.2f | %.1f MB | %s |\n", row.name, r.eventsPerSecond(), r.perMillion(r.user+r.sys), float64(r.peakKB)/1024, r.startup.Round(time.Millisecond))
	}
	return nil
}

// droppedEvents sums the events the pipelines' filters dropped, from the
// /_node/stats of the ingestd at httpAddr (0 when it does not answer).
func droppedEvents(httpAddr string) int64 {
	res, err := http.Get("http://" + httpAddr + "/_node/stats")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	var stats struct {
		Pipelines map[string]struct {
			Events struct {
				Dropped int64 `json:"dropped"`
			} `json:"events"`
		} `json:"pipelines"`
	}
	if json.NewDecoder(res.Body).Decode(&stats) != nil {
		return 0
	}
	var n int64
	for _, p := range stats.Pipelines {
		n += p.Events.Dropped
	}
	return n
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:5044"
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("ingestd did not listen on %s within %s", addr, timeout)
}

// procStat reads a process's CPU time and minor page faults from
// /proc/<pid>/stat: utime and stime (the system share is mostly socket
// I/O, which the user-space levers cannot touch) and minflt (memory the
// runtime gave back to the kernel and touched again, a trip through the
// kernel each).
func procStat(pid int) (user, system float64, faults int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0
	}
	// Fields after the ")" that ends the command name: minflt, utime and
	// stime are the 10th, 14th and 15th fields of the line.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	faults, _ = strconv.ParseInt(f[7], 10, 64)
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return ut / 100, st / 100, faults // USER_HZ is 100 on Linux
}

// peakRSSKB is VmHWM, the process's peak resident set size.
func peakRSSKB(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb
		}
	}
	return 0
}
