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

// TestRubyDebug compares with what Ruby's awesome_print 1.9.2 (Debian's
// ruby-awesome-print; amazing_print, which logstash-codec-rubydebug calls,
// is its fork with the same layout) printed for the same hash with
// `puts h.ai(plain: true)`.
func TestRubyDebug(t *testing.T) {
	const doc = `{"message":"Hello \"world\"\n 1 #{x}","@version":"1","n":1,"f":1.50,"big":1e20,"small":0.00001,"t":true,"z":null,` +
		`"tags":["a","b"],"host":{"name":"x","ip":["10.0.0.1"]},"empty":{},"ea":[],"many":[0,1,2,3,4,5,6,7,8,9,10]}`
	const want = `{
     "message" => "Hello \"world\"\n 1 \#{x}",
    "@version" => "1",
           "n" => 1,
           "f" => 1.5,
         "big" => 1.0e+20,
       "small" => 1.0e-05,
           "t" => true,
           "z" => nil,
        "tags" => [
        [0] "a",
        [1] "b"
    ],
        "host" => {
        "name" => "x",
          "ip" => [
            [0] "10.0.0.1"
        ]
    },
       "empty" => {},
          "ea" => [],
        "many" => [
        [ 0] 0,
        [ 1] 1,
        [ 2] 2,
        [ 3] 3,
        [ 4] 4,
        [ 5] 5,
        [ 6] 6,
        [ 7] 7,
        [ 8] 8,
        [ 9] 9,
        [10] 10
    ]
}
`
	var buf bytes.Buffer
	o := NewWriter(&buf, false)
	o.rubydebug = true
	if err := o.Send(context.Background(), "p", []*event.Event{pt.Event(t, doc)}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	// @timestamp is a LogStash::Timestamp: unquoted; @metadata last with
	// metadata => true.
	buf.Reset()
	o.metadata = true
	e := pt.Event(t, `{"@timestamp":"2026-01-02T10:00:00.000Z","message":"m","@metadata":{"beat":"filebeat"}}`)
	if err := o.Send(context.Background(), "p", []*event.Event{e}); err != nil {
		t.Fatal(err)
	}
	const withMeta = `{
    "@timestamp" => 2026-01-02T10:00:00.000Z,
       "message" => "m",
     "@metadata" => {
        "beat" => "filebeat"
    }
}
`
	if buf.String() != withMeta {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), withMeta)
	}
}
