package elasticsearch

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// What is written in pieces of any size is read back whole, by reads of
// any size, and a reset keeps no more than asked.
func TestChunksRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var c chunks
	kept := 0
	for round := range 20 {
		var want []byte
		for range rng.IntN(40) {
			p := make([]byte, rng.IntN(3*chunkSize))
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
			if n, err := c.Write(p); n != len(p) || err != nil {
				t.Fatalf("Write: %d of %d: %v", n, len(p), err)
			}
			want = append(want, p...)
		}
		if c.Len() != len(want) {
			t.Fatalf("round %d: Len %d, wrote %d", round, c.Len(), len(want))
		}
		r := c.reader()
		var got []byte
		buf := make([]byte, 1+rng.IntN(2*chunkSize))
		for {
			if r.Len() != len(want)-len(got) {
				t.Fatalf("round %d: reader's Len %d with %d left", round, r.Len(), len(want)-len(got))
			}
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: %d bytes back, %d written", round, len(got), len(want))
		}
		if made := len(c.full); round > 0 && made > max(kept, (len(want)+chunkSize-1)/chunkSize) {
			t.Fatalf("round %d: %d chunks for %d bytes, %d kept before: kept chunks were not written into", round, made, len(want), kept)
		}
		c.reset(2 * chunkSize)
		kept = len(c.full)
		if len(c.full) > 2 || c.Len() != 0 {
			t.Fatalf("round %d: reset kept %d chunks, Len %d", round, len(c.full), c.Len())
		}
		for _, ch := range c.full {
			if cap(ch) != chunkSize {
				t.Fatalf("round %d: a kept chunk has room for %d bytes, not %d", round, cap(ch), chunkSize)
			}
		}
	}
}

// performer records the request a transport is asked to perform.
type performer struct {
	length int64
	body   []byte
}

func (p *performer) Perform(req *http.Request) (*http.Response, error) {
	p.length = req.ContentLength
	p.body, _ = io.ReadAll(req.Body)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader([]byte(`{"errors":false,"items":[]}`))), Header: http.Header{}}, nil
}

// A bulk request whose body is written in chunks carries its
// Content-Length, as one written in a buffer does (net/http would send
// it chunked: some proxies in front of Elasticsearch refuse that).
func TestChunkedBodyHasItsLength(t *testing.T) {
	var c chunks
	c.Write(bytes.Repeat([]byte("x"), 3*chunkSize+5))
	var p performer
	res, err := esapi.BulkRequest{Body: c.reader()}.Do(context.Background(), lengthTransport{&p})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if p.length != int64(3*chunkSize+5) || len(p.body) != 3*chunkSize+5 {
		t.Fatalf("Content-Length %d, body %d bytes, want %d", p.length, len(p.body), 3*chunkSize+5)
	}
}
