package event

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The index of a large nested object (nest.go) never changes what Get
// finds: after every one of thousands of random sets, deletes, reserves,
// replacements and member batches on an event with a 12-to-40-member
// object (keys that share key bits included, and a key twice), Get through
// the event answers what a scan of the document's members does.
func TestNestedIndexNeverChangesWhatGetFinds(t *testing.T) {
	keys := make([]string, 60)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i) // k38/k55/k15 share a bit, as the root test found
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		var fields string
		n := nestMin + rng.IntN(28)
		for i := range n {
			fields += fmt.Sprintf(`,"%s":%d`, keys[i], i)
		}
		if round%5 == 0 {
			fields += `,"k0":"again"` // a key twice: the first one is the member
		}
		e, err := DecodeEventOwned([]byte(`{"a":1,"obj":{` + fields[1:] + `},"b":{"x":1}}`))
		if err != nil {
			t.Fatal(err)
		}
		check := func(op string) {
			t.Helper()
			for _, k := range keys {
				p := Path{"obj", k}
				got, gok := e.Get(p)
				want, wok := e.Root().Get(p)
				if gok != wok || string(got.AppendJSON(nil)) != string(want.AppendJSON(nil)) {
					t.Fatalf("round %d after %s: Get(%v) = %s %v, the members hold %s %v", round, op, p, got.AppendJSON(nil), gok, want.AppendJSON(nil), wok)
				}
			}
			if got, ok := e.Get(Path{"obj", "k1", "deep"}); ok != func() bool { _, ok := e.Root().Get(Path{"obj", "k1", "deep"}); return ok }() {
				t.Fatalf("round %d after %s: deep path %v %v", round, op, got, ok)
			}
		}
		check("decode")
		for step := range 200 {
			k := keys[rng.IntN(len(keys))]
			var op string
			switch r := rng.IntN(10); {
			case r < 4:
				e.Set(Path{"obj", k}, Int(int64(step)))
				op = "set " + k
			case r < 5:
				e.Set(Path{"obj", k, "deep"}, String("d"))
				op = "set deep " + k
			case r < 7:
				e.Delete(Path{"obj", k})
				op = "delete " + k
			case r < 8:
				e.Reserve(Path{"obj"}, 1+rng.IntN(20))
				op = "reserve"
			case r < 9:
				e.Delete(Path{"a"}) // root members shift, the object's do not
				e.Set(Path{"a"}, Int(1))
				op = "move root members"
			default:
				if rng.IntN(4) == 0 {
					items := make([]Field, 0, nestMin+4)
					for i := range nestMin + 2 {
						items = append(items, Field{Key: keys[(i*7+step)%len(keys)], Value: Int(int64(i))})
					}
					e.Set(Path{"obj"}, Object(dedupe(items)...))
					op = "replace the object"
				} else {
					_, _ = e.Get(Path{"b", "x"}) // another object: the index stays on obj
					op = "read elsewhere"
				}
			}
			check(op)
		}
	}
}

func dedupe(fs []Field) []Field {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		if !seen[f.Key] {
			seen[f.Key] = true
			out = append(out, f)
		}
	}
	return out
}

// BenchmarkNestedLookups reads and writes the members of a dCache-sized
// object as dcache.yml's filters do: found (most), missing (when: tests of
// fields a kind of entry lacks) and new.
func BenchmarkNestedLookups(b *testing.B) {
	names := []string{"cell_type", "cell_name", "msg_type", "pnfsid", "filesize", "path", "storage_info", "transferred", "connection_time", "created", "protocol_raw", "initiator", "rc", "error_message", "source_file", "file_date", "kind", "cell", "cell_domain", "storage_class", "hsm", "store", "storage_group", "protocol_name", "protocol_version", "client_host", "client_port"}
	var fields string
	for i, n := range names {
		fields += fmt.Sprintf(`,"%s":%d`, n, i)
	}
	doc := []byte(`{"message":"m","dcache":{` + fields[1:] + `}}`)
	reads := []Path{{"dcache", "client_chain"}, {"dcache", "storage_class"}, {"dcache", "protocol_raw"}, {"dcache", "kind"}, {"dcache", "initiator"}, {"dcache", "rc"}, {"dcache", "created"}, {"dcache", "cached"}, {"dcache", "file_date"}, {"dcache", "msg_type"}}
	writes := []Path{{"dcache", "p2p"}, {"dcache", "is_error"}, {"dcache", "initiator_type"}}
	for b.Loop() {
		b.StopTimer()
		e, _ := DecodeEventOwned(append([]byte(nil), doc...))
		e.Reserve(Path{"dcache"}, 8)
		b.StartTimer()
		for range 4 {
			for _, p := range reads {
				e.Get(p)
			}
		}
		for _, p := range writes {
			e.Set(p, Bool(true))
		}
	}
}

// A delete takes an indexed object below nestMin and a set brings it back
// to as many members, in place, without the index: its members moved
// meanwhile, and the index must not be believed.
func TestNestedIndexAfterDeleteAndAppendInPlace(t *testing.T) {
	var fields string
	for i := range nestMin {
		fields += fmt.Sprintf(`,"k%d":%d`, i, i)
	}
	e, err := DecodeEventOwned([]byte(`{"obj":{` + fields[1:] + `}}`))
	if err != nil {
		t.Fatal(err)
	}
	// Room, so that the append below stays in place; two lookups, so that
	// the object is indexed.
	e.Reserve(Path{"obj"}, 4)
	for range 2 {
		if _, ok := e.Get(Path{"obj", "k0"}); !ok {
			t.Fatal("k0 missing")
		}
	}
	if e.nest.items == nil {
		t.Fatal("not indexed after two lookups")
	}
	// A new key whose bit no member has: an index believed stale would
	// prove it absent.
	var bitsOf uint64
	for i := range nestMin {
		bitsOf |= keyBit(fmt.Sprintf("k%d", i))
	}
	added := ""
	for i := 0; added == ""; i++ {
		if k := fmt.Sprintf("n%d", i); keyBit(k)&bitsOf == 0 {
			added = k
		}
	}
	e.Delete(Path{"obj", "k0"})       // 11 members, shifted
	e.Set(Path{"obj", added}, Int(1)) // 12 again, same memory
	for _, c := range []struct {
		key  string
		want bool
	}{{"k0", false}, {added, true}, {"k1", true}, {"k11", true}} {
		if _, ok := e.Get(Path{"obj", c.key}); ok != c.want {
			t.Errorf("Get(obj.%s) found %v, want %v", c.key, ok, c.want)
		}
	}
}

// JSON allows a key twice; the event's indexes answer what a scan of the
// members does (the first), at the root and in an indexed object.
func TestIndexesFindTheFirstOfTwoMembersWithOneKey(t *testing.T) {
	var fields string
	for i := range nestMin {
		fields += fmt.Sprintf(`,"k%d":%d`, i, i)
	}
	e, err := DecodeEventOwned([]byte(`{"a":1,"a":2,"o":{"x":1,"x":2` + fields + `}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Path{{"a"}, {"o", "x"}} {
		got, _ := e.Get(p)
		want, _ := e.Root().Get(p)
		if string(got.AppendJSON(nil)) != "1" || string(want.AppendJSON(nil)) != "1" {
			t.Errorf("%v: the event finds %s, a scan %s; want 1", p, got.AppendJSON(nil), want.AppendJSON(nil))
		}
	}
}

func bigObj(n int, prefix string) string {
	s := ""
	for i := 0; i < n; i++ {
		s += fmt.Sprintf(`,"%s%d":%d`, prefix, i, i)
	}
	return "{" + s[1:] + "}"
}

func agree(t *testing.T, e *Event, p Path) {
	t.Helper()
	got, gok := e.Get(p)
	want, wok := e.Root().Get(p)
	if gok != wok || string(got.AppendJSON(nil)) != string(want.AppendJSON(nil)) {
		t.Errorf("Get(%v) = %s %v; a scan of the members finds %s %v", p, got.AppendJSON(nil), gok, want.AppendJSON(nil), wok)
	}
}

// A Delete at the root shifts its members: a place hint must not then
// find the second of two members named alike. From a review.
func TestRootHintsAfterDeleteFindTheFirstOfTwoKeys(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"x":1,"a":"first","a":"second"}`))
	if err != nil {
		t.Fatal(err)
	}
	agree(t, e, Path{"a"})
	e.Delete(Path{"x"})
	agree(t, e, Path{"a"})
}

// One object's members under two root members (a value set from another
// field without a copy): what one adds in place, the other shows, and
// neither is answered from an index built before. From a review.
func TestNestedIndexWithMembersSharedByTwoFields(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"a":` + bigObj(14, "k") + `,"c":` + bigObj(14, "c") + `}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(Path{"a", "k0"}, Int(0)) // expand a (raw until written)
	e.Set(Path{"c", "c0"}, Int(0))
	v, _ := e.Get(Path{"a"})
	e.Set(Path{"b"}, v) // b shares a's members
	e.Get(Path{"a", "zz"})
	e.Get(Path{"a", "zz"}) // index of a's members
	e.Set(Path{"a", "new1"}, Int(1))
	e.Get(Path{"c", "zz"}) // another object looked at once
	e.Set(Path{"b", "other"}, Int(2))
	agree(t, e, Path{"b", "other"})
	agree(t, e, Path{"a", "other"})
}

// A root member set back to an earlier read of itself (fewer members, the
// same memory), then added to. From a review.
func TestNestedIndexAfterAnEarlierReadIsSetBack(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"a":` + bigObj(14, "k") + `,"c":` + bigObj(14, "c") + `}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(Path{"a", "k0"}, Int(0))
	e.Set(Path{"c", "c0"}, Int(0))
	e.Reserve(Path{"a"}, 4)
	snap, _ := e.Get(Path{"a"})
	e.Get(Path{"a", "zz"})
	e.Set(Path{"a", "new1"}, Int(1)) // index built at this second lookup, then kept
	e.Set(Path{"a"}, snap)           // restored: the members it had
	e.Get(Path{"c", "zz"})           // another large object looked at once
	e.Set(Path{"a", "other"}, Int(2))
	agree(t, e, Path{"a", "other"})
}

// An alias too small to be indexed grows in place, over a member of the
// indexed object. From a review.
func TestNestedIndexWhenASmallerAliasGrows(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"a":` + bigObj(12, "k") + `}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(Path{"a", "k0"}, Int(0))
	e.Reserve(Path{"a"}, 4)
	v, _ := e.Get(Path{"a"})
	fs := v.Fields()
	e.Get(Path{"a", "zz"})
	e.Get(Path{"a", "zz"})               // a's members indexed: 12
	e.Set(Path{"b"}, Object(fs[:11]...)) // 11 of them, under b
	e.Set(Path{"b", "other"}, Int(2))    // b: 12 members, the same first
	agree(t, e, Path{"b", "other"})
	agree(t, e, Path{"a", "other"})
}

// After a Delete at the root, Set writes into the first of two members
// named alike, where Get reads. From a review.
func TestSetAfterDeleteWritesTheFirstOfTwoKeys(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"x":1,"a":` + bigObj(12, "k") + `,"a":` + bigObj(12, "j") + `}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(Path{"a", "k0"}, Int(0)) // expand the first a
	e.Delete(Path{"x"})
	e.Set(Path{"a", "new"}, Int(1))
	agree(t, e, Path{"a", "new"})
}

// A root replaced by an object still held as its JSON text is read from
// that text: its index knows nothing of members it does not have at hand.
func TestRootSetToRawTextIsRead(t *testing.T) {
	e, err := DecodeEventOwned([]byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set(nil, RawObject(`{"b":2}`))
	if v, ok := e.Get(Path{"b"}); !ok || v.Text() != "2" {
		t.Fatalf("b: %s %v", v.AppendJSON(nil), ok)
	}
	if _, ok := e.Get(Path{"a"}); ok {
		t.Fatal("a found in the new root")
	}
	e.Set(Path{"c"}, Int(3)) // the root's members are now at hand
	for _, k := range []string{"b", "c"} {
		if _, ok := e.Get(Path{k}); !ok {
			t.Fatalf("%s missing after a set", k)
		}
	}
}
