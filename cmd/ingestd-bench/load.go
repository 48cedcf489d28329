package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	client "github.com/elastic/go-lumber/client/v2"

	"github.com/ingestd/ingestd/internal/harness"
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
	asIs     bool // replay the corpus' events as they are (fields, tags, paths)
}

type loadResult struct {
	events  int64
	elapsed time.Duration
	// latency of each batch, send to ACK
	latencies []time.Duration
}

// buildEventBatches cycles through whole events.
func buildEventBatches(events [][]byte, batch, count int) [][]any {
	batches := make([][]any, count)
	k := 0
	for b := range batches {
		out := make([]any, batch)
		for i := range out {
			out[i] = events[k%len(events)]
			k++
		}
		batches[b] = out
	}
	return batches
}

// loadBatches builds what the load replays: the corpus' events as they
// are, or its messages in Filebeat-shaped events.
func loadBatches(c loadConfig) ([][]any, error) {
	if c.asIs {
		if c.corpus == "" {
			return nil, fmt.Errorf("--as-is needs --corpus")
		}
		events, err := harness.CorpusEvents(c.corpus)
		if err != nil {
			return nil, err
		}
		return buildEventBatches(events, c.batch, 64), nil
	}
	msgs, err := harness.Messages(c.corpus, c.allLines)
	if err != nil {
		return nil, err
	}
	return buildBatches(msgs, c.batch, 64), nil
}

// buildBatches pre-encodes Filebeat-shaped events so the generator spends
// its CPU on the protocol, not on JSON.
func buildBatches(msgs []string, batch, count int) [][]any {
	batches := make([][]any, count)
	k := 0
	for b := range batches {
		events := make([]any, batch)
		for i := range events {
			events[i] = harness.Event(msgs[k%len(msgs)], k*200)
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
