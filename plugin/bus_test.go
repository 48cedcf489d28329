package plugin

import (
	"context"
	"errors"
	"testing"
	"time"
)

type nopSink struct{ name string }

func (nopSink) Open() Producer { return nil }

func TestBus(t *testing.T) {
	var b Bus
	if b.Lookup("a") != nil {
		t.Fatal("an empty bus has a listener")
	}
	got := make(chan Sink, 1)
	go func() {
		s, err := b.Wait(context.Background(), "a")
		if err != nil {
			t.Error(err)
		}
		got <- s
	}()
	time.Sleep(10 * time.Millisecond)
	stop, err := b.Listen("a", nopSink{"first"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s.(nopSink).name != "first" {
			t.Errorf("Wait returned %v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not see the listener")
	}
	if _, err := b.Listen("a", nopSink{"second"}); err == nil {
		t.Error("a second listener on one address was accepted")
	}
	stop()
	stop() // idempotent
	if b.Lookup("a") != nil {
		t.Error("the listener is still there after stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Wait(ctx, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with no listener: %v", err)
	}
	// Draining: a released address keeps its sink until Close.
	release, err := b.Listen("d", nopSink{"draining"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(context.Background(), "b")
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	b.Drain()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBusClosed) {
			t.Errorf("Wait at drain: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not end a Wait for an address nobody listens on")
	}
	release()
	if s, err := b.Wait(context.Background(), "d"); err != nil || s.(nopSink).name != "draining" {
		t.Errorf("a released address while draining: %v, %v", s, err)
	}
	b.Close()
	if b.Lookup("d") != nil {
		t.Error("Close left an address")
	}
	if _, err := b.Listen("c", nopSink{}); !errors.Is(err, ErrBusClosed) {
		t.Errorf("Listen after Close: %v", err)
	}
}
