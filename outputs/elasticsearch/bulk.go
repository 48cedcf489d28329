package elasticsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/ingestd/ingestd/deadletter"
)

// deliver sends items until each is indexed, a duplicate, or dead-lettered
// (or the output is closed for good).
func (o *Output) deliver(items []item) {
	for attempt := 0; len(items) > 0; attempt++ {
		if attempt > 0 && !o.sleep(o.backoff(attempt-1)) {
			return
		}
		retry, err := o.bulk(items)
		reason := "retries exhausted"
		if err != nil {
			o.counts.Failures.Add(1)
			err = o.cfg.clean(err)
			reason = err.Error()
			o.log.Warn().Err(err).Int("events", len(retry)).Int("attempt", attempt+1).Msg("elasticsearch: bulk request failed; retrying")
		} else if len(retry) > 0 {
			o.log.Debug().Int("events", len(retry)).Msg("elasticsearch: items answered 429/5xx; retrying them")
		}
		o.counts.Retried.Add(int64(len(retry)))
		items = o.exhausted(retry, reason)
	}
}

// bulkError is a whole-request failure.
type bulkError struct {
	status int
	body   string
}

func (e *bulkError) Error() string { return fmt.Sprintf("bulk: %d %s", e.status, e.body) }

var gzipHeader = map[string]string{"Content-Encoding": "gzip"}

// bulk sends items in one request (or, answered 413, in two halves, each
// on its own). It returns the items to send again, their attempts counted:
// those answered 429/5xx and, with an error, those of a request that
// failed as a whole. Every other item is done or dead-lettered.
func (o *Output) bulk(items []item) ([]item, error) {
	ctx, cancel := context.WithTimeout(o.ctx, o.cfg.Timeout)
	defer cancel()
	opts := []func(*esapi.BulkRequest){o.client.Bulk.WithContext(ctx)}
	// The request's buffers are kept for the next request only once the
	// cluster has answered 2xx, having read the whole body: on a
	// transport error, or an answer sent before the body was read (413,
	// 401), net/http may still be writing it from another goroutine after
	// Bulk returns, and the buffers go to the collector instead.
	reuse := false
	var body io.Reader
	if o.cfg.Compression {
		c, err := o.compressor()
		if err != nil {
			return failed(items), fmt.Errorf("bulk: gzip: %w", err)
		}
		defer func() {
			if reuse {
				o.recycleCompressor(c)
			}
		}()
		if items, err = o.encodeCompressed(c, items); err != nil {
			return failed(items), fmt.Errorf("bulk: gzip: %w", err) // the refused ones are dead-lettered
		}
		body = c.out.reader()
		opts = append(opts, o.client.Bulk.WithHeader(gzipHeader))
	} else {
		lines := o.body(items)
		defer func() {
			if reuse {
				o.recycle(lines)
			}
		}()
		lines, items = o.encode(lines, items, nil)
		body = bytes.NewReader(lines)
	}
	if len(items) == 0 {
		reuse = true // never handed to the client
		return nil, nil
	}
	o.requests.Add(1)
	req := esapi.BulkRequest{Body: body}
	for _, opt := range opts {
		opt(&req)
	}
	res, err := req.Do(ctx, lengthTransport{o.client})
	if err != nil {
		return failed(items), fmt.Errorf("bulk: %w", err)
	}
	defer res.Body.Close()
	data, err := o.readResponse(res.Body, contentLength(res.Header))
	if err != nil {
		return failed(items), fmt.Errorf("bulk: read response: %w", err)
	}
	reuse = res.StatusCode >= 200 && res.StatusCode < 300
	defer func() { o.recycleResponse(data) }() // nothing below keeps a reference into it
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return failed(items), &bulkError{res.StatusCode, truncate(data)}
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		// Credentials are fixed by ops; the events wait meanwhile.
		return failed(items), &bulkError{res.StatusCode, truncate(data)}
	case res.StatusCode == http.StatusRequestEntityTooLarge && len(items) > 1:
		// Each half answers for its own items: when one fails, the
		// other's may be done already and must not be sent again.
		half := len(items) / 2
		r1, err1 := o.bulk(items[:half])
		r2, err2 := o.bulk(items[half:])
		return slices.Concat(r1, r2), errors.Join(err1, err2)
	case res.StatusCode >= 400:
		// The request itself is refused for good: no item will be
		// accepted as it is.
		errs := make([]deadletter.Error, len(items))
		for i := range errs {
			errs[i] = deadletter.Error{Status: res.StatusCode, Type: "request_rejected", Reason: truncate(data)}
		}
		o.deadLetter(items, errs)
		return nil, nil
	}
	retry, err := o.items(items, data)
	if err != nil {
		return failed(items), err
	}
	return retry, nil
}

// encode writes the bulk lines of items into body and returns the items
// sent, in the order of their lines (the order of the answers). An item
// whose metadata makes no bulk action (a delete without _id, an unknown
// op_type) is dead-lettered here and left out of the request. spill, when
// set, is called after each item's lines with need 0, and before a large
// item's with the room its lines may take (it may empty the body, and
// should leave that room).
func (o *Output) encode(body []byte, items []item, spill func(body []byte, need int) []byte) ([]byte, []item) {
	enc := newLineEncoder(&o.cfg)
	sent := items // the common case: all of them, no copy
	var refused []item
	var why []deadletter.Error
	for i, it := range items {
		if spill != nil && it.size > largeItem {
			// Its lines would otherwise grow the body by appends, each
			// copy beside the last: a 15 MiB message and its
			// event.original took 64 MiB a worker. Twice the size the
			// client sent: filters copy a message (event.original).
			body = spill(body, 2*int(it.size)+4096)
		}
		var err error
		body, err = enc.appendLines(body, it.ev)
		switch {
		case err == nil && refused == nil:
		case err == nil:
			sent = append(sent, it)
		default:
			if refused == nil {
				sent = append(make([]item, 0, len(items)-1), items[:i]...)
			}
			refused = append(refused, it)
			// Status 0: no status was answered, the event was never sent.
			why = append(why, deadletter.Error{Type: "invalid_metadata", Reason: err.Error()})
		}
		if spill != nil {
			body = spill(body, 0)
		}
	}
	o.deadLetter(refused, why)
	return body, sent
}

// encodeCompressed writes the bulk lines of items through c, a window at
// a time, and returns the items sent (as encode). A compression error
// (the first; the writer keeps returning it) leaves them to be sent
// again.
func (o *Output) encodeCompressed(c *compressor, items []item) ([]item, error) {
	var werr error
	window, sent := o.encode(c.window, items, func(window []byte, need int) []byte {
		c.window = window
		if err := c.flush(need); err != nil && werr == nil {
			werr = err
		}
		return c.window
	})
	c.window = window
	if werr != nil {
		return sent, werr
	}
	return sent, c.close()
}

// bodySize is the estimated size of items' bulk lines.
func bodySize(items []item) int {
	n := 0
	for _, it := range items {
		n += int(it.size)
	}
	return n
}

// failed counts an attempt for each item of a request that failed as a
// whole, and returns them to be sent again.
func failed(items []item) []item {
	for i := range items {
		items[i].attempts++
	}
	return items
}

// contentLength is the Content-Length header's value, or -1.
func contentLength(h http.Header) int64 {
	n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func truncate(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}
