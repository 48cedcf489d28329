package grok

import (
	"strings"
	"sync/atomic"
)

// Some grok fields hold the same text event after event: dcache.yml
// matches [log][file][path] (one billing file per harvester) on every
// entry, 1.9 µs of regular expression each time for the same two
// captures. The engine filters a batch in runs of 64 events from one
// connection, so such a text repeats for a whole run. A recall keeps the
// last text a field's patterns were tried on and what came of it; a field
// whose texts differ (a message) stops paying for it after a few misses
// and only samples now and then whether that has changed.

// recall is the last outcome of one source's patterns, shared by the
// workers (an atomic pointer to an immutable outcome).
type recall struct {
	last   atomic.Pointer[outcome]
	wasted atomic.Int32 // outcomes replaced without ever being used, in a row
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

// lookup returns the outcome recorded for text, if it is the last one.
func (r *recall) lookup(text string) *outcome {
	o := r.last.Load()
	if o == nil || o.text != text {
		return nil
	}
	if !o.used.Load() {
		o.used.Store(true)
	}
	return o
}

// record keeps what the patterns made of text, unless the texts of this
// field have not been repeating (then only one call in sampleEvery does).
func (r *recall) record(text string, pattern int, vals []string) {
	prev := r.last.Load()
	if prev != nil && !prev.used.Load() {
		if n := r.wasted.Add(1); n > wastedLimit && n%sampleEvery != 0 {
			return
		}
	} else if prev != nil && r.wasted.Load() != 0 {
		r.wasted.Store(0)
	}
	o := &outcome{text: strings.Clone(text), pattern: pattern}
	if pattern >= 0 {
		o.vals = make([]string, len(vals))
		for i, v := range vals {
			o.vals[i] = strings.Clone(v)
		}
	}
	r.last.Store(o)
}
