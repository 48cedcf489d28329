// Package reallines reads configs/testdata/real: log lines as the real
// programs wrote them (each citing the program run, or the docs, test or
// issue it is copied from) with the fields the default config must make
// of them, and judges a parsed line against them. TestRealLines (in
// process) and TestRealLinesOverBeats (the binary over Beats) share it, so
// both hold the lines to the same rules.
package reallines

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
	"time"
)

// Line is one line of testdata/real/*.jsonl.
type Line struct {
	Format  string         `json:"format"`
	Service string         `json:"service"`
	Source  string         `json:"source"`
	Line    string         `json:"line"`
	Path    string         `json:"log_file"`
	Expect  map[string]any `json:"expect"`
	Skip    string         `json:"skip"`
}

// NotParsedByDesign are the real formats the default config does not
// parse, and why: their lines must come out tagged and whole, never
// mis-parsed.
var NotParsedByDesign = map[string]string{
	"werkzeug-plain":  "werkzeug's startup banner is bare text",
	"celery-fragment": "a fragment quoted in an issue, without its time",
	"uvicorn-0.10":    "uvicorn before 0.11 wrote 'LEVEL: message' unpadded, the shape of werkzeug's banner 'WARNING: This is a development server…'; shipping it would mis-parse that",
}

// Declared are real formats that are the user's own (an nginx log_format
// they wrote): a test declares them to the format filter as a user would
// (the YAML of one entry of its formats).
var Declared = map[string]string{
	"nginx-timed":          `{nginx: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'}`,
	"nginx-vhost-combined": `{nginx: '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'}`,
}

// Load reads every *.jsonl under dir, in name order. Every line must cite
// its source.
func Load(dir string) ([]Line, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("reallines: no %s/*.jsonl: %v", dir, err)
	}
	var out []Line
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var l Line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			if l.Source == "" {
				f.Close()
				return nil, fmt.Errorf("%s:%d: a real line cites its source", name, n)
			}
			out = append(out, l)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

// Billing reports whether the line is a dCache billing line (sent with
// fields.service dcache-billing, as the shipped Filebeat config does).
func (l Line) Billing() bool { return strings.HasPrefix(l.Format, "dcache") }

// Header reports whether the line is a billing file's format header,
// which the default config learns from and drops.
func (l Line) Header() bool { return l.Billing() && strings.HasPrefix(l.Line, "## ") }

// Outcome is what became of a line: exact (every expected field equal,
// no failure tag), tagged (a failure tag: not parsed, kept whole), or
// wrong (no failure tag but a field differs), which must never happen.
type Outcome int

// The outcomes.
const (
	Exact Outcome = iota
	Tagged
	Wrong
)

// Judge compares what a line became with its expectations. get looks a
// field up by its ECS name ("http.response.status_code"); failed says
// whether a failure tag is on the document.
func (l Line) Judge(get func(name string) (any, bool), failed bool) (Outcome, []string) {
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(l.Expect)) {
		want := l.Expect[k]
		got, ok := get(k)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: want %v, absent", k, want))
		case k == "@timestamp":
			if !sameTime(want, got) {
				bad = append(bad, fmt.Sprintf("%s: want %v, got %v", k, want, got))
			}
		case !SameValue(want, got):
			bad = append(bad, fmt.Sprintf("%s: want %#v, got %#v", k, want, got))
		}
	}
	switch {
	case failed:
		return Tagged, bad
	case len(bad) == 0:
		return Exact, nil
	}
	return Wrong, bad
}

// SameValue compares an expectation (from JSON) with a value: numbers by
// value (int64, float64 or json.Number), strings and bools exactly,
// anything else by its printed form.
func SameValue(want, got any) bool {
	switch w := want.(type) {
	case float64:
		var g float64
		switch x := got.(type) {
		case int64:
			g = float64(x)
		case float64:
			g = x
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return false
			}
			g = f
		default:
			return false
		}
		return math.Abs(w-g) <= 1e-9*math.Max(1, math.Abs(w))
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func sameTime(want, got any) bool {
	ws, _ := want.(string)
	gs, _ := got.(string)
	w, err1 := time.Parse(time.RFC3339Nano, ws)
	g, err2 := time.Parse(time.RFC3339Nano, gs)
	return err1 == nil && err2 == nil && w.Equal(g)
}

// Tally counts outcomes per format.
type Tally map[string]*Counts

// Counts are one format's outcomes.
type Counts struct{ Exact, Tagged, Wrong, Missing int }

// Add counts an outcome.
func (t Tally) Add(format string, o Outcome) {
	c := t[format]
	if c == nil {
		c = &Counts{}
		t[format] = c
	}
	switch o {
	case Exact:
		c.Exact++
	case Tagged:
		c.Tagged++
	default:
		c.Wrong++
	}
}

// Missing counts a line that produced no document.
func (t Tally) Missing(format string) {
	if t[format] == nil {
		t[format] = &Counts{}
	}
	t[format].Missing++
}

// Report gives one line per format and the problems: a format below 98%
// exact, one not parsed by design with a line that was not tagged.
func (t Tally) Report() (table, problems []string) {
	for _, name := range slices.Sorted(maps.Keys(t)) {
		c := t[name]
		n := c.Exact + c.Tagged + c.Wrong + c.Missing
		rate := float64(c.Exact) / float64(n)
		table = append(table, fmt.Sprintf("%-30s %4d/%-4d exact (%5.1f%%)  tagged %d  wrong %d  missing %d", name, c.Exact, n, 100*rate, c.Tagged, c.Wrong, c.Missing))
		if why, ok := NotParsedByDesign[name]; ok {
			if c.Tagged != n {
				problems = append(problems, fmt.Sprintf("%s: %d of %d lines not tagged, but the format is not one ingestd parses (%s)", name, n-c.Tagged, n, why))
			}
			continue
		}
		if rate < 0.98 {
			problems = append(problems, fmt.Sprintf("%s: %.1f%% exact, want at least 98%%", name, 100*rate))
		}
	}
	return table, problems
}
