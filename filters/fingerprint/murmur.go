package fingerprint

import (
	"encoding/binary"
	"math/bits"
)

// murmur3x86_32 is MurmurHash3_x86_32, as MurmurHash3::V32.str_hash of
// the murmurhash3 gem (which Logstash's fingerprint filter uses) computes
// it: the result is the unsigned 32-bit hash.
func murmur3x86_32(data []byte, seed uint32) uint32 {
	h := seed
	n := len(data) &^ 3
	for i := 0; i < n; i += 4 {
		h ^= mixK32(binary.LittleEndian.Uint32(data[i:]))
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	if tail := data[n:]; len(tail) > 0 {
		var k uint32
		for i := len(tail) - 1; i >= 0; i-- {
			k = k<<8 | uint32(tail[i])
		}
		h ^= mixK32(k)
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// mixK32 scrambles one 32-bit block (or the tail) of MurmurHash3_x86_32.
func mixK32(k uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	k *= c1
	k = bits.RotateLeft32(k, 15)
	return k * c2
}

// Constants of MurmurHash3_x64_128.
const m128c1, m128c2 = 0x87c37b91114253d5, 0x4cf5ad432745937f

// mixK1 and mixK2 scramble the two 64-bit halves of a 128-bit block (or
// of the tail) of MurmurHash3_x64_128.
func mixK1(k uint64) uint64 {
	k *= m128c1
	k = bits.RotateLeft64(k, 31)
	return k * m128c2
}

func mixK2(k uint64) uint64 {
	k *= m128c2
	k = bits.RotateLeft64(k, 33)
	return k * m128c1
}

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// murmur3x64_128 is MurmurHash3_x64_128; the digest is h1 then h2, each
// little-endian, as the gem's V128 digests (and pack("L*") of its
// four-word result) lay them out.
func murmur3x64_128(data []byte, seed uint64) [16]byte {
	h1, h2 := seed, seed
	n := len(data) &^ 15
	for i := 0; i < n; i += 16 {
		h1 ^= mixK1(binary.LittleEndian.Uint64(data[i:]))
		h1 = bits.RotateLeft64(h1, 27)
		h1 += h2
		h1 = h1*5 + 0x52dce729
		h2 ^= mixK2(binary.LittleEndian.Uint64(data[i+8:]))
		h2 = bits.RotateLeft64(h2, 31)
		h2 += h1
		h2 = h2*5 + 0x38495ab5
	}
	tail := data[n:]
	if len(tail) > 8 {
		var k2 uint64
		for i := len(tail) - 1; i >= 8; i-- {
			k2 = k2<<8 | uint64(tail[i])
		}
		h2 ^= mixK2(k2)
	}
	if len(tail) > 0 {
		var k1 uint64
		for i := min(len(tail), 8) - 1; i >= 0; i-- {
			k1 = k1<<8 | uint64(tail[i])
		}
		h1 ^= mixK1(k1)
	}
	h1 ^= uint64(len(data))
	h2 ^= uint64(len(data))
	h1 += h2
	h2 += h1
	h1 = fmix64(h1)
	h2 = fmix64(h2)
	h1 += h2
	h2 += h1
	var out [16]byte
	binary.LittleEndian.PutUint64(out[:8], h1)
	binary.LittleEndian.PutUint64(out[8:], h2)
	return out
}
