package plugin

import (
	"errors"
	"sync"
)

// Errors of Lifecycle.Start.
var (
	ErrStarted = errors.New("already started")
	ErrClosed  = errors.New("output closed")
)

// Lifecycle guards an output's Start against a second Start and a Start
// after Close (a reload may close an output it built and never started).
// The zero Lifecycle is ready.
type Lifecycle struct {
	mu      sync.Mutex
	started bool
	closed  bool
}

// Start runs start, which launches the output's goroutines, unless the
// output was started or closed before. It runs under the guard's lock, so
// a Close that follows sees everything start launched.
func (l *Lifecycle) Start(start func()) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return ErrClosed
	case l.started:
		return ErrStarted
	}
	l.started = true
	start()
	return nil
}

// Close marks the output closed, so that no Start runs from now on, and
// reports whether it had been started.
func (l *Lifecycle) Close() (started bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.started
}
