package beats

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/rs/zerolog"
)

// heldSink keeps every published batch until the test completes it.
type heldSink struct {
	mu      sync.Mutex
	batches [][]*event.Event
	arrived chan struct{}
}

func newHeldSink() *heldSink { return &heldSink{arrived: make(chan struct{}, 64)} }

func (s *heldSink) Publish(_ context.Context, events []*event.Event) error {
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

// publisher is what the tests' sinks implement: every committed batch's
// events.
type publisher interface {
	Publish(ctx context.Context, events []*event.Event) error
}

func startInput(t *testing.T, pub publisher, keepalive time.Duration) *Input {
	t.Helper()
	return startSinkInput(t, &plugintest.Sink{Committed: pub.Publish}, keepalive)
}

func startSinkInput(t *testing.T, sink plugin.Sink, keepalive time.Duration) *Input {
	t.Helper()
	return startWithSink(t, sink, func(c *Config) { c.Keepalive = keepalive })
}

// startWithSink starts an input with the test limits, tuned, serving sink.
func startWithSink(t *testing.T, sink plugin.Sink, tune func(*Config)) *Input {
	t.Helper()
	return startWithEnv(t, sink, tune, plugin.Env{Logger: testLogger(t), DrainTimeout: time.Second})
}

// startWithEnv is startWithSink with the input's logger and metrics.
func startWithEnv(t *testing.T, sink plugin.Sink, tune func(*Config), env plugin.Env) *Input {
	t.Helper()
	cfg := &Config{
		Listen: "127.0.0.1:0", MaxConnections: 10, MaxBatchEvents: 4096,
		MaxEventBytes: 1 << 20, MaxBatchBytes: 16 << 20, MaxInflightBytes: 8 << 20,
		IdleTimeout: 10 * time.Second, ReadTimeout: 5 * time.Second, Keepalive: 100 * time.Millisecond,
		HandshakeTimeout: time.Second, TLS: TLSConfig{ClientAuth: "none", MinVersion: "1.2"},
	}
	tune(cfg)
	in, err := New(cfg, env)
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
	<-in.(*Input).Serving()
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
	if got := in.pendingBatches.Load(); got != 2 {
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
	for in.InflightBytes() != 0 || in.pendingBatches.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("budget not given back: %d bytes, %d batches", in.InflightBytes(), in.pendingBatches.Load())
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
	for in.InflightBytes() != 0 || in.Connections() != 0 || in.pendingBatches.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after close: %d bytes, %d connections, %d batches", in.InflightBytes(), in.Connections(), in.pendingBatches.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	sink.complete(0)
}

// TestGoLumberClient: Filebeat's own client library, compressed and plain,
// sync and pipelined: every batch is ACKed and every event arrives decoded.
func TestGoLumberClient(t *testing.T) {
	got := &keySink{key: event.Path{"message"}}
	in := startInput(t, got, time.Second)
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
	got.onceEach(t, 600)
}

// keySink completes every event it is given and counts them by a field.
type keySink struct {
	key  event.Path
	mu   sync.Mutex
	seen map[string]int
}

func (s *keySink) Publish(_ context.Context, events []*event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	for _, e := range events {
		// A copy: the field's bytes are the batch's slab, which is
		// recycled (and overwritten by the next batch) once it is
		// acknowledged; a key aliasing it would change under the map.
		s.seen[strings.Clone(e.GetString(s.key))]++
		e.Done()
	}
	return nil
}

// onceEach checks that n distinct events arrived, each exactly once.
func (s *keySink) onceEach(t *testing.T, n int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) != n {
		t.Fatalf("%d distinct events arrived, want %d", len(s.seen), n)
	}
	for k, c := range s.seen {
		if c != 1 {
			t.Fatalf("%s arrived %d times", k, c)
		}
	}
}

type sinkFunc func([]*event.Event)

func (f sinkFunc) Publish(_ context.Context, events []*event.Event) error {
	f(events)
	return nil
}

// TestDroppedWhileRead: events the sink drops as they are added (as the
// engine's filters may, while a batch is read) count towards its ACK; the
// rest are committed once; a batch whose every event is dropped is
// acknowledged with nothing committed.
func TestDroppedWhileRead(t *testing.T) {
	var mu sync.Mutex
	var committed []*event.Event
	arrived := make(chan struct{}, 8)
	sink := &plugintest.Sink{
		Drop: func(e *event.Event) bool {
			m := e.GetString(event.Path{"message"})
			return m[len(m)-1] == '0'
		},
		Committed: func(_ context.Context, events []*event.Event) error {
			mu.Lock()
			committed = append(committed, events...)
			mu.Unlock()
			arrived <- struct{}{}
			return nil
		},
	}
	in := startSinkInput(t, sink, time.Second)
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 150
	if _, err := c.Write(wireBatch(t, events(n, 0), 1)); err != nil {
		t.Fatal(err)
	}
	<-arrived
	mu.Lock()
	if len(committed) != n-n/10 {
		t.Errorf("%d events committed, want %d", len(committed), n-n/10)
	}
	for _, e := range committed {
		e.Done()
	}
	committed = nil
	mu.Unlock()
	if seq, _ := readACK(t, c); seq != n { // the dropped events counted
		t.Fatalf("ACK %d, want %d", seq, n)
	}

	// Every event dropped: ACKed, nothing committed.
	if _, err := c.Write(wireBatch(t, [][]byte{[]byte(`{"message":"m0"}`), []byte(`{"message":"m10"}`)}, 1)); err != nil {
		t.Fatal(err)
	}
	if seq, _ := readACK(t, c); seq != 2 {
		t.Fatalf("ACK %d, want 2", seq)
	}
	select {
	case <-arrived:
		t.Fatal("a batch of dropped events was committed with events")
	default:
	}
	if got := sink.Producers(); got != 1 {
		t.Fatalf("%d producers open for one connection", got)
	}
}

// testLogger logs through t when INGESTD_TEST_LOG is set.
func testLogger(t *testing.T) zerolog.Logger {
	if os.Getenv("INGESTD_TEST_LOG") == "" {
		return zerolog.Nop()
	}
	return zerolog.New(zerolog.NewTestWriter(t))
}

// TestEventWithoutTimestampIsStamped: an event sent without @timestamp
// gets the time it was read (Logstash's Event does; a data stream refuses
// a document without one); one that has it keeps it as sent; one whose
// @timestamp is no time keeps it in _@timestamp, is stamped and tagged
// _timestampparsefailure, as Logstash's Event made of the beat's hash.
func TestEventWithoutTimestampIsStamped(t *testing.T) {
	stamps := make(chan string, 3)
	var failed atomic.Value
	in := startInput(t, sinkFunc(func(events []*event.Event) {
		for _, e := range events {
			stamps <- strings.Clone(e.GetString(event.Path{"@timestamp"}))
			if e.HasTag(event.TimestampFailureTag) {
				failed.Store(strings.Clone(e.GetString(event.Path{event.TimestampFailureField})))
			}
			e.Done()
		}
	}), time.Second)
	cl, err := client.SyncDial(in.Addr().String(), client.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	before := time.Now().Add(-time.Second)
	if _, err := cl.Send([]any{map[string]any{"message": "no time"}, map[string]any{"message": "timed", "@timestamp": "2025-02-02T12:34:56.123Z"},
		map[string]any{"message": "bad time", "@timestamp": "foobar"}}); err != nil {
		t.Fatal(err)
	}
	got, err := time.Parse(time.RFC3339Nano, <-stamps)
	if err != nil || got.Before(before) || got.After(time.Now().Add(time.Second)) {
		t.Fatalf("stamp %v (%v), want about now", got, err)
	}
	if sent := <-stamps; sent != "2025-02-02T12:34:56.123Z" {
		t.Fatalf("a sent @timestamp became %q", sent)
	}
	if got, err := time.Parse(time.RFC3339Nano, <-stamps); err != nil || got.Before(before) {
		t.Fatalf("an @timestamp that is no time: stamp %v (%v), want about now", got, err)
	}
	if kept, _ := failed.Load().(string); kept != "foobar" {
		t.Fatalf("_@timestamp %q, want foobar, and the tag", kept)
	}
}
