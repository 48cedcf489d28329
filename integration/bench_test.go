package integration

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBeatsToFile measures the whole path: go-lumber clients (zlib
// level 3, 2048-event batches) → beats input → router → pipeline → file
// output (written and fsynced before each ACK). One op is one event. The
// client runs on the same two cores, so this understates the server.
func BenchmarkBeatsToFile(b *testing.B) {
	for _, conns := range []int{1, 4, 8} {
		b.Run(itoa(conns)+"conns", func(b *testing.B) {
			n := startNode(b, basicConfig(""), nil)
			// Pre-encoded once, so the client's work is the protocol.
			batch := makeBatch(0, 0, benchBatch)
			benchSend(b, n.addr, conns, func(int, int) []any { return batch })
		})
	}
}

// BenchmarkBeatsToES measures go-lumber clients → beats input → pipeline →
// elasticsearch output → the in-repo Elasticsearch test double (which
// decodes and stores every document, so it costs CPU on the same cores).
// One op is one event.
func BenchmarkBeatsToES(b *testing.B) {
	for _, conns := range []int{1, 4, 8} {
		b.Run(itoa(conns)+"conns", func(b *testing.B) {
			es := startES(b)
			n := startNode(b, esConfig(es.URL), nil)
			// Every batch has its own origins: their deterministic ids differ.
			sent := benchSend(b, n.addr, conns, func(c, k int) []any { return makeBatch(c, k, benchBatch) })
			if es.Count() != sent {
				b.Fatalf("indexed %d of %d", es.Count(), sent)
			}
		})
	}
}

const benchBatch = 2048

// benchSend sends b.N events (rounded up to whole batches) from conns
// clients, batch k of client c being batchFor(c, k), requires every ACK,
// reports events/s and returns the number of events sent.
func benchSend(b *testing.B, addr string, conns int, batchFor func(c, k int) []any) int {
	batches := (b.N + benchBatch - 1) / benchBatch
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(b, addr, nil)
			if err != nil {
				b.Error(err)
				return
			}
			defer cl.Close()
			for k := int(next.Add(1)); k <= batches; k = int(next.Add(1)) {
				if got, err := cl.Send(batchFor(c, k)); err != nil || got != benchBatch {
					b.Errorf("send: %d %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(batches*benchBatch)/elapsed.Seconds(), "events/s")
	return batches * benchBatch
}

func itoa(i int) string { return fmt.Sprintf("%02d", i) }
