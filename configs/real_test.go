package configs_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// realLine is one line of testdata/real/*.jsonl: a line as a real program
// wrote it (each cites its source: the program and version run, or the
// project's docs, tests or issue it is copied from) and the fields the
// default config must make of it.
type realLine struct {
	Format  string         `json:"format"`
	Service string         `json:"service"`
	Source  string         `json:"source"`
	Line    string         `json:"line"`
	Path    string         `json:"log_file"`
	Expect  map[string]any `json:"expect"`
	Skip    string         `json:"skip"`
}

// notParsedByDesign are the real formats the default config cannot parse,
// and why: their lines must come out tagged and whole, never mis-parsed.
var notParsedByDesign = map[string]string{
	"django-plain":    "Django's default console handler writes the bare message: nothing to parse",
	"werkzeug-plain":  "werkzeug's startup banner is bare text",
	"celery-fragment": "a fragment quoted in an issue, without its time",
	"uvicorn-0.10":    "uvicorn before 0.11 wrote 'LEVEL: message' unpadded, the shape of werkzeug's banner 'WARNING: This is a development server…'; shipping it would mis-parse that",
}

// declaredFormats are real formats that are the user's own (an nginx
// log_format they wrote): the test declares them to the format filter as a
// user would, and checks the same fields.
var declaredFormats = map[string]string{
	"nginx-timed":          `{nginx: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'}`,
	"nginx-vhost-combined": `{nginx: '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'}`,
}

func loadReal(t *testing.T) []realLine {
	t.Helper()
	files, err := filepath.Glob("testdata/real/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/real/*.jsonl: %v", err)
	}
	var out []realLine
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var rl realLine
			if err := json.Unmarshal(sc.Bytes(), &rl); err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			if rl.Source == "" {
				t.Fatalf("%s:%d: a real line cites its source", name, n)
			}
			out = append(out, rl)
		}
		f.Close()
	}
	return out
}

// dotted turns an ECS name ("http.response.status_code") into a path.
func dotted(name string) event.Path {
	if strings.HasPrefix(name, "@") {
		return event.Path{name}
	}
	return event.Path(strings.Split(name, "."))
}

func sameValue(want, got any) bool {
	switch w := want.(type) {
	case float64:
		switch g := got.(type) {
		case int64:
			return w == float64(g)
		case float64:
			return math.Abs(w-g) <= 1e-9*math.Max(1, math.Abs(w))
		}
		return false
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func sameTime(want, got string) bool {
	w, err1 := time.Parse(time.RFC3339Nano, want)
	g, err2 := time.Parse(time.RFC3339Nano, got)
	return err1 == nil && err2 == nil && w.Equal(g)
}

// TestRealLines runs every real line through the default config as
// Filebeat would send it (fields.group pt, fields.service as the line's
// service) and checks the contract's fields. A line is exact (every
// expected field equal, no failure tag), tagged (a failure tag: not
// parsed, kept whole), or mis-parsed (no failure tag but a field wrong),
// which must never happen.
func TestRealLines(t *testing.T) {
	reg := builtin.Registry()
	cfg, err := config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", reg, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Shipped = configs.Shipped
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]plugin.Filter{}
	for name, decl := range declaredFormats {
		p, _ := reg.Lookup(plugin.KindFilter, "format")
		c := p.NewConfig()
		if err := spec.DecodeYAML(name, "formats: ["+decl+"]", c); err != nil {
			t.Fatal(err)
		}
		f, err := p.Build(c, plugin.Env{Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		declared[name] = f.(plugin.Filter)
	}
	type tally struct{ exact, tagged, wrong int }
	perFormat := map[string]*tally{}
	for _, rl := range loadReal(t) {
		if rl.Skip != "" {
			continue
		}
		service := rl.Service
		if strings.HasPrefix(rl.Format, "dcache") {
			service = "dcache-billing" // what the shipped Filebeat config sends
		}
		doc := map[string]any{"message": rl.Line, "@timestamp": "2026-01-01T00:00:00.000Z",
			"fields": map[string]any{"group": "pt", "service": service}}
		if rl.Path != "" {
			doc["log"] = map[string]any{"file": map[string]any{"path": rl.Path}, "offset": 0}
		}
		data, _ := json.Marshal(doc)
		e, err := event.DecodeEvent(data)
		if err != nil {
			t.Fatal(err)
		}
		kept := true
		if f, ok := declared[rl.Format]; ok {
			e.Set(event.Path{"service"}, event.String(rl.Service))
			kept = f.Apply(e)
		} else {
			kept = r.Route(e).Process(e)
		}
		tl := perFormat[rl.Format]
		if tl == nil {
			tl = &tally{}
			perFormat[rl.Format] = tl
		}
		if strings.HasPrefix(rl.Line, "## ") && strings.HasPrefix(rl.Format, "dcache") {
			// A billing file's format header teaches the file's templates
			// and is dropped, not indexed.
			if kept {
				tl.wrong++
				t.Errorf("%s: a billing header was indexed: %q", rl.Format, rl.Line)
			} else {
				tl.exact++
			}
			continue
		}
		failed := false
		for _, tag := range e.Tags() {
			if strings.HasSuffix(tag, "parsefailure") {
				failed = true
			}
		}
		var bad []string
		for _, k := range slices.Sorted(maps.Keys(rl.Expect)) {
			want := rl.Expect[k]
			got, ok := e.Get(dotted(k))
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("%s: want %v, absent", k, want))
			case k == "@timestamp":
				if ws, _ := want.(string); !sameTime(ws, got.Text()) {
					bad = append(bad, fmt.Sprintf("%s: want %v, got %s", k, want, got.Text()))
				}
			case !sameValue(want, got.Interface()):
				bad = append(bad, fmt.Sprintf("%s: want %#v, got %#v", k, want, got.Interface()))
			}
		}
		switch {
		case failed:
			tl.tagged++
			t.Logf("tagged %s: %q", rl.Format, rl.Line)
		case len(bad) == 0:
			tl.exact++
		default:
			tl.wrong++
			t.Errorf("mis-parse %s (%s): %q\n  %s", rl.Format, rl.Source, rl.Line, strings.Join(bad, "\n  "))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(perFormat)) {
		tl := perFormat[name]
		n := tl.exact + tl.tagged + tl.wrong
		rate := float64(tl.exact) / float64(n)
		t.Logf("%-28s %4d/%-4d exact (%5.1f%%)  tagged %d  wrong %d", name, tl.exact, n, 100*rate, tl.tagged, tl.wrong)
		if why, ok := notParsedByDesign[name]; ok {
			if tl.tagged != n {
				t.Errorf("%s: %d of %d lines parsed, but the format is not one ingestd parses (%s)", name, n-tl.tagged, n, why)
			}
			continue
		}
		if rate < 0.98 {
			t.Errorf("%s: %.1f%% exact, want at least 98%%", name, 100*rate)
		}
	}
}
