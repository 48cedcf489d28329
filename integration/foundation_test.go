package integration

import (
	"sync"
	"testing"
)

// TestManyConnectionsExactlyOnce: 8 connections × 50 batches × 2048 events
// at compression level 3; every batch ACKed, every event in the NDJSON
// output exactly once.
func TestManyConnectionsExactlyOnce(t *testing.T) {
	const conns, batches, size = 8, 50, 2048
	n := startNode(t, basicConfig(""), nil)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(t, n.addr, nil)
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
	// ACK means written and synced: the file is complete before shutdown.
	checkExactlyOnce(t, n.streamLines("logs-django-pt"), conns, batches, size)
}
