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
		br := bufio.NewReaderSize(bytes.NewReader(z), 8<<10)
		zr, _ := zlib.NewReader(br)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			br.Reset(bytes.NewReader(z))
			zr.(zlib.Resetter).Reset(br, nil)
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compress-zlib", func(b *testing.B) {
		br := bufio.NewReaderSize(bytes.NewReader(z), 8<<10)
		zr, _ := stdzlib.NewReader(br)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			br.Reset(bytes.NewReader(z))
			zr.(stdzlib.Resetter).Reset(br, nil)
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
	})
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
