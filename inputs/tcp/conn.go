package tcp

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/codec"
	"github.com/ingestd/ingestd/plugin"
)

// readSize is the most read from a socket at a time (Logstash reads 16
// KiB): it bounds a batch's bytes, and with max_line_bytes what a
// connection holds.
const readSize = 64 << 10

// maxBatchEvents bounds the events of one batch (a read of short lines
// may hold thousands).
const maxBatchEvents = 2048

// errStopped ends a connection's reading at shutdown.
var errStopped = errors.New("tcp: input is shutting down")

// clientFields are where an event gets its client: its name (the address:
// no reverse DNS lookup), IP address and port.
type clientFields struct{ name, ip, port event.Path }

var (
	legacyFields = clientFields{name: event.Path{"host"}, ip: event.Path{event.MetadataKey, "ip_address"}, port: event.Path{"port"}}
	ecsFields    = clientFields{
		name: event.Path{event.MetadataKey, "input", "tcp", "source", "name"},
		ip:   event.Path{event.MetadataKey, "input", "tcp", "source", "ip"},
		port: event.Path{event.MetadataKey, "input", "tcp", "source", "port"},
	}
)

// conn is one client connection, served by one goroutine.
type conn struct {
	in      *Input
	nc      net.Conn
	log     zerolog.Logger
	stopped atomic.Bool // set by stop before it interrupts the read

	ip   event.Value // the client's address (its name and IP)
	port event.Value

	ctx       context.Context // publishing's, ended after the drain deadline
	producer  plugin.Producer
	batch     plugin.Batch // nil between batches
	batched   int          // events in batch
	warnedCut bool
}

func newConn(in *Input, nc net.Conn) *conn {
	c := &conn{in: in, nc: nc, log: in.log.With().Str("peer", nc.RemoteAddr().String()).Logger()}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.ip = event.String(a.IP.String())
		c.port = event.RawNumber(strconv.Itoa(a.Port))
	} else {
		c.ip = event.String(nc.RemoteAddr().String())
	}
	return c
}

// stop interrupts the connection's read (from another goroutine). The flag
// comes first: serve checks it after setting its own deadline, so either
// it sees the flag or this deadline is the one its read gets.
func (c *conn) stop() {
	c.stopped.Store(true)
	_ = c.nc.SetReadDeadline(time.Unix(1, 0))
}

// serve reads the connection until the client closes it, it fails, sits
// idle past idle_timeout, or shutdown stops it; then the rest of an
// unterminated last line is published too (Logstash's codec flush).
func (c *conn) serve(ctx context.Context, sink plugin.Sink) {
	defer c.in.untrack(c)
	defer c.nc.Close()
	c.ctx = ctx
	c.producer = sink.Open()
	defer c.producer.Close()

	split := codec.NewSplitter(c.in.cfg.delimiter(), int(c.in.cfg.MaxLineBytes))
	buf := make([]byte, readSize)
	for {
		n, err := c.read(buf)
		if n > 0 {
			split.Feed(buf[:n], c.line)
		}
		if err != nil {
			split.Flush(c.line)
		}
		if cerr := c.commit(); cerr != nil {
			c.log.Warn().Err(cerr).Msg("tcp: events read from the connection were not published (shutdown); they are lost")
			return
		}
		if err != nil {
			c.closed(err)
			return
		}
	}
}

// read reads the socket with the idle timeout, unless stop was called.
func (c *conn) read(buf []byte) (int, error) {
	var deadline time.Time
	if c.in.cfg.IdleTimeout > 0 {
		deadline = time.Now().Add(c.in.cfg.IdleTimeout)
	}
	_ = c.nc.SetReadDeadline(deadline)
	if c.stopped.Load() {
		return 0, errStopped
	}
	n, err := c.nc.Read(buf)
	if err != nil && c.stopped.Load() {
		err = errStopped
	}
	return n, err
}

// line decodes one line into the current batch.
func (c *conn) line(text []byte, truncated bool) {
	if truncated {
		ev := c.log.Debug()
		if !c.warnedCut {
			c.warnedCut = true // once per connection: a client cannot flood the log
			ev = c.log.Warn()
		}
		ev.Int("max_line_bytes", int(c.in.cfg.MaxLineBytes)).Msg("tcp: line longer than max_line_bytes cut and tagged _truncated; its rest is discarded")
	}
	c.in.dec.Decode(text, truncated, c.add)
}

// add adds an event with the client's fields to the current batch.
func (c *conn) add(e *event.Event) {
	f := &c.in.fields
	if !e.Has(f.name) {
		e.Set(f.name, c.ip)
	}
	if !e.Has(f.ip) {
		e.Set(f.ip, c.ip)
	}
	if !e.Has(f.port) && c.port.Kind() == event.KindNumber {
		e.Set(f.port, c.port)
	}
	if c.batch == nil {
		c.batch = c.producer.Begin(0, c.batchDone)
		c.in.inflight.Add(1)
	}
	c.batch.Add(e)
	c.batched++
	if c.batched >= maxBatchEvents {
		// Committed in the middle of a read: a read of short lines may
		// hold thousands. An error is seen by the commit after the read.
		if err := c.commit(); err != nil {
			c.log.Debug().Err(err).Msg("tcp: batch not published")
		}
	}
}

func (c *conn) batchDone() { c.in.inflight.Add(-1) }

// commit hands the current batch to the pipelines, waiting while they
// are full (the client is not read meanwhile: back-pressure).
func (c *conn) commit() error {
	b := c.batch
	if b == nil {
		return nil
	}
	c.batch, c.batched = nil, 0
	if err := b.Commit(c.ctx); err != nil {
		c.in.inflight.Add(-1) // done never runs for it
		return err
	}
	return nil
}

// closed logs why the connection ended.
func (c *conn) closed(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		c.log.Debug().Msg("tcp: client closed the connection")
	case errors.Is(err, errStopped), errors.Is(err, net.ErrClosed):
		c.log.Debug().Msg("tcp: connection closed at shutdown")
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Debug().Dur("idle_timeout", c.in.cfg.IdleTimeout).Msg("tcp: closing idle connection")
	default:
		c.log.Warn().Err(err).Msg("tcp: closing connection")
	}
}
