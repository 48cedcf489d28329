package grok

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ingestd/ingestd/event"
)

// The recall of a field's last text gives every event the document the
// patterns give it: on repeats, on alternating texts, on failures, with
// captures that append to fields the event already has, and on events
// whose memory is reused after the recall kept their outcome (as the
// beats input recycles a batch's memory).
func TestRecallGivesTheSameDocuments(t *testing.T) {
	conf := `
match:
  "[log][file][path]": ['(?<[dcache][source_file]>billing(?:-error)?)-(?<[dcache][file_date]>\d{4}\.\d{2}\.\d{2})$', '^/x/(?<n>%{INT})$']
tag_on_failure: [_nope]
`
	recalled := build(t, conf)
	fresh := build(t, conf)
	paths := []string{"/d/billing-2025.01.01", "/d/billing-2025.01.01", "/d/billing-error-2025.01.02", "/d/billing-2025.01.01",
		"/x/7", "/x/7", "/nothing", "/nothing", "/d/billing-2025.01.01", "/d/billing-2025.01.01"}
	buf := make([]byte, 0, 256)
	for i, p := range paths {
		for _, extra := range []string{``, `,"dcache":{"file_date":"old"}`} {
			// The event's text lives in buf, overwritten by the next one.
			// A pad of varying length moves the path in buf.
			buf = append(buf[:0], fmt.Sprintf(`{"pad":%q,"log":{"file":{"path":%q}}%s}`, strings.Repeat("p", i%3), p, extra)...)
			e, err := event.DecodeEventOwned(buf) // as the beats input: the event points into buf
			if err != nil {
				t.Fatal(err)
			}
			recalled.Apply(e)
			want := newEvent(t, string(buf))
			fresh.sources[0].recall = nil
			fresh.Apply(want)
			if got, exp := string(e.AppendJSON(nil)), string(want.AppendJSON(nil)); got != exp {
				t.Errorf("event %d (%s%s): recalled %s, want %s", i, p, extra, got, exp)
			}
		}
	}
}

// A field whose texts do not repeat stops recording them after a few
// misses, and starts again once they repeat.
func TestRecallBacksOffOnTextsThatDoNotRepeat(t *testing.T) {
	f := build(t, `match: {message: ['^a%{INT:n:int}$']}`)
	r := f.sources[0].recall
	for i := range 100 {
		f.Apply(newEvent(t, fmt.Sprintf(`{"message":"a%d"}`, i)))
	}
	if r.wasted.Load() <= wastedLimit {
		t.Fatalf("wasted %d after 100 different texts", r.wasted.Load())
	}
	kept := r.last[0].Load()
	f.Apply(newEvent(t, `{"message":"a1000"}`))
	if r.last[0].Load() != kept && r.wasted.Load()%sampleEvery != 0 {
		t.Error("a recall that backed off recorded an outcome outside its sample")
	}
	for range 2 * sampleEvery {
		f.Apply(newEvent(t, `{"message":"a5"}`))
	}
	if o := r.last[0].Load(); o == nil || o.text != "a5" || !o.used.Load() {
		t.Fatalf("repeating texts did not bring the recall back: %+v", o)
	}
	// A used outcome ends the back-off: the next text is recorded.
	f.Apply(newEvent(t, `{"message":"a6"}`))
	if o := r.last[0].Load(); o.text != "a6" || r.last[1].Load().text != "a5" {
		t.Errorf("after repeats, a new text was not recorded: %q, wasted %d", o.text, r.wasted.Load())
	}
	// Two texts alternating are both recalled.
	for range 4 {
		f.Apply(newEvent(t, `{"message":"a5"}`))
		f.Apply(newEvent(t, `{"message":"a6"}`))
	}
	if o := r.last[0].Load(); o.text != "a6" || r.last[1].Load().text != "a5" {
		t.Errorf("alternating texts replaced each other: %q %q", o.text, r.last[1].Load().text)
	}
}

// Workers share a filter: its recall is read and replaced concurrently
// (run under -race).
func TestRecallConcurrentWorkers(t *testing.T) {
	f := build(t, `match: {message: ['^a%{INT:n:int}$']}`)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				n := (i / 3) % 4 * (w + 1)
				e := newEvent(t, fmt.Sprintf(`{"message":"a%d"}`, n))
				f.Apply(e)
				if v, _ := e.Get(event.Path{"n"}); v.Text() != fmt.Sprint(n) {
					t.Errorf("a%d gave n=%s", n, v.Text())
					return
				}
			}
		}()
	}
	wg.Wait()
}
