package inflate

import (
	"errors"
	"math/bits"
)

// A table decodes one Huffman code: entries[bits & (1<<primary-1)] is the
// entry for the next code in the bit buffer (least significant bit first),
// or points to a subtable for codes longer than primary bits. Two levels
// keep the table small enough to build per block and to stay in cache:
// one level for 15-bit codes would be 32,768 entries.
type table struct {
	entries []uint32 // capacity tableCap, so the fast loop indexes an array
	primary uint
}

// tableCap bounds a table: the largest a valid code needs is 1,332 entries
// (a literal/length code with a 10-bit first level, by zlib's enough). The
// fast loop masks its indexes with tableCap-1 instead of checking them.
const tableCap = 2048

// An entry packs what decoding one code needs:
//
//	bits 0-4   bits to consume (the code's length, less primary in a subtable;
//	           primary for a subtable pointer)
//	bits 5-7   kind
//	bits 8-12  extra bits that follow the code (lengths and distances), or a
//	           subtable's index bits
//	bits 16-31 the literal byte, the base length or distance, or where a
//	           subtable starts
const (
	kindLiteral = iota
	kindLength
	kindEnd
	kindSubtable
	kindInvalid
)

func entry(consume uint, kind int, extra uint, value uint32) uint32 {
	return uint32(consume) | uint32(kind)<<5 | uint32(extra)<<8 | value<<16
}

func entryKind(e uint32) int     { return int(e>>5) & 7 }
func entryConsume(e uint32) uint { return uint(e & 31) }
func entryExtra(e uint32) uint   { return uint(e>>8) & 31 }
func entryValue(e uint32) uint32 { return e >> 16 }
func invalidEntry() uint32       { return entry(0, kindInvalid, 0, 0) }
func subtableEntry(primary, subBits uint, start int) uint32 {
	return entry(primary, kindSubtable, subBits, uint32(start))
}

// Lengths 3..258 (symbols 257..285) and distances 1..32768 (symbols
// 0..29): base and extra bits, RFC 1951 section 3.2.5.
var (
	lengthBase  = [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// The three alphabets a table can decode.
const (
	alphabetLitLen = iota
	alphabetDist
	alphabetCodeLen // code length codes of a dynamic block header: value is the symbol
)

// symbolEntry is the entry for symbol sym of a code consume bits long.
func symbolEntry(alphabet int, sym int, consume uint) uint32 {
	switch alphabet {
	case alphabetLitLen:
		switch {
		case sym < 256:
			return entry(consume, kindLiteral, 0, uint32(sym))
		case sym == 256:
			return entry(consume, kindEnd, 0, 0)
		case sym <= 285:
			return entry(consume, kindLength, lengthExtra[sym-257], lengthBase[sym-257])
		}
	case alphabetDist:
		if sym < 30 {
			return entry(consume, kindLength, distExtra[sym], distBase[sym])
		}
	case alphabetCodeLen:
		return entry(consume, kindLiteral, 0, uint32(sym))
	}
	// 286, 287 and distances 30, 31 have codes but no meaning: using one
	// is an error, having one is not.
	return entry(consume, kindInvalid, 0, 0)
}

var (
	errOversubscribed = errors.New("inflate: invalid Huffman code (oversubscribed)")
	errIncomplete     = errors.New("inflate: invalid Huffman code (incomplete)")
)

// build makes the table for the canonical code with these code lengths
// (0: the symbol has no code). As zlib does, an incomplete code is only
// accepted when it is a single code of one bit, and an empty code only
// for distances (a block of literals only).
func (t *table) build(lengths []uint8, primary uint, alphabet int) error {
	var count [16]int
	maxLen := uint(0)
	for _, l := range lengths {
		count[l]++
		if uint(l) > maxLen {
			maxLen = uint(l)
		}
	}
	count[0] = 0
	t.primary = primary
	size := 1 << primary
	if want := tableCap; cap(t.entries) < size || alphabet != alphabetCodeLen && cap(t.entries) < want {
		if alphabet == alphabetCodeLen {
			want = size // read one code at a time, never by the fast loop
		}
		t.entries = make([]uint32, size, want)
	}
	t.entries = t.entries[:size]
	for i := range t.entries {
		t.entries[i] = invalidEntry()
	}
	if maxLen == 0 {
		if alphabet == alphabetDist {
			return nil
		}
		return errIncomplete
	}
	left := 1
	for l := 1; l <= 15; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return errOversubscribed
		}
	}
	if left > 0 && !(maxLen == 1 && count[1] == 1) {
		return errIncomplete
	}

	// Symbols sorted by code length, then by value: their canonical codes
	// in increasing order.
	var offset [17]int
	for l := 1; l <= 15; l++ {
		offset[l+1] = offset[l] + count[l]
	}
	var sortedBuf [320]uint16
	sorted := sortedBuf[:offset[16]]
	for sym, l := range lengths {
		if l != 0 {
			sorted[offset[l]] = uint16(sym)
			offset[l]++
		}
	}

	code, l := 0, uint(1)
	for count[l] == 0 {
		l++
	}
	remaining := count // for sizing subtables: codes not yet placed
	prefix, subStart, subBits := -1, 0, uint(0)
	left = count[l]
	for _, sym := range sorted {
		for left == 0 {
			code <<= 1
			l++
			left = count[l]
		}
		rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
		if l <= primary {
			e := symbolEntry(alphabet, int(sym), l)
			for i := rev; i < size; i += 1 << l {
				t.entries[i] = e
			}
		} else {
			if p := rev & (size - 1); p != prefix {
				// A new subtable, as deep as the codes sharing this
				// prefix need (zlib's inflate_table does the same).
				prefix = p
				subBits = l - primary
				room := 1 << subBits
				for subBits+primary < maxLen {
					room -= remaining[subBits+primary]
					if room <= 0 {
						break
					}
					subBits++
					room <<= 1
				}
				subStart = len(t.entries)
				if subStart+1<<subBits > cap(t.entries) {
					return errOversubscribed // unreachable for a valid code (zlib's enough: 1,332 at most)
				}
				for range 1 << subBits {
					t.entries = append(t.entries, invalidEntry())
				}
				t.entries[p] = subtableEntry(primary, subBits, subStart)
			}
			e := symbolEntry(alphabet, int(sym), l-primary)
			for i := rev >> primary; i < 1<<subBits; i += 1 << (l - primary) {
				t.entries[subStart+i] = e
			}
		}
		remaining[l]--
		left--
		code++
	}
	return nil
}

// fixedTables are the codes of RFC 1951's fixed Huffman blocks; built once,
// never written after.
var fixedLitLen, fixedDist = buildFixed()

func buildFixed() (*table, *table) {
	var lengths [288]uint8
	for i := range lengths {
		switch {
		case i < 144:
			lengths[i] = 8
		case i < 256:
			lengths[i] = 9
		case i < 280:
			lengths[i] = 7
		default:
			lengths[i] = 8
		}
	}
	lit, dist := new(table), new(table)
	if err := lit.build(lengths[:], litLenPrimary, alphabetLitLen); err != nil {
		panic(err)
	}
	var dl [32]uint8
	for i := range dl {
		dl[i] = 5
	}
	if err := dist.build(dl[:], distPrimary, alphabetDist); err != nil {
		panic(err)
	}
	return lit, dist
}
