package mutate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// Copies read up front, a parent object's in one pass (copyPlan), give
// the documents copying one after the other gives, for random copy sets
// over events whose objects are raw, decoded, missing, null or not
// objects; sets where a destination shares a top-level field with a
// source are copied in order.
func TestPlannedCopiesEqualCopiesInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	sources := []string{"message", "[fields][group]", "[fields][service]", "[fields][stream]", "[fields][none]", "[log][file][path]", "[log][offset]", "[log][file][inode]", "[o][a]", "[o][b]", "[arr][0]", "[arr][1]", "[arr][-1]"}
	dests := []string{"[event][original]", "group", "service", "stream", "[x][y]", "[x][z]", "path", "[fields][copy]", "[o][c]", "[log][extra]"}
	events := []string{
		`{"message":"m \"q\"","fields":{"group":"pt","service":"django","stream":{"s":1}},"log":{"file":{"path":"/a","inode":"7"},"offset":3},"o":{"a":1,"b":[1,2]},"arr":[{"k":"v"},"second"]}`,
		`{"message":null,"fields":{"group":null,"service":"x"},"log":{"offset":4},"o":"not an object"}`,
		`{"fields":"text","log":{"file":{"path":null}}}`,
		`{}`,
	}
	planned := 0
	for round := range 400 {
		var b strings.Builder
		b.WriteString("copy: {")
		used := map[string]bool{}
		for n := 1 + rng.IntN(5); n > 0; n-- {
			from := sources[rng.IntN(len(sources))]
			if used[from] {
				continue
			}
			used[from] = true
			fmt.Fprintf(&b, "%q: %q, ", from, dests[rng.IntN(len(dests))])
		}
		b.WriteString("}")
		f := pt.Filter(t, New, b.String()).(*filter)
		inOrder := pt.Filter(t, New, b.String()).(*filter)
		inOrder.copies = nil
		if f.copies != nil {
			planned++
		}
		for _, doc := range events {
			got, want := pt.Apply(t, f, doc), pt.Apply(t, inOrder, doc)
			if g, w := string(got.AppendJSON(nil)), string(want.AppendJSON(nil)); g != w {
				t.Fatalf("round %d, %s on %s:\n planned  %s\n in order %s", round, b.String(), doc, g, w)
			}
		}
	}
	if planned < 50 {
		t.Fatalf("only %d of 400 copy sets read up front: the test misses the planned path", planned)
	}
}

// BenchmarkCopyFromFilebeatFields is the shipped PT pipeline's first
// filter on a Filebeat event: four copies, three of them out of the raw
// fields object.
func BenchmarkCopyFromFilebeatFields(b *testing.B) {
	const doc = `{"@timestamp":"2026-11-20T22:17:34.366Z","agent":{"ephemeral_id":"68a3","id":"4204","name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},"fields":{"group":"pt","service":"django","stream":"app"},"host":{"name":"vm"},"input":{"type":"filestream"},"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":1},"message":"INFO|apps.parcels.views|2025-02-02T12:34:56.123|Parcel 7 shipped"}`
	cfg := `copy: {message: "[event][original]", "[fields][group]": group, "[fields][service]": service, "[fields][stream]": stream}`
	for _, mode := range []string{"planned", "in-order"} {
		b.Run(mode, func(b *testing.B) {
			f := pt.Filter(b, New, cfg).(*filter)
			if mode == "in-order" {
				f.copies = nil
			} else if f.copies == nil {
				b.Fatal("the shipped copies are not planned")
			}
			var evs []*event.Event
			for b.Loop() {
				if len(evs) == 0 {
					b.StopTimer()
					for range 4096 {
						evs = append(evs, pt.Event(b, doc))
					}
					b.StartTimer()
				}
				f.Apply(evs[len(evs)-1])
				evs = evs[:len(evs)-1]
			}
		})
	}
}
