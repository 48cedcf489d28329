package integration

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// frames builds raw lumberjack v2 frames for clients that misbehave.
func windowFrame(n uint32) []byte {
	b := []byte{'2', 'W', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], n)
	return b
}

func dataFrame(seq uint32, payload []byte) []byte {
	b := make([]byte, 10, 10+len(payload))
	b[0], b[1] = '2', 'J'
	binary.BigEndian.PutUint32(b[2:], seq)
	binary.BigEndian.PutUint32(b[6:], uint32(len(payload)))
	return append(b, payload...)
}

func compressedFrame(inner []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(inner)
	w.Close()
	b := []byte{'2', 'C', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(z.Len()))
	return append(b, z.Bytes()...)
}

// TestBadClientsAreDisconnected: each misbehaving client is disconnected
// with one log line naming its address and the reason, while a good client
// keeps sending on other connections without loss.
func TestBadClientsAreDisconnected(t *testing.T) {
	n := startNode(t, basicConfig("      read_timeout: 1s\n      max_event_bytes: 1MiB\n      max_batch_bytes: 4MiB\n      max_batch_events: 4096\n"), nil)

	// The good client sends throughout.
	const goodBatches, goodSize = 40, 500
	goodErr := make(chan error, 1)
	go func() {
		cl, err := dial(t, n.addr, nil)
		if err != nil {
			goodErr <- err
			return
		}
		defer cl.Close()
		goodErr <- sendAll(t, cl, 0, goodBatches, goodSize)
	}()

	event := []byte(`{"message":"x","fields":{"service":"django","group":"pt"}}`)
	bomb := bytes.Repeat([]byte("a"), 2<<20) // 2 MiB that compresses to a few KiB
	cases := []struct {
		name   string
		send   []byte
		half   bool // close our write side after sending (truncation)
		reason string
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, "not a lumberjack v2 frame"},
		{"lumberjack v1", []byte("1W\x00\x00\x00\x01"), false, "lumberjack protocol v1 is not supported"},
		{"truncated frame", append(windowFrame(2), dataFrame(1, event)[:20]...), true, "truncated event"},
		{"stalled mid-batch", append(windowFrame(2), dataFrame(1, event)...), false, "i/o timeout"},
		{"oversized frame", append(windowFrame(1), dataFrame(1, make([]byte, 0))[:6]...), false, ""},
		{"huge window", windowFrame(0xFFFFFFFF), false, "window of 4294967295 events exceeds max_batch_events 4096"},
		{"decompression bomb", append(windowFrame(1), compressedFrame(dataFrame(1, bomb))...), false, "exceeds max_event_bytes"},
		{"not JSON", append(windowFrame(1), dataFrame(1, []byte("this is not json"))...), false, "invalid JSON"},
		{"JSON but not an object", append(windowFrame(1), compressedFrame(dataFrame(1, []byte(`["a"]`)))...), false, "not a JSON object"},
		{"more events than the window", append(windowFrame(1), compressedFrame(append(dataFrame(1, event), dataFrame(2, event)...))...), false, "more events than the window announced"},
	}
	// An event header claiming 3 GiB.
	oversized := dataFrame(1, nil)
	binary.BigEndian.PutUint32(oversized[6:], 3<<30)
	cases[4].send = append(windowFrame(1), oversized...)
	cases[4].reason = "event of 3221225472 bytes exceeds max_event_bytes 1048576"

	var wg sync.WaitGroup
	// Each peer's lines are counted in the log written after it dialed:
	// the kernel may hand a port closed earlier to a later connection.
	type peerLog struct {
		peer string
		from int
	}
	var peersMu sync.Mutex
	var peers []peerLog
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := len(n.logs.String())
			conn, err := net.Dial("tcp", n.addr)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				return
			}
			defer conn.Close()
			peer := conn.LocalAddr().String()
			peersMu.Lock()
			peers = append(peers, peerLog{peer, from})
			peersMu.Unlock()
			if _, err := conn.Write(c.send); err != nil {
				t.Errorf("%s: write: %v", c.name, err)
				return
			}
			if c.half {
				conn.(*net.TCPConn).CloseWrite()
			}
			// The server must close the connection without ever ACKing.
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%s: server did not close the connection", c.name)
				return
			}
			for len(got) >= 6 && string(got[:2]) == "2A" && binary.BigEndian.Uint32(got[2:6]) == 0 {
				got = got[6:] // keepalives are fine
			}
			if len(got) > 0 {
				t.Errorf("%s: server answered %q", c.name, got)
			}
			waitFor(t, 5*time.Second, c.name+" log line", func() bool { return logLineFor(n.logs.String(), peer, c.reason) != "" })
		}()
	}
	wg.Wait()
	for _, p := range peers {
		if got := strings.Count(n.logs.String()[p.from:], `"peer":"`+p.peer+`"`+`,"error"`); got != 1 {
			t.Errorf("peer %s: %d warn lines, want exactly one", p.peer, got)
		}
	}
	if err := <-goodErr; err != nil {
		t.Fatalf("good client: %v", err)
	}
	checkExactlyOnce(t, n.streamLines("logs-django-pt"), 1, goodBatches, goodSize)
	// Bad clients' events never reach the output.
	for _, l := range n.streamLines("logs-django-pt") {
		if idOf(l) == "" {
			t.Fatalf("a bad client's event was written: %s", l)
		}
	}
}

// logLineFor returns the warn line about peer that mentions reason.
func logLineFor(logs, peer, reason string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"peer":"`+peer+`"`) && strings.Contains(line, `"level":"warn"`) && strings.Contains(line, reason) {
			return line
		}
	}
	return ""
}

// TestSlowClientIsNotAStall: read_timeout is a stall inside a batch (no byte
// for that long), not a deadline for the whole batch. A client on a slow
// link that trickles one compressed batch over three read timeouts, never
// pausing as long as one, gets its ACK and its events written.
func TestSlowClientIsNotAStall(t *testing.T) {
	n := startNode(t, basicConfig("      read_timeout: 1s\n"), nil)
	var inner []byte
	const events = 3
	for i := range events {
		inner = append(inner, dataFrame(uint32(i+1), []byte(`{"message":"slow `+itoa(i)+`","id":"slow-`+itoa(i)+`","fields":{"service":"django","group":"pt"}}`))...)
	}
	send := append(windowFrame(events), compressedFrame(inner)...)
	conn, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	const pause = 300 * time.Millisecond
	step := max(len(send)/12, 1) // 12 writes, 300 ms apart: ~3.3 s in all
	for off := 0; off < len(send); off += step {
		if _, err := conn.Write(send[off:min(off+step, len(send))]); err != nil {
			t.Fatalf("write after %s: %v", time.Since(start), err)
		}
		time.Sleep(pause)
	}
	if took := time.Since(start); took < 3*time.Second {
		t.Fatalf("the batch took %s to send; the test needs more than three read timeouts", took)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ack [6]byte
	for {
		if _, err := io.ReadFull(conn, ack[:]); err != nil {
			t.Fatalf("no ACK: %v (logs: %s)", err, n.logs.String())
		}
		if seq := binary.BigEndian.Uint32(ack[2:]); seq != 0 { // 0: keepalive
			if string(ack[:2]) != "2A" || seq != events {
				t.Fatalf("ACK %q", ack)
			}
			break
		}
	}
	waitFor(t, 5*time.Second, "slow events written", func() bool { return len(n.streamLines("logs-django-pt")) == events })
}
