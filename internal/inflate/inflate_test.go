package inflate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

func compress(tb testing.TB, data []byte, level int) []byte {
	tb.Helper()
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, level)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return z.Bytes()
}

// sample is log-like text (repeats at every distance, some noise), with
// runs of one byte and of short periods for the overlapping copies.
func sample(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := []string{"INFO", "|apps.parcels.views|", "2025-02-02T12:34:56.", `{"@timestamp":"`, `","message":"`, "shipped", "carrier", "\\\"", "\n"}
	var b []byte
	for len(b) < n {
		switch rng.IntN(10) {
		case 0:
			b = append(b, bytes.Repeat([]byte{byte(rng.IntN(256))}, rng.IntN(300))...)
		case 1:
			p := []byte(fmt.Sprint(rng.IntN(1000)))
			for range rng.IntN(40) {
				b = append(b, p...)
			}
		case 2:
			for range rng.IntN(64) {
				b = append(b, byte(rng.IntN(256)))
			}
		default:
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, fmt.Sprint(rng.IntN(100000))...)
		}
	}
	return b[:n]
}

// inflateAll decodes a whole stream with output slices of random sizes,
// moving the output to a new buffer now and then as the beats input does
// (keeping MaxDistance bytes of history).
func inflateAll(t testing.TB, r *Reader, rng *rand.Rand) ([]byte, error) {
	var whole []byte
	out := make([]byte, 0, 1+rng.IntN(4096))
	for {
		if len(out) == cap(out) {
			keep := min(len(out), MaxDistance)
			grown := make([]byte, keep, keep+1+rng.IntN(100000))
			copy(grown, out[len(out)-keep:])
			out = grown
		}
		limit := min(cap(out), len(out)+1+rng.IntN(70000))
		before := len(out)
		var err error
		out, err = r.Inflate(out[:len(out):limit])
		whole = append(whole, out[before:]...)
		out = out[:len(out):cap(out)]
		if err == io.EOF {
			return whole, nil
		}
		if err != nil {
			return whole, err
		}
	}
}

func TestMatchesCompressZlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	r := NewReader(nil, 8<<10)
	for i := range 60 {
		data := sample(uint64(i), []int{0, 1, 7, 300, 5000, 70000, 300000}[i%7])
		level := []int{zlib.NoCompression, zlib.BestSpeed, 3, zlib.DefaultCompression, zlib.BestCompression, zlib.HuffmanOnly}[i%6]
		z := compress(t, data, level)
		var src io.Reader = bytes.NewReader(z)
		switch i % 3 {
		case 1:
			src = iotest.OneByteReader(src)
		case 2:
			src = iotest.HalfReader(src)
		}
		r.Reset(src)
		got, err := inflateAll(t, r, rng)
		if err != nil {
			t.Fatalf("stream %d (level %d, %d bytes): %v", i, level, len(data), err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("stream %d (level %d): got %d bytes, want %d; differ", i, level, len(got), len(data))
		}
	}
}

// TestTrailingBytesAndNextStream: bytes after a stream are left alone, and
// a Reset reader decodes the next stream (tables reused).
func TestTrailingBytesAndNextStream(t *testing.T) {
	a, b := sample(1, 40000), sample(2, 50000)
	r := NewReader(bytes.NewReader(append(compress(t, a, 6), "garbage"...)), 512)
	out, err := r.Inflate(make([]byte, 0, 100000))
	if err != io.EOF || !bytes.Equal(out, a) {
		t.Fatalf("first stream: %v, equal %v", err, bytes.Equal(out, a))
	}
	r.Reset(bytes.NewReader(compress(t, b, 1)))
	out, err = r.Inflate(make([]byte, 0, 100000))
	if err != io.EOF || !bytes.Equal(out, b) {
		t.Fatalf("second stream: %v, equal %v", err, bytes.Equal(out, b))
	}
}

// TestNoReachIntoThePreviousStream: output kept from another stream is
// not history: a match reaching into it is corrupt.
func TestNoReachIntoThePreviousStream(t *testing.T) {
	// A raw stored block "ab", then a fixed block copying 3 bytes from 4
	// back: only 2 bytes of this stream exist.
	stream := []byte{0x78, 0x01}
	stream = append(stream, 0x00, 0x02, 0x00, 0xfd, 0xff, 'a', 'b')
	// fixed block: final, type 01; length 3 = symbol 257 (7 bits 0000001),
	// distance 4 = symbol 3 (5 bits 00011), then end of block (0000000).
	var bw bitWriter
	bw.bits(1, 1)
	bw.bits(1, 2)
	bw.code(0b0000001, 7)
	bw.code(0b00011, 5)
	bw.code(0, 7)
	stream = append(stream, bw.flush()...)
	stream = append(stream, 0, 0, 0, 0)
	r := NewReader(bytes.NewReader(stream), 64)
	out := append(make([]byte, 0, 100), "previous"...)
	_, err := r.Inflate(out)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "too far back") {
		t.Fatalf("got %v, want a distance error", err)
	}
}

// bitWriter writes DEFLATE bits (least significant first; Huffman codes
// most significant bit first).
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits(c>>uint(i)&1, 1)
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	return w.out
}

// TestZeroReader: a zero Reader works once Reset gives it a source.
func TestZeroReader(t *testing.T) {
	data := sample(9, 100000)
	var r Reader
	r.Reset(bytes.NewReader(compress(t, data, 6)))
	out, err := r.Inflate(make([]byte, 0, len(data)+1))
	if err != io.EOF || !bytes.Equal(out, data) {
		t.Fatalf("%d bytes of %d, %v", len(out), len(data), err)
	}
}

func TestCorruptStreams(t *testing.T) {
	data := sample(3, 20000)
	good := compress(t, data, 6)
	cases := map[string][]byte{
		"empty":            nil,
		"not zlib":         []byte("hello world, this is not zlib"),
		"dictionary":       {0x78, 0xbb, 0, 0},
		"truncated":        good[:len(good)/2],
		"no checksum":      good[:len(good)-4],
		"bad checksum":     append(append([]byte{}, good[:len(good)-1]...), good[len(good)-1]^1),
		"reserved block":   {0x78, 0x01, 0x07},
		"stored bad nlen":  {0x78, 0x01, 0x01, 0x05, 0x00, 0x00, 0x00},
		"flipped in body":  flip(good, len(good)/3),
		"flipped near end": flip(good, len(good)-10),
	}
	for name, z := range cases {
		t.Run(name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(z), 256)
			got, err := inflateAll(t, r, rand.New(rand.NewPCG(1, 2)))
			if err == nil {
				t.Fatalf("no error (got %d bytes)", len(got))
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x55
	return c
}

func TestAdler(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 5551, 5552, 5553, 100000} {
		data := bytes.Repeat([]byte{0xff}, n) // the worst case for overflow
		mixed := sample(uint64(n), n)
		for _, d := range [][]byte{data, mixed} {
			a := newAdler()
			a.update(d[:n/3])
			a.update(d[n/3:])
			if got, want := a.sum(), adler32.Checksum(d); got != want {
				t.Fatalf("%d bytes: got %08x, want %08x", n, got, want)
			}
		}
	}
}

// FuzzInflate: never a panic, and whenever compress/zlib decodes a stream
// fully, the same bytes (and the other way round).
func FuzzInflate(f *testing.F) {
	f.Add(compress(f, sample(1, 3000), 6), uint16(100))
	f.Add(compress(f, sample(2, 300), 0), uint16(7))
	f.Add(compress(f, sample(3, 1000), zlib.HuffmanOnly), uint16(1000))
	f.Add(compress(f, []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 9), uint16(3))
	f.Fuzz(func(t *testing.T, z []byte, seed uint16) {
		want, wantErr := io.ReadAll(mustReader(zlib.NewReader(bytes.NewReader(z))))
		r := NewReader(bytes.NewReader(z), 1+int(seed)%300)
		got, err := inflateAll(t, r, rand.New(rand.NewPCG(uint64(seed), 3)))
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("inflate: %v; compress/zlib: %v", err, wantErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, compress/zlib %d", len(got), len(want))
		}
	})
}

func mustReader(r io.ReadCloser, err error) io.Reader {
	if err != nil {
		return errReader{err}
	}
	return r
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
