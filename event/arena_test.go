package event

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ingestd/ingestd/internal/race"
)

// TestArenaEventsAreApart: events decoded in one arena share its chunks,
// and filling one event past its spare room never writes into another.
func TestArenaEventsAreApart(t *testing.T) {
	var a Arena
	var events []*Event
	for i := range 100 {
		e, err := DecodeEventIn(fmt.Appendf(nil, `{"n":%d,"@metadata":{"beat":"filebeat"},"message":"m%d"}`, i, i), &a)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	for i, e := range events {
		for k := range rootSpare + 5 {
			e.SetString(MustPath(fmt.Sprintf("[added%d]", k)), fmt.Sprint(i))
		}
		e.SetString(MustPath("[@metadata][ts]"), fmt.Sprint(i))
		e.SetString(MustPath("[@metadata][more1]"), "x")
		e.SetString(MustPath("[@metadata][more2]"), "x")
		e.SetString(MustPath("[@metadata][more3]"), "x")
		e.SetString(MustPath("[@metadata][more4]"), "x")
		e.SetString(MustPath("[@metadata][more5]"), "x")
	}
	for i, e := range events {
		want := fmt.Sprintf(`{"n":%d,"message":"m%d"`, i, i)
		for k := range rootSpare + 5 {
			want += fmt.Sprintf(`,"added%d":"%d"`, k, i)
		}
		if got := string(e.AppendJSON(nil)); got != want+"}" {
			t.Fatalf("event %d: %s", i, got)
		}
		if got := e.GetString(MustPath("[@metadata][ts]")); got != fmt.Sprint(i) {
			t.Fatalf("event %d: @metadata ts %q", i, got)
		}
	}
}

// TestArenaRelease: Release hands the member chunks taken from the pool
// back and empties the arena; in race-detector builds what stays behind
// reads as garbage, so a reader after Done shows up in the tests.
func TestArenaRelease(t *testing.T) {
	var pool FieldPool
	a := Arena{Pool: &pool}
	e, err := DecodeEventIn([]byte(`{"a":"b","c":{"d":1}}`), &a)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.taken) != 1 {
		t.Fatalf("%d chunks taken from the pool, want 1", len(a.taken))
	}
	a.Release()
	if a.taken != nil || a.fields != nil || a.events != nil || a.Pool != &pool {
		t.Fatalf("arena not emptied: %d chunks, %d fields, %d events", len(a.taken), len(a.fields), len(a.events))
	}
	if race.Enabled {
		if got := e.Root().Fields()[0].Key; got != recycledText {
			t.Fatalf("a recycled member reads %q", got)
		}
		if e.DataStream != recycledText {
			t.Fatalf("a recycled event's data stream reads %q", e.DataStream)
		}
	}
	var plain Arena // no pool: nothing to give back
	if _, err := DecodeEventIn([]byte(`{"a":1}`), &plain); err != nil {
		t.Fatal(err)
	}
	plain.Release()
}

// TestArenaRecyclesEvents: the Event structs of a released arena serve the
// next arena of the same pool, and an event taken from them starts empty:
// nothing of the event it was (its data stream, input, root index) shows.
func TestArenaRecyclesEvents(t *testing.T) {
	var pool FieldPool
	a := Arena{Pool: &pool}
	first, err := DecodeEventIn([]byte(`{"a":"b","message":"m"}`), &a)
	if err != nil {
		t.Fatal(err)
	}
	first.DataStream, first.Input, first.Piece = "logs-x-y", "beats", 3
	first.SetString(MustPath("[added]"), "v")
	if len(a.shells) != 1 {
		t.Fatalf("%d events chunks taken, want 1", len(a.shells))
	}
	chunk := &a.shells[0][:1][0]
	a.Release()
	if a.shells != nil || a.events != nil {
		t.Fatal("arena kept its events chunks after Release")
	}
	// sync.Pool may drop what it holds (at a collection, or at random in
	// race-detector builds): take until the chunk comes back, or give up.
	for range 100 {
		b := Arena{Pool: &pool}
		e, err := DecodeEventIn([]byte(`{"c":1}`), &b)
		if err != nil {
			t.Fatal(err)
		}
		if e.DataStream != "" || e.Input != "" || e.Piece != 0 {
			t.Fatalf("a new event shows the old one: %q %q %d", e.DataStream, e.Input, e.Piece)
		}
		if _, ok := e.Get(MustPath("[added]")); ok {
			t.Fatal("a new event finds a field of the old one")
		}
		if _, ok := e.Get(MustPath("[a]")); ok {
			t.Fatal("a new event finds a key of the old one")
		}
		if got := string(e.AppendJSON(nil)); got != `{"c":1}` {
			t.Fatalf("new event: %s", got)
		}
		if e == chunk {
			return
		}
		b.Release()
	}
	if !race.Enabled {
		t.Fatal("the released events chunk never came back from the pool")
	}
}

// Members a filter adds to an event decoded in a recycling arena come from
// that arena (late chunks, under their lock) and go back with it: an
// object grown by Set, one made room in by Reserve, and a new object.
// Events of several workers grow at once (run under -race).
func TestArenaLateMembers(t *testing.T) {
	var pool FieldPool
	a := &Arena{Pool: &pool}
	var events []*Event
	for i := range 8 {
		e, err := DecodeEventIn([]byte(fmt.Sprintf(`{"n":%d,"o":{"a":1}}`, i)), a)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range events[w*4 : w*4+4] {
				e.Reserve(Path{"dcache"}, 30)
				for k := range 40 {
					e.Set(Path{"dcache", fmt.Sprintf("k%d", k)}, Int(int64(k)))
					e.Set(Path{"o", fmt.Sprintf("k%d", k)}, Int(int64(k)))
					e.Set(Path{fmt.Sprintf("top%d", k)}, Int(int64(k)))
				}
			}
		}()
	}
	wg.Wait()
	for i, e := range events {
		if got := e.GetString(Path{"dcache", "k39"}) + e.GetString(Path{"o", "k39"}) + e.GetString(Path{"o", "a"}) + e.GetString(Path{"n"}); got != fmt.Sprintf("39391%d", i) {
			t.Fatalf("event %d reads %q", i, got)
		}
	}
	if len(a.late.taken) == 0 {
		t.Fatal("no member came from the arena")
	}
	grown, _ := events[0].Get(Path{"dcache"})
	a.Release()
	if a.late.taken != nil || a.late.fields != nil {
		t.Fatal("late chunks not given back")
	}
	if race.Enabled {
		if k := grown.Fields()[0].Key; k != recycledText {
			t.Fatalf("a recycled late member reads %q", k)
		}
	}
	// Without a pool (DecodeEvent's events): the heap's, as before.
	e, _ := DecodeEvent([]byte(`{"a":1}`))
	e.Reserve(Path{"x"}, 10)
	e.Set(Path{"x", "y"}, Int(1))
	if e.arena != nil || e.GetString(Path{"x", "y"}) != "1" {
		t.Fatal("an event of no arena")
	}
}

// Event.Text unescapes a string of an arena's event into the arena's
// memory (given back with it) and reads what Value.Text reads; without an
// arena, or for a string without escapes, it is Value.Text.
func TestEventTextInArena(t *testing.T) {
	var pool FieldPool
	a := &Arena{Pool: &pool}
	doc := []byte(`{"m":"say \"hi\"\n\u00e9 \\ done","plain":"no escapes","n":12}`)
	e, err := DecodeEventIn(doc, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"m", "plain", "n"} {
		v, _ := e.Get(Path{k})
		if got, want := e.Text(v), v.Text(); got != want {
			t.Errorf("%s: Text %q, Value.Text %q", k, got, want)
		}
	}
	m, _ := e.Get(Path{"m"})
	text := e.Text(m)
	if len(a.late.texts) != 1 {
		t.Fatalf("%d byte chunks taken, want 1", len(a.late.texts))
	}
	a.Release()
	if race.Enabled && text == "say \"hi\"\né \\ done" {
		t.Error("a text given back with its arena still reads as before in a race build")
	}
	plain, _ := DecodeEvent([]byte(`{"m":"a\"b"}`))
	if v, _ := plain.Get(Path{"m"}); plain.Text(v) != `a"b` {
		t.Error("an event of no arena")
	}
}

// Event.DecodeJSON settles a record's members in the event's arena and
// decodes what DecodeJSONString decodes.
func TestEventDecodeJSONInArena(t *testing.T) {
	var pool FieldPool
	a := &Arena{Pool: &pool}
	e, err := DecodeEventIn([]byte(`{"message":"{\"user\":\"u1\",\"n\":3,\"o\":{\"k\":[1,{\"x\":\"y\"}]}}"}`), a)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := e.Get(Path{"message"})
	got, err := e.DecodeJSON(e.Text(m))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DecodeJSONString(m.Text())
	if string(got.AppendJSON(nil)) != string(want.AppendJSON(nil)) {
		t.Fatalf("%s, want %s", got.AppendJSON(nil), want.AppendJSON(nil))
	}
	if len(a.late.taken) != 1 {
		t.Fatalf("%d member chunks taken, want 1", len(a.late.taken))
	}
	a.Release()
	if race.Enabled && got.Fields()[0].Key != recycledText {
		t.Errorf("the record's members were not given back with the arena: %q", got.Fields()[0].Key)
	}
	if _, err := e.DecodeJSON(`{"a":`); err == nil {
		t.Error("a broken record decoded")
	}
}

// TestSetBytesInArena: SetBytes copies the text into the event's arena
// (the caller's buffer may change after), and works without an arena; in
// race-detector builds a text read after the arena's release reads as
// garbage, as Event.Text's do.
func TestSetBytesInArena(t *testing.T) {
	var pool FieldPool
	a := Arena{Pool: &pool}
	e, err := DecodeEventIn([]byte(`{"message":"m"}`), &a)
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte("2025-02-02T12:34:56.123Z")
	e.SetBytes(MustPath("@timestamp"), buf)
	copy(buf, "XXXXXXXXXXXXXXXXXXXXXXXX")
	if got := e.GetString(MustPath("@timestamp")); got != "2025-02-02T12:34:56.123Z" {
		t.Fatalf("@timestamp %q", got)
	}
	held := e.GetString(MustPath("@timestamp"))
	a.Release()
	if race.Enabled && held == "2025-02-02T12:34:56.123Z" {
		t.Fatal("a text kept past the arena's release still reads as it was")
	}
	plain, _ := DecodeEvent([]byte(`{}`))
	plain.SetBytes(MustPath("t"), []byte("x"))
	if got := string(plain.AppendJSON(nil)); got != `{"t":"x"}` {
		t.Fatalf("no arena: %s", got)
	}
}
