// Package backoff computes retry delays for outputs that retry until their
// destination takes what they send.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Jittered is the delay before retry number attempt (from 0): exponential
// from initial, doubling up to max, then 50–100% of that step at random,
// so that many workers retrying together do not retry in step.
func Jittered(initial, max time.Duration, attempt int) time.Duration {
	d := initial
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Sleep waits d, or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
