package beats

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/rs/zerolog"
)

// FuzzServe feeds a connection arbitrary bytes: whatever they are, it
// ends (no panic, no hang) within its limits, acknowledges no more events
// than it published, and gives back all of the in-flight budget.
func FuzzServe(f *testing.F) {
	evs := events(5, 1)
	plain := window(len(evs))
	for i, ev := range evs {
		plain = append(plain, codeVersion, codeJSONData)
		plain = binary.BigEndian.AppendUint32(plain, uint32(i+1))
		plain = binary.BigEndian.AppendUint32(plain, uint32(len(ev)))
		plain = append(plain, ev...)
	}
	f.Add(plain)
	f.Add(wireBatch(f, evs, 1))
	f.Add(append(wireBatch(f, bigEvents(3, 3000), 6), wireBatch(f, evs, 9)...))
	f.Add(append(window(2), compressedFrame(f, evs[:1], 1)...))
	f.Fuzz(func(t *testing.T, wire []byte) {
		cfg := &Config{
			Listen: "127.0.0.1:0", MaxConnections: 1, MaxBatchEvents: 64,
			MaxEventBytes: 64 << 10, MaxBatchBytes: 1 << 20, MaxInflightBytes: 1 << 20,
			IdleTimeout: time.Second, ReadTimeout: time.Second, Keepalive: time.Second,
			HandshakeTimeout: time.Second, TLS: TLSConfig{ClientAuth: "none", MinVersion: "1.2"},
		}
		inAny, err := New(cfg, plugin.Env{Logger: zerolog.Nop(), DrainTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		in := inAny.(*Input)
		client, server := net.Pipe()
		defer client.Close()
		acked := make(chan uint64, 1)
		go func() {
			var n uint64
			var ack [6]byte
			for {
				if _, err := io.ReadFull(client, ack[:]); err != nil {
					acked <- n
					return
				}
				n += uint64(binary.BigEndian.Uint32(ack[2:]))
			}
		}()
		go func() {
			client.Write(wire)
			client.Close()
		}()
		var published countingSink
		done := make(chan struct{})
		go func() {
			newConn(in, server).serve(context.Background(), &plugintest.Sink{Committed: published.Publish})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the connection did not end")
		}
		n := <-acked
		if n > uint64(published.events) {
			t.Fatalf("%d events acknowledged, %d published", n, published.events)
		}
		in.mu.Lock()
		left := in.inflight
		in.mu.Unlock()
		if left != 0 {
			t.Fatalf("%d bytes of in-flight budget still held after the connection ended", left)
		}
	})
}

// countingSink completes every event it is given and counts them.
type countingSink struct{ events int }

func (s *countingSink) Publish(_ context.Context, events []*event.Event) error {
	s.events += len(events)
	for _, e := range events {
		e.Done()
	}
	return nil
}
