package integration

import (
	"testing"

	"github.com/ingestd/ingestd/internal/race"
)

// TestManyConnectionsExactlyOnce: 8 connections × 50 batches × 2048 events
// at compression level 3; every batch ACKed, every event in the NDJSON
// output exactly once (6 batches per connection under -race).
func TestManyConnectionsExactlyOnce(t *testing.T) {
	const conns, size = 8, 2048
	batches := 50
	if race.Enabled {
		batches = 6 // every event costs 17 times as much
	}
	n := startNode(t, basicConfig(""), nil)
	sendFromConns(t, n.addr, conns, batches, size)
	// ACK means written and synced: the file is complete before shutdown.
	checkExactlyOnce(t, n.streamLines("logs-django-pt"), conns, batches, size)
}
