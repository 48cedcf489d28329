package integration

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingestd/ingestd/internal/race"
)

// TestLargeEventsStayInMemory runs the real binary on its embedded default
// config, as users run it, against the Elasticsearch test double, while
// eight go-lumber clients each send batches of one event of 15 MiB (within
// the default max_event_bytes): repeated text, then text that deflates to
// about half. Every event is acknowledged and indexed, and the server's
// peak RSS stays under issue 15's 150 MB (it was 196–203 MB: the slabs a
// large event grew through, kept to its ACK; the output's window grown by
// appends; the compressed body doubling in one buffer).
func TestLargeEventsStayInMemory(t *testing.T) {
	const (
		conns  = 8
		size   = 15 << 20
		maxRSS = 150 << 20
	)
	rounds := 2 // repeated text, then hex-like text
	if race.Enabled {
		rounds = 1 // the client's deflate of 15 MiB is slow under the detector
	}
	es := startES(t)
	beats, httpAddr := freePort(t), freePort(t)
	p := startProc(t, []string{"INGESTD_ES_HOSTS=" + es.URL, "INGESTD_BEATS_LISTEN=" + beats,
		"INGESTD_HTTP_LISTEN=" + httpAddr, "INGESTD_DATA_DIR=" + t.TempDir()}, nil, "run", "--log-level", "warn")
	p.waitListening(t, beats)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Go(func() {
			c, err := dial(t, beats, nil, clientTimeout(2*time.Minute))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for r := range rounds {
				ev := fmt.Appendf(nil, `{"@timestamp":"2026-12-06T10:00:00.000Z","n":%d,"round":%d,"message":"%s"}`, i, r, largeText(i, r, size))
				if n, err := c.Send([]any{ev}); err != nil || n != 1 {
					errs <- fmt.Errorf("conn %d round %d: %d of 1 ACKed: %v", i, r, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v\n%s", err, p.logs)
	}
	if got := es.Count(); got != conns*rounds {
		t.Errorf("%d documents indexed, want %d", got, conns*rounds)
	}
	rss := p.peakRSS()
	t.Logf("%d events of %d MiB on %d connections: peak RSS %d MiB", conns*rounds, size>>20, conns, rss>>20)
	if rss >= maxRSS {
		t.Errorf("peak RSS %d MiB, want < %d MiB", rss>>20, maxRSS>>20)
	}
}

// largeText is about size bytes of message: round 0 a phrase repeated,
// round 1 xorshift numbers in hex, which deflate to about half.
func largeText(conn, round, size int) string {
	var b strings.Builder
	b.Grow(size + 32)
	if round == 0 {
		phrase := fmt.Sprintf("conn %d says hello; ", conn)
		for b.Len() < size {
			b.WriteString(phrase)
		}
		return b.String()
	}
	x := uint64(conn*1000 + round + 1)
	for b.Len() < size {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		fmt.Fprintf(&b, "%016x ", x)
	}
	return b.String()
}
