// Package deadletter is the store for events an output could not deliver
// for good (Elasticsearch answered 400 or 404 for them): NDJSON files under
// <data_dir>/dead-letters/, one record per line, fsynced before the events
// count as done. A record keeps the event as the client sent it, so that
// `ingestd replay` can send it through a corrected config.
package deadletter

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/internal/backoff"
)

// Record is one dead letter.
type Record struct {
	Time       time.Time       `json:"@timestamp"`
	Pipeline   string          `json:"pipeline,omitempty"`
	Input      string          `json:"input,omitempty"` // the id of the input the event came from
	Piece      uint64          `json:"piece,omitempty"` // event.Event.Piece: one of the events a filter made of one
	Output     string          `json:"output"`
	DataStream string          `json:"data_stream,omitempty"`
	Error      Error           `json:"error"`
	Event      json.RawMessage `json:"event"`              // as the client sent it
	Document   json.RawMessage `json:"document,omitempty"` // what was refused
}

// Error is why the destination refused the event.
type Error struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Store appends records to <dir>/<output id>.ndjson. It is safe for
// concurrent use.
type Store struct {
	dir string

	mu    sync.Mutex
	files map[string]*os.File
}

// Open prepares dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("deadletter: %w", err)
	}
	return &Store{dir: dir, files: map[string]*os.File{}}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// WriteRetrying writes records, retrying after delay(attempt) until the
// disk takes them or ctx ends (an event is never done unwritten: while
// this waits, its batch stays unacknowledged). failed hears each error.
func (s *Store) WriteRetrying(ctx context.Context, records []Record, delay func(attempt int) time.Duration, failed func(error)) error {
	for attempt := 0; ; attempt++ {
		err := s.Write(records)
		if err == nil {
			return nil
		}
		failed(err)
		if !backoff.Sleep(ctx, delay(attempt)) {
			return fmt.Errorf("dead letters not written: %w", ctx.Err())
		}
	}
}

// Write appends records and syncs the file before returning.
func (s *Store) Write(records []Record) error {
	if len(records) == 0 {
		return nil
	}
	var buf []byte
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("deadletter: encode: %w", err)
		}
		buf = append(append(buf, line...), '\n')
	}
	name := records[0].Output
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[name]
	if f == nil {
		var err error
		f, err = os.OpenFile(filepath.Join(s.dir, fileName(name)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("deadletter: %w", err)
		}
		s.files[name] = f
	}
	if _, err := f.Write(buf); err != nil {
		return fmt.Errorf("deadletter: write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("deadletter: sync %s: %w", f.Name(), err)
	}
	return nil
}

// Close closes the files.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.files = map[string]*os.File{}
	return first
}

func fileName(output string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, output) + ".ndjson"
}

// Files lists the dead-letter files of dir (not those being replayed).
func Files(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	return matches, nil
}

// Read returns the records of a file.
func Read(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("deadletter: %w", err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for line := 1; sc.Scan(); line++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("deadletter: %s:%d: %w", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("deadletter: %s: %w", path, err)
	}
	return out, nil
}
