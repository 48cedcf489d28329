package elasticsearch

import (
	"github.com/klauspost/compress/gzip"
)

// Request bodies are gzipped here rather than by the client: klauspost's
// deflate takes about two thirds of compress/gzip's time at the same
// level and size (BenchmarkGzipBody), and the compressor and its buffers
// are kept per worker, like the bodies, instead of a pool that a
// collection empties.
//
// The bulk lines are compressed as they are written, a window at a time:
// a request never holds its uncompressed body, which was the largest
// buffer of a worker (a 2048-event request is megabytes, its gzip a
// seventh of that), and live memory close to the memory limit makes the
// collector run back to back.

// compressWindow is how many bytes of bulk lines are written before they
// are handed to the compressor.
const compressWindow = 256 << 10

// largeItem is the size (as the client sent it) over which an item's lines
// get a window of their own size before they are written.
const largeItem = compressWindow / 4

// compressor gzips one request body at a time.
type compressor struct {
	w      *gzip.Writer
	out    chunks
	window []byte // bulk lines not compressed yet
}

// compressor returns a kept compressor, or a new one, reset for the next
// body: give it back with recycleCompressor once the request is done.
func (o *Output) compressor() (*compressor, error) {
	var c *compressor
	select {
	case c = <-o.compressors:
	default:
		w, err := gzip.NewWriterLevel(nil, o.cfg.CompressionLevel)
		if err != nil {
			return nil, err
		}
		c = &compressor{w: w, window: make([]byte, 0, compressWindow+compressWindow/4)}
	}
	c.w.Reset(&c.out) // its chunks were emptied as it was kept
	c.window = c.window[:0]
	return c, nil
}

// flush compresses the window once it holds compressWindow bytes, or
// when need more bytes are about to be written and would not fit, and
// empties it; a window too small for need is replaced by one that holds
// it (a large event's lines are then written once, not grown into).
func (c *compressor) flush(need int) error {
	if len(c.window) < compressWindow && len(c.window)+need <= cap(c.window) {
		return nil
	}
	err := c.compress()
	if need > cap(c.window) {
		c.window = make([]byte, 0, need)
	}
	return err
}

// compress compresses the whole window and empties it.
func (c *compressor) compress() error {
	_, err := c.w.Write(c.window)
	c.window = c.window[:0]
	return err
}

// close compresses what is left and ends the stream; bytes returns it.
func (c *compressor) close() error {
	if err := c.compress(); err != nil {
		return err
	}
	return c.w.Close()
}

// maxKeptCompressed is how much of its chunks a kept compressor holds on
// to between requests (a 2048-event request's body is a few hundred KiB);
// maxKeptWindow the largest window (one event larger than the window
// grows it).
const (
	maxKeptCompressed = 1 << 20
	maxKeptWindow     = 4 * compressWindow
)

func (o *Output) recycleCompressor(c *compressor) {
	if c == nil || cap(c.window) > maxKeptWindow {
		return
	}
	c.out.reset(maxKeptCompressed) // a large body's chunks go to the collector
	select {
	case o.compressors <- c:
	default:
	}
}
