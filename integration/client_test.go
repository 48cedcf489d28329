package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
)

// rawEncoder sends pre-encoded events as they are, so the test client
// spends its CPU on the protocol, not on encoding/json.
func rawEncoder(v any) ([]byte, error) { return v.([]byte), nil }

// makeBatch returns n events tagged with conn/batch/index, shaped like
// Filebeat filestream events.
func makeBatch(conn, batch, n int) []any {
	events := make([]any, n)
	for i := range n {
		events[i] = []byte(fmt.Sprintf(
			`{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},`+
				`"agent":{"name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},"host":{"name":"vm"},`+
				`"input":{"type":"filestream"},"fields":{"group":"pt","service":"django"},`+
				`"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":%d},`+
				`"message":"INFO|apps.parcels.views|2025-02-02T12:34:56.123|id=%s"}`,
			// Offsets are unique per origin, as in a real file, so the
			// deterministic document ids differ.
			((conn*1000+batch)*100000+i)*120, eventID(conn, batch, i)))
	}
	return events
}

func eventID(conn, batch, i int) string {
	return strconv.Itoa(conn) + "-" + strconv.Itoa(batch) + "-" + strconv.Itoa(i)
}

// dial connects a sync go-lumber client, like one Filebeat worker.
func dial(t testing.TB, addr string, tlsCfg *tls.Config, opts ...client.Option) (*client.SyncClient, error) {
	t.Helper()
	opts = append([]client.Option{client.JSONEncoder(rawEncoder), client.CompressionLevel(3), client.Timeout(30 * time.Second)}, opts...)
	if tlsCfg == nil {
		return client.SyncDial(addr, opts...)
	}
	return client.SyncDialWith(func(network, address string) (net.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, network, address, tlsCfg)
	}, addr, opts...)
}

// sendAll sends batches and requires every one to be fully ACKed.
func sendAll(t testing.TB, c *client.SyncClient, conn, batches, size int) error {
	for b := range batches {
		events := makeBatch(conn, b, size)
		n, err := c.Send(events)
		if err != nil {
			return fmt.Errorf("conn %d batch %d: %w", conn, b, err)
		}
		if n != len(events) {
			return fmt.Errorf("conn %d batch %d: ACKed %d of %d", conn, b, n, len(events))
		}
	}
	return nil
}

// idOf extracts the id=... a test event carries in its message.
func idOf(line []byte) string {
	const marker = "|id="
	for i := 0; i+len(marker) <= len(line); i++ {
		if string(line[i:i+len(marker)]) == marker {
			j := i + len(marker)
			k := j
			for k < len(line) && line[k] != '"' {
				k++
			}
			return string(line[j:k])
		}
	}
	return ""
}

// checkExactlyOnce verifies every (conn, batch, i) appears exactly once.
func checkExactlyOnce(t testing.TB, lines [][]byte, conns, batches, size int) {
	t.Helper()
	seen := make(map[string]int, len(lines))
	for _, l := range lines {
		seen[idOf(l)]++
	}
	missing, dup := 0, 0
	for c := range conns {
		for b := range batches {
			for i := range size {
				switch seen[eventID(c, b, i)] {
				case 0:
					missing++
				case 1:
				default:
					dup++
				}
			}
		}
	}
	want := conns * batches * size
	if missing > 0 || dup > 0 || len(lines) != want {
		t.Fatalf("output has %d lines for %d events: %d missing, %d duplicated", len(lines), want, missing, dup)
	}
}

// clientTimeout sets the go-lumber client's network timeout.
func clientTimeout(d time.Duration) client.Option { return client.Timeout(d) }

// sendFromConns runs conns clients at once, client c sending batches
// batches of size events (ids c-b-i) and requiring every ACK.
func sendFromConns(t testing.TB, addr string, conns, batches, size int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(t, addr, nil)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			if err := sendAll(t, cl, c, batches, size); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
