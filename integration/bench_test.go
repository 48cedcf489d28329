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
			const size = 2048
			batches := (b.N + size - 1) / size
			// Pre-encode so the client's work is the protocol, not JSON.
			batch := makeBatch(0, 0, size)
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cl, err := dial(b, n.addr, nil)
					if err != nil {
						b.Error(err)
						return
					}
					defer cl.Close()
					for next.Add(1) <= int64(batches) {
						if k, err := cl.Send(batch); err != nil || k != size {
							b.Errorf("send: %d %v", k, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(batches*size)/elapsed.Seconds(), "events/s")
		})
	}
}

func itoa(i int) string { return fmt.Sprintf("%02d", i) }

// BenchmarkBeatsToES measures go-lumber clients → beats input → pipeline →
// elasticsearch output → the in-repo Elasticsearch test double (which
// decodes and stores every document, so it costs CPU on the same cores).
// One op is one event.
func BenchmarkBeatsToES(b *testing.B) {
	for _, conns := range []int{1, 4, 8} {
		b.Run(itoa(conns)+"conns", func(b *testing.B) {
			es := startES(b)
			n := startNode(b, esConfig(es.URL), nil)
			const size = 2048
			batches := (b.N + size - 1) / size
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cl, err := dial(b, n.addr, nil)
					if err != nil {
						b.Error(err)
						return
					}
					defer cl.Close()
					for {
						k := int(next.Add(1))
						if k > batches {
							return
						}
						if got, err := cl.Send(makeBatch(c, k, size)); err != nil || got != size {
							b.Errorf("send: %d %v", got, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if es.Count() != batches*size {
				b.Fatalf("indexed %d of %d", es.Count(), batches*size)
			}
			b.ReportMetric(float64(batches*size)/elapsed.Seconds(), "events/s")
		})
	}
}
