package event

import (
	"fmt"
	"time"
	"unsafe"
)

// MetadataKey is the root key of fields that travel with an event through
// the pipeline but are never written by an output (as in Logstash).
const MetadataKey = "@metadata"

// Event is one log event flowing through ingestd. The zero Event is an empty
// event that is nobody's acknowledgement: its Done is a no-op.
type Event struct {
	root Value // the document; always an object once touched
	meta Value // @metadata, kept apart so outputs never see it

	// DataStream is the name of the data stream the pipeline chose; set
	// after filters run.
	DataStream string

	// Input is the id of the input the event came from, set by the engine
	// when the input adds it to a batch: pipelines take events by input
	// (their inputs list) and conditions read it as input().
	Input string

	// Piece tells apart the events a filter made of one (the split
	// filter's pieces), which share their origin: 0 for an event as it
	// came, else a number the engine gives each piece. Outputs that derive
	// a document id from the event's origin mix it in.
	Piece uint64

	raw []byte // the JSON the event was decoded from (never modified)

	ack *Ack

	// rootIx indexes the top-level keys (see keyIndex): a bit proven
	// absent spares the scan of the members when a filter adds a field or
	// looks for one that is not there. Bits are proven absent only when
	// the root is indexed (a deleted key leaves its bit, which only costs
	// the scan). Events built without init (struct literals) know nothing
	// and always scan.
	rootIx keyIndex

	// nest indexes the members of one large object under the root (see
	// nest.go); epoch counts the writes that may have added or moved
	// members anywhere in the event, which the index must not outlive.
	nest  nestIndex
	epoch uint32

	// arena is where the event's members were decoded, recycled when its
	// batch is acknowledged; members added later come from it too. Nil
	// for events of no recycling arena (their members are the heap's).
	arena *Arena
}

// NewEvent wraps a decoded JSON object and takes ownership of it. A
// "@metadata" member is moved out of the document.
func NewEvent(doc Value) *Event {
	e := new(Event)
	e.init(doc)
	return e
}

func (e *Event) init(doc Value) {
	e.nest = nestIndex{}
	e.root = doc
	if e.root.kind != KindObject {
		e.root = Value{kind: KindObject}
	}
	e.root.own() // the root is always written member by member, without @metadata
	// A fresh decode shares its members with nothing yet, so shift them in
	// place and keep the spare room the decoder left for filters.
	// A document that names @metadata twice (JSON allows it) keeps none
	// of them: the last is the metadata, as decoders that keep one member
	// per key take it.
	for i := e.root.index(MetadataKey); i >= 0; i = e.root.index(MetadataKey) {
		items := e.root.items()
		e.meta = items[i].Value
		copy(items[i:], items[i+1:])
		items[len(items)-1] = Field{}
		e.root.setItems(items[:len(items)-1])
	}
	e.indexRootKeys()
}

// keyBit is the bit a key sets in a keyIndex (the root's, or a large
// object's): a hash of its length, first, middle and last bytes, which
// tell apart the dozen keys of an event without a loop over the key. The multiplier was searched
// for (TestKeyBitsOfCommonKeys): the top-level keys Filebeat, Elastic Agent
// and the shipped pipelines write or test each get a bit of their own,
// so a route's test of data_stream is not answered "maybe" because the
// event has @timestamp (they shared a bit under the golden ratio).
func keyBit(k string) uint64 {
	if k == "" {
		return 1
	}
	x := uint64(len(k)) | uint64(k[0])<<8 | uint64(k[len(k)-1])<<16 | uint64(k[len(k)/2])<<24
	return 1 << (x * 0xfc9623be63b2dabf >> 58)
}

func (e *Event) indexRootKeys() {
	if e.root.kind != KindObject || e.root.raw {
		e.rootIx = keyIndex{} // members not at hand: know nothing
		return
	}
	e.rootIx.build(e.root.items())
}

// lacksRootKey reports whether the top-level key k is proven absent.
func (e *Event) lacksRootKey(k string) bool {
	return e.rootIx.absent&keyBit(k) != 0
}

// KeySet is a set of top-level keys in the form an event indexes its own
// (a 64-bit hash set): it can prove, with one AND, that an event has none
// of them, the way Get proves a single key absent.
type KeySet uint64

// RootKeySet returns the set of the given top-level keys.
func RootKeySet(keys ...string) KeySet {
	var s KeySet
	for _, k := range keys {
		s |= KeySet(keyBit(k))
	}
	return s
}

// LacksAll reports whether e is proven to have none of the top-level keys
// in s: Get of a path under any of them would find nothing. False means
// only "maybe" (the index is a hash, and unknown for events built without
// NewEvent or DecodeEvent).
func (e *Event) LacksAll(s KeySet) bool {
	return uint64(s)&^e.rootIx.absent == 0
}

// DecodeEvent parses a JSON object into a new Event. It copies data: the
// caller may reuse it.
func DecodeEvent(data []byte) (*Event, error) {
	return DecodeEventOwned(append(make([]byte, 0, len(data)), data...))
}

// DecodeEventOwned is DecodeEvent for a buffer the caller hands over: the
// event points into buf, which must never be written again. An input that
// reads each event into a buffer of its own (the beats input inflates
// straight into one) saves the copy.
func DecodeEventOwned(buf []byte) (*Event, error) {
	return DecodeEventIn(buf, nil)
}

// Raw returns the JSON the event was decoded from, as the client sent it
// (nil for events built otherwise). Dead letters keep it so a replay
// starts from the original event, not from what the filters made of it.
func (e *Event) Raw() []byte { return e.raw }

// Root returns the document (without @metadata).
func (e *Event) Root() Value { return e.root }

// Metadata returns the @metadata object.
func (e *Event) Metadata() Value { return e.meta }

// target returns the value the path addresses and the path inside it.
func (e *Event) target(p Path) (*Value, Path) {
	if len(p) > 0 && p[0] == MetadataKey {
		return &e.meta, p[1:]
	}
	return &e.root, p
}

// Get returns the value at p.
func (e *Event) Get(p Path) (Value, bool) {
	v, rest := e.target(p)
	if len(rest) > 0 && v == &e.root && e.root.kind == KindObject && !e.root.raw {
		items := e.root.items()
		i := e.rootIx.find(items, rest[0])
		if i < 0 {
			return Value{}, false
		}
		m := &items[i].Value
		if len(rest) >= 2 && nestable(m) {
			j, _ := e.nestMember(m, rest[1])
			if j < 0 {
				return Value{}, false
			}
			return get(m.items()[j].Value, rest[2:])
		}
		return get(*m, rest[1:])
	}
	return get(*v, rest)
}

// GetString returns the text of the value at p ("" when absent).
func (e *Event) GetString(p Path) string {
	v, _ := e.Get(p)
	return v.Text()
}

// Has reports whether a field exists at p.
func (e *Event) Has(p Path) bool {
	_, ok := e.Get(p)
	return ok
}

// Set stores val at p, creating intermediate objects.
func (e *Event) Set(p Path, val Value) {
	v, rest := e.target(p)
	if len(rest) >= 2 && v == &e.root {
		items := e.root.items()
		if i := e.rootIx.find(items, rest[0]); i >= 0 && nestable(&items[i].Value) {
			e.nestSet(&items[i].Value, rest[1:], val) // see nest.go
			return
		}
	}
	if len(rest) == 0 {
		e.epoch++ // another document or @metadata
		*v = val
		if v == &e.root {
			e.indexRootKeys()
		}
		return
	}
	if v != &e.root {
		if set(v, rest, val, e.arena) {
			e.epoch++ // a member added (see nest.go)
		}
		return
	}
	n := e.root.n
	switch {
	case len(rest) == 1 && e.lacksRootKey(rest[0]):
		// A new top-level field: no scan for it (init left the root
		// an object of its own).
		e.root.setItems(e.arena.appendField(e.root.items(), Field{Key: rest[0], Value: val}))
		e.epoch++
	default:
		if set(v, rest, val, e.arena) {
			e.epoch++
		}
	}
	if e.root.n > n {
		e.rootIx.add(keyBit(rest[0]), int(n)) // a member added
	}
}

// Reserve makes room for n more members in the object at p, creating it
// when missing (so call it only right before setting members there). A
// filter that sets a couple of dozen fields under one object (a dCache
// billing entry's) otherwise grows the members by doubling: six
// allocations and copies, three fifths of the bytes a billing load
// allocated, and garbage the collector pays for under the memory limit.
// A value at p that is not an object is left alone.
func (e *Event) Reserve(p Path, n int) {
	if len(p) == 0 || n <= 0 {
		return
	}
	e.epoch++
	// One walk, through objects only: Set would replace anything else on
	// the way (an array among them), and that is not Reserve's to do.
	v, rest := e.target(p)
	for _, key := range rest {
		if v.kind != KindObject {
			return
		}
		v.own()
		i := v.index(key)
		if i < 0 {
			e.Set(p, itemsValue(KindObject, e.arena.lateFieldsFor(n))) // the rest is missing
			return
		}
		v = &v.items()[i].Value
	}
	if v.kind != KindObject {
		return
	}
	v.own()
	if items := v.items(); cap(items)-len(items) < n {
		v.setItems(append(e.arena.lateFieldsFor(len(items)+n), items...))
	}
}

// AppendMembers gives the object at p its members when it has none yet
// (creating it, and the objects on the way, as Set does), with room for
// spare more, and reports true; when it already has members, or something
// other than an object is there, it does nothing and reports false, and
// the caller sets them one by one. The keys must be distinct. A filter
// that writes a record's dozens of fields under one object (the
// dcache_billing filter) spares the scan for each key that Set makes,
// which grows with every member set before it.
func (e *Event) AppendMembers(p Path, fields []Field, spare int) bool {
	if len(p) == 0 {
		return false
	}
	if v, ok := e.Get(p); ok && (v.kind != KindObject || v.Len() > 0) {
		return false
	}
	items := append(e.arena.lateFieldsFor(len(fields)+spare), fields...)
	e.Set(p, itemsValue(KindObject, items))
	return true
}

// SetString stores a string at p.
func (e *Event) SetString(p Path, s string) { e.Set(p, String(s)) }

// Delete removes the field at p and returns what it held. The members of
// its object shift in place: a copy of that object's Value taken before
// reads them shifted (read it again after).
func (e *Event) Delete(p Path) (Value, bool) {
	e.epoch++ // members shift in place
	v, rest := e.target(p)
	if len(rest) == 0 {
		old := *v
		*v = Value{kind: KindObject}
		if v == &e.root {
			e.indexRootKeys()
		}
		return old, true
	}
	old, ok := remove(v, rest)
	if ok && v == &e.root && len(rest) == 1 {
		// The root's members moved: a place hint checked only against
		// the key would find a second member of that key where the first
		// was.
		e.indexRootKeys()
	}
	return old, ok
}

var tagsPath = Path{"tags"}

// Tags returns the event's tags.
func (e *Event) Tags() []string {
	v, _ := e.Get(tagsPath)
	var tags []string
	for _, f := range v.Elems() {
		tags = append(tags, f.Value.Text())
	}
	return tags
}

// HasTag reports whether the event carries tag.
func (e *Event) HasTag(tag string) bool {
	v, _ := e.Get(tagsPath)
	if v.kind == KindString {
		return v.str() == tag
	}
	for _, f := range v.Elems() {
		if f.Value.kind == KindString && f.Value.str() == tag {
			return true
		}
	}
	return false
}

// AddTag adds tag unless the event has it already.
func (e *Event) AddTag(tag string) {
	if e.HasTag(tag) {
		return
	}
	v, _ := e.Get(tagsPath)
	var items []Field
	switch v.kind {
	case KindArray:
		items = append(make([]Field, 0, v.Len()+1), v.items()...)
	case KindString:
		items = []Field{{Value: v}}
	}
	items = append(items, Field{Value: String(tag)})
	e.Set(tagsPath, itemsValue(KindArray, items))
}

// AppendJSON appends the document (never @metadata) to dst.
func (e *Event) AppendJSON(dst []byte) []byte { return e.root.AppendJSON(dst) }

// Clone returns a deep copy of the event that shares no mutable state and
// belongs to no acknowledgement.
func (e *Event) Clone() *Event {
	return &Event{root: e.root.clone(), meta: e.meta.clone(), DataStream: e.DataStream, Input: e.Input, Piece: e.Piece, rootIx: e.rootIx}
}

// Copy returns a copy of the event that owns all its bytes, so it outlives
// the original's Done (Clone's strings still point where the original's
// do): its document and @metadata as JSON, decoded again. It belongs to no
// acknowledgement and no input, and has no data stream yet; Raw is the
// copy's JSON; Piece is kept.
func (e *Event) Copy() (*Event, error) {
	copies, err := e.CopyN(1)
	if err != nil {
		return nil, err
	}
	return copies[0], nil
}

// CopyN returns n copies as Copy makes them, the event encoded once: the
// copies share that JSON, which none of them writes.
func (e *Event) CopyN(n int) ([]*Event, error) {
	buf := e.root.AppendJSON(nil)
	if e.meta.kind == KindObject && e.meta.Len() > 0 { // raw or decoded
		meta := append([]byte(`{"`+MetadataKey+`":`), e.meta.AppendJSON(nil)...)
		if len(buf) > 2 { // not {}
			meta = append(meta, ',')
		}
		buf = append(meta, buf[1:]...)
	}
	buf = buf[:len(buf):len(buf)] // shared: an append to one's Raw must not write into it
	copies := make([]*Event, n)
	for i := range copies {
		c, err := DecodeEventOwned(buf)
		if err != nil {
			return nil, fmt.Errorf("event: copy: %w", err)
		}
		c.Piece = e.Piece
		copies[i] = c
	}
	return copies, nil
}

// Clone returns a deep copy of v: its objects and arrays get members of
// their own (strings and raw objects, never written, are shared). Setting
// a value taken from one field into another without it makes both share
// their members, and a write into one appears in the other.
func (v Value) Clone() Value { return v.clone() }

func (v Value) clone() Value {
	old := v.items()
	if old == nil {
		return v // a scalar, or a raw object: its text is never written
	}
	items := make([]Field, len(old))
	for i, f := range old {
		items[i] = Field{Key: f.Key, Value: f.Value.clone()}
	}
	v.setItems(items)
	return v
}

// SetTimestamp stores t as "@timestamp" in RFC 3339 with milliseconds, the
// format Elasticsearch's date type and Filebeat use.
func (e *Event) SetTimestamp(t time.Time) {
	var buf [24]byte
	e.SetBytes(Path{"@timestamp"}, AppendTimestamp(buf[:0], t))
}

// SetBytes sets the field at p to a string value of b's text, copied into
// memory the event owns: its arena's when it has one (recycled with the
// event's members once it is done; an allocation a line spared, such as
// the @timestamp every parsed line sets), else a string of its own.
func (e *Event) SetBytes(p Path, b []byte) {
	if e.arena == nil || len(b) == 0 {
		e.SetString(p, string(b))
		return
	}
	dst := append(e.arena.lateBytesFor(len(b)), b...)
	e.SetString(p, unsafe.String(unsafe.SliceData(dst), len(dst)))
}

// AppendTimestamp appends t as SetTimestamp writes it
// ("2006-01-02T15:04:05.000Z"), without time.Format's layout walk: every
// parsed line sets one.
func AppendTimestamp(dst []byte, t time.Time) []byte { return AppendTimestampFrac(dst, t, 3) }

// AppendTimestampFrac appends t in UTC as RFC 3339 with digits (3, 6 or
// 9) digits of fraction, as time.Format with ".000", ".000000" or
// ".000000000" and a "Z" would, without the layout walk.
func AppendTimestampFrac(dst []byte, t time.Time, digits int) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05."+"000000000"[:digits]+"Z07:00")
	}
	dst = append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.')
	var frac [9]byte
	for i, ns := 8, t.Nanosecond(); i >= 0; i, ns = i-1, ns/10 {
		frac[i] = byte('0' + ns%10)
	}
	return append(append(dst, frac[:digits]...), 'Z')
}

// Attach makes the event part of ack: its Done counts down ack.
func (e *Event) Attach(a *Ack) { e.ack = a }

// Ack is the Ack the event is attached to (nil when none).
func (e *Event) Ack() *Ack { return e.ack }

// Done marks the event finished (written by its outputs, dead-lettered or
// dropped on purpose). Call it exactly once per event and per extra Hold.
//
// It also ends the lifetime of the event's bytes: its strings, Raw and the
// text of its values may point into a buffer its input reuses once the
// event's batch is acknowledged (the beats input recycles its slabs).
// Read nothing of an event after its Done, and copy (strings.Clone) what
// is kept beyond it, as datastream.Namer does with its cache keys.
func (e *Event) Done() {
	if e.ack != nil {
		e.ack.done(1)
	}
}

// Hold adds n extra completions the event must report before it counts as
// done, for an event fanned out to n+1 outputs.
func (e *Event) Hold(n int) {
	if e.ack != nil && n > 0 {
		e.ack.Add(n)
	}
}
