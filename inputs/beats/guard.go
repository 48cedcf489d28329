package beats

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/klauspost/compress/zlib"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/pipeline"
)

// Lumberjack v2 frame codes (see go-lumber/protocol/v2).
const (
	codeVersion    = '2'
	codeWindowSize = 'W'
	codeJSONData   = 'J'
	codeCompressed = 'C'
	codeACK        = 'A'
)

// maxKeptBuffer is the largest event buffer a connection keeps between
// batches.
const maxKeptBuffer = 64 << 10

// errDraining ends a connection's reading once shutdown has drained it.
var errDraining = errors.New("beats: input is shutting down")

// guardConn sits between a client socket and go-lumber's server/v2, which
// speaks the protocol but trusts its peer: it allocates whatever a window
// or frame header claims, has no idle timeout and logs without the peer.
// The guard reads the client's frames itself, enforces the limits,
// inflates compressed frames under the batch byte limit, and hands
// go-lumber an equivalent stream of plain frames. It watches the ACKs
// go-lumber writes back to release the in-flight byte budget of each
// acknowledged batch.
type guardConn struct {
	net.Conn // the client socket (TLS already wrapped); writes pass through
	in       *Input
	r        *bufio.Reader
	log      zerolog.Logger
	tls      *tls.Conn

	out    []byte // normalized frames for go-lumber
	outPos int
	zr     io.ReadCloser // reused zlib reader
	zbuf   *bufio.Reader // reused buffer over zr
	// inflating is set inside a compressed frame: its events are inflated
	// one at a time as go-lumber reads them, so a connection holds one
	// event, not a whole inflated batch.
	inflating bool
	zlimited  io.LimitedReader // the compressed frame's bytes in r
	// zin buffers zlimited for flate, which takes a *bufio.Reader as it is
	// (its fast path) but wraps anything else in a new one per frame.
	zin *bufio.Reader

	// hdr receives frame headers: a local array passed to io.ReadFull
	// escapes, which would cost an allocation per event.
	hdr [8]byte

	eventsLeft int   // events of the current batch still to read
	batchBytes int64 // decompressed bytes of the current batch so far
	batchCount uint32

	reserved       int64 // budget reserved for the current batch, not yet used (under mu)
	lastBatchBytes int64 // size of the previous batch: the next reservation

	mu       sync.Mutex
	pending  []pendingBatch // read fully or partly, not yet acknowledged
	ackBuf   []byte         // partial ACK frame written by go-lumber
	closed   chan struct{}
	closeErr error // why the guard ended reading; nil if go-lumber closed first
	once     sync.Once
}

type pendingBatch struct {
	count uint32
	bytes int64
}

func newGuardConn(in *Input, c net.Conn) *guardConn {
	g := &guardConn{
		Conn:   c,
		in:     in,
		r:      bufio.NewReaderSize(c, 64<<10),
		log:    in.log.With().Str("peer", c.RemoteAddr().String()).Logger(),
		closed: make(chan struct{}),
	}
	g.tls, _ = c.(*tls.Conn)
	return g
}

// SetReadDeadline ignores go-lumber's deadlines: the guard does all reading
// and sets its own (idle at batch boundaries, read timeout inside a batch).
func (g *guardConn) SetReadDeadline(time.Time) error { return nil }

// SetDeadline only applies to writes, for the same reason.
func (g *guardConn) SetDeadline(t time.Time) error { return g.Conn.SetWriteDeadline(t) }

func (g *guardConn) Read(p []byte) (int, error) {
	for g.outPos == len(g.out) {
		if cap(g.out) > maxKeptBuffer {
			// Do not keep a big event's buffer per connection; start again
			// at a size most events fit.
			g.out = make([]byte, 0, 16<<10)
		}
		g.out, g.outPos = g.out[:0], 0
		if err := g.fill(); err != nil {
			g.fail(err)
			return 0, err
		}
	}
	n := copy(p, g.out[g.outPos:])
	g.outPos += n
	return n, nil
}

// fail records why reading ended and logs it once, naming the peer.
func (g *guardConn) fail(err error) {
	g.mu.Lock()
	first := g.closeErr == nil
	if first {
		g.closeErr = err
	}
	g.mu.Unlock()
	if !first {
		return
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		g.log.Debug().Msg("beats: client closed the connection")
	case errors.Is(err, errDraining), errors.Is(err, net.ErrClosed):
		g.log.Debug().Msg("beats: connection closed at shutdown")
	case errors.As(err, &ne) && ne.Timeout():
		g.log.Warn().Err(err).Msg("beats: closing connection: timed out")
	default:
		g.log.Warn().Err(err).Msg("beats: closing connection")
	}
}

// Close is called by go-lumber when its handler stops. If the guard did not
// end the connection itself, go-lumber rejected an event it handed over:
// find which and say why, with the peer, since go-lumber cannot.
func (g *guardConn) Close() error {
	g.once.Do(func() {
		close(g.closed)
		g.mu.Lock()
		reason := g.closeErr
		pending := g.pending
		g.pending = nil
		reserved := g.reserved
		g.reserved = 0
		g.mu.Unlock()
		if reason == nil && !g.in.draining.Load() {
			g.log.Warn().Err(g.diagnose()).Msg("beats: closing connection: bad event")
		}
		var bytes int64
		for _, b := range pending {
			bytes += b.bytes
		}
		g.in.release(bytes+reserved, len(pending))
		g.in.conns.Add(-1)
	})
	return g.Conn.Close()
}

// diagnose decodes the frames go-lumber consumed last to find the event it
// failed on.
func (g *guardConn) diagnose() error {
	buf := g.out[:g.outPos]
	for len(buf) >= 2 {
		switch {
		case buf[1] == codeWindowSize && len(buf) >= 6:
			buf = buf[6:]
		case buf[1] == codeJSONData && len(buf) >= 10:
			seq := binary.BigEndian.Uint32(buf[2:6])
			n := int(binary.BigEndian.Uint32(buf[6:10]))
			if len(buf) < 10+n {
				return fmt.Errorf("go-lumber rejected the batch")
			}
			if _, err := pipeline.DecodeEvent(buf[10 : 10+n]); err != nil {
				return fmt.Errorf("event %d of the batch: %w", seq, err)
			}
			buf = buf[10+n:]
		default:
			return fmt.Errorf("go-lumber rejected the batch")
		}
	}
	return fmt.Errorf("go-lumber rejected the batch")
}

// Write passes go-lumber's ACKs to the client and releases the budget of
// every batch an ACK completes.
func (g *guardConn) Write(p []byte) (int, error) {
	n, err := g.Conn.Write(p)
	g.mu.Lock()
	g.ackBuf = append(g.ackBuf, p[:n]...)
	var released int64
	var batches int
	for len(g.ackBuf) >= 6 {
		if g.ackBuf[0] == codeVersion && g.ackBuf[1] == codeACK {
			seq := binary.BigEndian.Uint32(g.ackBuf[2:6])
			if len(g.pending) > 0 && seq == g.pending[0].count {
				released += g.pending[0].bytes
				batches++
				g.pending = g.pending[1:]
			}
		}
		g.ackBuf = g.ackBuf[6:]
	}
	g.mu.Unlock()
	if batches > 0 {
		g.in.release(released, batches)
	}
	return n, err
}

// keepalive writes an ACK of sequence 0, which a Beats client takes as
// "still working" (go-lumber's keepalive frame). It bypasses Write: it
// acknowledges nothing.
func (g *guardConn) keepalive() error {
	_ = g.Conn.SetWriteDeadline(time.Now().Add(g.in.cfg.ReadTimeout))
	_, err := g.Conn.Write([]byte{codeVersion, codeACK, 0, 0, 0, 0})
	return err
}

func (g *guardConn) pendingCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

func (g *guardConn) fill() error {
	if g.tls != nil && !g.tls.ConnectionState().HandshakeComplete {
		if err := g.handshake(); err != nil {
			return err
		}
	}
	if g.inflating {
		return g.nextInflated()
	}
	if g.eventsLeft == 0 {
		return g.readWindow()
	}
	_ = g.Conn.SetReadDeadline(time.Now().Add(g.in.cfg.ReadTimeout))
	hdr := g.hdr[:2]
	if _, err := io.ReadFull(g.r, hdr); err != nil {
		return fmt.Errorf("beats: truncated batch (%d events missing): %w", g.eventsLeft, err)
	}
	if err := checkVersion(hdr[0]); err != nil {
		return err
	}
	switch hdr[1] {
	case codeJSONData:
		if err := g.readData(g.r, false); err != nil {
			return err
		}
	case codeCompressed:
		if err := g.startCompressed(); err != nil {
			return err
		}
		return g.nextInflated()
	default:
		return fmt.Errorf("beats: unexpected frame type %q inside a batch", hdr[1])
	}
	if g.eventsLeft == 0 {
		g.endBatch()
	}
	return nil
}

func (g *guardConn) handshake() error {
	_ = g.Conn.SetReadDeadline(time.Now().Add(g.in.cfg.HandshakeTimeout))
	_ = g.Conn.SetWriteDeadline(time.Now().Add(g.in.cfg.HandshakeTimeout))
	if err := g.tls.Handshake(); err != nil {
		return fmt.Errorf("beats: TLS handshake failed: %w", err)
	}
	_ = g.Conn.SetWriteDeadline(time.Time{})
	if certs := g.tls.ConnectionState().PeerCertificates; len(certs) > 0 {
		g.log = g.log.With().Str("client_cert", certs[0].Subject.String()).Logger()
	}
	g.log.Debug().Msg("beats: TLS handshake done")
	return nil
}

func checkVersion(v byte) error {
	switch v {
	case codeVersion:
		return nil
	case '1':
		return fmt.Errorf("beats: lumberjack protocol v1 is not supported (use Filebeat or go-lumber client v2)")
	default:
		return fmt.Errorf("beats: not a lumberjack v2 frame (first byte 0x%02x)", v)
	}
}

// readWindow waits at a batch boundary for the next window frame: first
// for the client, up to idle_timeout while none of this connection's
// batches is pending, then for the in-flight budget.
func (g *guardConn) readWindow() error {
	for {
		_ = g.Conn.SetReadDeadline(time.Now().Add(g.in.cfg.IdleTimeout))
		if _, err := g.r.Peek(1); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && g.pendingCount() > 0 {
				continue // the client is waiting for our ACK, not idle
			}
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("beats: idle for %s with no batch pending", g.in.cfg.IdleTimeout)
			}
			return err
		}
		break
	}
	g.mu.Lock()
	reserved := g.reserved
	g.mu.Unlock()
	if reserved == 0 {
		// The client has sent its next batch and waits for an ACK: while
		// the budget holds the batch back, keepalive ACKs tell it to keep
		// waiting, as go-lumber does for a batch being processed.
		if err := g.in.reserve(g); err != nil {
			return err
		}
	}
	if g.in.draining.Load() {
		return errDraining
	}
	_ = g.Conn.SetReadDeadline(time.Now().Add(g.in.cfg.ReadTimeout))
	win := g.hdr[:6]
	if _, err := io.ReadFull(g.r, win); err != nil {
		return fmt.Errorf("beats: truncated window frame: %w", err)
	}
	if err := checkVersion(win[0]); err != nil {
		return err
	}
	if win[1] != codeWindowSize {
		return fmt.Errorf("beats: expected a window frame, got frame type %q", win[1])
	}
	count := binary.BigEndian.Uint32(win[2:])
	if count > uint32(g.in.cfg.MaxBatchEvents) {
		return fmt.Errorf("beats: window of %d events exceeds max_batch_events %d", count, g.in.cfg.MaxBatchEvents)
	}
	g.out = append(g.out, win...)
	if count == 0 {
		return nil
	}
	g.eventsLeft, g.batchCount, g.batchBytes = int(count), count, 0
	g.mu.Lock()
	g.pending = append(g.pending, pendingBatch{count: count})
	g.mu.Unlock()
	g.in.pendingBatches.Add(1)
	return nil
}

// readData reads one JSON data frame (after its 2-byte header) from r and
// appends it to out.
func (g *guardConn) readData(r io.Reader, inflated bool) error {
	hdr := g.hdr[:8]
	if _, err := io.ReadFull(r, hdr); err != nil {
		return fmt.Errorf("beats: truncated data frame header: %w", err)
	}
	size := int64(binary.BigEndian.Uint32(hdr[4:]))
	if size > int64(g.in.cfg.MaxEventBytes) {
		return fmt.Errorf("beats: event of %d bytes exceeds max_event_bytes %d", size, int64(g.in.cfg.MaxEventBytes))
	}
	if err := g.charge(size); err != nil {
		return err
	}
	if g.eventsLeft == 0 {
		return fmt.Errorf("beats: more events than the window announced (%d)", g.batchCount)
	}
	start := len(g.out)
	g.out = append(g.out, codeVersion, codeJSONData)
	g.out = append(g.out, hdr...)
	g.out = grow(g.out, int(size))
	if _, err := io.ReadFull(r, g.out[start+10:]); err != nil {
		if inflated {
			return fmt.Errorf("beats: corrupt compressed frame: %w", err)
		}
		return fmt.Errorf("beats: truncated event (%d bytes announced): %w", size, err)
	}
	g.eventsLeft--
	return nil
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), max(2*cap(b), len(b)+n))
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

func (g *guardConn) charge(n int64) error {
	g.batchBytes += n
	if g.batchBytes > int64(g.in.cfg.MaxBatchBytes) {
		return fmt.Errorf("beats: batch exceeds max_batch_bytes %d", int64(g.in.cfg.MaxBatchBytes))
	}
	g.in.charge(g, n)
	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[len(g.pending)-1].bytes += n
	}
	g.mu.Unlock()
	return nil
}

// startCompressed reads a compressed frame's header and sets up inflating
// its contents.
func (g *guardConn) startCompressed() error {
	hdr := g.hdr[:4]
	if _, err := io.ReadFull(g.r, hdr); err != nil {
		return fmt.Errorf("beats: truncated compressed frame header: %w", err)
	}
	size := int64(binary.BigEndian.Uint32(hdr))
	if size > int64(g.in.cfg.MaxBatchBytes) {
		return fmt.Errorf("beats: compressed frame of %d bytes exceeds max_batch_bytes %d", size, int64(g.in.cfg.MaxBatchBytes))
	}
	// Streamed from the socket's buffer: a connection holds no copy of a
	// whole frame, however many connections are mid-batch.
	g.zlimited = io.LimitedReader{R: g.r, N: size}
	if g.zin == nil {
		g.zin = bufio.NewReaderSize(&g.zlimited, 16<<10)
	} else {
		g.zin.Reset(&g.zlimited)
	}
	if g.zr == nil {
		zr, err := zlib.NewReader(g.zin)
		if err != nil {
			return fmt.Errorf("beats: compressed frame: %w", err)
		}
		g.zr = zr
	} else if err := g.zr.(zlib.Resetter).Reset(g.zin, nil); err != nil {
		return fmt.Errorf("beats: compressed frame: %w", err)
	}
	if g.zbuf == nil {
		g.zbuf = bufio.NewReaderSize(g.zr, 32<<10)
	} else {
		g.zbuf.Reset(g.zr)
	}
	g.inflating = true
	return nil
}

// nextInflated appends the next event of the compressed frame to out. After
// the batch's last event it reads on to the frame's end, so that a frame
// carrying more events than the window announced fails here and the batch
// is settled as soon as it is complete.
func (g *guardConn) nextInflated() error {
	for {
		end, err := g.inflateFrame()
		if err != nil {
			return err
		}
		if end {
			break
		}
		if g.eventsLeft > 0 {
			return nil
		}
	}
	// Discard what zlib left of the frame (bytes after its checksum).
	if _, err := io.Copy(io.Discard, g.zin); err != nil {
		return fmt.Errorf("beats: truncated compressed frame: %w", err)
	}
	g.inflating = false
	if g.eventsLeft == 0 {
		g.endBatch()
	}
	return nil
}

// inflateFrame reads one data frame from the compressed stream, or reports
// its end.
func (g *guardConn) inflateFrame() (end bool, err error) {
	fh := g.hdr[:2]
	if _, err := io.ReadFull(g.zbuf, fh); err != nil {
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		return false, fmt.Errorf("beats: corrupt compressed frame: %w", err)
	}
	if err := checkVersion(fh[0]); err != nil {
		return false, err
	}
	if fh[1] != codeJSONData {
		return false, fmt.Errorf("beats: frame type %q inside a compressed frame", fh[1])
	}
	return false, g.readData(g.zbuf, true)
}

func (g *guardConn) endBatch() {
	g.lastBatchBytes = g.batchBytes
	g.in.settle(g)
	g.log.Debug().Uint32("events", g.batchCount).Int64("bytes", g.batchBytes).Msg("beats: batch received")
}
