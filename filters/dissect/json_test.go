package dissect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

func TestCutsJSONText(t *testing.T) {
	f := pt.Filter(t, New, `
mapping: {message: "%{log_level}|%{logger_name}|%{[@metadata][ts]}|%{message}"}
`)
	e := pt.Apply(t, f, `{"message":"ERROR|apps.x|2025-01-01T00:00:00.000|payload {\"a\": \"b|c\"}\nTraceback:\n  File \"x.py\""}`)
	pt.SameDoc(t, e, `{"message":"payload {\"a\": \"b|c\"}\nTraceback:\n  File \"x.py\"","log_level":"ERROR","logger_name":"apps.x"}`)
	msg, _ := e.Get(event.MustPath("message"))
	if _, ok := msg.CuttableText(); !ok {
		t.Error("the part was not cut from the JSON text")
	}
	if ts := e.GetString(event.MustPath("[@metadata][ts]")); ts != "2025-01-01T00:00:00.000" {
		t.Errorf("ts %q", ts)
	}
	// \u and \/ can stand for a delimiter: such a text is cut unescaped.
	e = pt.Apply(t, f, `{"message":"INFO\u007capps.y|ts|a\/b"}`)
	pt.SameDoc(t, e, `{"message":"a/b","log_level":"INFO","logger_name":"apps.y"}`)
}

func TestCutsJSONRules(t *testing.T) {
	for pat, want := range map[string]bool{
		"%{a}|%{b}":       true,
		"[%{a}] %{b}":     true,
		"%{a} - %{b}":     true,
		"%{a}n%{b}":       false, // could start on the n of \n
		`%{a}"%{b}`:       false, // a quote is \" in the text
		"%{a}\t%{b}":      false,
		"%{a} %{+a} %{b}": false,
		"b%{a} %{b}":      true, // a prefix starts at the start
	} {
		p, err := compilePattern("message", pat)
		if err != nil {
			t.Fatal(err)
		}
		if p.onJSON != want {
			t.Errorf("%q: onJSON %v, want %v", pat, p.onJSON, want)
		}
	}
}

// FuzzJSONTextCutsAsPlain: wherever the pattern may cut the JSON text, the
// parts read and write exactly as cutting the unescaped string gives.
func FuzzJSONTextCutsAsPlain(f *testing.F) {
	f.Add("%{a}|%{b}|%{c}", "INFO|x|\"q\"\\n|rest\n")
	f.Add("[%{a}] %{b->} %{c}", "[t] lvl    \\\" end")
	f.Add("%{a}: %{b}", "k\\: v: w")
	f.Add("%{a}rn%{b}", "x\r\nrn")
	f.Fuzz(func(t *testing.T, pat, msg string) {
		p, err := compilePattern("message", pat)
		if err != nil || !p.onJSON {
			return
		}
		raw, _ := json.Marshal(map[string]string{"message": msg})
		e, err := event.DecodeEvent(raw)
		if err != nil {
			return
		}
		v, _ := e.Get(p.source)
		text, ok := v.CuttableText()
		if !ok {
			return
		}
		plain := make([]string, len(p.keys))
		onText := make([]string, len(p.keys))
		okPlain, okText := p.match(v.Str(), plain), p.match(text, onText)
		if okPlain != okText {
			t.Fatalf("%q on %q: plain %v, JSON text %v", pat, text, okPlain, okText)
		}
		for i := range plain {
			if !okPlain {
				break
			}
			part := v.Part(onText[i])
			if part.Str() != plain[i] {
				t.Fatalf("%q on %q: part %d reads %q, plain %q", pat, text, i, part.Str(), plain[i])
			}
			var back string
			if out := part.AppendJSON(nil); json.Unmarshal(out, &back) != nil || back != plain[i] {
				t.Fatalf("%q on %q: part %d writes %s, plain %q", pat, text, i, out, plain[i])
			}
		}
	})
}

// BenchmarkDissectQuoting cuts a message that quotes JSON (an escape every
// dozen bytes) and writes the event, as a bulk request would: from the
// JSON text as received (the way a decoded event goes), and from the
// unescaped string (the way before, and still for a string that needs
// repair or holds \u escapes).
func BenchmarkDissectQuoting(b *testing.B) {
	msg := `INFO|apps.parcels.views|2025-12-30T21:16:01.340|payload {"parcel": 205, "status": "shipped", "carrier": {"name": "DHL", "tracking": "JD0146"}, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]}` + "\nTraceback:\n  File \"x.py\", line 3"
	quoted, _ := json.Marshal(map[string]string{"message": msg})
	plain, _ := json.Marshal(map[string]string{"message": msg + "\u00e9"}) // a \u escape in the JSON text: the plain way
	f := pt.Filter(b, New, `mapping: {message: "%{log_level}|%{logger_name}|%{[@metadata][ts]}|%{message}"}`)
	for name, raw := range map[string][]byte{"json-text": quoted, "unescaped": []byte(strings.Replace(string(plain), "é", `\u00e9`, 1))} {
		b.Run(name, func(b *testing.B) {
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				e, err := event.DecodeEvent(raw)
				if err != nil {
					b.Fatal(err)
				}
				f.Apply(e)
				out = e.AppendJSON(out[:0])
			}
		})
	}
}
