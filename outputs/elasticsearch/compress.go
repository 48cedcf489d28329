package elasticsearch

import (
	"bytes"

	"github.com/klauspost/compress/gzip"
)

// Request bodies are gzipped here rather than by the client: klauspost's
// deflate takes about two thirds of compress/gzip's time at the same
// level and size (BenchmarkGzipBody), and the compressor and its output
// buffer are kept per worker, like the bodies, instead of a pool that a
// collection empties.

// compressor gzips one body at a time.
type compressor struct {
	w   *gzip.Writer
	out bytes.Buffer
}

// gzipped returns body compressed, in a buffer that stays the
// compressor's: give it back with recycleCompressor once the request is
// done.
func (o *Output) gzipped(body []byte) (*compressor, []byte, error) {
	var c *compressor
	select {
	case c = <-o.compressors:
	default:
		w, err := gzip.NewWriterLevel(nil, o.cfg.CompressionLevel)
		if err != nil {
			return nil, nil, err
		}
		c = &compressor{w: w}
	}
	c.out.Reset()
	c.out.Grow(len(body)/4 + 512)
	c.w.Reset(&c.out)
	if _, err := c.w.Write(body); err != nil {
		return nil, nil, err
	}
	if err := c.w.Close(); err != nil {
		return nil, nil, err
	}
	return c, c.out.Bytes(), nil
}

// maxKeptCompressed is the largest compressed buffer a kept compressor may
// hold on to between requests.
const maxKeptCompressed = 16 << 20

func (o *Output) recycleCompressor(c *compressor) {
	if c == nil || c.out.Cap() > maxKeptCompressed {
		return
	}
	select {
	case o.compressors <- c:
	default:
	}
}
