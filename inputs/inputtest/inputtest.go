// Package inputtest runs a network input (tcp, udp) in tests: it builds
// the input from YAML as a config file would be decoded, runs it serving a
// sink that collects what is committed, and stops it at the test's end.
package inputtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/ingestd/ingestd/spec"
)

// Running is an input serving a sink that sends each committed event,
// converted, to Events (and marks it done).
type Running[T any] struct {
	Events chan T
	cancel context.CancelFunc
	done   chan error
}

// Start decodes yaml as a config file would be, builds the input with
// build (its log goes to t, its drain timeout is 2s), and runs it until it
// serves (the input must be a plugin.ServingNotifier). Committed events
// are converted by conv; Events holds up to buffer of them. The input is
// stopped when the test ends.
func Start[C, T any](t *testing.T, build func(*C, plugin.Env) (plugin.Input, error), yaml string, buffer int, conv func(*event.Event) (T, error)) (plugin.Input, *Running[T]) {
	t.Helper()
	cfg := new(C)
	if err := spec.DecodeYAML("test.yml", yaml, cfg); err != nil {
		t.Fatal(err)
	}
	in, err := build(cfg, plugin.Env{Logger: zerolog.New(zerolog.NewTestWriter(t)), DrainTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	serving, ok := in.(plugin.ServingNotifier)
	if !ok {
		t.Fatalf("%T is not a plugin.ServingNotifier", in)
	}
	r := &Running[T]{Events: make(chan T, buffer), done: make(chan error, 1)}
	sink := &plugintest.Sink{Committed: func(_ context.Context, events []*event.Event) error {
		for _, e := range events {
			v, err := conv(e)
			if err != nil {
				return err
			}
			r.Events <- v
			e.Done()
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- in.Run(ctx, sink) }()
	select {
	case <-serving.Serving():
	case err := <-r.done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("input not serving")
	}
	t.Cleanup(func() { r.Stop(t) })
	return in, r
}

// Stop cancels the input and waits for Run to return (again: a no-op).
func (r *Running[T]) Stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Run: %v", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Next returns the next n events, failing the test if they do not come
// within 5s of each other.
func (r *Running[T]) Next(t *testing.T, n int) []T {
	t.Helper()
	out := make([]T, 0, n)
	for len(out) < n {
		select {
		case v := <-r.Events:
			out = append(out, v)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d events arrived, want %d", len(out), n)
		}
	}
	return out
}

// Doc is e's JSON (as AppendJSON writes it) decoded.
func Doc(e *event.Event) (map[string]any, error) {
	var doc map[string]any
	err := json.Unmarshal(e.AppendJSON(nil), &doc)
	return doc, err
}

// Tags returns doc's tags joined with commas ("" without any).
func Tags(doc map[string]any) string {
	var out []string
	tags, _ := doc["tags"].([]any)
	for _, t := range tags {
		out = append(out, t.(string))
	}
	return strings.Join(out, ",")
}
