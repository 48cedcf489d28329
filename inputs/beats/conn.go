package beats

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/inflate"
	"github.com/ingestd/ingestd/plugin"
)

// Lumberjack v2 frame codes (see go-lumber/protocol/v2).
const (
	codeVersion    = '2'
	codeWindowSize = 'W'
	codeJSONData   = 'J'
	codeCompressed = 'C'
	codeACK        = 'A'
)

// maxPendingBatches bounds the batches of one connection that are read but
// not acknowledged yet (Filebeat pipelines 2 by default); the in-flight
// budget bounds their bytes.
const maxPendingBatches = 16

// errDraining ends a connection's reading once shutdown has drained it.
var errDraining = errors.New("beats: input is shutting down")

// conn is one client connection. Its serve goroutine reads batches,
// decodes their events and publishes them; its ackLoop goroutine
// acknowledges each batch, in order, once all its events are done.
type conn struct {
	net.Conn // the client socket (TLS already wrapped)
	in       *Input
	source   string // the client's address, without the port
	log      zerolog.Logger
	tls      *tls.Conn
	// peerMeta is the [@metadata][tls_peer] every event gets; nil
	// without TLS (tls_peer.go).
	peerMeta *peerMeta
	// clientIP is the client's address for client_ip_field (unset without).
	clientIP event.Value

	sock *timeoutReader // the socket, read with a deadline per read
	r    *bufio.Reader  // over sock

	zlimited io.LimitedReader // a compressed frame's bytes in r
	inflater *inflate.Reader  // reused for every compressed frame
	// inflating is set while a compressed frame is read: the inflater's
	// read-ahead then counts as not yet consumed (budget.go, the bomb
	// check).
	inflating bool
	// slab is what is left of the buffer the current batch's compressed
	// frames are inflated into (see compressed.go); nil between batches,
	// so that an idle connection holds none.
	slab []byte
	// arena holds the current batch's Event structs and members: its
	// events live and die together.
	arena *event.Arena

	// hdr receives frame headers: a local array passed to io.ReadFull
	// escapes, which would cost an allocation per event.
	hdr [8]byte

	lastBatchBytes int64 // size of the previous batch: the next one's slab guess
	// eventFrom is how much of the window had been inflated or read when
	// the event being read began (the reading goroutine's; see charge).
	eventFrom int64

	producer plugin.Producer // the sink's: batches begin here
	acks     chan *batch     // read batches, oldest first, for ackLoop

	writeMu sync.Mutex // ACKs (ackLoop) and keepalives while reserving (serve)

	// Under in.mu (budget.go): the bytes this connection's unacknowledged
	// batches hold, those of the batch being read, and whether Close gave
	// them back (charge refuses more then).
	held, partial int64
	released      bool

	mu       sync.Mutex
	pending  []*batch // read fully or partly, not yet acknowledged
	closeErr error    // why reading ended
	closed   chan struct{}
	once     sync.Once

	// Slots: when it last started or finished a batch, and whether it is
	// between batches (a connection idle longest gives its slot up).
	lastActive atomic.Int64 // unix nanoseconds
	between    atomic.Bool
	// lastProgress is when the batch being read last had bytes decoded
	// (charged), unix nanoseconds; waitingRoom is set while it waits for
	// the budget (then it is the server that holds it back).
	lastProgress atomic.Int64
	waitingRoom  atomic.Bool
}

// batch is a window of events from window frame to ACK, or a part of one
// (frames.go, mayCut).
type batch struct {
	conn      *conn
	wireStart int64         // the socket's byte count when the window began
	count     uint32        // the window's events
	first     uint32        // the window's events before this part
	prior     int64         // the window's decompressed bytes before this part (charged to earlier parts)
	ackSeq    uint32        // the ACK once this part is done: its last event's place in the window
	bytes     int64         // decompressed bytes charged to the budget (written under conn.mu, by the reading goroutine only)
	done      chan struct{} // closed when every event of the batch is done
	events    plugin.Batch  // the sink's batch its events are added to; closes done
	slabs     [][]byte      // where its compressed frames were inflated (the reading goroutine's until read)
	read      chan struct{} // closed when the batch has been read to its end
	arena     *event.Arena  // its events' structs and members (the reading goroutine's until read)
	begun     int64         // when the part began, in Unix nanoseconds
}

func newConn(in *Input, nc net.Conn) *conn {
	c := &conn{
		Conn:   nc,
		in:     in,
		log:    in.log.With().Str("peer", nc.RemoteAddr().String()).Logger(),
		sock:   &timeoutReader{c: nc, minRate: int64(in.cfg.MinTransferRate), window: in.cfg.RateWindow},
		acks:   make(chan *batch, maxPendingBatches),
		closed: make(chan struct{}),
	}
	c.lastActive.Store(time.Now().UnixNano())
	c.between.Store(true)
	// Bytes of a plain frame are its events': their arrival is progress.
	// A compressed frame's progress is what it inflates (charge).
	c.sock.onData = func() {
		if !c.inflating {
			c.lastProgress.Store(time.Now().UnixNano())
		}
	}
	c.arena = &event.Arena{Pool: &in.fields}
	// Buffers are per connection, and a node may have a thousand: 16 KiB
	// from the socket and 8 KiB into inflate (plus its 7 KiB of tables)
	// rather than the 112 KiB they were. They also stay in cache across
	// connections: 5.6% less CPU at 8 connections side by side when this
	// went from 112 to 32 KiB, no difference measured at 20.
	c.r = bufio.NewReaderSize(c.sock, 16<<10)
	c.tls, _ = nc.(*tls.Conn)
	if !in.cfg.ClientIPField.IsZero() {
		ip := nc.RemoteAddr().String()
		if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
			ip = a.IP.String()
		}
		c.clientIP = event.String(ip)
	}
	return c
}

// serve runs the connection until the client leaves, breaks the protocol
// or shutdown closes it.
func (c *conn) serve(ctx context.Context, sink plugin.Sink) {
	c.producer = sink.Open()
	defer c.producer.Close()
	var acking sync.WaitGroup
	defer func() {
		c.Close() // ends ackLoop
		acking.Wait()
	}()
	if err := c.handshake(); err != nil {
		c.fail(err)
		return
	}
	acking.Go(c.ackLoop)
	for {
		b, err := c.readBatch(ctx)
		if errors.Is(err, errPublish) {
			return // a part of the batch was not published (logged)
		}
		if err != nil {
			c.fail(err)
			return
		}
		if b == nil {
			continue // an empty window
		}
		if err := c.publish(ctx, b); err != nil {
			return
		}
	}
}

// errPublish ends reading: the connection closed, or shutdown refused a
// batch (its client resends it).
var errPublish = errors.New("beats: batch not published")

// publish hands a batch (or a part) read to its end to ackLoop and
// commits it.
func (c *conn) publish(ctx context.Context, b *batch) error {
	// A wait here is the pipeline's back-pressure, not the client's
	// stalling (slots.go).
	c.waitingRoom.Store(true)
	defer func() {
		c.lastProgress.Store(time.Now().UnixNano())
		c.waitingRoom.Store(false)
	}()
	select {
	case c.acks <- b:
	case <-c.closed:
		b.events.Abort()
		return errPublish
	}
	c.in.eventsReceived.Add(int64(b.ackSeq - b.first))
	if b.ackSeq == b.count {
		c.in.batchesReceived.Add(1)
	}
	if err := b.events.Commit(ctx); err != nil {
		c.log.Debug().Err(err).Msg("beats: batch not published at shutdown; the client will resend it")
		return errPublish
	}
	return nil
}

func (c *conn) handshake() error {
	if c.tls == nil {
		return nil
	}
	_ = c.tls.SetDeadline(time.Now().Add(c.in.cfg.HandshakeTimeout))
	if err := c.tls.Handshake(); err != nil {
		return fmt.Errorf("beats: TLS handshake failed: %w", err)
	}
	_ = c.tls.SetDeadline(time.Time{})
	p := peerOf(c.tls.ConnectionState(), c.in.cfg.TLS.NoCertStatus)
	if p.subject != "" {
		c.log = c.log.With().Str("client_cert", p.subject).Logger()
	}
	// Refused before any frame is read: nothing of the client's is
	// decoded, published or acknowledged.
	if err := c.in.subjects.admit(p); err != nil {
		return err
	}
	c.peerMeta = newPeerMeta(p)
	c.log.Debug().Str("tls_peer", p.status).Msg("beats: TLS handshake done")
	return nil
}

// ackLoop acknowledges the connection's batches in the order they were
// read, each once all its events are done, and sends keepalive ACKs while
// the oldest one waits (go-lumber's behaviour, which Filebeat expects).
func (c *conn) ackLoop() {
	var ticker *time.Ticker
	var tick <-chan time.Time
	if c.in.cfg.Keepalive > 0 {
		ticker = time.NewTicker(c.in.cfg.Keepalive)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		var b *batch
		select {
		case <-c.closed:
			return
		case b = <-c.acks:
		}
		if ticker != nil {
			ticker.Reset(c.in.cfg.Keepalive) // the first keepalive one interval from now
		}
	wait:
		for {
			select {
			case <-c.closed:
				return
			case <-b.done:
				break wait
			case <-tick:
				if err := c.writeACK(0); err != nil {
					c.fail(fmt.Errorf("beats: keepalive: %w", err))
					c.Close()
					return
				}
			}
		}
		if err := c.writeACK(b.ackSeq); err != nil {
			c.fail(fmt.Errorf("beats: write ACK: %w", err))
			c.Close()
			return
		}
		c.acknowledged(b)
		select {
		case <-b.read:
			// Every event of b is done: nothing reads them again.
			c.in.slabs.put(b.slabs)
			b.arena.Release()
			b.slabs = nil
		case <-c.closed:
			return
		}
	}
}

// writeACK writes an ACK frame; sequence 0 is a keepalive, which a Beats
// client takes as "still working".
func (c *conn) writeACK(seq uint32) error {
	frame := [6]byte{codeVersion, codeACK}
	binary.BigEndian.PutUint32(frame[2:], seq)
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.in.cfg.ReadTimeout))
	_, err := c.Conn.Write(frame[:])
	return err
}

// acknowledged gives back the budget of a batch the client has its ACK for.
func (c *conn) acknowledged(b *batch) {
	c.mu.Lock()
	if len(c.pending) == 0 || c.pending[0] != b {
		c.mu.Unlock()
		return // released by Close meanwhile
	}
	c.pending[0] = nil
	c.pending = c.pending[1:]
	c.mu.Unlock()
	// Taken off pending here, so Close counts it no more; its bytes it
	// gives back with the connection's (c.held) if it closed meanwhile:
	// the check and the giving back are one step, or both would.
	c.in.mu.Lock()
	if !c.released {
		c.in.releaseLocked(c, b.bytes, 0) // final: the batch was read to its end before its ACK
	}
	c.in.mu.Unlock()
	c.in.pendingBatches.Add(-1)
	c.in.wake()
}

// keepalive tells a client whose next batch waits for the budget to keep
// waiting.
func (c *conn) keepalive() error { return c.writeACK(0) }

// fail records why the connection ends and logs it once, naming the peer.
func (c *conn) fail(err error) {
	c.mu.Lock()
	first := c.closeErr == nil
	if first {
		c.closeErr = err
	}
	c.mu.Unlock()
	if !first {
		return
	}
	var ne net.Error
	var slow errTooSlow
	var slowHeader errSlowHeader
	var refused errSubjectRefused
	switch {
	case errors.Is(err, io.EOF):
		c.log.Debug().Msg("beats: client closed the connection")
	case errors.Is(err, errDraining), errors.Is(err, net.ErrClosed):
		c.log.Debug().Msg("beats: connection closed")
	case errors.As(err, &slow), errors.As(err, &slowHeader):
		c.in.closedSlow.Add(1)
		c.log.Warn().Err(err).Msg("beats: closing connection: too slow")
	case errors.As(err, &refused):
		c.in.refusedSubject.Add(1)
		c.log.Warn().Err(err).Msg("beats: refusing connection: tls.allowed_subjects does not admit it")
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Warn().Err(err).Msg("beats: closing connection: timed out")
	default:
		c.log.Warn().Err(err).Msg("beats: closing connection")
	}
}

// Close ends the connection and gives back the budget of everything it
// had not acknowledged (the client resends those batches).
func (c *conn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.mu.Lock()
		pending := c.pending
		c.pending = nil
		c.mu.Unlock()
		c.in.mu.Lock()
		c.released = true // from now on charge refuses
		bytes, partial := c.held, c.partial
		c.in.mu.Unlock()
		c.in.release(c, bytes, partial, len(pending))
		c.in.conns.Add(-1)
		c.in.untrack(c)
	})
	return c.Conn.Close()
}
