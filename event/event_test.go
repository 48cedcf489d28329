package event

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ingestd/ingestd/spec"
)

func TestEventFields(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"@metadata":{"beat":"filebeat"},"message":"m","log":{"file":{"path":"/a"}},"tags":["x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.GetString(MustPath("[log][file][path]")); got != "/a" {
		t.Fatalf("[log][file][path] = %q", got)
	}
	if got := e.GetString(MustPath("[@metadata][beat]")); got != "filebeat" {
		t.Fatalf("metadata = %q", got)
	}
	e.Set(MustPath("[a][b][c]"), Int(3))
	e.Set(MustPath("[log][offset]"), Int(42))
	e.Set(MustPath("[@metadata][route]"), String("x"))
	if _, ok := e.Delete(MustPath("[message]")); !ok {
		t.Fatal("delete message")
	}
	if _, ok := e.Delete(MustPath("[nope][x]")); ok {
		t.Fatal("deleted a missing field")
	}
	e.AddTag("y")
	e.AddTag("x")
	want := `{"log":{"file":{"path":"/a"},"offset":42},"tags":["x","y"],"a":{"b":{"c":3}}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !e.HasTag("y") || e.HasTag("z") {
		t.Fatal("HasTag")
	}
}

// Appending to a decoded object must never overwrite its neighbour in the
// shared decode arena.
func TestEventArenaIsolation(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"a":{"x":1},"b":{"y":2}}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(MustPath("[a][z]"), Int(9))
	e.Set(MustPath("[a][w]"), Int(8))
	want := `{"a":{"x":1,"z":9,"w":8},"b":{"y":2}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestClone(t *testing.T) {
	e, _ := DecodeEvent([]byte(`{"a":{"x":1}}`))
	c := e.Clone()
	c.Set(MustPath("[a][x]"), Int(2))
	if e.GetString(MustPath("[a][x]")) != "1" {
		t.Fatal("clone shares state")
	}
}

func TestParsePath(t *testing.T) {
	for in, want := range map[string]string{"message": "[message]", "[a][b]": "[a][b]", "log.file.path": "[log.file.path]"} {
		p, err := ParsePath(in)
		if err != nil || p.String() != want {
			t.Errorf("%s: %v %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "[a", "a[b]", "[]", "[a]b"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("%q: expected error", bad)
		}
	}
}

func TestAckCountsDownAcrossOutputs(t *testing.T) {
	acked := 0
	events := []*Event{{}, {}, {}}
	a := NewAck(len(events), func() { acked++ })
	for _, e := range events {
		e.Attach(a)
	}
	events[0].Hold(1) // fanned out to two outputs
	for _, e := range events {
		e.Done()
	}
	if acked != 0 || a.Pending() != 1 {
		t.Fatalf("acked=%d pending=%d before the second output", acked, a.Pending())
	}
	events[0].Done()
	if acked != 1 {
		t.Fatalf("acked=%d, want 1", acked)
	}
	empty := 0
	NewAck(0, func() { empty++ })
	if empty != 1 {
		t.Fatal("an empty batch must be acknowledged at once")
	}
	// A batch's own completion (the engine's hold until commit) keeps it
	// open while events come and go.
	held := 0
	b := NewAck(1, func() { held++ })
	var e Event
	e.Attach(b)
	b.Add(1)
	e.Done()
	if held != 0 {
		t.Fatal("acknowledged before the batch gave back its own completion")
	}
	b.Done()
	if held != 1 {
		t.Fatalf("acked=%d after the batch's own completion, want 1", held)
	}
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"A": "1", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := map[string]string{
		"x${A}y":              "x1y",
		"${B:0.0.0.0:5044}":   "0.0.0.0:5044",
		"${EMPTY:d}":          "",
		"$${A}":               "${A}",
		"none":                "none",
		"${A}${B:}${A:other}": "11",
	}
	for in, want := range cases {
		got, missing := spec.Interpolate(in, lookup)
		if got != want || len(missing) > 0 {
			t.Errorf("%q: got %q missing %v, want %q", in, got, missing, want)
		}
	}
	if _, missing := spec.Interpolate("${NOPE}", lookup); len(missing) != 1 || missing[0] != "NOPE" {
		t.Errorf("missing = %v", missing)
	}
}

// TestRootKeyBitsNeverHideAField: random sets, deletes and gets of
// top-level (and nested) fields give the same results with the root's
// keyIndex (key bits, and members' places moved by deletes or shared by
// keys of one bit) as with every lookup scanning.
func TestRootKeyBitsNeverHideAField(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// k38, k55 and k15 share their bits with message, group and a.
	keys := []string{"message", "log_level", "logger_name", "group", "service", "tags", "data_stream", "a", "ab", "ba", "", "x.y", "fields", "@timestamp", "host", "k38", "k55", "k15"}
	for _, pair := range [][2]string{{"message", "k38"}, {"group", "k55"}, {"a", "k15"}} {
		if keyBit(pair[0]) != keyBit(pair[1]) {
			t.Fatalf("%q and %q no longer share a bit: pick another key", pair[0], pair[1])
		}
	}
	for round := range 200 {
		raw := `{"@timestamp":"t","message":"m","k38":"c","fields":{"group":"pt"},"host":{"name":"h"},"@metadata":{"beat":"f"}}`
		fast, err := DecodeEvent([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := DecodeEvent([]byte(raw))
		slow.rootIx = keyIndex{} // knows nothing: every lookup scans
		for step := range 40 {
			k := keys[rng.IntN(len(keys))]
			p := Path{k}
			if rng.IntN(3) == 0 {
				p = Path{k, keys[rng.IntN(len(keys))]}
			}
			switch rng.IntN(4) {
			case 0, 1:
				v := String(fmt.Sprint(round, step))
				fast.Set(p, v)
				slow.Set(p, v)
			case 2:
				fast.Delete(p)
				slow.Delete(p)
			case 3:
				if rng.IntN(10) == 0 {
					fast.Set(Path{}, Object(Field{Key: k, Value: Int(1)}))
					slow.Set(Path{}, Object(Field{Key: k, Value: Int(1)}))
				}
			}
			for _, k := range keys {
				for _, p := range []Path{{k}, {k, "group"}} {
					a, aok := fast.Get(p)
					b, bok := slow.Get(p)
					if aok != bok || string(a.AppendJSON(nil)) != string(b.AppendJSON(nil)) {
						t.Fatalf("round %d step %d: Get %v: %v %s, scanning says %v %s", round, step, p, aok, a.AppendJSON(nil), bok, b.AppendJSON(nil))
					}
				}
			}
		}
		if a, b := fast.AppendJSON(nil), slow.AppendJSON(nil); string(a) != string(b) {
			t.Fatalf("round %d: %s, scanning gives %s", round, a, b)
		}
		if c := fast.Clone(); string(c.AppendJSON(nil)) != string(fast.AppendJSON(nil)) || c.lacksRootKey("message") != fast.lacksRootKey("message") {
			t.Fatalf("round %d: clone differs", round)
		}
	}
}

// The top-level keys that Filebeat, Elastic Agent and the shipped
// pipelines write or route on have a bit each: a shared bit makes every
// route test of one key a full lookup on events that carry the other.
func TestKeyBitsOfCommonKeys(t *testing.T) {
	keys := []string{"@timestamp", "@version", "message", "fields", "host", "input", "log", "agent", "ecs", "tags", "cloud", "container",
		"kubernetes", "event", "data_stream", "data_stream.dataset", "data_stream.type", "data_stream.namespace", "service", "error",
		"process", "labels", "stream", "group", "app_module", "logger_name", "log_level", "dcache", "accounting", "type", "user",
		"source", "http", "url", "json", "docker"}
	owner := map[uint64]string{}
	for _, k := range keys {
		if o, taken := owner[keyBit(k)]; taken {
			t.Errorf("%q and %q share a key bit", o, k)
		}
		owner[keyBit(k)] = k
	}
	e, _ := DecodeEvent([]byte(`{"@timestamp":"2025-01-01T00:00:00Z","message":"m","fields":{},"host":{},"input":{},"log":{},"agent":{},"ecs":{}}`))
	if !e.LacksAll(RootKeySet("data_stream", "event", "data_stream.dataset", "data_stream.type", "data_stream.namespace", "tags")) {
		t.Error("a Filebeat event is not proven to lack the integration route's keys")
	}
	if e.LacksAll(RootKeySet("tags", "log")) {
		t.Error("LacksAll ruled out a present key")
	}
}

func TestAppendTimestamp(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 2, 2, 12, 34, 56, 123456789, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -7*3600)),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := tm.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if got := string(AppendTimestamp(nil, tm)); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
	}
}

// TestGetArrayElement: an integer key reads an array element, from the end
// when negative, as Logstash's field references ([tags][0]) do; anything
// else in an array, and an index out of range, reads nothing.
func TestGetArrayElement(t *testing.T) {
	e, _ := DecodeEvent([]byte(`{"tags":["a","b","c"],"l":[{"k":1},{"k":2}],"o":{"0":"zero"}}`))
	for ref, want := range map[string]string{
		"[tags][0]": "a", "[tags][2]": "c", "[tags][-1]": "c", "[tags][-3]": "a",
		"[l][1][k]": "2", "[o][0]": "zero",
	} {
		if got, ok := e.Get(MustPath(ref)); !ok || got.Text() != want {
			t.Errorf("%s = %q %v, want %q", ref, got.Text(), ok, want)
		}
	}
	for _, ref := range []string{"[tags][3]", "[tags][-4]", "[tags][x]", "[l][0][x]"} {
		if got, ok := e.Get(MustPath(ref)); ok {
			t.Errorf("%s = %s, want nothing", ref, got.AppendJSON(nil))
		}
	}
}

// TestCopy checks that a copy holds the document and @metadata, shares no
// bytes with the original (the original's buffer is overwritten), and
// changes apart from it.
func TestCopy(t *testing.T) {
	for _, src := range []string{
		`{"message":"a \"quoted\" line","n":1,"o":{"x":[1,"two",null]},"@metadata":{"beat":"filebeat","pipeline":"p"}}`,
		`{"@metadata":{"k":"v"}}`,
		`{"message":"no metadata"}`,
		`{}`,
	} {
		buf := []byte(src)
		e, err := DecodeEventOwned(buf)
		if err != nil {
			t.Fatal(err)
		}
		e.Input = "in"
		c, err := e.Copy()
		if err != nil {
			t.Fatal(err)
		}
		wantDoc := string(e.AppendJSON(nil))
		wantMeta := string(e.Metadata().AppendJSON(nil))
		for i := range buf {
			buf[i] = 'X'
		}
		if got := string(c.AppendJSON(nil)); got != wantDoc {
			t.Errorf("%s: copy's document %s, want %s", src, got, wantDoc)
		}
		if got := string(c.Metadata().AppendJSON(nil)); got != wantMeta {
			t.Errorf("%s: copy's @metadata %s, want %s", src, got, wantMeta)
		}
		if c.Input != "" || c.Ack() != nil {
			t.Errorf("%s: copy's input %q, ack %v", src, c.Input, c.Ack())
		}
		c.SetString(MustPath("added"), "x")
		if _, ok := e.Get(MustPath("added")); ok {
			t.Errorf("%s: a field set on the copy shows on the original", src)
		}
	}
}

// TestFloatNotFinite: NaN and the infinities are null, so every event
// encodes as JSON (and Copy, which decodes that JSON, cannot fail).
func TestFloatNotFinite(t *testing.T) {
	e := NewEvent(Object())
	e.Set(MustPath("a"), Float(math.NaN()))
	e.Set(MustPath("b"), Float(math.Inf(1)))
	if got := string(e.AppendJSON(nil)); got != `{"a":null,"b":null}` {
		t.Errorf("got %s", got)
	}
	if _, err := e.Copy(); err != nil {
		t.Error(err)
	}
}

// TestEmbeddedReference: a fragment that is itself a reference is read as
// its parts, as Logstash's FieldReference does ([[a][b]][c] is a, b, c:
// FieldReferenceTest's testEmbeddedDeepReference); broken ones are errors.
func TestEmbeddedReference(t *testing.T) {
	for ref, want := range map[string]string{
		"[[observer][name]]": "[observer][name]",
		"[[foo][bar]][baz]":  "[foo][bar][baz]",
		"[a][[b]]":           "[a][b]",
	} {
		p, err := ParsePath(ref)
		if err != nil || p.String() != want {
			t.Errorf("%s: %v, %v; want %s", ref, p, err, want)
		}
	}
	for _, bad := range []string{"[]", "[a][]", "[[a]", "[a]b", "[a[b]c]"} {
		if p, err := ParsePath(bad); err == nil {
			t.Errorf("%s parsed as %v", bad, p)
		}
	}
}

// Reserve changes no content: it makes room so that the members set next
// take no allocation, in a decoded (raw or expanded) object, a new one, or
// @metadata; a path holding a scalar is left as it is.
func TestReserve(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"a":{"x":1},"b":{"y":2},"s":"text","@metadata":{"m":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	before := string(e.AppendJSON(nil))
	e.Reserve(MustPath("[a]"), 4)
	e.Reserve(MustPath("[s]"), 4)
	e.Reserve(MustPath("[s][t]"), 4)
	if got := string(e.AppendJSON(nil)); got != before {
		t.Fatalf("Reserve changed the event: %s, was %s", got, before)
	}
	keys := []string{"k1", "k2", "k3", "k4"}
	if n := testing.AllocsPerRun(1, func() {
		for _, k := range keys {
			e.Set(Path{"a", k}, Int(1))
		}
	}); n != 0 {
		t.Errorf("setting the reserved members allocated %v times", n)
	}
	e.Reserve(MustPath("[new][obj]"), 3)
	if v, ok := e.Get(MustPath("[new][obj]")); !ok || v.Kind() != KindObject {
		t.Fatalf("[new][obj] = %v, %v: want an empty object", v, ok)
	}
	if n := testing.AllocsPerRun(1, func() {
		for _, k := range keys[:3] {
			e.Set(Path{"new", "obj", k}, Int(2))
		}
	}); n != 0 {
		t.Errorf("setting the members of a reserved new object allocated %v times", n)
	}
	e.Reserve(MustPath("[@metadata][n]"), 2)
	e.Set(MustPath("[@metadata][n][v]"), Int(3))
	want := `{"a":{"x":1,"k1":1,"k2":1,"k3":1,"k4":1},"b":{"y":2},"s":"text","new":{"obj":{"k1":2,"k2":2,"k3":2}}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := e.GetString(MustPath("[@metadata][n][v]")); got != "3" {
		t.Fatalf("[@metadata][n][v] = %q", got)
	}
}

// Delete shifts the members in place and keeps the room after them: the
// next field set takes no allocation; a clone's members are its own.
func TestDeleteKeepsRoom(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"a":1,"message":"m","b":{"x":1,"y":2},"c":3}`))
	if err != nil {
		t.Fatal(err)
	}
	c := e.Clone()
	if _, ok := e.Delete(Path{"message"}); !ok {
		t.Fatal("no message")
	}
	e.Set(Path{"d"}, Int(4))
	if n := testing.AllocsPerRun(10, func() {
		e.Set(Path{"tmp"}, Int(1))
		if _, ok := e.Delete(Path{"tmp"}); !ok {
			t.Fatal("no tmp")
		}
	}); n != 0 {
		t.Errorf("a set and a delete allocated %v times", n)
	}
	e.Delete(MustPath("[b][x]"))
	e.Set(MustPath("[b][z]"), Int(5))
	if got, want := string(e.AppendJSON(nil)), `{"a":1,"b":{"y":2,"z":5},"c":3,"d":4}`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got, want := string(c.AppendJSON(nil)), `{"a":1,"message":"m","b":{"x":1,"y":2},"c":3}`; got != want {
		t.Fatalf("the clone changed: %s", got)
	}
}

// Reserve goes through objects only: a path through an array element, or
// under one, changes nothing (Set would replace the array with an object).
func TestReserveLeavesArraysAlone(t *testing.T) {
	const doc = `{"list":[{"a":1},{"b":2}],"s":"x"}`
	e, err := DecodeEvent([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"[list][0]", "[list][0][x]", "[list][5][x]", "[s][x][y]"} {
		e.Reserve(MustPath(p), 4)
		if got := string(e.AppendJSON(nil)); got != doc {
			t.Fatalf("Reserve(%s) changed the event: %s", p, got)
		}
	}
}

// Copy keeps @metadata whether it is decoded or held raw (a constant, the
// beats input's tls_peer); a document naming @metadata twice keeps
// neither in the document, and the last is the metadata.
func TestCopyKeepsRawMetadataAndDuplicateMetadataLeaves(t *testing.T) {
	e, _ := DecodeEvent([]byte(`{"message":"m"}`))
	e.Set(Path{MetadataKey}, RawObject(`{"tls_peer":{"status":"verified"}}`))
	c, err := e.Copy()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.GetString(Path{MetadataKey, "tls_peer", "status"}); got != "verified" {
		t.Fatalf("the copy's [@metadata][tls_peer][status] = %q (metadata %s)", got, c.Metadata().AppendJSON(nil))
	}
	d, err := DecodeEvent([]byte(`{"@metadata":{"a":1},"message":"m","@metadata":{"b":2}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(d.AppendJSON(nil)); got != `{"message":"m"}` {
		t.Fatalf("document %s: @metadata written", got)
	}
	if got := d.GetString(MustPath("[@metadata][b]")); got != "2" {
		t.Fatalf("[@metadata][b] = %q: not the last @metadata", got)
	}
}

// AppendTimestampFrac writes what time.Format writes, for every width,
// in and out of the years it writes by hand.
func TestAppendTimestampFracIsTimeFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 50000 {
		ts := time.Unix(rng.Int64N(2*253402300799)-253402300799, rng.Int64N(1e9))
		for _, digits := range []int{3, 6, 9} {
			layout := "2006-01-02T15:04:05." + "000000000"[:digits] + "Z07:00"
			if got, want := string(AppendTimestampFrac(nil, ts, digits)), ts.UTC().Format(layout); got != want {
				t.Fatalf("%v, %d digits: %s, time.Format %s", ts, digits, got, want)
			}
		}
	}
}

// CopyN's copies, decoded from one encoding, are each their own: a write
// into one shows in no other, nor in the original.
func TestCopyNCopiesAreIndependent(t *testing.T) {
	e, _ := DecodeEvent([]byte(`{"@metadata":{"m":1},"o":{"a":1},"s":"x"}`))
	e.Piece = 7
	copies, err := e.CopyN(3)
	if err != nil {
		t.Fatal(err)
	}
	copies[0].Set(MustPath("[o][b]"), Int(2))
	copies[1].Delete(MustPath("[o][a]"))
	want := []string{`{"o":{"a":1,"b":2},"s":"x"}`, `{"o":{},"s":"x"}`, `{"o":{"a":1},"s":"x"}`}
	for i, c := range copies {
		if got := string(c.AppendJSON(nil)); got != want[i] || c.Piece != 7 || c.GetString(MustPath("[@metadata][m]")) != "1" {
			t.Errorf("copy %d: %s piece %d, want %s", i, got, c.Piece, want[i])
		}
	}
	if got := string(e.AppendJSON(nil)); got != `{"o":{"a":1},"s":"x"}` {
		t.Fatalf("the original changed: %s", got)
	}
}

// AppendMembers gives a new or empty object its members at once, and
// leaves an object with members (or a non-object) to the caller.
func TestAppendMembers(t *testing.T) {
	e, _ := DecodeEvent([]byte(`{"a":{"x":1},"s":"text","empty":{}}`))
	fields := []Field{{Key: "k1", Value: Int(1)}, {Key: "k2", Value: String("v")}}
	if !e.AppendMembers(Path{"n", "o"}, fields, 4) || !e.AppendMembers(Path{"empty"}, fields, 0) {
		t.Fatal("a new or empty object refused its members")
	}
	if e.AppendMembers(Path{"a"}, fields, 0) || e.AppendMembers(Path{"s"}, fields, 0) || e.AppendMembers(nil, fields, 0) {
		t.Fatal("members appended to an object that has some, or to a string")
	}
	e.Set(Path{"n", "o", "k3"}, Bool(true)) // the spare room
	want := `{"a":{"x":1},"s":"text","empty":{"k1":1,"k2":"v"},"n":{"o":{"k1":1,"k2":"v","k3":true}}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	fields[0].Value = Int(9) // the caller's array is not the event's
	if e.GetString(Path{"n", "o", "k1"}) != "1" {
		t.Fatal("the event shares the caller's array")
	}
}
