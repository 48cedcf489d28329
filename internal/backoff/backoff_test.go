package backoff

import (
	"testing"
	"time"
)

func TestJittered(t *testing.T) {
	for attempt, step := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		step *= time.Millisecond
		for range 50 {
			if d := Jittered(100*time.Millisecond, time.Second, attempt); d < step/2 || d > step {
				t.Fatalf("attempt %d: %v, want within [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
}
