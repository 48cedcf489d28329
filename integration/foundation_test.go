package integration

import "testing"

// TestManyConnectionsExactlyOnce: 8 connections × 50 batches × 2048 events
// at compression level 3; every batch ACKed, every event in the NDJSON
// output exactly once.
func TestManyConnectionsExactlyOnce(t *testing.T) {
	const conns, batches, size = 8, 6, 2048 // every connection pipelines several batches
	n := startNode(t, basicConfig(""), nil)
	sendFromConns(t, n.addr, conns, batches, size)
	// ACK means written and synced: the file is complete before shutdown.
	checkExactlyOnce(t, n.streamLines("logs-django-pt"), conns, batches, size)
}
