package plugin

import (
	"errors"
	"testing"
)

func TestLifecycle(t *testing.T) {
	var l Lifecycle
	runs := 0
	if err := l.Start(func() { runs++ }); err != nil || runs != 1 {
		t.Fatalf("first Start: %v, %d runs", err, runs)
	}
	if err := l.Start(func() { runs++ }); !errors.Is(err, ErrStarted) || runs != 1 {
		t.Fatalf("second Start: %v, %d runs", err, runs)
	}
	if !l.Close() {
		t.Fatal("Close of a started output says it was not started")
	}

	var never Lifecycle
	if never.Close() {
		t.Fatal("Close of a never started output says it was started")
	}
	if err := never.Start(func() { runs++ }); !errors.Is(err, ErrClosed) || runs != 1 {
		t.Fatalf("Start after Close: %v, %d runs", err, runs)
	}
}
