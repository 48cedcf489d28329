package translate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
)

// A dictionary file (Logstash's dictionary_path): YAML, JSON or CSV by its
// extension, as logstash-filter-translate reads them, reloaded when it
// changes, every refresh_interval.

// loadDictionary reads a dictionary file into a map.
func loadDictionary(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("translate: dictionary %s: %w", path, err)
	}
	out := map[string]string{}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml":
		// Read as a node, not into a map: a key written twice is no error,
		// the last value wins (logstash-filter-translate's yaml_file.rb
		// overwrites as it loads).
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("translate: dictionary %s: %w", path, err)
		}
		if len(doc.Content) == 0 {
			break
		}
		m := doc.Content[0]
		if m.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("translate: dictionary %s: line %d: expected a mapping of keys to values", path, m.Line)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			var v any
			if err := m.Content[i+1].Decode(&v); err != nil {
				return nil, fmt.Errorf("translate: dictionary %s: line %d: %w", path, m.Content[i+1].Line, err)
			}
			out[m.Content[i].Value] = scalarText(v)
		}
	case ".json":
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // numbers as written: 1000000, not 1e+06
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("translate: dictionary %s: %w", path, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("translate: dictionary %s: data after the JSON object", path)
		}
		for k, v := range m {
			out[k] = scalarText(v)
		}
	case ".csv":
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("translate: dictionary %s: %w", path, err)
			}
			if len(rec) < 2 {
				return nil, fmt.Errorf("translate: dictionary %s: a row needs a key and a value: %q", path, rec)
			}
			out[rec[0]] = rec[1]
		}
	default:
		return nil, fmt.Errorf("translate: dictionary %s: the file name must end in .yml, .yaml, .json or .csv", path)
	}
	return out, nil
}

// scalarText is a dictionary value as text (numbers and booleans as
// written; Logstash's YAML and JSON values are strings in practice).
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// dictFile keeps a dictionary file's current contents and reloads it when
// its modification time changes.
type dictFile struct {
	path    string
	current atomic.Pointer[map[string]string]
	modTime time.Time
	cancel  context.CancelFunc
	done    sync.WaitGroup
	onError func(error)
}

func openDictFile(path string, every time.Duration, onError func(error)) (*dictFile, error) {
	d := &dictFile{path: path, onError: onError}
	if err := d.load(); err != nil {
		return nil, err
	}
	if every > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		d.cancel = cancel
		d.done.Go(func() { d.watch(ctx, every) })
	}
	return d, nil
}

func (d *dictFile) load() error {
	st, err := os.Stat(d.path)
	if err != nil {
		return fmt.Errorf("translate: dictionary %s: %w", d.path, err)
	}
	m, err := loadDictionary(d.path)
	if err != nil {
		return err
	}
	d.current.Store(&m)
	d.modTime = st.ModTime()
	return nil
}

// watch reloads the file when it changed; a file that cannot be read
// keeps the last dictionary (a half-written file is not a lookup table).
func (d *dictFile) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := os.Stat(d.path)
		if err != nil || st.ModTime().Equal(d.modTime) {
			if err != nil && d.onError != nil {
				d.onError(err)
			}
			continue
		}
		if err := d.load(); err != nil && d.onError != nil {
			d.onError(err)
		}
	}
}

func (d *dictFile) dict() map[string]string { return *d.current.Load() }

func (d *dictFile) close() {
	if d.cancel != nil {
		d.cancel()
		d.done.Wait()
	}
}
