package beats

import (
	"net"
	"time"
)

// Connection slots: max_connections in all, max_connections_per_source
// from one client address. At a limit, a new connection takes the slot
// of the connection idle longest (between batches, none pending) rather
// than being refused, so idle or abandoned connections cannot lock real
// clients out; without one, the slot of the connection that has gone
// longest inside a batch with nothing decoded (at least stallGrace, and
// not waiting for the budget or the pipeline): a client that keeps a batch open by
// sending what decodes to nothing (empty zlib blocks) holds no slot. Only
// when every connection is busy making progress is the newcomer refused.
// Under openMu.

// sourceOf is the address part of a peer ("10.0.0.1" of "10.0.0.1:5044").
func sourceOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// admitConn takes a slot for a connection from source, closing the one
// idle longest (else the one stalled longest) if a limit is reached. It
// reports false when the newcomer must be refused.
func (in *Input) admitConn(source string) bool {
	for {
		in.openMu.Lock()
		total, fromSource := len(in.open), in.perSource[source]
		var match func(*conn) bool // the connections a victim is taken from
		switch {
		case in.cfg.MaxPerSource > 0 && fromSource >= in.cfg.MaxPerSource:
			match = func(c *conn) bool { return c.source == source }
		case in.cfg.MaxConnections > 0 && total >= in.cfg.MaxConnections:
		default:
			in.openMu.Unlock()
			return true
		}
		why := "beats: closing the connection idle longest to admit a new one"
		victim := in.idlest(match)
		if victim == nil {
			victim = in.stalest(match)
			why = "beats: closing the connection longest inside a batch with nothing decoded, to admit a new one"
		}
		in.openMu.Unlock()
		if victim == nil {
			return false
		}
		in.evicted.Add(1)
		victim.log.Warn().Int("max_connections", in.cfg.MaxConnections).Int("max_connections_per_source", in.cfg.MaxPerSource).
			Msg(why)
		victim.fail(net.ErrClosed)
		victim.Close()
	}
}

// idlest is the open connection between batches, with none pending, that
// has been so longest (and that match accepts); nil when there is none.
func (in *Input) idlest(match func(*conn) bool) *conn {
	var best *conn
	var bestAt int64
	for c := range in.open {
		if (match != nil && !match(c)) || !c.between.Load() || c.pendingCount() > 0 {
			continue
		}
		if at := c.lastActive.Load(); best == nil || at < bestAt {
			best, bestAt = c, at
		}
	}
	return best
}

// stallGrace is how long a connection may go inside a batch with nothing
// decoded before a newcomer may take its slot: two rate windows (at the
// least min_transfer_rate, an inflate call's 64 KiB of incompressible
// text takes 16 s to come), and never under 2 s.
func (in *Input) stallGrace() time.Duration { return max(2*in.cfg.RateWindow, 2*time.Second) }

// stalest is the open connection inside a batch that has gone longest
// with nothing decoded, at least stallGrace, and is not waiting for the
// budget (and that match accepts); nil when there is none.
func (in *Input) stalest(match func(*conn) bool) *conn {
	var best *conn
	var bestAt int64
	limit := time.Now().Add(-in.stallGrace()).UnixNano()
	for c := range in.open {
		if (match != nil && !match(c)) || c.between.Load() || c.waitingRoom.Load() {
			continue
		}
		if at := c.lastProgress.Load(); at <= limit && (best == nil || at < bestAt) {
			best, bestAt = c, at
		}
	}
	return best
}
