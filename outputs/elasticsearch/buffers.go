package elasticsearch

import (
	"errors"
	"io"
)

// Request and response bodies are a few MiB and every bulk request needs
// one of each: they are kept by the output, one of each per worker, rather
// than allocated per request (a sync.Pool loses them at each GC).

// body returns an empty request body with room for items' bulk lines.
// Bodies are a few MiB and every request needs one: a sync.Pool loses
// them at each GC, and growing a new one by appending copied the body
// over again (~0.6 GB of garbage per 1M events in the harness).
func (o *Output) body(items []item) []byte {
	need := bodySize(items)
	need += need / 8 // documents gain the fields filters add
	var b []byte
	select {
	case b = <-o.bodies:
	default:
	}
	if cap(b) < need {
		b = make([]byte, 0, need)
	}
	return b[:0]
}

// recycle keeps b for the next request; at most one body per worker is
// kept, so an idle output holds workers × bulk_max_bytes at most.
func (o *Output) recycle(b []byte) {
	select {
	case o.bodies <- b:
	default:
	}
}

// maxKeptAnswer is the largest response body kept for reuse: a response
// with per-item errors can be far larger than the usual one.
const maxKeptAnswer = 8 << 20

// readResponse reads a bulk response body into a kept buffer (size is the
// Content-Length, or -1). Responses run ~100 bytes per item: io.ReadAll
// regrew a new one for every request.
func (o *Output) readResponse(r io.Reader, size int64) ([]byte, error) {
	var b []byte
	select {
	case b = <-o.answers:
	default:
	}
	if size > 0 && int64(cap(b)) < size+1 {
		b = make([]byte, 0, size+1) // +1: EOF is read into spare room, not a regrown buffer
	}
	b = b[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// recycleResponse keeps b for the next response.
func (o *Output) recycleResponse(b []byte) {
	if cap(b) > maxKeptAnswer {
		return
	}
	select {
	case o.answers <- b:
	default:
	}
}
