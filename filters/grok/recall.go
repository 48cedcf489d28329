package grok

import (
	"strings"
	"sync/atomic"
)

// Some grok fields hold the same text event after event: dcache.yml
// matches [log][file][path] (one billing file per harvester) on every
// entry, 1.9 µs of regular expression each time for the same two
// captures. The engine filters a batch in runs of 64 events from one
// connection, so such a text repeats for a whole run, or alternates with
// one other (a dCache site writes billing-… and billing-error-… files at
// once: in the corpus, one text is recalled for 76% of the entries, two
// for 99.6%). A recall keeps the last two texts a field's patterns were
// tried on and what came of them; a field whose texts differ (a message)
// stops paying for it after a few misses and only samples now and then
// whether that has changed.

// recall is the last outcomes of one source's patterns, shared by the
// workers (atomic pointers to immutable outcomes), the newest first.
type recall struct {
	last   [2]atomic.Pointer[outcome]
	wasted atomic.Int32 // outcomes dropped unused since an outcome was last used
}

// outcome is what the patterns made of one text: the index of the pattern
// that matched (-1: none) and its captures, in memory of its own (the
// event's text is recycled with its batch).
type outcome struct {
	text    string
	pattern int
	vals    []string
	used    atomic.Bool
}

// wastedLimit is how many unused outcomes in a row make a recall sample:
// after that, one miss in sampleEvery leaves its outcome.
const (
	wastedLimit = 8
	sampleEvery = 64
)

// lookup returns the outcome recorded for text, if it is one of the last.
func (r *recall) lookup(text string) *outcome {
	for i := range r.last {
		if o := r.last[i].Load(); o != nil && o.text == text {
			if !o.used.Load() {
				o.used.Store(true)
				r.wasted.Store(0) // the texts repeat (again)
			}
			return o
		}
	}
	return nil
}

// record keeps what the patterns made of text, dropping the older
// outcome, unless the texts of this field have not been repeating (then
// only one call in sampleEvery does). Two workers recording at once may
// lose one of their outcomes: it is only a miss later.
func (r *recall) record(text string, pattern int, vals []string) {
	if dropped := r.last[1].Load(); dropped != nil && !dropped.used.Load() {
		if n := r.wasted.Add(1); n > wastedLimit && n%sampleEvery != 0 {
			return
		}
	}
	o := &outcome{text: strings.Clone(text), pattern: pattern}
	if pattern >= 0 {
		o.vals = make([]string, len(vals))
		for i, v := range vals {
			o.vals[i] = strings.Clone(v)
		}
	}
	r.last[1].Store(r.last[0].Load())
	r.last[0].Store(o)
}
