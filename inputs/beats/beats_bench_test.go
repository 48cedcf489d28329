package beats

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/harness"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

// wireBatch encodes events as go-lumber client/v2 sends a batch: a window
// frame and one compressed frame of data frames.
func wireBatch(tb testing.TB, events [][]byte, level int) []byte {
	var inner []byte
	for i, ev := range events {
		inner = append(inner, codeVersion, codeJSONData)
		inner = binary.BigEndian.AppendUint32(inner, uint32(i+1))
		inner = binary.BigEndian.AppendUint32(inner, uint32(len(ev)))
		inner = append(inner, ev...)
	}
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, level)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(inner)
	w.Close()
	out := []byte{codeVersion, codeWindowSize}
	out = binary.BigEndian.AppendUint32(out, uint32(len(events)))
	out = append(out, codeVersion, codeCompressed)
	out = binary.BigEndian.AppendUint32(out, uint32(z.Len()))
	return append(out, z.Bytes()...)
}

// startBenchInput starts an input with the benchmark limits, tuned (tune
// may be nil).
func startBenchInput(tb testing.TB, tune func(*Config)) (addr string, stop func()) {
	cfg := &Config{
		Listen: "127.0.0.1:0", MaxConnections: 100, MaxBatchEvents: 65536,
		MaxEventBytes: 32 << 20, MaxBatchBytes: 256 << 20, MaxInflightBytes: 64 << 20,
		IdleTimeout: time.Minute, ReadTimeout: 30 * time.Second, Keepalive: 3 * time.Second,
		HandshakeTimeout: 10 * time.Second, TLS: TLSConfig{ClientAuth: "none", MinVersion: "1.2"},
	}
	if tune != nil {
		tune(cfg)
	}
	in, err := New(cfg, plugin.Env{Logger: zerolog.Nop(), DrainTimeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, &plugintest.Sink{}) }()
	<-in.(*Input).Serving()
	return in.(*Input).Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	}
}

// BenchmarkInput: Filebeat-shaped events of the harness (a pipe-format
// message of ~130 bytes) in 2048-event batches at zlib level 3, written by
// one connection that keeps two batches in flight, as Filebeat does.
// ns/op is per event.
func BenchmarkInput(b *testing.B) {
	addr, stop := startBenchInput(b, nil)
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchBatches(b, c)
}

// BenchmarkInputTLS is BenchmarkInput over mutual TLS: every event gets
// the connection's [@metadata][tls_peer].
func BenchmarkInputTLS(b *testing.B) {
	pki := newTestPKI(b)
	addr, stop := startBenchInput(b, func(c *Config) { c.TLS = pki.tlsConfig("required") })
	defer stop()
	c := pki.dial(b, addr, pki.client(b, pkix.Name{CommonName: "filebeat01", Organization: []string{"NEANIAS"}}))
	benchBatches(b, c)
}

// benchBatches sends b.N events over c as BenchmarkInput describes.
func benchBatches(b *testing.B, c net.Conn) {
	const batchSize = 2048
	events := make([][]byte, batchSize)
	for i := range events {
		events[i] = harness.SyntheticEvent(i)
	}
	wire := wireBatch(b, events, 3)

	batches := (b.N + batchSize - 1) / batchSize
	acked := make(chan error, 1)
	inflight := make(chan struct{}, 2)
	go func() {
		var ack [6]byte
		for range batches {
			for {
				if _, err := io.ReadFull(c, ack[:]); err != nil {
					acked <- err
					return
				}
				if binary.BigEndian.Uint32(ack[2:]) == batchSize {
					break // others are keepalives
				}
			}
			<-inflight
		}
		acked <- nil
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range batches {
		inflight <- struct{}{}
		if _, err := c.Write(wire); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-acked; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(batches*batchSize), "ns/event")
}

// BenchmarkPeerMeta: what [@metadata][tls_peer] costs a Filebeat event
// (which carries @metadata) whose metadata is in cache, as it is right
// after its decoding. After the first round the member is replaced
// rather than appended, found by the same scan.
func BenchmarkPeerMeta(b *testing.B) {
	m := newPeerMeta(peer{statusVerified, "CN=filebeat01,O=NEANIAS"})
	e, err := event.DecodeEvent(harness.SyntheticEvent(1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.set(e)
	}
}
