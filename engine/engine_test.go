package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// The tests drive the engine through the batch API exactly as an input
// does (Open → Begin → Add → Commit), with the fake plugins of
// fakes_test.go. Most run twice: with the producer filtering as it adds
// (inline) and with the pipeline workers filtering.

const routingConfig = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: pa
    when: kind == "a"
    outputs: [outa]
  - name: pab
    when: kind == "a" || kind == "b"
    outputs: [outb]
%s
outputs:
  - rec: {id: outa}
  - rec: {id: outb}
  - rec: {id: outc}
`

const catchAll = `
  - name: rest
    outputs: [outc]
`

// TestRouting: each event takes the first pipeline whose condition
// matches, and goes to that pipeline's outputs with its name; an event no
// pipeline takes is counted as unrouted and does not hold its batch back.
func TestRouting(t *testing.T) {
	kinds := []string{"a", "b", "c", ""}
	for _, m := range modes {
		for _, withCatchAll := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/catch-all=%v", m.name, withCatchAll), func(t *testing.T) {
				w := newWorld(t)
				extra := ""
				if withCatchAll {
					extra = catchAll
				}
				h := w.start(fmt.Sprintf(routingConfig, extra), m.inlineMin)
				p := h.sink.Open()
				defer p.Close()

				// 150 events: runs of 64 in inline mode hold every kind.
				events := evs(t, "r", 150, func(i int) string { return kinds[i%4] }, nil)
				want := map[string]string{} // id → pipeline ("" unrouted)
				perKind := map[string]int{}
				for i, e := range events {
					k := kinds[i%4]
					perKind[k]++
					switch {
					case k == "a":
						want[e.GetString(idPath)] = "pa"
					case k == "b":
						want[e.GetString(idPath)] = "pab"
					case withCatchAll:
						want[e.GetString(idPath)] = "rest"
					}
				}
				if got := h.r.Route(events[0]); got == nil || got.Name != "pa" {
					t.Errorf("Route(kind a) = %v, want pa", got)
				}
				b := send(t, p, events)
				waitAcked(t, "mixed batch", b)

				// A batch no pipeline takes at all acknowledges at Commit.
				var lost *tracked
				if !withCatchAll {
					lost = send(t, p, evs(t, "lost", 5, kindIs("zzz"), nil))
					if !lost.isAcked() {
						t.Error("a batch of unrouted events was not acknowledged by its Commit")
					}
				}
				if err := h.stop(); err != nil {
					t.Fatalf("Run: %v", err)
				}

				outOf := map[string]string{"pa": "outa", "pab": "outb", "rest": "outc"}
				seen := map[string]int{}
				for _, d := range w.delivered() {
					seen[d.id]++
					wp, ok := want[d.id]
					if !ok {
						t.Errorf("event %s (kind %q) was delivered to %s by pipeline %s; it matches no pipeline", d.id, d.kind, d.out, d.pipeline)
						continue
					}
					if d.pipeline != wp || d.out != outOf[wp] {
						t.Errorf("event %s (kind %q) went to %s/%s, want %s/%s", d.id, d.kind, d.pipeline, d.out, wp, outOf[wp])
					}
				}
				for id, wp := range want {
					if seen[id] != 1 {
						t.Errorf("event %s (pipeline %s) delivered %d times, want once", id, wp, seen[id])
					}
				}
				unrouted := int64(0)
				if !withCatchAll {
					unrouted = int64(perKind["c"] + perKind[""] + 5)
				}
				if got := h.r.Metrics.Unrouted.Load(); got != unrouted {
					t.Errorf("Unrouted = %d, want %d", got, unrouted)
				}
				checkCounters(t, h.r, "pa", int64(perKind["a"]), int64(perKind["a"]), 0)
				checkCounters(t, h.r, "pab", int64(perKind["b"]), int64(perKind["b"]), 0)
				if withCatchAll {
					n := int64(perKind["c"] + perKind[""])
					checkCounters(t, h.r, "rest", n, n, 0)
				}
				if b.dones.Load() != 1 || (lost != nil && lost.dones.Load() != 1) {
					t.Error("done did not run exactly once")
				}
			})
		}
	}
}

// checkCounters checks a pipeline's counters: In and Filtered are in, Out
// is out, Dropped is in-out.
func checkCounters(t *testing.T, r *Runner, pipeline string, in, out, dropped int64) {
	t.Helper()
	c := r.Metrics.Pipeline(pipeline)
	if c.In.Load() != in || c.Filtered.Load() != in || c.Out.Load() != out || c.Dropped.Load() != dropped {
		t.Errorf("pipeline %s: In %d Filtered %d Out %d Dropped %d, want %d %d %d %d", pipeline,
			c.In.Load(), c.Filtered.Load(), c.Out.Load(), c.Dropped.Load(), in, in, out, dropped)
	}
}

const dropConfig = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: main
    filters:
      - tag: {tag: kept, drop: "yes"}
outputs:
  - rec: {id: out}
`

// TestDrop: events a filter drops never reach the outputs and count as
// done; the batch acknowledges once the kept ones are done.
func TestDrop(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			w.setBehavior("out", outBehavior{hold: true})
			h := w.start(dropConfig, m.inlineMin)
			p := h.sink.Open()
			defer p.Close()

			events := evs(t, "d", 100, nil, func(i int) string {
				if i%3 == 0 {
					return "yes"
				}
				return ""
			})
			var kept []string
			for i, id := range ids(events) {
				if i%3 != 0 {
					kept = append(kept, id)
				}
			}
			b := send(t, p, events)
			w.waitHeld("out", len(kept))
			held := w.takeHeld("out")
			if got := ids(held); !slices.Equal(got, kept) {
				t.Fatalf("the output got %v, want the kept events %v", got, kept)
			}
			for _, e := range held[:len(held)-1] {
				e.Done()
			}
			if b.isAcked() {
				t.Fatal("acknowledged before the last kept event was done")
			}
			held[len(held)-1].Done()
			if !b.isAcked() {
				t.Fatal("not acknowledged when the last kept event was done")
			}

			// A batch whose events are all dropped acknowledges too.
			all := send(t, p, evs(t, "all", 64, nil, func(int) string { return "yes" }))
			waitAcked(t, "all-dropped batch", all)

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, d := range w.delivered() {
				if slices.Index(kept, d.id) < 0 {
					t.Errorf("dropped event %s reached the output", d.id)
				}
				if !slices.Equal(d.tags, []string{"kept"}) {
					t.Errorf("event %s has tags %v, want [kept]", d.id, d.tags)
				}
			}
			checkCounters(t, h.r, "main", 164, int64(len(kept)), 164-int64(len(kept)))
			if b.dones.Load() != 1 || all.dones.Load() != 1 {
				t.Errorf("done ran %d and %d times, want once each", b.dones.Load(), all.dones.Load())
			}
		})
	}
}

const ackConfig = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: dropping
    when: kind == "x"
    filters:
      - tag: {drop: "yes"}
    outputs: [o1]
  - name: single
    when: kind == "s"
    outputs: [o1]
  - name: fan
    outputs: [o1, o2]
outputs:
  - rec: {id: o1}
  - rec: {id: o2}
`

// TestAck: done runs exactly once, and only when the batch has been
// committed and every event of it is done — by every output it went to;
// events.out counts events once written, not once handed over.
func TestAck(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			w.setBehavior("o1", outBehavior{hold: true})
			w.setBehavior("o2", outBehavior{hold: true})
			h := w.start(ackConfig, m.inlineMin)
			p := h.sink.Open()
			defer p.Close()

			// Not before Commit, even when every event is done already
			// (dropped as it was added, in inline mode).
			b := begin(p, 64)
			for _, e := range evs(t, "x", 64, kindIs("x"), func(int) string { return "yes" }) {
				b.Add(e)
			}
			f := w.filtersOf("dropping", "")[0]
			if m.inlineMin == inlineMode && f.applied.Load() != 64 {
				t.Fatalf("inline: %d events filtered after 64 Adds, want 64", f.applied.Load())
			}
			if b.isAcked() {
				t.Fatal("acknowledged before Commit")
			}
			if err := commitWithin(t, b, context.Background()); err != nil {
				t.Fatal(err)
			}
			waitAcked(t, "all-dropped batch", b)

			// One output: not before the last event is done.
			single := send(t, p, evs(t, "s", 3, kindIs("s"), nil))
			w.waitHeld("o1", 3)
			held := w.takeHeld("o1")
			held[0].Done()
			held[1].Done()
			if single.isAcked() {
				t.Fatal("acknowledged with an event still held")
			}
			if n := h.r.Metrics.Pipeline("single").Out.Load(); n != 0 {
				t.Fatalf("events.out %d while the output still holds the events: it counts what was handed over", n)
			}
			held[2].Done()
			if !single.isAcked() {
				t.Fatal("not acknowledged when its last event was done")
			}
			if n := h.r.Metrics.Pipeline("single").Out.Load(); n != 3 {
				t.Fatalf("events.out %d once the output wrote all 3", n)
			}

			// Two outputs: each event must be done by both.
			fan := send(t, p, evs(t, "f", 3, nil, nil))
			w.waitHeld("o1", 3)
			w.waitHeld("o2", 3)
			h1, h2 := w.takeHeld("o1"), w.takeHeld("o2")
			if !slices.Equal(ids(h1), ids(h2)) {
				t.Fatalf("the outputs got %v and %v", ids(h1), ids(h2))
			}
			for _, e := range h1 {
				e.Done()
			}
			if fan.isAcked() {
				t.Fatal("acknowledged when one of two outputs was done")
			}
			h2[0].Done()
			h2[1].Done()
			if fan.isAcked() {
				t.Fatal("acknowledged with an event still held by the second output")
			}
			h2[2].Done()
			if !fan.isAcked() {
				t.Fatal("not acknowledged when both outputs were done")
			}

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, tb := range []*tracked{b, single, fan} {
				if n := tb.dones.Load(); n != 1 {
					t.Errorf("done ran %d times, want once", n)
				}
			}
		})
	}
}

const whereConfig = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: pa
    when: kind == "a"
    filters:
      - tag: {tag: ta}
  - name: pb
    filters:
      - tag: {tag: tb}
outputs:
  - rec: {id: out}
`

// TestWhereFiltersRun: with at least inlineMinProducers producers open,
// a batch is filtered in the producer's goroutine during Add, in runs of
// 64 (the rest at Commit); with fewer, nothing is filtered before Commit
// and the workers filter. Either way each event is filtered exactly once,
// by its own pipeline.
func TestWhereFiltersRun(t *testing.T) {
	const n = 150
	kind := func(i int) string { return []string{"a", "b"}[i%2] }
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			h := w.start(whereConfig, m.inlineMin)
			fa, fb := w.filtersOf("pa", "ta")[0], w.filtersOf("pb", "tb")[0]
			applied := func() int64 { return fa.applied.Load() + fb.applied.Load() }
			p := h.sink.Open()
			defer p.Close()

			events := evs(t, "w", n, kind, nil)
			b := begin(p, n)
			for i, e := range events {
				b.Add(e)
				want := int64(0)
				if m.inlineMin == inlineMode {
					want = int64((i + 1) / runLength * runLength)
				}
				if got := applied(); got != want {
					t.Fatalf("after %d Adds, %d events filtered; want %d", i+1, got, want)
				}
				if i+1 == runLength && m.inlineMin == inlineMode && (fa.applied.Load() != 32 || fb.applied.Load() != 32) {
					t.Fatalf("first run: pa filtered %d, pb %d; want 32 each", fa.applied.Load(), fb.applied.Load())
				}
			}
			if err := commitWithin(t, b, context.Background()); err != nil {
				t.Fatal(err)
			}
			if m.inlineMin == inlineMode && applied() != n {
				t.Fatalf("inline: %d events filtered when Commit returned, want %d", applied(), n)
			}
			waitAcked(t, "batch", b)
			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if fa.applied.Load() != n/2 || fb.applied.Load() != n/2 {
				t.Errorf("pa filtered %d, pb %d; want %d each", fa.applied.Load(), fb.applied.Load(), n/2)
			}
			checkFilteredOnce(t, w, events)
			for _, d := range w.delivered() {
				want := map[string]string{"a": "ta", "b": "tb"}[d.kind]
				if !slices.Equal(d.tags, []string{want}) || d.pipeline != "p"+d.kind {
					t.Errorf("event %s (kind %s): pipeline %s tags %v", d.id, d.kind, d.pipeline, d.tags)
				}
			}
		})
	}

	// The choice is made per batch, at Begin, by the producers open then.
	t.Run("per-batch", func(t *testing.T) {
		w := newWorld(t)
		h := w.start(whereConfig, 2)
		f := w.filtersOf("pb", "tb")[0]
		p1 := h.sink.Open()
		defer p1.Close()
		filteredDuringAdd := func(prefix string) bool {
			t.Helper()
			before := f.applied.Load()
			b := begin(p1, runLength)
			for _, e := range evs(t, prefix, runLength, kindIs("b"), nil) {
				b.Add(e)
			}
			during := f.applied.Load() - before
			if err := commitWithin(t, b, context.Background()); err != nil {
				t.Fatal(err)
			}
			waitAcked(t, prefix, b)
			return during == runLength
		}
		if filteredDuringAdd("one") {
			t.Error("one producer open, two needed: filtered inline")
		}
		p2 := h.sink.Open()
		if !filteredDuringAdd("two") {
			t.Error("two producers open: not filtered inline")
		}
		p2.Close()
		p2.Close() // a second Close does not count twice
		if filteredDuringAdd("again") {
			t.Error("back to one producer: filtered inline")
		}
	})
}

// checkFilteredOnce checks that each event went through the filters once.
func checkFilteredOnce(t *testing.T, w *world, events []*event.Event) {
	t.Helper()
	for _, id := range ids(events) {
		if n := w.appliesOf(id); n != 1 {
			t.Errorf("event %s filtered %d times, want once", id, n)
		}
	}
}

// TestBackPressure: with the worker stuck in a slow output and the queue
// full, Commit blocks; a Commit whose context ends returns an error and
// its batch is never acknowledged nor delivered; once the output moves,
// everything flows.
func TestBackPressure(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			gate := make(chan struct{})
			w.setBehavior("out", outBehavior{gate: gate})
			h := w.start(fmt.Sprintf(drainConfig, "5s", 1), m.inlineMin) // one worker, a queue of one
			p := h.sink.Open()
			defer p.Close()

			b1 := send(t, p, evs(t, "b1", 5, nil, nil))
			w.waitUntil("the worker in Send", func() bool { return len(w.deliveries) >= 5 })
			b2 := send(t, p, evs(t, "b2", 5, nil, nil)) // fills the queue

			// The queue is full: a Commit can only end with its context.
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			b3 := begin(p, 5)
			for _, e := range evs(t, "b3", 5, nil, nil) {
				b3.Add(e)
			}
			if err := commitWithin(t, b3, cancelled); !errors.Is(err, context.Canceled) {
				t.Fatalf("Commit with a cancelled context on a full queue: %v, want context.Canceled", err)
			}
			expiring, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel2()
			b4 := begin(p, 5)
			for _, e := range evs(t, "b4", 5, nil, nil) {
				b4.Add(e)
			}
			if err := commitWithin(t, b4, expiring); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Commit with an expiring context on a full queue: %v, want context.DeadlineExceeded", err)
			}

			// A Commit without deadline waits for room.
			b5 := begin(p, 5)
			for _, e := range evs(t, "b5", 5, nil, nil) {
				b5.Add(e)
			}
			committed := make(chan error, 1)
			go func() { committed <- b5.Batch.Commit(context.Background()) }()
			select {
			case err := <-committed:
				t.Fatalf("Commit returned (%v) while the queue was full", err)
			default:
			}
			close(gate)
			if err := recv(t, committed, "Commit after the output moved"); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			waitAcked(t, "after release", b1, b2, b5)
			b6 := send(t, p, evs(t, "b6", 5, nil, nil))
			waitAcked(t, "after release", b6)

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if b3.isAcked() || b4.isAcked() {
				t.Error("a batch whose Commit failed was acknowledged")
			}
			got := w.deliveredIDs("out")
			for _, prefix := range []string{"b1", "b2", "b5", "b6"} {
				for i := range 5 {
					if id := fmt.Sprintf("%s-%d", prefix, i); got[id] != 1 {
						t.Errorf("event %s delivered %d times, want once", id, got[id])
					}
				}
			}
			for id := range got {
				if id[:2] == "b3" || id[:2] == "b4" {
					t.Errorf("event %s of a batch whose Commit failed was delivered", id)
				}
			}
		})
	}
}

const reloadOld = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: main
    filters:
      - tag: {tag: old}
outputs:
  - rec: {id: keep, label: same}
  - rec: {id: changing, label: v1}
`

const reloadNew = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: bees
    when: kind == "b"
    filters:
      - tag: {tag: new}
    outputs: [keep]
  - name: main
    filters:
      - tag: {tag: new}
outputs:
  - rec: {id: keep, label: same}
  - rec: {id: changing, label: v2}
`

// loadBatch is one batch a load producer committed.
type loadBatch struct {
	*tracked
	ids        []string
	kinds      []string
	phaseBegin int32 // reload phase before Begin and after it
	phaseBegun int32
}

// TestReloadUnderLoad: producers commit batches continuously while Reload
// swaps the config. Every acknowledged event reaches each of its outputs
// exactly once; a batch is routed and filtered entirely in the
// generation it began in; the old generation's filters and changed
// outputs are closed once it has drained, the unchanged output is carried
// over (started once, closed once at the end); no goroutine is left.
func TestReloadUnderLoad(t *testing.T) {
	const producers, warmBatches, afterBatches = 4, 12, 12
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			baseGoroutines := runtime.NumGoroutine()
			w := newWorld(t)
			h := w.start(reloadOld, m.inlineMin)
			// 0: before Reload; 1: Reload called; 2: Reload returned.
			var phase atomic.Int32
			warm := make(chan struct{}, producers)
			results := make(chan []loadBatch, producers)
			for k := range producers {
				go func() {
					p := h.sink.Open()
					defer p.Close()
					var mine []loadBatch
					defer func() { results <- mine }()
					after := 0
					for n := 0; after < afterBatches; n++ {
						size := 1 + (n*37+k*11)%130
						events := evs(t, fmt.Sprintf("p%d-%d", k, n), size, func(i int) string { return []string{"a", "b"}[(i+n)%2] }, nil)
						lb := loadBatch{ids: ids(events), phaseBegin: phase.Load()}
						for _, e := range events {
							lb.kinds = append(lb.kinds, e.GetString(kindPath))
						}
						lb.tracked = begin(p, size)
						lb.phaseBegun = phase.Load()
						for _, e := range events {
							lb.Add(e)
						}
						if err := lb.Commit(context.Background()); err != nil {
							t.Errorf("producer %d: Commit: %v", k, err)
							return
						}
						mine = append(mine, lb)
						if n+1 == warmBatches {
							warm <- struct{}{}
						}
						if lb.phaseBegin == 2 {
							after++
						}
					}
				}()
			}
			for range producers {
				recv(t, warm, "producers warming up")
			}
			// A batch begun before the reload and committed after it.
			sp := h.sink.Open()
			defer sp.Close()
			straddling := loadBatch{tracked: begin(sp, 100)}
			straddlers := evs(t, "straddling", 100, func(i int) string { return []string{"a", "b"}[i%2] }, nil)
			straddling.ids = ids(straddlers)
			for _, e := range straddlers {
				straddling.kinds = append(straddling.kinds, e.GetString(kindPath))
			}
			for _, e := range straddlers[:70] {
				straddling.Add(e)
			}
			phase.Store(1)
			if err := h.r.Reload(context.Background(), w.load(reloadNew)); err != nil {
				t.Fatalf("Reload: %v", err)
			}
			phase.Store(2)
			for _, e := range straddlers[70:] {
				straddling.Add(e)
			}
			oldFilter := w.filtersOf("main", "old")[0]
			if oldFilter.closes.Load() != 0 {
				t.Error("the old generation retired with a batch begun in it still open")
			}
			if err := commitWithin(t, straddling.tracked, context.Background()); err != nil {
				t.Fatalf("Commit of the batch begun before the reload: %v", err)
			}
			batches := []loadBatch{straddling}
			for range producers {
				batches = append(batches, recv(t, results, "producers")...)
			}
			if t.Failed() {
				return
			}
			for _, b := range batches {
				waitAcked(t, "load batch", b.tracked)
			}

			// The old generation retires in the background once drained.
			recv(t, oldFilter.closed, "the old filter closed")
			changing := w.outputsOf("changing")
			keep := w.outputsOf("keep")
			if len(changing) != 2 || len(keep) != 1 {
				t.Fatalf("built %d changing and %d keep outputs, want 2 and 1", len(changing), len(keep))
			}
			recv(t, changing[0].closed, "the changed output closed")
			if keep[0].closes.Load() != 0 || changing[1].closes.Load() != 0 {
				t.Error("an output of the running config was closed")
			}
			for _, f := range w.filtersOf("main", "new") {
				if f.closes.Load() != 0 {
					t.Error("a filter of the running config was closed")
				}
			}
			select {
			case <-w.sinks:
				t.Error("the unchanged input was restarted")
			case <-w.inputStopped:
				t.Error("the unchanged input was stopped")
			default:
			}

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if n := h.r.Metrics.ReloadSuccesses.Load(); n != 1 {
				t.Errorf("ReloadSuccesses = %d", n)
			}
			for _, o := range append(changing, keep...) {
				if o.starts.Load() != 1 || o.closes.Load() != 1 {
					t.Errorf("output %s (%s): started %d times, closed %d times; want once each", o.id, o.label, o.starts.Load(), o.closes.Load())
				}
			}
			w.mu.Lock()
			filters := slices.Clone(w.filters)
			w.mu.Unlock()
			if len(filters) != 3 {
				t.Errorf("%d filters built, want 3", len(filters))
			}
			for _, f := range filters {
				if f.closes.Load() != 1 {
					t.Errorf("filter %s/%s closed %d times, want once", f.pipeline, f.tag, f.closes.Load())
				}
			}

			checkReloadDeliveries(t, w, batches, changing)
			checkNoLeak(t, baseGoroutines)
		})
	}
}

func checkReloadDeliveries(t *testing.T, w *world, batches []loadBatch, changing []*fakeOutput) {
	t.Helper()
	byID := map[string][]delivery{}
	for _, d := range w.delivered() {
		byID[d.id] = append(byID[d.id], d)
	}
	var before, during, after, events int
	for _, b := range batches {
		switch {
		case b.phaseBegun == 0:
			before++
		case b.phaseBegin == 2:
			after++
		default:
			during++
		}
		batchTag := ""
		for i, id := range b.ids {
			events++
			if n := w.appliesOf(id); n != 1 {
				t.Errorf("event %s filtered %d times", id, n)
			}
			ds := byID[id]
			var keep, chg []delivery
			for _, d := range ds {
				if d.out == "keep" {
					keep = append(keep, d)
				} else {
					chg = append(chg, d)
				}
			}
			if len(keep) != 1 {
				t.Errorf("event %s reached keep %d times, want once", id, len(keep))
				continue
			}
			d := keep[0]
			if len(d.tags) != 1 || (d.tags[0] != "old" && d.tags[0] != "new") {
				t.Errorf("event %s has tags %v, want [old] or [new]", id, d.tags)
				continue
			}
			tag := d.tags[0]
			if batchTag == "" {
				batchTag = tag
			} else if tag != batchTag {
				t.Errorf("event %s tagged %s, an earlier event of its batch %s: the batch was split between generations", id, tag, batchTag)
			}
			if b.phaseBegun == 0 && tag != "old" {
				t.Errorf("event %s of a batch begun before the reload tagged %s", id, tag)
			}
			if b.phaseBegin == 2 && tag != "new" {
				t.Errorf("event %s of a batch begun after the reload tagged %s", id, tag)
			}
			wantPipeline, wantChanging := "main", changing[0]
			if tag == "new" {
				wantChanging = changing[1]
				if b.kinds[i] == "b" {
					wantPipeline, wantChanging = "bees", nil
				}
			}
			if d.pipeline != wantPipeline {
				t.Errorf("event %s (%s, kind %s) went through %s, want %s", id, tag, b.kinds[i], d.pipeline, wantPipeline)
			}
			switch {
			case wantChanging == nil && len(chg) != 0:
				t.Errorf("event %s (%s, kind %s) reached changing; its pipeline writes to keep only", id, tag, b.kinds[i])
			case wantChanging != nil && (len(chg) != 1 || chg[0].inst != wantChanging):
				t.Errorf("event %s (%s) reached changing %d times (want once, the %s instance)", id, tag, len(chg), wantChanging.label)
			}
		}
	}
	t.Logf("%d events in %d batches: %d begun before the reload, %d during, %d after", events, len(batches), before, during, after)
	if before == 0 || after == 0 {
		t.Errorf("no batch before (%d) or after (%d) the reload", before, after)
	}
}

// checkNoLeak waits for the goroutine count to come back to base (with a
// little slack for the runtime's own).
func checkNoLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= base+1 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, %d before:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond) // polling a count, not synchronizing
	}
}

// TestReloadRefused: a config that cannot be built is refused; what it
// built is closed, and the old config keeps running untouched.
func TestReloadRefused(t *testing.T) {
	w := newWorld(t)
	h := w.start(reloadOld, workersMode)
	bad := `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: main
    filters:
      - tag: {tag: bad, fail: true}
outputs:
  - rec: {id: keep, label: same}
  - rec: {id: changing, label: v3}
`
	if err := h.r.Reload(context.Background(), w.load(bad)); err == nil {
		t.Fatal("Reload of a config whose filter fails to build succeeded")
	}
	changing := w.outputsOf("changing")
	if len(changing) != 2 {
		t.Fatalf("%d changing outputs built, want 2", len(changing))
	}
	if v3 := changing[1]; v3.starts.Load() != 0 || v3.closes.Load() != 1 {
		t.Errorf("the refused config's output: started %d, closed %d; want 0, 1", v3.starts.Load(), v3.closes.Load())
	}
	if changing[0].closes.Load() != 0 || w.outputsOf("keep")[0].closes.Load() != 0 {
		t.Error("an output of the running config was closed")
	}
	p := h.sink.Open()
	defer p.Close()
	b := send(t, p, evs(t, "after", 3, nil, nil))
	waitAcked(t, "batch after the refused reload", b)
	for _, d := range w.delivered() {
		if !slices.Equal(d.tags, []string{"old"}) || d.inst == changing[1] {
			t.Errorf("event %s: tags %v, output %s %s", d.id, d.tags, d.out, d.inst.label)
		}
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := h.r.Metrics.ReloadFailures.Load(); n != 1 {
		t.Errorf("ReloadFailures = %d, want 1", n)
	}
}

const drainConfig = `
shutdown_timeout: %s
inputs:
  - feed:
pipelines:
  - name: main
    workers: 1
    queue_size: %d
    filters:
      - tag: {tag: t}
outputs:
  - rec: {id: out}
`

// TestShutdownDrain: when Run's context ends, batches in flight — queued,
// in a slow output, or still being added — are delivered and acknowledged
// before Run returns.
func TestShutdownDrain(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			gate := make(chan struct{})
			w.setBehavior("out", outBehavior{gate: gate})
			h := w.start(fmt.Sprintf(drainConfig, "10s", 16), m.inlineMin)
			p := h.sink.Open()
			defer p.Close()

			b1 := send(t, p, evs(t, "b1", 10, nil, nil))
			w.waitUntil("the worker in Send", func() bool { return len(w.deliveries) >= 10 })
			b2 := send(t, p, evs(t, "b2", 100, nil, nil))
			// b3 is still being read when the shutdown begins.
			b3 := begin(p, 100)
			for _, e := range evs(t, "b3", 70, nil, nil) {
				b3.Add(e)
			}

			start := time.Now()
			h.cancel()
			recv(t, w.inputStopped, "the input stopping")
			for _, e := range evs(t, "b3x", 30, nil, nil) {
				b3.Add(e)
			}
			if err := commitWithin(t, b3, context.Background()); err != nil {
				t.Fatalf("Commit of a batch begun before the shutdown: %v", err)
			}
			select {
			case h.err = <-h.done:
				h.ended = true
				t.Fatalf("Run returned (%v) with batches still in the output", h.err)
			default:
			}
			if b1.isAcked() || b2.isAcked() || b3.isAcked() {
				t.Fatal("acknowledged before the output took the events")
			}
			close(gate)
			h.wait()
			if h.err != nil {
				t.Fatalf("Run: %v", h.err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Run took %v to drain", d)
			}
			for i, b := range []*tracked{b1, b2, b3} {
				if !b.isAcked() {
					t.Errorf("batch %d not acknowledged when Run returned", i+1)
				}
			}
			if o := w.outputsOf("out")[0]; o.closes.Load() != 1 {
				t.Errorf("output closed %d times, want once", o.closes.Load())
			}
			if got := len(w.deliveredIDs("out")); got != 210 {
				t.Errorf("%d events delivered, want 210", got)
			}
		})
	}
}

// TestShutdownTimeout: with an output that never completes, Run gives up
// after shutdown_timeout and says how many events were not delivered; the
// batches stay unacknowledged, and a Commit blocked on the full queue
// returns.
func TestShutdownTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, blockedCommit := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocked-commit=%v", blockedCommit), func(t *testing.T) {
			w := newWorld(t)
			w.setBehavior("out", outBehavior{gate: make(chan struct{})}) // never opened before cleanup
			h := w.start(fmt.Sprintf(drainConfig, timeout, 1), workersMode)
			p := h.sink.Open()
			defer p.Close()

			b1 := send(t, p, evs(t, "b1", 5, nil, nil))
			w.waitUntil("the worker in Send", func() bool { return len(w.deliveries) >= 5 })
			b2 := send(t, p, evs(t, "b2", 5, nil, nil)) // queued
			batches := []*tracked{b1, b2}
			var committed chan error
			if blockedCommit {
				b3 := begin(p, 5)
				for _, e := range evs(t, "b3", 5, nil, nil) {
					b3.Add(e)
				}
				committed = make(chan error, 1)
				go func() { committed <- b3.Batch.Commit(context.Background()) }() // blocks: queue full
				batches = append(batches, b3)
			}

			start := time.Now()
			h.cancel()
			h.wait()
			elapsed := time.Since(start)
			// Run says so (the process exits 1, as when an output's close
			// gives up).
			if h.err == nil || !strings.Contains(h.err.Error(), "events not delivered at shutdown") {
				t.Errorf("Run: %v, want the events not delivered", h.err)
			}
			if elapsed < timeout || elapsed > timeout+3*time.Second {
				t.Errorf("Run returned after %v; shutdown_timeout is %v", elapsed, timeout)
			}
			if blockedCommit {
				// The blocked Commit gave up with the generation, or
				// slipped into the queue as the worker abandoned it;
				// either way nothing is acknowledged.
				if err := recv(t, committed, "the blocked Commit"); err != nil && !errors.Is(err, errRetired) {
					t.Errorf("blocked Commit: %v, want nil or errRetired", err)
				}
			}
			for i, b := range batches {
				if b.isAcked() {
					t.Errorf("batch %d acknowledged though the output never completed", i+1)
				}
			}
			if o := w.outputsOf("out")[0]; o.closes.Load() != 1 {
				t.Errorf("output closed %d times, want once", o.closes.Load())
			}
			w.mu.Lock()
			sendErrs := w.sendErrs
			w.mu.Unlock()
			if sendErrs == 0 {
				t.Error("the stuck Send was not given up (its context did not end)")
			}
		})
	}
}

// TestAbort: an aborted batch never acknowledges and none of its events
// reaches an output, even after inline filtering; it does not hold the
// shutdown back; Commit after Abort (or twice) is refused.
func TestAbort(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			h := w.start(dropConfig, m.inlineMin)
			p := h.sink.Open()
			defer p.Close()
			f := w.filtersOf("main", "kept")[0]

			aborted := begin(p, 100)
			for _, e := range evs(t, "ab", 100, nil, func(i int) string {
				if i%2 == 0 {
					return "yes"
				}
				return ""
			}) {
				aborted.Add(e)
			}
			wantApplied := int64(0)
			if m.inlineMin == inlineMode {
				wantApplied = runLength // the first run went through the filters
			}
			if got := f.applied.Load(); got != wantApplied {
				t.Errorf("%d events filtered before Abort, want %d", got, wantApplied)
			}
			aborted.Abort()
			aborted.Abort() // twice is harmless
			if err := aborted.Commit(context.Background()); err == nil {
				t.Error("Commit after Abort succeeded")
			}
			empty := begin(p, 0)
			empty.Abort()

			ok := send(t, p, evs(t, "ok", 10, nil, nil))
			waitAcked(t, "batch after the aborted one", ok)
			if err := ok.Commit(context.Background()); err == nil {
				t.Error("a second Commit succeeded")
			}
			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if aborted.isAcked() || empty.isAcked() {
				t.Error("an aborted batch was acknowledged")
			}
			if n := ok.dones.Load(); n != 1 {
				t.Errorf("done ran %d times, want once", n)
			}
			got := w.deliveredIDs("out")
			if len(got) != 10 {
				t.Errorf("delivered %v, want the 10 events of the committed batch", got)
			}
			for id := range got {
				if id[:2] == "ab" {
					t.Errorf("event %s of the aborted batch was delivered", id)
				}
			}
		})
	}
}

// TestBeginAfterStop: a producer that begins a batch once Run has stopped
// gets a batch whose Commit fails with errRetired (Begin used to spin
// forever on the retired generation).
func TestBeginAfterStop(t *testing.T) {
	w := newWorld(t)
	h := w.start(dropConfig, workersMode)
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	p := h.sink.Open()
	defer p.Close()
	result := make(chan error, 1)
	b := &tracked{acked: make(chan struct{})}
	var once sync.Once
	late := evs(t, "late", 1, nil, nil)[0]
	go func() {
		b.Batch = p.Begin(1, func() { once.Do(func() { close(b.acked) }) })
		b.Add(late)
		result <- b.Batch.Commit(context.Background())
	}()
	if err := recv(t, result, "Begin and Commit after Run returned"); !errors.Is(err, errRetired) {
		t.Errorf("Commit after Run returned: %v, want errRetired", err)
	}
	if b.isAcked() {
		t.Error("a batch begun after Run returned was acknowledged")
	}
	if len(w.delivered()) != 0 {
		t.Error("an event added after Run returned was delivered")
	}
}

const outputWhenConfig = `
shutdown_timeout: 5s
inputs:
  - feed:
pipelines:
  - name: main
outputs:
  - rec: {id: outa, when: kind == "a"}
  - rec: {id: outab, when: kind == "a" || kind == "b"}
  - rec: {id: none, when: kind == "zzz"}
`

// TestOutputWhen: an output with a condition takes only the events it
// matches; an event goes to every output that takes it, and an event no
// output takes is done at once, so the batch is acknowledged.
func TestOutputWhen(t *testing.T) {
	kinds := []string{"a", "b", "c"}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			h := w.start(outputWhenConfig, m.inlineMin)
			p := h.sink.Open()
			defer p.Close()
			events := evs(t, "w", 150, func(i int) string { return kinds[i%3] }, nil)
			b := send(t, p, events)
			waitAcked(t, "batch", b)
			// No output takes a c event: a batch of them is done at once.
			onlySome := send(t, p, evs(t, "c", 5, kindIs("c"), nil))
			waitAcked(t, "batch no output takes", onlySome)
			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !onlySome.isAcked() {
				t.Error("a batch was not acknowledged")
			}
			got := map[string][]string{}
			for _, d := range w.delivered() {
				got[d.out] = append(got[d.out], d.kind)
			}
			count := func(out, kind string) int {
				n := 0
				for _, k := range got[out] {
					if k == kind {
						n++
					}
				}
				return n
			}
			want := map[string][3]int{"outa": {50, 0, 0}, "outab": {50, 50, 0}, "none": {0, 0, 0}}
			for out, w := range want {
				if g := [3]int{count(out, "a"), count(out, "b"), count(out, "c")}; g != w || len(got[out]) != w[0]+w[1]+w[2] {
					t.Errorf("%s took a/b/c %v (%d in all), want %v", out, g, len(got[out]), w)
				}
			}
			if b.dones.Load() != 1 || onlySome.dones.Load() != 1 {
				t.Error("done did not run exactly once")
			}
		})
	}
}

// TestOutputWhenReload: a reload that changes only an output's when keeps
// the running output (its config is the same) and applies the new
// condition.
func TestOutputWhenReload(t *testing.T) {
	w := newWorld(t)
	h := w.start(outputWhenConfig, modes[0].inlineMin)
	p := h.sink.Open()
	defer p.Close()
	changed := strings.Replace(outputWhenConfig, `{id: outa, when: kind == "a"}`, `{id: outa, when: kind == "b"}`, 1)
	if err := h.r.Reload(context.Background(), w.load(changed)); err != nil {
		t.Fatal(err)
	}
	waitAcked(t, "batch", send(t, p, evs(t, "r", 10, kindIs("b"), nil)))
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range w.delivered() {
		if d.out == "outa" {
			n++
		}
	}
	if n != 10 {
		t.Errorf("outa took %d b events after the reload, want 10", n)
	}
}

// TestRoutingByInput checks that a pipeline with inputs takes events from
// those inputs only, that its when is tested on them alone, and that every
// event carries its input's id (event.Event.Input), in both filter modes.
func TestRoutingByInput(t *testing.T) {
	const cfg = `
inputs:
  - feed: {id: left}
  - feed: {id: right}
pipelines:
  - name: left-a
    inputs: [left]
    when: kind == "a"
    outputs: [outl]
  - name: right-all
    inputs: [right]
    outputs: [outr]
  - name: left-rest
    inputs: [left]
    when: input() == "left"
    outputs: [outl]
outputs:
  - rec: {id: outl}
  - rec: {id: outr}
`
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			h := w.start(cfg, m.inlineMin)
			var left, right plugin.Sink
			w.waitUntil("both inputs serve", func() bool {
				left, right = w.inputSinks["left"], w.inputSinks["right"]
				return left != nil && right != nil
			})
			lp, rp := left.Open(), right.Open()
			defer lp.Close()
			defer rp.Close()
			kinds := []string{"a", "b"}
			lb := send(t, lp, evs(t, "l", 100, func(i int) string { return kinds[i%2] }, nil))
			rb := send(t, rp, evs(t, "r", 100, func(i int) string { return kinds[i%2] }, nil))
			waitAcked(t, "both batches", lb, rb)
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, d := range w.delivered() {
				want := "right-all"
				if strings.HasPrefix(d.id, "l") {
					want = "left-rest"
					if d.kind == "a" {
						want = "left-a"
					}
				}
				if d.pipeline != want {
					t.Errorf("event %s (kind %s) went to %s, want %s", d.id, d.kind, d.pipeline, want)
				}
				got[d.pipeline]++
			}
			if got["left-a"] != 50 || got["left-rest"] != 50 || got["right-all"] != 100 {
				t.Errorf("deliveries per pipeline: %v", got)
			}
		})
	}
}

// TestInputsChecked checks the config errors about inputs: an unknown id
// in a pipeline's inputs, an explicit id used twice; and that inputs of one
// plugin without ids are numbered.
func TestInputsChecked(t *testing.T) {
	w := newWorld(t)
	_, err := config.Load("test.yml", []byte(`
inputs:
  - feed: {}
  - feed: {id: x}
  - feed: {id: x}
pipelines:
  - name: p
    inputs: [nope]
outputs:
  - rec: {}
`), w.reg, func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), `input "nope" does not exist`) || !strings.Contains(err.Error(), `input id "x" is used twice`) {
		t.Errorf("err = %v", err)
	}
	cfg := w.load(`
inputs:
  - feed: {}
  - feed: {}
pipelines:
  - name: p
    inputs: [feed-2]
outputs:
  - rec: {}
`)
	if cfg.Inputs[0].ID != "feed" || cfg.Inputs[1].ID != "feed-2" {
		t.Errorf("ids %s, %s; want feed, feed-2", cfg.Inputs[0].ID, cfg.Inputs[1].ID)
	}
	// An id written wins over a defaulted one.
	cfg = w.load(`
inputs:
  - feed: {}
  - feed: {id: feed}
pipelines:
  - name: p
outputs:
  - rec: {}
`)
	if cfg.Inputs[0].ID != "feed-2" || cfg.Inputs[1].ID != "feed" {
		t.Errorf("ids %s, %s; want feed-2, feed", cfg.Inputs[0].ID, cfg.Inputs[1].ID)
	}
}

// TestExpandingFilter checks a filter that makes several events of one
// (plugin.Expander): the pieces go through the rest of the pipeline, join
// their event's batch (acknowledged once, after the last piece is
// written), and an event that gives way to none is gone; in both filter
// modes, with batches longer than a run.
func TestExpandingFilter(t *testing.T) {
	const cfg = `
inputs:
  - feed: {}
pipelines:
  - name: p
    filters:
      - fan: {n: 3}
      - tag: {tag: after}
outputs:
  - rec: {id: out}
`
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t)
			w.setBehavior("out", outBehavior{hold: true})
			h := w.start(cfg, m.inlineMin)
			p := h.sink.Open()
			defer p.Close()
			kinds := []string{"a", "b", "c"}
			b := send(t, p, evs(t, "x", 150, func(i int) string { return kinds[i%3] }, nil))
			// 50 a → 150 pieces, 50 b gone, 50 c as they are.
			w.waitHeld("out", 200)
			if b.isAcked() {
				t.Fatal("acknowledged before the pieces were written")
			}
			held := w.takeHeld("out")
			for _, e := range held[:len(held)-1] {
				e.Done()
			}
			if b.isAcked() {
				t.Fatal("acknowledged before the last piece was written")
			}
			held[len(held)-1].Done()
			waitAcked(t, "the batch", b)
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, d := range w.delivered() {
				seen[d.id]++
				if !slices.Contains(d.tags, "after") {
					t.Errorf("%s: the filter after the split did not run", d.id)
				}
			}
			if len(seen) != 200 || seen["x-0.0"] != 1 || seen["x-0.2"] != 1 || seen["x-2"] != 1 || seen["x-1"] != 0 {
				t.Errorf("%d distinct events delivered: %v", len(seen), seen)
			}
			if b.dones.Load() != 1 {
				t.Errorf("done ran %d times", b.dones.Load())
			}
			checkCounters(t, h.r, "p", 150, 200, 50)
		})
	}
}

// TestReplayedInputKept checks that an event that already names its input
// (a replayed dead letter) keeps it, so a pipeline that takes events by
// input takes it again.
func TestReplayedInputKept(t *testing.T) {
	w := newWorld(t)
	h := w.start(`
inputs:
  - feed: {id: beats}
  - feed: {id: replay}
pipelines:
  - name: from-beats
    inputs: [beats]
    outputs: [out]
  - name: rest
    outputs: [out]
outputs:
  - rec: {id: out}
`, workersMode)
	var replay plugin.Sink
	w.waitUntil("the replay input serves", func() bool {
		replay = w.inputSinks["replay"]
		return replay != nil
	})
	p := replay.Open()
	defer p.Close()
	events := evs(t, "d", 2, kindIs("a"), nil)
	events[0].Input = "beats"
	waitAcked(t, "the batch", send(t, p, events))
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range w.delivered() {
		got[d.id] = d.pipeline
	}
	if got["d-0"] != "from-beats" || got["d-1"] != "rest" {
		t.Errorf("pipelines %v", got)
	}
}

// TestPieceNumbers: the pieces of one event, and the pieces of a piece, get
// distinct non-zero numbers (outputs mix them into origin-derived ids).
func TestPieceNumbers(t *testing.T) {
	seen := map[uint64]bool{}
	for _, parent := range []uint64{0, pieceOf(0, 0), pieceOf(0, 1)} {
		for i := range 1000 {
			n := pieceOf(parent, i)
			if n == 0 || seen[n] {
				t.Fatalf("piece %d of %d: %d (zero or taken)", i, parent, n)
			}
			seen[n] = true
		}
	}
}
