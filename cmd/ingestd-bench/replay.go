package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
)

// Prebuilt load: go-lumber client/v2 encodes and compresses every batch
// once, into memory; the connections then write those bytes and read the
// ACKs. The wire is byte for byte what the client sends (a batch's
// sequence numbers restart at 1), but the generator no longer spends two
// CPU seconds per 1M events compressing: ingestd's CPU is measured with
// less interference on a small machine. Throughput in this mode is not the
// issue's scenario (there the client compresses as Filebeat does).

// recordBatches returns the wire bytes of each batch as go-lumber client/v2
// sends them: a window frame and one compressed frame.
func recordBatches(batches [][]any, level int) ([][]byte, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	type result struct {
		wire [][]byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		var wire [][]byte
		for range batches {
			var hdr [6]byte
			if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[1] != 'W' {
				done <- result{err: fmt.Errorf("record: window frame: %v", err)}
				return
			}
			count := binary.BigEndian.Uint32(hdr[2:])
			var ch [6]byte
			if _, err := io.ReadFull(c, ch[:]); err != nil || ch[1] != 'C' {
				done <- result{err: fmt.Errorf("record: expected one compressed frame per batch: %v", err)}
				return
			}
			n := binary.BigEndian.Uint32(ch[2:])
			b := make([]byte, 12+n)
			copy(b, hdr[:])
			copy(b[6:], ch[:])
			if _, err := io.ReadFull(c, b[12:]); err != nil {
				done <- result{err: err}
				return
			}
			wire = append(wire, b)
			ack := [6]byte{'2', 'A'}
			binary.BigEndian.PutUint32(ack[2:], count)
			if _, err := c.Write(ack[:]); err != nil {
				done <- result{err: err}
				return
			}
		}
		done <- result{wire: wire}
	}()
	cl, err := client.SyncDial(l.Addr().String(), client.JSONEncoder(rawEncoder), client.CompressionLevel(level), client.Timeout(time.Minute))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for _, b := range batches {
		if _, err := cl.Send(b); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
	}
	r := <-done
	return r.wire, r.err
}

// sendLoad sends the load: wire, the batches recorded beforehand, when
// there are (recordBatches), else batches, encoded as they go.
func sendLoad(ctx context.Context, cfg loadConfig, batches [][]any, wire [][]byte) (loadResult, error) {
	if wire != nil {
		return runReplay(ctx, cfg, wire)
	}
	return runLoad(ctx, cfg, batches)
}

// runReplay sends cfg.events events as prebuilt batches over cfg.conns
// connections, cfg.inflight batches in flight on each.
func runReplay(ctx context.Context, cfg loadConfig, wire [][]byte) (loadResult, error) {
	return fanOut(cfg, func(t *tally) error {
		c, err := net.Dial("tcp", cfg.addr)
		if err != nil {
			return err
		}
		defer c.Close()
		type outstanding struct {
			t0     time.Time
			events int
		}
		// The reader holds one batch: inflight in all.
		queue := make(chan outstanding, max(cfg.inflight-1, 0))
		readErr := make(chan error, 1)
		go func() { // ACK reader: the oldest batch completes when its last event is ACKed
			var ack [6]byte
			var err error
			for o := range queue { // after an error, only drained: the sender must not block
				for err == nil {
					if _, err = io.ReadFull(c, ack[:]); err == nil && int(binary.BigEndian.Uint32(ack[2:])) == o.events {
						t.acked(o.events, o.t0)
						break // other ACKs are keepalives
					}
				}
			}
			readErr <- err
		}()
		var sendErr error
		for ctx.Err() == nil {
			b, ok := t.take()
			if !ok {
				break
			}
			w := wire[b%len(wire)]
			queue <- outstanding{t0: time.Now(), events: int(binary.BigEndian.Uint32(w[2:6]))}
			if _, sendErr = c.Write(w); sendErr != nil {
				break
			}
		}
		close(queue)
		if err := <-readErr; err != nil {
			return err
		}
		return sendErr
	})
}
