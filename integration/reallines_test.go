package integration

// TestRealLinesOverBeats sends the real log lines of
// configs/testdata/real/*.jsonl (each line there cites its own source: the
// program and version that wrote it, or the docs, test or issue it is
// copied from) to the real ingestd binary on its embedded default config,
// over the Beats protocol with go-lumber's client/v2 (what Filebeat's
// logstash output uses), and checks the NDJSON documents by the rules of
// configs/real_test.go's TestRealLines, which runs the same lines in
// process: what differs between the two is a bug between the socket and
// the engine.

import (
	"bufio"
	"bytes"
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
)

// realLineNotParsed are the keys of notParsedByDesign in
// configs/real_test.go: formats the default config cannot parse, whose
// lines must come out tagged with event.original intact.
var realLineNotParsed = map[string]bool{
	"django-plain":    true,
	"werkzeug-plain":  true,
	"celery-fragment": true,
	"uvicorn-0.10":    true,
}

// realLineDeclared are the formats TestRealLines declares to the format
// filter as a user would: the default config, run as is, does not know
// them.
var realLineDeclared = map[string]bool{"nginx-timed": true, "nginx-vhost-combined": true}

type beatsRealLine struct {
	Format  string         `json:"format"`
	Service string         `json:"service"`
	Source  string         `json:"source"`
	Line    string         `json:"line"`
	Path    string         `json:"log_file"`
	Expect  map[string]any `json:"expect"`
	Skip    string         `json:"skip"`

	path   string // log.file.path as sent
	offset int    // log.offset as sent: unique per path, as in a file
}

func loadRealLines(t *testing.T) []*beatsRealLine {
	t.Helper()
	files, err := filepath.Glob("../configs/testdata/real/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no ../configs/testdata/real/*.jsonl: %v", err)
	}
	var out []*beatsRealLine
	offsets := map[string]int{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			rl := &beatsRealLine{}
			if err := json.Unmarshal(sc.Bytes(), rl); err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			if rl.Source == "" {
				t.Fatalf("%s:%d: a real line cites its source", name, n)
			}
			if rl.Skip != "" || strings.HasPrefix(rl.Format, "dcache") || realLineDeclared[rl.Format] {
				continue
			}
			rl.path = rl.Path
			if rl.path == "" {
				rl.path = "/var/log/pt/" + rl.Service + ".log"
			}
			rl.offset = offsets[rl.path]
			offsets[rl.path] += len(rl.Line) + 1
			out = append(out, rl)
		}
	}
	return out
}

// filebeatEvent is the line as Filebeat's filestream input ships it.
func (rl *beatsRealLine) filebeatEvent() []byte {
	ev := map[string]any{
		"@timestamp": "2026-01-01T00:00:00.000Z",
		"@metadata":  map[string]any{"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
		"message":    rl.Line,
		"fields":     map[string]any{"group": "pt", "service": rl.Service},
		"input":      map[string]any{"type": "filestream"},
		"host":       map[string]any{"name": "pt-vm"},
		"log":        map[string]any{"file": map[string]any{"path": rl.path}, "offset": rl.offset},
		"agent":      map[string]any{"name": "pt-vm", "type": "filebeat", "version": "9.3.0"},
		"ecs":        map[string]any{"version": "8.0.0"},
	}
	data, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return data
}

// readStreamDocs decodes every document of every data stream file under
// dir, numbers as json.Number, with the stream each is in.
func readStreamDocs(t *testing.T, dir string) (docs []map[string]any, streamOf []string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		name, ok := strings.CutSuffix(en.Name(), ".ndjson")
		if !ok {
			continue
		}
		for _, l := range readLines(t, filepath.Join(dir, en.Name())) {
			d := json.NewDecoder(bytes.NewReader(l))
			d.UseNumber()
			var doc map[string]any
			if err := d.Decode(&doc); err != nil {
				t.Fatalf("%s: not a JSON document: %v: %.300s", en.Name(), err, l)
			}
			docs, streamOf = append(docs, doc), append(streamOf, name)
		}
	}
	return docs, streamOf
}

// realDocKey identifies a document by where Filebeat read its line.
func realDocKey(path string, offset int64) string { return fmt.Sprintf("%s@%d", path, offset) }

// sameRealValue is configs/real_test.go's sameValue on a decoded JSON
// document (numbers as json.Number): numbers by value, strings and bools
// exactly, anything else by its printed form.
func sameRealValue(want, got any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		if i, err := g.Int64(); err == nil {
			return w == float64(i)
		}
		f, err := g.Float64()
		return err == nil && math.Abs(w-f) <= 1e-9*math.Max(1, math.Abs(w))
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func sameRealTime(want, got any) bool {
	ws, _ := want.(string)
	gs, _ := got.(string)
	w, err1 := time.Parse(time.RFC3339Nano, ws)
	g, err2 := time.Parse(time.RFC3339Nano, gs)
	return err1 == nil && err2 == nil && w.Equal(g)
}

// getDotted follows an ECS name through nested objects; "@timestamp" and
// the like are one key.
func getDotted(doc map[string]any, name string) (any, bool) {
	if strings.HasPrefix(name, "@") {
		v, ok := doc[name]
		return v, ok
	}
	var cur any = doc
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestRealLinesOverBeats(t *testing.T) {
	lines := loadRealLines(t)
	if len(lines) < 400 {
		t.Fatalf("only %d real lines to send", len(lines))
	}

	// The binary on its embedded default config, as a user runs it: no -c,
	// no Elasticsearch, so NDJSON files under the data dir.
	addr := freePort(t)
	dir := t.TempDir()
	p := startProc(t, []string{"INGESTD_DATA_DIR=" + dir, "INGESTD_BEATS_LISTEN=" + addr,
		"INGESTD_HTTP_LISTEN=127.0.0.1:0", "INGESTD_ES_HOSTS="}, nil, "run")
	p.waitListening(t, addr)

	cl, err := dial(t, addr, nil, clientTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const batchSize = 128
	for start := 0; start < len(lines); start += batchSize {
		batch := make([]any, 0, batchSize)
		for _, rl := range lines[start:min(start+batchSize, len(lines))] {
			batch = append(batch, rl.filebeatEvent())
		}
		if n, err := cl.Send(batch); err != nil || n != len(batch) {
			t.Fatalf("batch at line %d: ACKed %d of %d: %v\n%s", start, n, len(batch), err, p.logs)
		}
	}

	// An ACK means written and synced; the wait only bounds a slow disk.
	// A line still without its document at the deadline is reported below.
	var docs []map[string]any
	var streamOf []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		docs, streamOf = readStreamDocs(t, filepath.Join(dir, "streams"))
		if len(docs) >= len(lines) || time.Now().After(deadline) {
			break
		}
	}

	byKey := map[string]int{}
	for i, doc := range docs {
		path, _ := getDotted(doc, "log.file.path")
		off, _ := getDotted(doc, "log.offset")
		ps, _ := path.(string)
		on, _ := off.(json.Number)
		o, err := on.Int64()
		if ps == "" || err != nil {
			t.Fatalf("document in %s without log.file.path/log.offset: %v", streamOf[i], doc)
		}
		k := realDocKey(ps, o)
		if _, dup := byKey[k]; dup {
			t.Errorf("two documents for %s", k)
		}
		byKey[k] = i
	}
	if len(docs) != len(lines) {
		t.Errorf("%d documents for %d lines sent", len(docs), len(lines))
	}

	type tally struct{ exact, tagged, wrong, missing int }
	perFormat := map[string]*tally{}
	for _, rl := range lines {
		tl := perFormat[rl.Format]
		if tl == nil {
			tl = &tally{}
			perFormat[rl.Format] = tl
		}
		i, ok := byKey[realDocKey(rl.path, int64(rl.offset))]
		if !ok {
			tl.missing++
			t.Errorf("no document for %s line (%s): %q", rl.Format, rl.Source, rl.Line)
			continue
		}
		doc := docs[i]
		if want := "logs-" + rl.Service + "-pt"; streamOf[i] != want {
			t.Errorf("%s line in %s, want %s: %q", rl.Format, streamOf[i], want, rl.Line)
		}
		failed := false
		tags, _ := doc["tags"].([]any)
		for _, tag := range tags {
			if s, _ := tag.(string); strings.HasSuffix(s, "parsefailure") {
				failed = true
			}
		}
		orig, _ := getDotted(doc, "event.original")
		var bad []string
		if orig != rl.Line {
			bad = append(bad, fmt.Sprintf("event.original: want %q, got %#v", rl.Line, orig))
		}
		for _, k := range slices.Sorted(maps.Keys(rl.Expect)) {
			want := rl.Expect[k]
			got, ok := getDotted(doc, k)
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("%s: want %v, absent", k, want))
			case k == "@timestamp":
				if !sameRealTime(want, got) {
					bad = append(bad, fmt.Sprintf("%s: want %v, got %v", k, want, got))
				}
			case !sameRealValue(want, got):
				bad = append(bad, fmt.Sprintf("%s: want %#v, got %#v", k, want, got))
			}
		}
		switch {
		case failed && orig == rl.Line:
			tl.tagged++
			t.Logf("tagged %s: %q", rl.Format, rl.Line)
		case failed:
			tl.wrong++
			t.Errorf("tagged %s line (%s) lost its event.original: got %#v, want %q", rl.Format, rl.Source, orig, rl.Line)
		case len(bad) == 0:
			tl.exact++
		default:
			tl.wrong++
			t.Errorf("mis-parse %s (%s): %q\n  %s", rl.Format, rl.Source, rl.Line, strings.Join(bad, "\n  "))
		}
	}

	for _, name := range slices.Sorted(maps.Keys(perFormat)) {
		tl := perFormat[name]
		n := tl.exact + tl.tagged + tl.wrong + tl.missing
		rate := float64(tl.exact) / float64(n)
		t.Logf("%-30s %4d/%-4d exact (%5.1f%%)  tagged %d  wrong %d  missing %d", name, tl.exact, n, 100*rate, tl.tagged, tl.wrong, tl.missing)
		if realLineNotParsed[name] {
			if tl.tagged != n {
				t.Errorf("%s: %d of %d lines not tagged whole, but the default config does not parse the format", name, n-tl.tagged, n)
			}
			continue
		}
		if rate < 0.98 {
			t.Errorf("%s: %.1f%% exact, want at least 98%%", name, 100*rate)
		}
	}
}
