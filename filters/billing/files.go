package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/format/billing"
	"github.com/rs/zerolog"
)

// maxFiles bounds how many files' templates are kept: billing files
// rotate daily, and a file's headers matter only while it is written.
const maxFiles = 256

// fileKey names a billing file: the agent that sends it and its path.
type fileKey struct{ agent, path string }

// fileTemplates are the templates learned from files' headers, by file,
// saved as JSON under the data dir.
type fileTemplates struct {
	path string // "" when there is no data dir: learn, don't keep
	site map[string]string
	log  zerolog.Logger

	mu    sync.RWMutex
	libs  map[fileKey]*billing.Library
	known map[fileKey]map[string][]string // what each file declared, oldest first
	order []fileKey                       // oldest first
	dirty bool
	saved time.Time // when the file was last written
}

// saveEvery bounds how often learning writes the file: a billing cell
// restarted in a loop, or files that alternate their headers, must not
// turn every header line into a disk write. What is learned in between
// is written by the next save or at Close.
const saveEvery = 5 * time.Second

type savedFile struct {
	Agent     string              `json:"agent"`
	Path      string              `json:"path"`
	Templates map[string][]string `json:"templates"`
}

func openFileTemplates(dataDir string, site map[string]string, log zerolog.Logger) (*fileTemplates, error) {
	ft := &fileTemplates{site: site, log: log, libs: map[fileKey]*billing.Library{}, known: map[fileKey]map[string][]string{}}
	if dataDir == "" {
		return ft, nil
	}
	ft.path = filepath.Join(dataDir, "dcache-billing", "templates.json")
	data, err := os.ReadFile(ft.path)
	if errors.Is(err, fs.ErrNotExist) {
		return ft, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dcache_billing: learned templates: %w", err)
	}
	var saved []savedFile
	if err := json.Unmarshal(data, &saved); err != nil {
		// A damaged file costs the learned templates, not the node: the
		// headers of the files still written teach them again.
		log.Warn().Err(err).Str("file", ft.path).Msg("dcache_billing: learned templates unreadable; starting without them")
		return ft, nil
	}
	for _, s := range saved {
		k := fileKey{s.Agent, s.Path}
		for _, mt := range slices.Sorted(maps.Keys(s.Templates)) {
			for _, t := range s.Templates[mt] {
				if err := ft.learnLocked(k, mt, t); err != nil {
					log.Warn().Err(err).Str("path", s.Path).Msg("dcache_billing: a saved template does not compile; skipped")
				}
			}
		}
	}
	ft.dirty = false
	return ft, nil
}

// library is the file's library, nil when it declared nothing.
func (ft *fileTemplates) library(k fileKey) *billing.Library {
	ft.mu.RLock()
	defer ft.mu.RUnlock()
	return ft.libs[k]
}

// learn takes a header's template for file k and saves the change.
func (ft *fileTemplates) learn(k fileKey, msgType, template string) error {
	ft.mu.RLock()
	known := slices.Contains(ft.known[k][msgType], template)
	ft.mu.RUnlock()
	if known {
		return nil
	}
	// Kept for good (map keys, the library, the saved file): copies, not
	// the event's text, whose memory the input recycles for later batches
	// once the event is done (the keys read as other events' bytes, and
	// the library of the file was never found again).
	k = fileKey{strings.Clone(k.agent), strings.Clone(k.path)}
	msgType, template = strings.Clone(msgType), strings.Clone(template)
	ft.mu.Lock()
	err := ft.learnLocked(k, msgType, template)
	due := time.Since(ft.saved) >= saveEvery
	ft.mu.Unlock()
	if err != nil || !due {
		return err
	}
	return ft.save()
}

func (ft *fileTemplates) learnLocked(k fileKey, msgType, template string) error {
	if slices.Contains(ft.known[k][msgType], template) {
		return nil
	}
	lib := ft.libs[k]
	if lib == nil {
		lib = billing.NewLibrary()
		for _, mt := range slices.Sorted(maps.Keys(ft.site)) {
			if err := lib.Learn(mt, billing.ExpandProperty(ft.site[mt])); err != nil {
				return err
			}
		}
	}
	if err := lib.Learn(msgType, template); err != nil {
		return err
	}
	if ft.libs[k] == nil {
		ft.libs[k] = lib
		ft.known[k] = map[string][]string{}
		ft.order = append(ft.order, k)
		if len(ft.order) > maxFiles {
			old := ft.order[0]
			ft.order = ft.order[1:]
			delete(ft.libs, old)
			delete(ft.known, old)
		}
	}
	ft.known[k][msgType] = append(ft.known[k][msgType], template)
	ft.dirty = true
	return nil
}

// save writes the learned templates (atomically: a crash leaves the old
// file or the new one).
func (ft *fileTemplates) save() error {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.path == "" || !ft.dirty {
		return nil
	}
	saved := make([]savedFile, 0, len(ft.order))
	for _, k := range ft.order {
		saved = append(saved, savedFile{Agent: k.agent, Path: k.path, Templates: ft.known[k]})
	}
	data, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(ft.path), 0o755); err != nil {
		return fmt.Errorf("dcache_billing: save learned templates: %w", err)
	}
	tmp := ft.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("dcache_billing: save learned templates: %w", err)
	}
	if err := os.Rename(tmp, ft.path); err != nil {
		return fmt.Errorf("dcache_billing: save learned templates: %w", err)
	}
	ft.dirty = false
	ft.saved = time.Now()
	return nil
}
