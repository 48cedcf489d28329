package inflate

import (
	"bufio"
	"bytes"
	stdzlib "compress/zlib"
	"hash/adler32"
	"io"
	"testing"

	"github.com/klauspost/compress/zlib"
)

// BenchmarkInflate: a 2 MB batch-sized stream of log-like text at zlib
// level 3 (the harness's), decoded by this package into one buffer, and
// by klauspost/compress and compress/zlib (what the beats input used
// before) into io.Discard. MB/s are of output.
func BenchmarkInflate(b *testing.B) {
	data := sample(1, 2<<20)
	z := compress(b, data, 3)
	b.Run("inflate", func(b *testing.B) {
		r := NewReader(nil, 8<<10)
		out := make([]byte, 0, len(data)+1) // room to see the end: EOF in the same call
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r.Reset(bytes.NewReader(z))
			got, err := r.Inflate(out[:0])
			if err != io.EOF {
				b.Fatalf("%d bytes of %d: %v", len(got), len(data), err)
			}
		}
	})
	b.Run("klauspost", func(b *testing.B) {
		benchZlib(b, z, len(data), func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) },
			func(zr io.Reader, r io.Reader) error { return zr.(zlib.Resetter).Reset(r, nil) })
	})
	b.Run("compress-zlib", func(b *testing.B) {
		benchZlib(b, z, len(data), func(r io.Reader) (io.Reader, error) { return stdzlib.NewReader(r) },
			func(zr io.Reader, r io.Reader) error { return zr.(stdzlib.Resetter).Reset(r, nil) })
	})
}

// benchZlib decodes z with a zlib reader over a bufio.Reader, as the
// beats input did before this package, into io.Discard.
func benchZlib(b *testing.B, z []byte, n int, open func(io.Reader) (io.Reader, error), reset func(zr, r io.Reader) error) {
	br := bufio.NewReaderSize(bytes.NewReader(z), 8<<10)
	zr, err := open(br)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		br.Reset(bytes.NewReader(z))
		if err := reset(zr, br); err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdler(b *testing.B) {
	data := sample(1, 64<<10)
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			a := newAdler()
			a.update(data)
		}
	})
	b.Run("hash-adler32", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			adler32.Checksum(data)
		}
	})
}
