package beats

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/pipeline"
)

// heldSink keeps every published batch until the test completes it.
type heldSink struct {
	mu      sync.Mutex
	batches [][]*pipeline.Event
	arrived chan struct{}
}

func newHeldSink() *heldSink { return &heldSink{arrived: make(chan struct{}, 64)} }

func (s *heldSink) Publish(_ context.Context, events []*pipeline.Event) error {
	s.mu.Lock()
	s.batches = append(s.batches, events)
	s.mu.Unlock()
	s.arrived <- struct{}{}
	return nil
}

func (s *heldSink) complete(i int) {
	s.mu.Lock()
	events := s.batches[i]
	s.mu.Unlock()
	for _, e := range events {
		e.Done()
	}
}

func startInput(t *testing.T, sink pipeline.Sink, keepalive time.Duration) *Input {
	t.Helper()
	cfg := &Config{
		Listen: "127.0.0.1:0", MaxConnections: 10, MaxBatchEvents: 4096,
		MaxEventBytes: 1 << 20, MaxBatchBytes: 16 << 20, MaxInflightBytes: 8 << 20,
		IdleTimeout: 10 * time.Second, ReadTimeout: 5 * time.Second, Keepalive: keepalive,
		HandshakeTimeout: time.Second, TLS: TLSConfig{ClientAuth: "none", MinVersion: "1.2"},
	}
	in, err := New(cfg, pipeline.Env{Logger: zerolog.Nop(), DrainTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, sink) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(10 * time.Second):
			t.Error("input did not stop")
		}
	})
	<-in.(*Input).Ready()
	return in.(*Input)
}

func events(n, from int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(`{"message":"m` + strconv.Itoa(from+i) + `"}`)
	}
	return out
}

// readACK returns the next non-keepalive ACK and how many keepalives came
// before it.
func readACK(t *testing.T, c net.Conn) (seq uint32, keepalives int) {
	t.Helper()
	var ack [6]byte
	for {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, ack[:]); err != nil {
			t.Fatalf("reading ACK: %v", err)
		}
		if string(ack[:2]) != "2A" {
			t.Fatalf("not an ACK frame: %q", ack)
		}
		if seq := binary.BigEndian.Uint32(ack[2:]); seq != 0 {
			return seq, keepalives
		}
		keepalives++
	}
}

// TestACKsInBatchOrder: a connection's batches are acknowledged in the
// order they were sent, whatever order their events complete in (two
// pipeline workers can finish the second batch first); keepalives are
// sent while the oldest batch waits; the budget is given back per ACK.
func TestACKsInBatchOrder(t *testing.T) {
	sink := newHeldSink()
	in := startInput(t, sink, 50*time.Millisecond)
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, second := wireBatch(t, events(3, 0), 1), wireBatch(t, events(5, 3), 1)
	if _, err := c.Write(append(first, second...)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-sink.arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("batch not published")
		}
	}
	if got := in.InputStats().InflightBatches; got != 2 {
		t.Fatalf("in-flight batches %d, want 2", got)
	}
	sink.complete(1) // the second batch is done first…
	time.Sleep(200 * time.Millisecond)
	sink.complete(0) // …then the first
	if seq, keepalives := readACK(t, c); seq != 3 || keepalives == 0 {
		t.Fatalf("first ACK %d after %d keepalives, want 3 after some", seq, keepalives)
	}
	if seq, _ := readACK(t, c); seq != 5 {
		t.Fatalf("second ACK %d, want 5", seq)
	}
	deadline := time.Now().Add(5 * time.Second)
	for in.InflightBytes() != 0 || in.InputStats().InflightBatches != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("budget not given back: %d bytes, %d batches", in.InflightBytes(), in.InputStats().InflightBatches)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCloseGivesBackTheBudget: a client that leaves with batches
// unacknowledged frees their budget at once (not at the next keepalive:
// the interval here is a minute), and so does one that leaves without
// sending anything; events completed later acknowledge nothing and do not
// panic.
func TestCloseGivesBackTheBudget(t *testing.T) {
	sink := newHeldSink()
	in := startInput(t, sink, time.Minute)
	idle, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	idle.Close()
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(wireBatch(t, events(4, 0), 1)); err != nil {
		t.Fatal(err)
	}
	<-sink.arrived
	if in.InflightBytes() == 0 {
		t.Fatal("a pending batch holds no budget")
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for in.InflightBytes() != 0 || in.Connections() != 0 || in.InputStats().InflightBatches != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after close: %d bytes, %d connections, %d batches", in.InflightBytes(), in.Connections(), in.InputStats().InflightBatches)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sink.complete(0)
}

// TestGoLumberClient: Filebeat's own client library, compressed and plain,
// sync and pipelined: every batch is ACKed and every event arrives decoded.
func TestGoLumberClient(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	in := startInput(t, sinkFunc(func(events []*pipeline.Event) {
		mu.Lock()
		for _, e := range events {
			got[e.GetString(pipeline.Path{"message"})]++
			e.Done()
		}
		mu.Unlock()
	}), time.Second)
	for _, level := range []int{0, 3} {
		cl, err := client.SyncDial(in.Addr().String(), client.CompressionLevel(level), client.Timeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for b := range 3 {
			batch := make([]any, 100)
			for i := range batch {
				batch[i] = map[string]any{"message": "l" + strconv.Itoa(level) + "-" + strconv.Itoa(b*100+i)}
			}
			n, err := cl.Send(batch)
			if err != nil || n != len(batch) {
				t.Fatalf("level %d batch %d: sent %d, %v", level, b, n, err)
			}
		}
		cl.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 600 {
		t.Fatalf("%d distinct events arrived, want 600", len(got))
	}
	for m, n := range got {
		if n != 1 {
			t.Fatalf("%s arrived %d times", m, n)
		}
	}
}

type sinkFunc func([]*pipeline.Event)

func (f sinkFunc) Publish(_ context.Context, events []*pipeline.Event) error {
	f(events)
	return nil
}

// preparingSink filters as a pipeline.Preparer: it drops events whose
// message ends in 0 and records what was prepared and published.
type preparingSink struct {
	mu        sync.Mutex
	runs      []int
	published []*pipeline.Event
	arrived   chan struct{}
}

func (s *preparingSink) Prepare(events []*pipeline.Event) []*pipeline.Event {
	s.mu.Lock()
	s.runs = append(s.runs, len(events))
	s.mu.Unlock()
	kept := events[:0]
	for _, e := range events {
		if m := e.GetString(pipeline.Path{"message"}); m[len(m)-1] == '0' {
			e.Done() // dropped on purpose
			continue
		}
		e.SetString(pipeline.Path{"prepared"}, "yes")
		kept = append(kept, e)
	}
	return kept
}

func (s *preparingSink) Publish(_ context.Context, events []*pipeline.Event) error {
	s.mu.Lock()
	s.published = append(s.published, events...)
	s.mu.Unlock()
	s.arrived <- struct{}{}
	return nil
}

// TestPreparedWhileRead: with a Preparer, a batch is filtered in runs as
// it is read; dropped events count towards its ACK, the rest are
// published once, prepared; a batch whose every event is dropped is
// acknowledged without being published. With fewer connections than
// prepareMinConns nothing is prepared.
func TestPreparedWhileRead(t *testing.T) {
	sink := &preparingSink{arrived: make(chan struct{}, 8)}
	in := startInput(t, sink, time.Second)
	in.prepareMinConns.Store(1)
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 150 // two runs of 64 and a tail of 22
	if _, err := c.Write(wireBatch(t, events(n, 0), 1)); err != nil {
		t.Fatal(err)
	}
	<-sink.arrived
	sink.mu.Lock()
	if fmt.Sprint(sink.runs) != "[64 64 22]" {
		t.Errorf("prepared in runs %v, want [64 64 22]", sink.runs)
	}
	if len(sink.published) != n-n/10 {
		t.Errorf("%d events published, want %d", len(sink.published), n-n/10)
	}
	for _, e := range sink.published {
		if e.GetString(pipeline.Path{"prepared"}) != "yes" {
			t.Fatalf("published unprepared: %s", e.AppendJSON(nil))
		}
		e.Done()
	}
	sink.published, sink.runs = nil, nil
	sink.mu.Unlock()
	if seq, _ := readACK(t, c); seq != n { // the dropped events counted
		t.Fatalf("ACK %d, want %d", seq, n)
	}

	// Every event dropped: ACKed, nothing published.
	if _, err := c.Write(wireBatch(t, [][]byte{[]byte(`{"message":"m0"}`), []byte(`{"message":"m10"}`)}, 1)); err != nil {
		t.Fatal(err)
	}
	if seq, _ := readACK(t, c); seq != 2 {
		t.Fatalf("ACK %d, want 2", seq)
	}
	select {
	case <-sink.arrived:
		t.Fatal("a batch of dropped events was published")
	default:
	}

	sink.mu.Lock()
	sink.runs = nil
	sink.mu.Unlock()
	in.prepareMinConns.Store(2) // one connection now: the workers filter
	if _, err := c.Write(wireBatch(t, events(3, 1), 1)); err != nil {
		t.Fatal(err)
	}
	<-sink.arrived
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.runs) != 0 || len(sink.published) != 3 {
		t.Fatalf("with too few connections: runs %v, %d published; want none prepared, 3 published", sink.runs, len(sink.published))
	}
}
