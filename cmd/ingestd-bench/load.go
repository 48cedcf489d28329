package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
)

// loadConfig is what the load generator sends.
type loadConfig struct {
	addr     string
	conns    int
	events   int
	batch    int
	level    int
	inflight int // pipelined batches per connection (Filebeat: pipelining 2)
	corpus   string
	allLines bool // replay every corpus message, not only the pipe-format ones
}

type loadResult struct {
	events  int64
	elapsed time.Duration
	// latency of each batch, send to ACK
	latencies []time.Duration
}

// messages returns the lines the load replays: the corpus' pipe-format
// messages (all of its messages with all) when a corpus file is given,
// else generated pipe-format lines.
func messages(path string, all bool) ([]string, error) {
	var out []string
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var ev struct{ Message string }
			if json.Unmarshal(sc.Bytes(), &ev) == nil && len(ev.Message) > 0 && (all || ev.Message[0] >= 'A' && ev.Message[0] <= 'Z' && containsPipe(ev.Message)) {
				out = append(out, ev.Message)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	levels := []string{"INFO", "DEBUG", "WARNING", "ERROR"}
	loggers := []string{"apps.parcels.views", "django.server", "apps.billing.tasks", "botocore.endpoint"}
	for i := 0; i < 1000; i++ {
		out = append(out, fmt.Sprintf("%s|%s|2025-02-02T12:%02d:%02d.%03d|Parcel %d shipped to customer %d via carrier API (attempt %d)",
			levels[i%4], loggers[i%4], i/60%60, i%60, i%1000, i*7, i*13, i%5))
	}
	return out, nil
}

func containsPipe(s string) bool {
	n := 0
	for i := 0; i < len(s) && i < 200; i++ {
		if s[i] == '|' {
			n++
		}
	}
	return n >= 3
}

// buildBatches pre-encodes Filebeat-shaped events so the generator spends
// its CPU on the protocol, not on JSON.
func buildBatches(msgs []string, batch, count int) [][]any {
	batches := make([][]any, count)
	k := 0
	for b := range batches {
		events := make([]any, batch)
		for i := range events {
			msg, _ := json.Marshal(msgs[k%len(msgs)])
			events[i] = []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},` +
				`"agent":{"ephemeral_id":"68a3","id":"4204","name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},` +
				`"fields":{"group":"pt","service":"django"},"host":{"name":"vm"},"input":{"type":"filestream"},` +
				`"log":{"file":{"device_id":"65024","inode":"9986354","path":"/var/log/parcels/django.log"},"offset":` + strconv.Itoa(k*200) + `},` +
				`"message":` + string(msg) + `}`)
			k++
		}
		batches[b] = events
	}
	return batches
}

func rawEncoder(v any) ([]byte, error) { return v.([]byte), nil }

// tally is what the connections of a load share: the next batch to send,
// and the ACKed events and batch latencies so far.
type tally struct {
	total int // batches to send
	next  atomic.Int64
	sent  atomic.Int64
	mu    sync.Mutex
	lat   []time.Duration
}

// take returns the index of the next batch to send, or false when every
// batch is taken.
func (t *tally) take() (int, bool) {
	b := int(t.next.Add(1)) - 1
	return b, b < t.total
}

// acked records a batch of events fully acknowledged, sent at t0.
func (t *tally) acked(events int, t0 time.Time) {
	t.sent.Add(int64(events))
	d := time.Since(t0)
	t.mu.Lock()
	t.lat = append(t.lat, d)
	t.mu.Unlock()
}

// fanOut runs conn on cfg.conns goroutines sharing one tally until each
// returns, and reports the totals (the first error, if any).
func fanOut(cfg loadConfig, conn func(t *tally) error) (loadResult, error) {
	t := &tally{total: (cfg.events + cfg.batch - 1) / cfg.batch}
	errs := make(chan error, cfg.conns)
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.conns {
		wg.Go(func() {
			if err := conn(t); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	res := loadResult{events: t.sent.Load(), elapsed: time.Since(start), latencies: t.lat}
	return res, <-errs // nil when the channel is empty
}

// runLoad sends cfg.events events over cfg.conns connections, each with
// cfg.inflight batches in flight, and waits for every ACK.
func runLoad(ctx context.Context, cfg loadConfig, batches [][]any) (loadResult, error) {
	return fanOut(cfg, func(t *tally) error {
		cl, err := client.AsyncDial(cfg.addr, cfg.inflight, client.JSONEncoder(rawEncoder), client.CompressionLevel(cfg.level), client.Timeout(60*time.Second))
		if err != nil {
			return err
		}
		defer cl.Close()
		var pending sync.WaitGroup
		var failed atomic.Value
		for ctx.Err() == nil {
			b, ok := t.take()
			if !ok {
				break
			}
			batch := batches[b%len(batches)]
			t0 := time.Now()
			pending.Add(1)
			err := cl.Send(func(seq uint32, err error) {
				defer pending.Done()
				if err != nil {
					failed.Store(err)
					return
				}
				if int(seq) == len(batch) {
					t.acked(len(batch), t0)
				}
			}, batch)
			if err != nil {
				pending.Done()
				return err
			}
		}
		pending.Wait()
		if e, ok := failed.Load().(error); ok {
			return e
		}
		return nil
	})
}
