package event

import (
	"fmt"
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
		t.Fatalf("arena not emptied: %+v", a)
	}
	if race.Enabled {
		if got := e.Root().Fields()[0].Key; got != recycledText {
			t.Fatalf("a recycled member reads %q", got)
		}
	}
	var plain Arena // no pool: nothing to give back
	if _, err := DecodeEventIn([]byte(`{"a":1}`), &plain); err != nil {
		t.Fatal(err)
	}
	plain.Release()
}
