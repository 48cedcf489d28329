package elasticsearch

import (
	"io"
	"net/http"
)

// A compressed request body is written into chunks rather than one
// buffer: a buffer grows by doubling, each copy beside the last, and the
// body of one event of 15 MiB (with its event.original, 17 MB gzipped)
// held 40 MB of a worker's buffers at the largest heap measured. Chunks
// are never copied, and a body takes what it holds to within a chunk.

// chunkSize is the size of one chunk of a compressed body: about a fifth
// of a 2048-event request's.
const chunkSize = 64 << 10

// chunks is a compressed request body being written, then read.
type chunks struct {
	full [][]byte // chunks written, the one being written, then kept empty ones
	at   int      // the chunk being written
	n    int      // bytes written
}

// Write appends p, going on in the next chunk (a kept one, else a new
// one) as each fills.
func (c *chunks) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		if c.at == len(c.full) {
			c.full = append(c.full, make([]byte, 0, chunkSize))
		}
		ch := &c.full[c.at]
		k := copy((*ch)[len(*ch):cap(*ch)], p)
		*ch = (*ch)[:len(*ch)+k]
		p = p[k:]
		if len(*ch) == cap(*ch) {
			c.at++
		}
	}
	c.n += written
	return written, nil
}

// Len is how many bytes were written.
func (c *chunks) Len() int { return c.n }

// reset empties the body for the next one, keeping up to keep bytes of
// its chunks.
func (c *chunks) reset(keep int) {
	kept := c.full[:0]
	for _, ch := range c.full {
		if len(kept)*chunkSize < keep {
			kept = append(kept, ch[:0])
		}
	}
	clear(c.full[len(kept):])
	c.full, c.at, c.n = kept, 0, 0
}

// reader returns a reader of what was written: the request's body. It
// reads the chunks in place and never changes them.
func (c *chunks) reader() *chunkReader {
	return &chunkReader{full: c.full[:min(c.at+1, len(c.full))], n: c.n}
}

// chunkReader reads a body written into chunks. Len makes the request's
// Content-Length (lengthTransport).
type chunkReader struct {
	full [][]byte
	at   int // read of full[0]
	n    int // left to read
}

func (r *chunkReader) Read(p []byte) (int, error) {
	read := 0
	for read < len(p) && len(r.full) > 0 {
		k := copy(p[read:], r.full[0][r.at:])
		r.at += k
		if r.at == len(r.full[0]) {
			r.full, r.at = r.full[1:], 0
		}
		read += k
	}
	r.n -= read
	if read == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return read, nil
}

// Len is how many bytes are left to read.
func (r *chunkReader) Len() int { return r.n }

// Close is a no-op: as an io.ReadCloser the reader is the request's Body
// itself, where lengthTransport finds it.
func (r *chunkReader) Close() error { return nil }

// lengthTransport performs requests through a client, with the
// Content-Length of a body written into chunks: net/http knows the length
// only of the buffers and readers of the bytes and strings packages, and
// would send any other body chunked, which some proxies in front of
// Elasticsearch refuse.
type lengthTransport struct {
	t interface {
		Perform(*http.Request) (*http.Response, error)
	}
}

func (l lengthTransport) Perform(req *http.Request) (*http.Response, error) {
	if r, ok := req.Body.(*chunkReader); ok {
		req.ContentLength = int64(r.Len())
		if r.Len() == 0 {
			req.Body = http.NoBody
		}
	}
	return l.t.Perform(req)
}
