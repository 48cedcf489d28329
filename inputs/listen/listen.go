// Package listen holds what the network inputs (beats, tcp, udp) share
// about their listening address: checking the configured host:port, and
// publishing the bound address once the socket is open.
package listen

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Check requires host:port with a numeric port (0 picks one), as the
// listen option of every network input is written.
func Check(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// Bound is an input's bound address. Embedded in an input, it gives it
// Addr and Serving (plugin.ServingNotifier); the input calls Bind once its
// socket is open. The zero Bound is not serving; Bind must be called once
// at most.
type Bound struct {
	mu    sync.Mutex
	addr  net.Addr
	ready chan struct{}
}

// Bind records addr and closes the Serving channel.
func (b *Bound) Bind(addr net.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addr = addr
	close(b.readyLocked())
}

// Addr returns the bound address once the input listens (nil before).
func (b *Bound) Addr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addr
}

// Serving is closed once the input listens (plugin.ServingNotifier).
func (b *Bound) Serving() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.readyLocked()
}

func (b *Bound) readyLocked() chan struct{} {
	if b.ready == nil {
		b.ready = make(chan struct{})
	}
	return b.ready
}

// Drain waits for done, at most timeout (0: not at all), then calls stop
// (which cancels publishing) and waits for done again: the shutdown of an
// input that publishes what it has read until the drain deadline. lost is
// logged when the deadline passes first.
func Drain(done <-chan struct{}, timeout time.Duration, stop func(), log zerolog.Logger, lost string) {
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		select {
		case <-done:
		case <-timer.C:
			log.Warn().Dur("drain_timeout", timeout).Msg(lost)
		}
		timer.Stop()
	}
	stop()
	<-done
}

// Accept takes connections from ln until it is closed and hands each to
// handle. A temporary error (a timeout) is retried; any other ends the
// loop, logged (as "<name>: accept failed") unless it is the listener's
// closing.
func Accept(ln net.Listener, log zerolog.Logger, name string, handle func(net.Conn)) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if !errors.Is(err, net.ErrClosed) {
				log.Error().Err(err).Msg(name + ": accept failed; no new connections are taken")
			}
			return
		}
		handle(nc)
	}
}
