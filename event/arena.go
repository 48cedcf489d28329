package event

import (
	"sync"

	"github.com/ingestd/ingestd/internal/race"
)

// Arena holds the memory of events decoded together that also live and
// die together, such as a Beats batch: their Event structs and the
// members of their objects are carved out of a few large allocations
// rather than made two or three per event (an allocation per object
// was 6.5% of the CPU of a Beats load). A chunk stays alive as long as
// any event carved from it does, unless Release recycles the members'.
// The zero Arena is ready to use; it is not safe for concurrent use.
//
// Filters that grow an event's objects later (Event.Set past an object's
// room, Event.Reserve) take the members from the same arena, through a
// lock of their own: the dcache_billing filter's entry object alone was
// 46% of the bytes the dCache family allocated, and every such byte
// brought the next collection closer. An Arena must not be copied once
// used.
type Arena struct {
	// Pool, when set, supplies the chunks of members, and Release gives
	// them back to it.
	Pool *FieldPool

	fields []Field
	events []Event
	taken  [][]Field // chunks from Pool
	shells [][]Event // events chunks, recycled with the members when Pool is set

	// late are the members filters take (lateFieldsFor), from workers
	// that may run while the decoder still carves fields.
	late struct {
		mu     sync.Mutex
		fields []Field
		taken  [][]Field
		bytes  []byte   // Event.Text's unescaped texts
		texts  [][]byte // byte chunks from Pool
	}
}

// FieldPool recycles the member chunks of arenas whose events are all
// done: they were three quarters of the bytes a Beats load allocated once
// the beats input recycled its slabs (1,063 of 1,451 MB per 1M events).
// It also recycles the byte chunks of the texts filters read unescaped
// (Event.Text). It empties at garbage collections (sync.Pools), so an
// idle node keeps none. The zero FieldPool is ready.
//
// It recycles the chunks of Event structs too: they were a third of the
// bytes the dCache family allocated once the members were recycled
// (330 bytes an event), and the collections that allocation brought
// about were a tenth of that family's CPU.
type FieldPool struct{ pool, bytes, events sync.Pool }

// Release gives the arena's member chunks back to its Pool and empties
// the arena. Every event decoded in it must be done, and nothing may read
// them again (see Event.Done): their members are overwritten, with
// garbage in race-detector builds (the tests') so that a reader that
// breaks the rule fails there.
func (a *Arena) Release() {
	for _, c := range append(a.taken, a.late.taken...) {
		c = c[:cap(c)]
		if race.Enabled {
			for i := range c {
				c[i] = Field{Key: recycledText, Value: String(recycledText)}
			}
		} else {
			clear(c) // no stale pointers for the collector to follow
		}
		a.Pool.pool.Put(&c)
	}
	for _, c := range a.late.texts {
		c = c[:cap(c)]
		if race.Enabled {
			for i := range c {
				c[i] = 0xff // a string read after its event was done reads invalid UTF-8
			}
		}
		a.Pool.bytes.Put(&c)
	}
	for _, c := range a.shells {
		c = c[:cap(c)]
		if race.Enabled {
			for i := range c {
				c[i] = Event{DataStream: recycledText, Input: recycledText,
					root: itemsValue(KindObject, []Field{{Key: recycledText, Value: String(recycledText)}})}
			}
		} else {
			clear(c)
		}
		a.Pool.events.Put(&c)
	}
	a.fields, a.events, a.taken, a.shells = nil, nil, nil, nil
	a.late.fields, a.late.taken, a.late.bytes, a.late.texts = nil, nil, nil, nil
}

// recycledText is what recycled members read in race-detector builds.
const recycledText = "\ufffd(a recycled member: read after its event was done)"

// Chunk sizes: a few dozen Filebeat events per fields chunk (80 KB),
// and as many Event structs per events chunk.
const (
	arenaFields = 2048
	arenaEvents = 64
)

// DecodeEventIn is DecodeEventOwned with the event's memory from a.
func DecodeEventIn(buf []byte, a *Arena) (*Event, error) {
	v, err := decodeBufIn(buf, true, rootSpare, a)
	if err != nil {
		return nil, err
	}
	if v.kind != KindObject {
		return nil, ErrNotObject
	}
	e := a.event()
	e.init(v)
	e.raw = buf
	if a != nil && a.Pool != nil {
		e.arena = a // its members are recycled: so may be those filters add
	}
	return e, nil
}

// fieldsFor returns n Fields (length 0) of a nil Arena's: a new
// allocation.
func (a *Arena) fieldsFor(n int) []Field {
	if a == nil || n > arenaFields/8 {
		return make([]Field, 0, n)
	}
	if cap(a.fields)-len(a.fields) < n {
		a.fields = nil
		if a.Pool != nil {
			if c, ok := a.Pool.pool.Get().(*[]Field); ok {
				a.fields = (*c)[:0]
			}
		}
		if a.fields == nil {
			a.fields = make([]Field, 0, arenaFields)
		}
		if a.Pool != nil {
			a.taken = append(a.taken, a.fields)
		}
	}
	start := len(a.fields)
	a.fields = a.fields[:start+n]
	// Capped: an append to one object's members must not run into the
	// next one's.
	return a.fields[start : start : start+n]
}

// lateFieldsFor is fieldsFor for a filter growing one of the arena's
// events: safe for concurrent use, from chunks of its own.
func (a *Arena) lateFieldsFor(n int) []Field {
	if a == nil || a.Pool == nil || n > arenaFields/8 {
		return make([]Field, 0, n)
	}
	a.late.mu.Lock()
	defer a.late.mu.Unlock()
	return carve(&a.late.fields, &a.late.taken, &a.Pool.pool, n, arenaFields)
}

// textChunk is the size of the byte chunks unescaped texts are carved
// from; a longer text gets memory of its own.
const textChunk = 64 << 10

// lateBytesFor returns room for n bytes (length 0) for a text a filter
// reads unescaped from one of the arena's events.
func (a *Arena) lateBytesFor(n int) []byte {
	if a == nil || a.Pool == nil || n > textChunk/4 {
		return make([]byte, 0, n)
	}
	a.late.mu.Lock()
	defer a.late.mu.Unlock()
	return carve(&a.late.bytes, &a.late.texts, &a.Pool.bytes, n, textChunk)
}

// carve returns room for n elements (length 0, capacity n) from the chunk
// *cur, starting another (from pool, else a new one of chunk elements)
// when it has too little left; the chunks started are added to *taken.
func carve[T any](cur *[]T, taken *[][]T, pool *sync.Pool, n, chunk int) []T {
	if cap(*cur)-len(*cur) < n {
		if c, ok := pool.Get().(*[]T); ok {
			*cur = (*c)[:0]
		} else {
			*cur = make([]T, 0, chunk)
		}
		*taken = append(*taken, *cur)
	}
	start := len(*cur)
	*cur = (*cur)[:start+n]
	return (*cur)[start : start : start+n] // capped: no append runs into the next
}

// appendField appends f to items, growing them in a (doubling, as
// append would) when they are full.
func (a *Arena) appendField(items []Field, f Field) []Field {
	if len(items) < cap(items) || a == nil {
		return append(items, f)
	}
	grown := a.lateFieldsFor(max(2*len(items), 4))
	return append(append(grown, items...), f)
}

func (a *Arena) event() *Event {
	if a == nil {
		return new(Event)
	}
	if a.Pool == nil {
		if len(a.events) == cap(a.events) {
			a.events = make([]Event, 0, arenaEvents)
		}
		a.events = a.events[:len(a.events)+1]
		return &a.events[len(a.events)-1]
	}
	e := &carve(&a.events, &a.shells, &a.Pool.events, 1, arenaEvents)[:1][0]
	if race.Enabled {
		*e = Event{} // poisoned when it was recycled
	}
	return e
}
