package integration

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAdversarialBeats runs the real binary with the Beats input's default
// limits (max_inflight_bytes, min_transfer_rate, rate_window,
// header_timeout, max_connections, max_connections_per_source,
// max_batch_bytes, max_event_bytes are not set) and attacks it the ways a
// hostile client would, one phase after the other on the same process,
// while a good client (go-lumber client/v2, compressed, as Filebeat)
// measures its throughput against a baseline of the same run:
//
//   - budget stall: connections announce a batch and the header of a data
//     frame, then stall;
//   - trickle: connections send a batch, or a window frame header, a byte
//     now and then;
//   - slot capture: more idle connections than max_connections_per_source
//     from the good client's own address;
//   - decompression bombs: compressed frames that inflate far past
//     max_event_bytes or max_batch_bytes;
//   - stalled bombs: a compressed frame of 15 KiB holding a valid 15 MiB
//     event, then nothing.
//
// Every event the good client had acknowledged is in the output exactly
// once, and the server's peak RSS stays bounded throughout.
func TestAdversarialBeats(t *testing.T) {
	const (
		phaseTime   = 3 * time.Second // the good client's run per phase
		batchSize   = 2048            // Filebeat's bulk_max_size
		minRatio    = 0.5             // of the baseline's events/s
		maxRSS      = 150 << 20       // VmHWM over the whole run
		rateWindow  = 10 * time.Second
		headerLimit = 10 * time.Second
		slack       = 5 * time.Second
	)
	dir := t.TempDir()
	addr, httpAddr := freePort(t), freePort(t)
	cfgPath := filepath.Join(dir, "adversarial.yml")
	// The defaults: nothing under beats but where it listens.
	cfg := `data_dir: ` + filepath.Join(dir, "data") + `
inputs:
  - beats: {listen: "` + addr + `"}
pipelines:
  - name: adv
    data_stream: {dataset: adv, namespace: test}
outputs:
  - file: {}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, []string{"INGESTD_HTTP_LISTEN=" + httpAddr}, nil, "run", "-c", cfgPath)
	p.waitListening(t, addr)
	adv := &adversary{t: t, addr: addr, http: httpAddr, p: p, batchSize: batchSize, acked: map[[2]int]bool{}}
	waitFor(t, 10*time.Second, "/_node/stats", func() bool { _, err := adv.stats(); return err == nil })
	start := time.Now()

	var rows []phaseRow
	var baseline float64
	report := func(name string, r goodRun) {
		row := phaseRow{name: name, events: r.events, elapsed: r.elapsed, rate: r.rate(), rss: adv.p.peakRSS()}
		if baseline > 0 {
			row.ratio = row.rate / baseline
		}
		rows = append(rows, row)
	}
	// checkRatio fails a phase whose good client fell under minRatio
	// twice: one 3 s sample swings by ±50% on a machine shared with other
	// test binaries (a trickle phase measured 42% in a full run and
	// 151%–156% alone), so a miss is measured again, under the same
	// attack, as phase+10 (fresh event ids) before it counts.
	checkRatio := func(t *testing.T, phase int, r goodRun) {
		t.Helper()
		if r.err != nil {
			t.Errorf("good client: %v", r.err)
		}
		if ratio := r.rate() / baseline; ratio < minRatio && r.err == nil {
			t.Logf("good client: %.0f events/s, %.0f%% of the baseline %.0f; measuring again", r.rate(), 100*ratio, baseline)
			r = adv.good(phase+10, phaseTime)
			if r.err != nil {
				t.Errorf("good client, second run: %v", r.err)
			}
		}
		if ratio := r.rate() / baseline; ratio < minRatio {
			t.Errorf("good client: %.0f events/s, %.0f%% of the baseline %.0f (want ≥ %.0f%%); longest wait for an ACK %s",
				r.rate(), 100*ratio, baseline, 100*minRatio, r.longest.Round(time.Millisecond))
		}
	}

	t.Run("baseline", func(t *testing.T) {
		r := adv.good(0, phaseTime)
		if r.err != nil || r.events == 0 {
			t.Fatalf("baseline: %d events in %s: %v\n%s", r.events, r.elapsed, r.err, p.logs)
		}
		baseline = r.rate()
		report("baseline", r)
	})
	if baseline == 0 {
		t.FailNow()
	}

	// Budget stall: a window of 2048 events and the 10-byte header of a
	// plain data frame announcing a 1 MiB event (well within
	// max_event_bytes), then nothing: eight of them announce the whole
	// budget and have sent none of it.
	t.Run("budget stall", func(t *testing.T) {
		before := adv.counters(t)
		hdr := dataFrame(1, nil)
		binary.BigEndian.PutUint32(hdr[6:], 1<<20)
		var stallers []*rawConn
		for range 8 {
			c := adv.raw(t)
			c.write(append(windowFrame(batchSize), hdr...))
			stallers = append(stallers, c)
		}
		time.Sleep(200 * time.Millisecond) // they are in, and charged if charging is ahead of the bytes
		r := adv.good(1, phaseTime)
		report("budget stall (8 stalled)", r)
		checkRatio(t, 1, r)
		adv.expectClosed(t, "stalled connection", stallers, rateWindow+slack)
		after := adv.counters(t)
		if d := after.ClosedSlow - before.ClosedSlow; d < int64(len(stallers)) {
			t.Errorf("connections_closed_slow went up by %d, want ≥ %d", d, len(stallers))
		}
		adv.expectOneWarn(t, stallers, "too slow")
	})

	// Trickle: a window frame, then the bytes of a small data frame one
	// every 2 s (0.5 B/s inside a batch); and window frame headers, one
	// byte every 3 s.
	t.Run("trickle", func(t *testing.T) {
		before := adv.counters(t)
		body := dataFrame(1, []byte(`{"message":"trickle"}`))
		var batchTricklers, headerTricklers []*rawConn
		for range 8 {
			c := adv.raw(t)
			c.write(windowFrame(batchSize))
			batchTricklers = append(batchTricklers, c)
			go c.trickle(body, 2*time.Second)
		}
		for range 10 {
			c := adv.raw(t)
			headerTricklers = append(headerTricklers, c)
			go c.trickle(windowFrame(batchSize), 3*time.Second)
		}
		r := adv.good(2, phaseTime)
		report("trickle (8 batch, 10 header)", r)
		checkRatio(t, 2, r)
		var wg sync.WaitGroup
		wg.Go(func() { adv.expectClosed(t, "header trickler", headerTricklers, headerLimit+slack) })
		wg.Go(func() { adv.expectClosed(t, "batch trickler", batchTricklers, rateWindow+slack) })
		wg.Wait()
		after := adv.counters(t)
		want := int64(len(batchTricklers) + len(headerTricklers))
		if d := after.ClosedSlow - before.ClosedSlow; d < want {
			t.Errorf("connections_closed_slow went up by %d, want ≥ %d", d, want)
		}
		adv.expectOneWarn(t, append(batchTricklers, headerTricklers...), "too slow")
	})

	// Slot capture: 300 idle connections from 127.0.0.1, 50 more than
	// max_connections_per_source: each one over takes the slot of the
	// idlest; the good client, from the same address, still gets in.
	t.Run("slot capture", func(t *testing.T) {
		before := adv.counters(t)
		var idle []*rawConn
		for range 300 {
			idle = append(idle, adv.raw(t))
		}
		// Every one of them has been accepted (and the excess evicted).
		if !poll(10*time.Second, func() bool {
			s := adv.counters(t)
			return s.Evicted-before.Evicted+s.Refused-before.Refused >= 50
		}) {
			s := adv.counters(t)
			t.Errorf("300 connections from one address: %d open, evicted +%d, refused +%d, want 50 over max_connections_per_source",
				s.Connections, s.Evicted-before.Evicted, s.Refused-before.Refused)
		}
		r := adv.good(3, phaseTime)
		report("slot capture (300 idle)", r)
		if r.err != nil || r.events == 0 {
			t.Errorf("good client among 300 idle connections: %d events ACKed: %v", r.events, r.err)
		}
		checkRatio(t, 3, r)
		after := adv.counters(t)
		if after.Evicted-before.Evicted <= 0 {
			t.Errorf("connections_evicted did not go up (%d → %d)", before.Evicted, after.Evicted)
		}
		if after.Refused != before.Refused {
			t.Errorf("connections_refused went up by %d: a newcomer was refused", after.Refused-before.Refused)
		}
		closed := 0
		for _, c := range idle {
			if c.isClosed() {
				closed++
			}
			c.close()
		}
		t.Logf("slot capture: %d of %d idle connections closed by the server; evicted +%d, refused +%d",
			closed, len(idle), after.Evicted-before.Evicted, after.Refused-before.Refused)
		waitFor(t, 10*time.Second, "the idle connections to be gone", func() bool { return adv.counters(t).Connections == 0 })
	})

	// Decompression bombs, side by side: four compressed frames holding
	// one data frame of a 15 MiB event of repeated bytes, four holding
	// 2048 events of 9 KiB (18 MiB, over max_batch_bytes). Each sends its
	// bomb and holds the connection open.
	t.Run("decompression bombs", func(t *testing.T) {
		before := adv.counters(t)
		one := append(windowFrame(batchSize), compressedFrame(dataFrame(1, bytes.Repeat([]byte("a"), 15<<20)))...)
		ev := []byte(`{"message":"` + strings.Repeat("b", 9<<10) + `"}`)
		var inner []byte
		for i := range batchSize {
			inner = append(inner, dataFrame(uint32(i+1), ev)...)
		}
		many := append(windowFrame(batchSize), compressedFrame(inner)...)
		t.Logf("bombs: %d wire bytes → 15 MiB event; %d wire bytes → %d MiB in %d events", len(one), len(many), len(inner)>>20, batchSize)
		var bombs []*rawConn
		for i := range 8 {
			c := adv.raw(t)
			if i%2 == 0 {
				go c.write(one)
			} else {
				go c.write(many)
			}
			bombs = append(bombs, c)
		}
		r := adv.good(4, phaseTime)
		report("decompression bombs (8)", r)
		checkRatio(t, 4, r)
		adv.expectClosed(t, "bomb", bombs, rateWindow+slack)
		adv.expectOneWarn(t, bombs, "closing connection")
		after := adv.counters(t)
		t.Logf("bombs: batches_refused +%d, closed_slow +%d", after.BatchesRefused-before.BatchesRefused, after.ClosedSlow-before.ClosedSlow)
		if after.BatchesRefused-before.BatchesRefused < 4 {
			t.Errorf("batches_refused went up by %d, want ≥ 4 (the 18 MiB batches)", after.BatchesRefused-before.BatchesRefused)
		}
		if rss := adv.p.peakRSS(); rss >= maxRSS {
			t.Errorf("peak RSS %d MiB after the bombs, want < %d MiB", rss>>20, maxRSS>>20)
		}
	})

	// Bombs that stall: a window of 2048 events and a compressed frame of
	// 15 KiB holding one valid 15 MiB event (within max_event_bytes),
	// then nothing. Inflating a thousandfold, the batch is refused as a
	// decompression bomb as soon as it passes 500:1 (before it can hold
	// the budget), and meanwhile the good client goes on.
	t.Run("stalled bombs", func(t *testing.T) {
		before := adv.counters(t)
		bomb := append(windowFrame(batchSize), compressedFrame(dataFrame(1, []byte(`{"message":"`+strings.Repeat("a", 15<<20)+`"}`)))...)
		var bombs []*rawConn
		for range 4 {
			c := adv.raw(t)
			go c.write(bomb)
			bombs = append(bombs, c)
		}
		time.Sleep(200 * time.Millisecond)
		r := adv.good(5, phaseTime)
		report("stalled bombs (4 × 15 MiB)", r)
		checkRatio(t, 5, r)
		adv.expectClosed(t, "stalled bomb", bombs, slack)
		adv.expectOneWarn(t, bombs, "decompression bomb")
		after := adv.counters(t)
		if d := after.BatchesRefused - before.BatchesRefused; d < int64(len(bombs)) {
			t.Errorf("batches_refused went up by %d, want ≥ %d", d, len(bombs))
		}
		if rss := adv.p.peakRSS(); rss >= maxRSS {
			t.Errorf("peak RSS %d MiB after the stalled bombs, want < %d MiB", rss>>20, maxRSS>>20)
		}
		for _, c := range bombs {
			c.close()
		}
	})

	// Slow links, not attackers: eight clients each send a valid batch of
	// 2048 events (about 2 MB decompressed, 0.8 MB on the wire) whose
	// first 70% arrive at once (what the socket buffers hold) and the rest
	// at 5 KiB/s, above
	// min_transfer_rate. Each would hold its bytes for minutes until its
	// batch is whole; together they held the budget, and a good client
	// got about 80 events/s (the issue 15 review). They are read in parts
	// of their share while others wait, none is closed.
	t.Run("slow links", func(t *testing.T) {
		before := adv.counters(t)
		var slow []*rawConn
		for i := range 8 {
			adv.mu.Lock()
			adv.acked[[2]int{6, i}] = false // partly acknowledged at most
			adv.mu.Unlock()
			c := adv.raw(t)
			wire := slowLinkBatch(6, i, batchSize)
			go c.throttle(wire, len(wire)*7/10, 5<<10)
			slow = append(slow, c)
		}
		time.Sleep(time.Second) // their bursts are read
		r := adv.good(7, phaseTime)
		report("slow links (8 × 5 KiB/s)", r)
		checkRatio(t, 7, r)
		after := adv.counters(t)
		for _, c := range slow {
			if c.isClosed() {
				t.Errorf("a client on a slow link (5 KiB/s, above min_transfer_rate) was closed")
			}
			c.close()
		}
		if d := after.ClosedSlow - before.ClosedSlow; d != 0 {
			t.Errorf("connections_closed_slow went up by %d beside honest slow clients", d)
		}
	})

	t.Run("no loss, no duplicates, bounded memory", func(t *testing.T) {
		adv.checkOutput(t, filepath.Join(dir, "data", "streams", "logs-adv-test.ndjson"))
		if rss := adv.p.peakRSS(); rss >= maxRSS {
			t.Errorf("peak RSS %d MiB over the run, want < %d MiB", rss>>20, maxRSS>>20)
		}
	})

	s, _ := adv.stats()
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %10s %8s %12s %7s %9s\n", "phase", "events", "time", "events/s", "ratio", "VmHWM")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-30s %10d %8s %12.0f %6.0f%% %6d MiB\n", r.name, r.events, r.elapsed.Round(10*time.Millisecond), r.rate, 100*r.ratio, r.rss>>20)
	}
	fmt.Fprintf(&b, "counters: connections_refused=%d connections_evicted=%d connections_closed_slow=%d batches_refused=%d (metrics: %s)\n",
		s.Refused, s.Evicted, s.ClosedSlow, s.BatchesRefused, adv.promCounters())
	fmt.Fprintf(&b, "peak RSS (VmHWM) %d MiB; whole run %s", adv.p.peakRSS()>>20, time.Since(start).Round(100*time.Millisecond))
	t.Log("\n" + b.String())
	if t.Failed() {
		t.Logf("server warn lines:\n%s", adv.warnLines(40))
	}
}

// poll reports whether cond held within timeout.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

type phaseRow struct {
	name    string
	events  int
	elapsed time.Duration
	rate    float64
	ratio   float64
	rss     int64
}

// adversary drives one ingestd process: the good client, raw hostile
// connections, and its stats.
type adversary struct {
	t         *testing.T
	addr      string
	http      string
	p         *proc
	batchSize int

	mu          sync.Mutex
	acked       map[[2]int]bool // (phase, batch) → ACKed (false: sent, no ACK)
	ackedEvents int             // events in ACKed batches
}

// goodRun is what the good client did in one phase.
type goodRun struct {
	events  int
	elapsed time.Duration
	longest time.Duration // the longest Send
	err     error
}

func (r goodRun) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.events) / r.elapsed.Seconds()
}

// good connects a new go-lumber client (compressed, as Filebeat) and sends
// batches of unique events for d, each one waiting for its ACK; a batch
// still unanswered at d is waited for (its time counts), up to 40 s.
func (a *adversary) good(phase int, d time.Duration) goodRun {
	var r goodRun
	cl, err := dial(a.t, a.addr, nil, clientTimeout(30*time.Second)) // Filebeat's default timeout
	if err != nil {
		r.err = err
		return r
	}
	defer cl.Close()
	start := time.Now()
	hardStop := start.Add(d + 40*time.Second)
	for b := 0; time.Since(start) < d; b++ {
		batch := goodBatch(phase, b, a.batchSize)
		a.mu.Lock()
		a.acked[[2]int{phase, b}] = false
		a.mu.Unlock()
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		sent := time.Now()
		go func() { n, err := cl.Send(batch); done <- result{n, err} }()
		var res result
		select {
		case res = <-done:
		case <-time.After(time.Until(hardStop)):
			cl.Close() // Send returns
			<-done
			res.err = fmt.Errorf("batch %d: no ACK within %s of the phase's start", b, d+40*time.Second)
		}
		r.longest = max(r.longest, time.Since(sent))
		if res.err == nil && res.n != len(batch) {
			res.err = fmt.Errorf("batch %d: ACKed %d of %d", b, res.n, len(batch))
		}
		if res.err != nil {
			r.err = res.err
			break
		}
		a.mu.Lock()
		a.acked[[2]int{phase, b}] = true
		a.ackedEvents += len(batch)
		a.mu.Unlock()
		r.events += len(batch)
	}
	r.elapsed = time.Since(start)
	return r
}

// goodBatch is makeBatch's events (ids phase-batch-i in the message),
// built without fmt so that the client's CPU goes to the protocol.
func goodBatch(phase, batch, n int) []any {
	const (
		head = `{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},` +
			`"agent":{"name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},"host":{"name":"vm"},` +
			`"input":{"type":"filestream"},"fields":{"group":"pt","service":"django"},` +
			`"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":`
		mid  = `},"message":"INFO|apps.parcels.views|2025-02-02T12:34:56.123|id=`
		tail = `"}`
	)
	events := make([]any, n)
	buf := make([]byte, 0, n*(len(head)+len(mid)+len(tail)+40))
	for i := range n {
		from := len(buf)
		buf = append(buf, head...)
		buf = strconv.AppendInt(buf, int64(((phase*1000+batch)*100000+i)*120), 10)
		buf = append(buf, mid...)
		buf = append(buf, eventID(phase, batch, i)...)
		buf = append(buf, tail...)
		events[i] = buf[from:len(buf):len(buf)]
	}
	return events
}

// checkOutput reads the NDJSON the file output wrote: every event of an
// ACKed batch exactly once, no event of a batch without ACK more than
// once, nothing else (no hostile client's event).
func (a *adversary) checkOutput(t *testing.T, path string) {
	t.Helper()
	a.mu.Lock()
	want := a.ackedEvents
	acked := make(map[[2]int]bool, len(a.acked))
	for k, v := range a.acked {
		acked[k] = v
	}
	a.mu.Unlock()
	count := func() (map[[2]int][]uint8, int, int, error) {
		seen := make(map[[2]int][]uint8, len(acked))
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, 0, err
		}
		defer f.Close()
		lines, foreign := 0, 0
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			lines++
			id := idOf(sc.Bytes())
			parts := strings.Split(id, "-")
			if len(parts) != 3 {
				foreign++
				continue
			}
			ph, e1 := strconv.Atoi(parts[0])
			b, e2 := strconv.Atoi(parts[1])
			i, e3 := strconv.Atoi(parts[2])
			if e1 != nil || e2 != nil || e3 != nil || i < 0 || i >= a.batchSize {
				foreign++
				continue
			}
			k := [2]int{ph, b}
			if seen[k] == nil {
				seen[k] = make([]uint8, a.batchSize)
			}
			if seen[k][i] < 255 {
				seen[k][i]++
			}
		}
		return seen, lines, foreign, sc.Err()
	}
	var seen map[[2]int][]uint8
	var lines, foreign int
	var err error
	// ACKed means written; the wait covers nothing but a slow disk.
	deadline := time.Now().Add(10 * time.Second)
	for {
		seen, lines, foreign, err = count()
		if err == nil && lines >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	missing, dup, unacked, stray := 0, 0, 0, 0
	for k, ok := range acked {
		for i := range a.batchSize {
			n := 0
			if s := seen[k]; s != nil {
				n = int(s[i])
			}
			switch {
			case ok && n == 0:
				missing++
			case n > 1:
				dup++
			case !ok && n == 1:
				unacked++
			}
		}
	}
	for k := range seen {
		if _, ok := acked[k]; !ok {
			stray++
		}
	}
	t.Logf("output: %d lines for %d ACKed events; %d missing, %d duplicated, %d of batches without ACK, %d foreign, %d unknown batches",
		lines, want, missing, dup, unacked, foreign, stray)
	if missing > 0 || dup > 0 || foreign > 0 || stray > 0 {
		t.Errorf("the good client's events: %d missing, %d duplicated; %d lines that are not its events, %d batches it never sent", missing, dup, foreign, stray)
	}
}
