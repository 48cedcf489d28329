// Package inflate decodes zlib streams (RFC 1950, DEFLATE of RFC 1951)
// into a buffer the caller owns and grows, the way libdeflate decodes:
// matches are copied from the output itself, so there is no separate
// window to copy through, and input is read eight bytes at a time.
//
// It exists for the beats input, where inflating was a quarter of the CPU
// and a second copy of every event: the input inflates a batch straight
// into the buffer its events are decoded in. It reads one stream at a
// time, resumably: Inflate stops when the output slice is full and
// carries on from there at the next call.
package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	litLenPrimary = 10 // bits of the literal/length table's first level
	distPrimary   = 8  // and of the distance table's

	maxMatch = 258
	// fastOutRoom is the output room the fast loop keeps: a whole match
	// plus the 8-byte overrun of its word copies.
	fastOutRoom = maxMatch + 8
	// maxDistance is the window: how far back a match may reach, and
	// so how much output the caller keeps when it moves to a new buffer.
	maxDistance = 32 << 10
	// defaultBufSize is the input buffer of a Reader made by Reset alone.
	defaultBufSize = 8 << 10
)

// MaxDistance is how many bytes of output before the position Inflate
// resumes at a stream may refer back to: a caller that moves the output
// to a new buffer between calls copies at least the last MaxDistance
// bytes (or all of the stream so far, if less).
const MaxDistance = maxDistance

// Errors a corrupt stream returns (wrapped with where it was found).
var (
	ErrCorrupt  = errors.New("inflate: corrupt stream")
	ErrChecksum = errors.New("inflate: checksum mismatch")
)

type state uint8

const (
	stateHeader  state = iota // zlib header next
	stateBlock                // a block header next
	stateStored               // inside a stored block
	stateHuffman              // inside a Huffman block
	stateTrailer              // the checksum next
	stateDone                 // the stream has ended, checksum verified
)

// Reader decodes one zlib stream at a time from src. A zero Reader is
// ready once Reset gives it a source.
type Reader struct {
	src    io.Reader
	buf    []byte // input read from src; buf[ip:iend] is not decoded yet
	ip     int
	iend   int
	srcErr error // sticky: what src returned once it had no more

	bitBuf uint64 // input bits not consumed yet, least significant first
	nbits  uint   // how many bits of bitBuf are valid

	state    state
	final    bool // the current block is the stream's last
	stored   int  // bytes left of the stored block
	copyLen  int  // a match cut off by the end of the output: bytes left
	copyDist int  // and its distance
	produced int  // bytes of this stream written before this Inflate call
	start    int  // len(out) when this Inflate call began
	adler    adler

	lit, dist       *table // the current block's codes
	dynLit, dynDist table  // a dynamic block's codes, reused
	codeLen         table
	lengths         [286 + 32]uint8
}

// Unread is how many bytes the Reader has read from its source and not
// decoded yet: what was read ahead, so that a caller can tell how much of
// the stream the output produced so far came from.
func (r *Reader) Unread() int { return r.iend - r.ip + int(r.nbits/8) }

// NewReader returns a Reader for the zlib stream in src, which it reads
// in chunks of bufSize bytes.
func NewReader(src io.Reader, bufSize int) *Reader {
	r := &Reader{buf: make([]byte, max(bufSize, 64))}
	r.Reset(src)
	return r
}

// Reset starts a new stream from src, dropping whatever was left of the
// previous one.
func (r *Reader) Reset(src io.Reader) {
	if r.buf == nil {
		r.buf = make([]byte, defaultBufSize)
	}
	*r = Reader{
		src: src, buf: r.buf, adler: newAdler(),
		dynLit: r.dynLit, dynDist: r.dynDist, codeLen: r.codeLen,
	}
}

// Inflate decodes into out[len(out):cap(out)] and returns out extended by
// what it wrote: until out is full or the stream ends. At the end of the
// stream, once its checksum is verified, it returns io.EOF (with the last
// bytes, as io.Reader does). out[:len(out)] must hold the stream's output
// so far, at least its last MaxDistance bytes: matches are copied from
// there.
func (r *Reader) Inflate(out []byte) ([]byte, error) {
	r.start = len(out)
	out, err := r.inflate(out)
	r.adler.update(out[r.start:])
	r.produced += len(out) - r.start
	if err == nil && r.state == stateBlock && r.final {
		r.state = stateTrailer // the output filled up right at the end
	}
	if err == nil && r.state == stateTrailer {
		err = r.trailer()
	}
	if err == nil && r.state == stateDone {
		err = io.EOF
	}
	return out, err
}

func (r *Reader) inflate(out []byte) ([]byte, error) {
	if r.copyLen > 0 {
		if out = r.finishCopy(out); r.copyLen > 0 {
			return out, nil
		}
	}
	for len(out) < cap(out) {
		var err error
		switch r.state {
		case stateHeader:
			err = r.header()
		case stateBlock:
			err = r.blockHeader()
		case stateStored:
			out, err = r.storedBytes(out)
		case stateHuffman:
			out, err = r.huffman(out)
		case stateTrailer, stateDone:
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// more reads the next chunk of input from src into buf; the bytes in
// buf[ip:iend] must have been consumed.
func (r *Reader) more() error {
	if r.srcErr != nil {
		return r.srcErr
	}
	for range 100 { // io.Reader allows (0, nil); not forever
		n, err := r.src.Read(r.buf)
		r.ip, r.iend = 0, n
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("%w: %w", ErrCorrupt, io.ErrUnexpectedEOF)
			}
			r.srcErr = err
		}
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// need makes at least n (≤ 56) bits valid in the bit buffer.
func (r *Reader) need(n uint) error {
	for r.nbits < n {
		if r.ip == r.iend {
			if err := r.more(); err != nil {
				return err
			}
		}
		r.bitBuf |= uint64(r.buf[r.ip]) << r.nbits
		r.ip++
		r.nbits += 8
	}
	return nil
}

// take consumes n bits (which need made valid) and returns them.
func (r *Reader) take(n uint) uint32 {
	v := uint32(r.bitBuf & (1<<n - 1))
	r.bitBuf >>= n
	r.nbits -= n
	return v
}

// decodeSlow decodes one code of t, reading input as needed: near the end
// of the input, where the fast loop cannot look eight bytes ahead.
func (r *Reader) decodeSlow(t *table) (uint32, error) {
	// A code may be shorter than 15 bits and end the stream: fill what
	// there is, then check the code found fits.
	for r.nbits < 15 && r.need(r.nbits+8) == nil {
	}
	e := t.entries[r.bitBuf&(1<<t.primary-1)]
	if entryKind(e) == kindSubtable {
		if r.nbits < t.primary {
			return 0, r.truncated()
		}
		sub := r.bitBuf >> t.primary
		e = t.entries[entryValue(e)+uint32(sub&(1<<entryExtra(e)-1))]
		if entryConsume(e)+t.primary > r.nbits {
			return 0, r.truncated()
		}
		r.take(t.primary)
	}
	if entryKind(e) == kindInvalid {
		return 0, fmt.Errorf("%w: invalid Huffman code", ErrCorrupt)
	}
	if entryConsume(e) > r.nbits {
		return 0, r.truncated()
	}
	r.take(entryConsume(e))
	return e, nil
}

// truncated is the error for input that ended inside a code.
func (r *Reader) truncated() error {
	if r.srcErr != nil {
		return r.srcErr
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, io.ErrUnexpectedEOF)
}

// finishCopy goes on with a match the end of the output cut off.
func (r *Reader) finishCopy(out []byte) []byte {
	n := min(r.copyLen, cap(out)-len(out))
	src := len(out) - r.copyDist
	for i := range n {
		out = append(out, out[src+i])
	}
	r.copyLen -= n
	return out
}

// huffman decodes the current Huffman block: the fast loop while the
// input has eight bytes to look at and the output room for a whole match,
// one code at a time otherwise.
func (r *Reader) huffman(out []byte) ([]byte, error) {
	for len(out) < cap(out) {
		var err error
		var ended bool
		if r.iend-r.ip >= 8 && cap(out)-len(out) >= fastOutRoom {
			out, ended, err = r.fast(out)
		} else {
			out, ended, err = r.slow(out)
		}
		if err != nil || ended {
			return out, err
		}
	}
	return out, nil
}

// slow decodes one literal or match, reading input as it needs.
func (r *Reader) slow(out []byte) ([]byte, bool, error) {
	e, err := r.decodeSlow(r.lit)
	if err != nil {
		return out, false, err
	}
	switch entryKind(e) {
	case kindLiteral:
		return append(out, byte(entryValue(e))), false, nil
	case kindEnd:
		r.state = stateBlock
		return out, true, nil
	}
	length, err := r.withExtra(e)
	if err != nil {
		return out, false, err
	}
	if e, err = r.decodeSlow(r.dist); err != nil {
		return out, false, err
	}
	dist, err := r.withExtra(e)
	if err != nil {
		return out, false, err
	}
	if err := r.checkDistance(dist, len(out)); err != nil {
		return out, false, err
	}
	r.copyLen, r.copyDist = length, dist
	return r.finishCopy(out), false, nil
}

// withExtra returns the length or distance a decoded code stands for: its
// base plus the extra bits after it.
func (r *Reader) withExtra(e uint32) (int, error) {
	v := int(entryValue(e))
	if x := entryExtra(e); x > 0 {
		if err := r.need(x); err != nil {
			return 0, err
		}
		v += int(r.take(x))
	}
	return v, nil
}

// checkDistance refuses a match reaching before the stream's start or
// before what the caller kept of its output.
func (r *Reader) checkDistance(dist, pos int) error {
	if dist > pos || dist > pos-r.streamStart() {
		return fmt.Errorf("%w: match distance %d too far back", ErrCorrupt, dist)
	}
	return nil
}

// streamStart is where the stream began in this call's output: negative
// when the caller did not keep all of it (then out[0] is the limit).
func (r *Reader) streamStart() int { return r.start - r.produced }

// fast decodes codes while there are at least eight bytes of input to
// refill the bit buffer from and room for a whole match in out. The bit
// buffer is refilled once per code: 56 bits hold the longest length code
// with its extra bits (20) and the longest distance code with its (28).
func (r *Reader) fast(out []byte) (_ []byte, ended bool, err error) {
	bitBuf, nbits := r.bitBuf, r.nbits
	in, ip := r.buf[:r.iend], r.ip
	pos := len(out)
	out = out[:cap(out)]
	lit := (*[tableCap]uint32)(r.lit.entries[:tableCap])
	dist := (*[tableCap]uint32)(r.dist.entries[:tableCap])
	litMask, distMask := uint64(1)<<r.lit.primary-1, uint64(1)<<r.dist.primary-1
	litPrimary, distPrimaryBits := r.lit.primary, r.dist.primary
	streamStart := r.streamStart()
	for ip+8 <= len(in) && pos+fastOutRoom <= len(out) {
		bitBuf |= binary.LittleEndian.Uint64(in[ip:]) << nbits
		ip += int(63-nbits) >> 3
		nbits |= 56

		e := lit[bitBuf&litMask&(tableCap-1)]
		if entryKind(e) == kindSubtable {
			bitBuf >>= litPrimary
			nbits -= litPrimary
			e = lit[(entryValue(e)+uint32(bitBuf&(1<<entryExtra(e)-1)))&(tableCap-1)]
		}
		n := entryConsume(e)
		bitBuf >>= n
		nbits -= n
		switch entryKind(e) {
		case kindLiteral:
			out[pos] = byte(entryValue(e))
			pos++
			// Literals come in runs, and the bit buffer holds a second
			// code without a refill (at least 41 bits are left). Anything
			// but a literal is left for the next turn.
			if e = lit[bitBuf&litMask&(tableCap-1)]; entryKind(e) == kindLiteral {
				n = entryConsume(e)
				bitBuf >>= n
				nbits -= n
				out[pos] = byte(entryValue(e))
				pos++
			}
			continue
		case kindLength:
		case kindEnd:
			r.state = stateBlock
			ended = true
		default:
			err = fmt.Errorf("%w: invalid literal/length code", ErrCorrupt)
		}
		if ended || err != nil {
			break
		}
		x := entryExtra(e)
		length := int(entryValue(e)) + int(bitBuf&(1<<x-1))
		bitBuf >>= x
		nbits -= x

		e = dist[bitBuf&distMask&(tableCap-1)]
		if entryKind(e) == kindSubtable {
			bitBuf >>= distPrimaryBits
			nbits -= distPrimaryBits
			e = dist[(entryValue(e)+uint32(bitBuf&(1<<entryExtra(e)-1)))&(tableCap-1)]
		}
		if entryKind(e) != kindLength {
			err = fmt.Errorf("%w: invalid distance code", ErrCorrupt)
			break
		}
		n = entryConsume(e)
		bitBuf >>= n
		nbits -= n
		x = entryExtra(e)
		d := int(entryValue(e)) + int(bitBuf&(1<<x-1))
		bitBuf >>= x
		nbits -= x
		if d > pos-streamStart || d > pos {
			err = fmt.Errorf("%w: match distance %d too far back", ErrCorrupt, d)
			break
		}
		src := pos - d
		switch {
		case d >= length && length <= 16:
			// Two words, the second possibly past the match: into room
			// the next codes overwrite.
			binary.LittleEndian.PutUint64(out[pos:], binary.LittleEndian.Uint64(out[src:]))
			binary.LittleEndian.PutUint64(out[pos+8:], binary.LittleEndian.Uint64(out[src+8:]))
		case d >= length:
			copy(out[pos:pos+length], out[src:src+length])
		case d >= 8:
			// Eight bytes at a time, overlapping as the match repeats
			// itself; the last word may write past the match.
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[pos+i:], binary.LittleEndian.Uint64(out[src+i:]))
			}
		default:
			// A period under eight bytes: its first repeats byte by byte,
			// then words from a whole number of periods back, at least
			// eight bytes (the same phase of the pattern).
			stride := d * ((8 + d - 1) / d)
			i := 0
			for ; i < min(stride, length); i++ {
				out[pos+i] = out[src+i]
			}
			for ; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[pos+i:], binary.LittleEndian.Uint64(out[pos+i-stride:]))
			}
		}
		pos += length
	}
	// Bits above nbits came from input bytes not consumed yet; the slow
	// path ORs bytes in, so they must be zero.
	r.bitBuf, r.nbits, r.ip = bitBuf&(1<<nbits-1), nbits, ip
	return out[:pos], ended, err
}
