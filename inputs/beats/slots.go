package beats

import (
	"net"
)

// Connection slots: max_connections in all, max_connections_per_source
// from one client address. At a limit, a new connection takes the slot
// of the connection idle longest (between batches, none pending) rather
// than being refused, so idle or abandoned connections cannot lock real
// clients out; only when every connection is busy is the newcomer
// refused. Under openMu.

// sourceOf is the address part of a peer ("10.0.0.1" of "10.0.0.1:5044").
func sourceOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// admitConn takes a slot for a connection from source, closing the one
// idle longest if a limit is reached. It reports false when the newcomer
// must be refused.
func (in *Input) admitConn(source string) bool {
	for {
		in.openMu.Lock()
		total, fromSource := len(in.open), in.perSource[source]
		var victim *conn
		switch {
		case in.cfg.MaxPerSource > 0 && fromSource >= in.cfg.MaxPerSource:
			victim = in.idlest(func(c *conn) bool { return c.source == source })
		case in.cfg.MaxConnections > 0 && total >= in.cfg.MaxConnections:
			victim = in.idlest(nil)
		default:
			in.openMu.Unlock()
			return true
		}
		in.openMu.Unlock()
		if victim == nil {
			return false
		}
		in.evicted.Add(1)
		victim.log.Warn().Int("max_connections", in.cfg.MaxConnections).Int("max_connections_per_source", in.cfg.MaxPerSource).
			Msg("beats: closing the connection idle longest to admit a new one")
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
