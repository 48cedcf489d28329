package stdout

import (
	"bytes"
	"context"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

var _ plugin.Output = (*Output)(nil)

// TestCloseNeverStarted: an output built and closed without Start writes
// nothing and closes cleanly.
func TestCloseNeverStarted(t *testing.T) {
	var buf bytes.Buffer
	o := NewWriter(&buf, true)
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("wrote %q", buf.String())
	}
	if err := o.Send(context.Background(), "p", nil); err == nil {
		t.Fatal("Send after Close was accepted")
	}
}

func TestSend(t *testing.T) {
	for _, c := range []struct {
		wrap bool
		want string
	}{
		{true, `{"data_stream":"logs-a-b","event":{"message":"m"}}` + "\n"},
		{false, `{"message":"m"}` + "\n"},
	} {
		var buf bytes.Buffer
		o := NewWriter(&buf, c.wrap)
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		e := pt.Event(t, `{"message":"m"}`)
		e.DataStream = "logs-a-b"
		done := false
		e.Attach(event.NewAck(1, func() { done = true }))
		if err := o.Send(context.Background(), "p", []*event.Event{e}); err != nil {
			t.Fatal(err)
		}
		if !done {
			t.Fatal("event not acknowledged once written")
		}
		if buf.String() != c.want {
			t.Fatalf("wrap %v: %q, want %q", c.wrap, buf.String(), c.want)
		}
		if err := o.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
