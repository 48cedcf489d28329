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
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/internal/reallines"
)

// beatsRealLine is a real line with where Filebeat read it: log.file.path
// and log.offset, unique per path as in a file, identify its document.
type beatsRealLine struct {
	reallines.Line
	path    string
	offset  int
	service string // fields.service as sent
}

func loadRealLines(t *testing.T) []*beatsRealLine {
	t.Helper()
	all, err := reallines.Load("../configs/testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	var out []*beatsRealLine
	offsets := map[string]int{}
	for _, l := range all {
		if _, declared := reallines.Declared[l.Format]; l.Skip != "" || declared {
			continue
		}
		rl := &beatsRealLine{Line: l, path: l.Path, service: l.Service}
		if rl.Billing() {
			rl.service = "dcache-billing"
		}
		if rl.path == "" {
			rl.path = "/var/log/pt/" + rl.Service + ".log"
		}
		rl.offset = offsets[rl.path]
		offsets[rl.path] += len(rl.Line.Line) + 1
		out = append(out, rl)
	}
	return out
}

// dataStream is where the default config writes the line's document.
func (rl *beatsRealLine) dataStream() string {
	if rl.Billing() {
		return "logs-dcache.billing-default"
	}
	return "logs-" + rl.Service + "-pt"
}

// filebeatEvent is the line as Filebeat's filestream input ships it.
func (rl *beatsRealLine) filebeatEvent() []byte {
	ev := map[string]any{
		"@timestamp": "2026-01-01T00:00:00.000Z",
		"@metadata":  map[string]any{"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
		"message":    rl.Line.Line,
		"fields":     map[string]any{"group": "pt", "service": rl.service},
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

func TestRealLinesOverBeats(t *testing.T) {
	lines := loadRealLines(t)
	if len(lines) < 400 {
		t.Fatalf("only %d real lines to send", len(lines))
	}
	wantDocs := 0 // a billing header is learned from and dropped
	for _, rl := range lines {
		if !rl.Header() {
			wantDocs++
		}
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
		if len(docs) >= wantDocs || time.Now().After(deadline) {
			break
		}
	}

	byKey := map[string]int{}
	for i, doc := range docs {
		path, _ := get(doc, "log.file.path")
		off, _ := get(doc, "log.offset")
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
	if len(docs) != wantDocs {
		t.Errorf("%d documents for %d lines sent (%d of them headers)", len(docs), len(lines), len(lines)-wantDocs)
	}

	tally := reallines.Tally{}
	for _, rl := range lines {
		i, ok := byKey[realDocKey(rl.path, int64(rl.offset))]
		if rl.Header() {
			// A billing file's format header teaches the file's templates
			// and is dropped, not indexed.
			if ok {
				tally.Add(rl.Format, reallines.Wrong)
				t.Errorf("a billing header was indexed: %q", rl.Line.Line)
			} else {
				tally.Add(rl.Format, reallines.Exact)
			}
			continue
		}
		if !ok {
			tally.Missing(rl.Format)
			t.Errorf("no document for %s line (%s): %q", rl.Format, rl.Source, rl.Line.Line)
			continue
		}
		doc := docs[i]
		if want := rl.dataStream(); streamOf[i] != want {
			t.Errorf("%s line in %s, want %s: %q", rl.Format, streamOf[i], want, rl.Line.Line)
		}
		failed := false
		tags, _ := doc["tags"].([]any)
		for _, tag := range tags {
			if s, _ := tag.(string); strings.HasSuffix(s, "parsefailure") {
				failed = true
			}
		}
		outcome, bad := rl.Judge(func(name string) (any, bool) { return get(doc, name) }, failed)
		// Every document keeps the line as sent, parsed or not.
		if orig, _ := get(doc, "event.original"); orig != rl.Line.Line {
			outcome, bad = reallines.Wrong, append(bad, fmt.Sprintf("event.original: want %q, got %#v", rl.Line.Line, orig))
		}
		tally.Add(rl.Format, outcome)
		switch outcome {
		case reallines.Tagged:
			t.Logf("tagged %s: %q", rl.Format, rl.Line.Line)
		case reallines.Wrong:
			t.Errorf("mis-parse %s (%s): %q\n  %s", rl.Format, rl.Source, rl.Line.Line, strings.Join(bad, "\n  "))
		}
	}
	table, problems := tally.Report()
	for _, l := range table {
		t.Log(l)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
