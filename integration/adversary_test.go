package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inputCounters are the beats input's counters in /_node/stats.
type inputCounters struct {
	Connections    int64 `json:"connections"`
	Refused        int64 `json:"connections_refused"`
	Evicted        int64 `json:"connections_evicted"`
	ClosedSlow     int64 `json:"connections_closed_slow"`
	BatchesRefused int64 `json:"batches_refused"`
}

func (a *adversary) stats() (inputCounters, error) {
	var s struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	res, err := http.Get("http://" + a.http + "/_node/stats")
	if err != nil {
		return inputCounters{}, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return inputCounters{}, err
	}
	for _, raw := range s.Inputs {
		var fields map[string]any
		if json.Unmarshal(raw, &fields) == nil && fields["connections_closed_slow"] != nil {
			var c inputCounters
			err := json.Unmarshal(raw, &c)
			return c, err
		}
	}
	return inputCounters{}, fmt.Errorf("no beats input with connections_closed_slow in /_node/stats")
}

func (a *adversary) counters(t *testing.T) inputCounters {
	t.Helper()
	s, err := a.stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// promCounters returns the input's counter lines of /metrics.
func (a *adversary) promCounters() string {
	res, err := http.Get("http://" + a.http + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		for _, name := range []string{"connections_refused_total", "connections_evicted_total", "connections_closed_slow_total", "batches_refused_total"} {
			if strings.HasPrefix(l, "ingestd_input_"+name) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "; ")
}

func (a *adversary) warnLines(max int) string {
	var out []string
	for _, l := range strings.Split(a.p.logs.String(), "\n") {
		if strings.Contains(l, `"level":"warn"`) || strings.Contains(l, `"level":"error"`) {
			out = append(out, l)
		}
	}
	if len(out) > max {
		out = append(out[:max/2], append([]string{fmt.Sprintf("… %d more …", len(out)-max)}, out[len(out)-max/2:]...)...)
	}
	return strings.Join(out, "\n")
}

// expectClosed waits up to limit (from each connection's start) for the
// server to close every one of conns.
func (a *adversary) expectClosed(t *testing.T, what string, conns []*rawConn, limit time.Duration) {
	t.Helper()
	deadline := time.Now()
	for _, c := range conns {
		if d := c.start.Add(limit); d.After(deadline) {
			deadline = d
		}
	}
	for time.Now().Before(deadline) {
		open := 0
		for _, c := range conns {
			if !c.isClosed() {
				open++
			}
		}
		if open == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	open, late := 0, 0
	var after []time.Duration
	for _, c := range conns {
		if at, ok := c.closedAfter(); ok {
			after = append(after, at.Round(100*time.Millisecond))
			if at > limit {
				late++
			}
		} else {
			open++
		}
	}
	t.Logf("%s: %d closed by the server after %v; %d still open", what, len(after), after, open)
	if open > 0 || late > 0 {
		t.Errorf("%ss: %d of %d not closed within %s of their start (%d closed later, %d still open)", what, open+late, len(conns), limit, late, open)
	}
}

// expectOneWarn checks that each of conns produced exactly one warn line
// containing reason.
func (a *adversary) expectOneWarn(t *testing.T, conns []*rawConn, reason string) {
	t.Helper()
	var lines []string
	poll(5*time.Second, func() bool {
		logs := a.p.logs.String()
		for _, c := range conns {
			if logLineFor(logs[c.logFrom:], c.peer, reason) == "" {
				return false
			}
		}
		return true
	})
	logs := a.p.logs.String()
	for _, c := range conns {
		n, withReason := 0, 0
		for _, l := range strings.Split(logs[c.logFrom:], "\n") {
			if strings.Contains(l, `"peer":"`+c.peer+`"`) && strings.Contains(l, `"level":"warn"`) {
				n++
				if strings.Contains(l, reason) {
					withReason++
					if len(lines) < 1 {
						lines = append(lines, l)
					}
				}
			}
		}
		if n != 1 || withReason != 1 {
			t.Errorf("peer %s: %d warn lines, %d of them with %q; want exactly one", c.peer, n, withReason, reason)
		}
	}
	t.Logf("e.g. %s", strings.Join(lines, "\n"))
}

// rawConn is a hostile client's connection; a goroutine reads (and
// discards keepalives) until the server closes it.
type rawConn struct {
	c      net.Conn
	peer   string
	start  time.Time
	closed chan struct{}
	// logFrom is the length of the server's log when it dialed.
	logFrom int
	at      atomic.Int64 // nanoseconds after start the server closed it
	once    sync.Once
}

func (a *adversary) raw(t *testing.T) *rawConn {
	t.Helper()
	// The kernel reuses ephemeral ports: a peer address seen in an
	// earlier phase's warn lines may be this connection's now, so its
	// lines are those written after it dialed.
	logFrom := len(a.p.logs.String())
	c, err := net.DialTimeout("tcp", a.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawConn{c: c, peer: c.LocalAddr().String(), start: time.Now(), closed: make(chan struct{}), logFrom: logFrom}
	go func() {
		io.Copy(io.Discard, c)
		rc.at.Store(int64(time.Since(rc.start)))
		close(rc.closed)
	}()
	t.Cleanup(rc.close)
	return rc
}

func (c *rawConn) write(p []byte) { c.c.Write(p) }

// trickle writes p one byte every interval until it is sent or the
// server closes the connection.
func (c *rawConn) trickle(p []byte, interval time.Duration) {
	for i := range p {
		if _, err := c.c.Write(p[i : i+1]); err != nil {
			return
		}
		select {
		case <-c.closed:
			return
		case <-time.After(interval):
		}
	}
}

// throttle writes p, its first burst bytes at once and the rest at rate
// bytes per second, until it is sent or the connection is closed.
func (c *rawConn) throttle(p []byte, burst, rate int) {
	if _, err := c.c.Write(p[:burst]); err != nil {
		return
	}
	const tick = 200 * time.Millisecond
	step := rate / int(time.Second/tick)
	for p = p[burst:]; len(p) > 0; p = p[min(step, len(p)):] {
		select {
		case <-c.closed:
			return
		case <-time.After(tick):
		}
		if _, err := c.c.Write(p[:min(step, len(p))]); err != nil {
			return
		}
	}
}

// slowLinkBatch is a window and one compressed frame of n events with the
// good client's ids (phase, batch) and 768 random hex digits each, which
// deflate to about half: about 1 KB per event decompressed.
func slowLinkBatch(phase, batch, n int) []byte {
	rng := rand.New(rand.NewPCG(uint64(phase), uint64(batch)))
	pad := make([]byte, 384)
	var inner []byte
	for i := range n {
		for j := range pad {
			pad[j] = byte(rng.Uint32())
		}
		ev := fmt.Appendf(nil, `{"@timestamp":"2026-11-20T22:17:34.366Z","message":"INFO|apps.parcels.views|2025-02-02T12:34:56.123|id=%s","pad":"%x"}`,
			eventID(phase, batch, i), pad)
		inner = append(inner, dataFrame(uint32(i+1), ev)...)
	}
	return append(windowFrame(uint32(n)), compressedFrame(inner)...)
}

func (c *rawConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *rawConn) closedAfter() (time.Duration, bool) {
	if !c.isClosed() {
		return 0, false
	}
	return time.Duration(c.at.Load()), true
}

func (c *rawConn) close() { c.once.Do(func() { c.c.Close() }) }
