package event

import (
	"math/bits"
	"unsafe"
)

// A filter chain reads and writes the members of one large object under
// the root over and over: a dCache entry's 25–30 members under dcache,
// which every when: test, grok capture and mutate of dcache.yml looks up
// (some sixty lookups a line, each a scan of the members: 29 ns on
// average, a quarter of the family's filter time). The event indexes the
// last such object it was asked about, as it indexes its root keys: the
// key bits of its members (a clear bit proves a key absent, so a new
// field is appended without a scan) and where the member of each bit is
// (a hint, checked against the key).
//
// An object is indexed at its second lookup. The index is valid while the
// object's members are where they were when it was built (the same first
// member, as many of them) and nothing else in the event was written
// since: the event counts the writes that add or move members (epoch),
// because another value may share the object's members (a field set to
// another's object without a copy, an earlier read of it set back) and add
// to them in place. Set keeps the index up to date when it appends to the
// indexed object itself; after any other such write it is rebuilt at the
// next lookup. A value replaced in place moves no member.

// nestMin is the size from which an object is worth indexing: below it a
// scan costs about what keeping the index does.
const nestMin = 12

// keyIndex indexes the members of an object by the bit of their key
// (keyBit): the bits no key has, which prove a key absent, and where the
// first member of each bit is (a hint, checked against the key: another
// key may share the bit, a member may have moved). The zero keyIndex
// knows nothing: it proves nothing absent and every lookup scans.
type keyIndex struct {
	absent uint64
	at     [64]uint8 // 1 + the member's index; 0: none recorded
}

// build indexes items.
func (ix *keyIndex) build(items []Field) {
	*ix = keyIndex{absent: ^uint64(0)}
	for i, f := range items {
		ix.add(keyBit(f.Key), i)
	}
}

// add records a member whose key has bit b at index i. The first member
// of a bit keeps it: of two members with one key (JSON allows it), the
// first is the one a scan finds.
func (ix *keyIndex) add(b uint64, i int) {
	ix.absent &^= b
	if at := &ix.at[bits.TrailingZeros64(b)]; *at == 0 && i < 255 {
		*at = uint8(i + 1)
	}
}

// find returns the index of the first member named key in items, the
// members ix indexes, or -1.
func (ix *keyIndex) find(items []Field, key string) int {
	b := keyBit(key)
	if ix.absent&b != 0 {
		return -1
	}
	if i := int(ix.at[bits.TrailingZeros64(b)]) - 1; i >= 0 && i < len(items) && items[i].Key == key {
		return i
	}
	return indexOf(items, key)
}

// nestIndex is the keyIndex of one large object and what tells whether it
// is still that object's.
type nestIndex struct {
	keyIndex
	items unsafe.Pointer // the object's first member when indexed; nil: nothing indexed
	n     uint32         // how many members it had
	epoch uint32         // the event's epoch then
	// seen and seenN are the object of the last lookup that found no
	// index: an object is indexed at its second lookup, so that one
	// looked at once (an accounting record's) costs no index.
	seen  unsafe.Pointer
	seenN uint32
}

// nestFor returns the index of obj (a non-raw object of nestMin members or
// more), building it at obj's second lookup; nil before.
func (e *Event) nestFor(obj *Value) *nestIndex {
	ix := &e.nest
	if ix.items == obj.ptr && ix.n == obj.n && ix.epoch == e.epoch {
		return ix
	}
	if ix.seen != obj.ptr || ix.seenN != obj.n {
		ix.seen, ix.seenN = obj.ptr, obj.n
		return nil
	}
	ix.items, ix.n, ix.epoch = obj.ptr, obj.n, e.epoch
	ix.build(obj.items())
	return ix
}

// nestable reports whether v is an object the event indexes.
func nestable(v *Value) bool {
	return v.kind == KindObject && !v.raw && v.n >= nestMin
}

// nestMember returns the index of the member key of obj (see nestFor), or
// -1, and the index it used (nil: none yet).
func (e *Event) nestMember(obj *Value, key string) (int, *nestIndex) {
	ix := e.nestFor(obj)
	if ix == nil {
		return obj.index(key), nil
	}
	return ix.find(obj.items(), key), ix
}

// nestSet stores val at rest inside obj, an object the event indexes,
// creating what is missing as set does, and keeps the index up to date.
func (e *Event) nestSet(obj *Value, rest Path, val Value) {
	key := rest[0]
	i, ix := e.nestMember(obj, key)
	if i < 0 {
		obj.setItems(e.arena.appendField(obj.items(), Field{Key: key}))
		i = int(obj.n) - 1
		e.epoch++
		if ix != nil { // it indexed obj as it was; now one more
			ix.items, ix.n, ix.epoch = obj.ptr, obj.n, e.epoch
			ix.add(keyBit(key), i)
		}
	}
	items := obj.items()
	if len(rest) == 1 {
		items[i].Value = val
		return
	}
	if set(&items[i].Value, rest[1:], val, e.arena) {
		e.epoch++ // added deeper, maybe in memory obj shares
	}
}
