package branch

import (
	"testing"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

func TestBranch(t *testing.T) {
	var cases []condition.Condition
	for _, src := range []string{`level == "ERROR"`, `lsIn("x", field("[tags]"))`} {
		c, err := condition.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	f, err := New(&Config{Cases: cases, Target: event.FieldRef{Path: event.MustPath("[@metadata][b1]")}}, plugin.Env{})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		`{"level":"ERROR","tags":["x"]}`: "1", // the first case that matches wins
		`{"level":"INFO","tags":["x"]}`:  "2",
		`{"level":"INFO"}`:               "0", // the else
	} {
		e, _ := event.DecodeEvent([]byte(in))
		if !f.Apply(e) {
			t.Fatal("dropped")
		}
		if got := e.GetString(event.MustPath("[@metadata][b1]")); got != want {
			t.Errorf("%s: case %s, want %s", in, got, want)
		}
		if string(e.AppendJSON(nil)) != in {
			t.Errorf("%s: the document changed: %s", in, e.AppendJSON(nil))
		}
	}
}
