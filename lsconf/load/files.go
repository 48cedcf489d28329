package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ingestd/ingestd/lsconf"
)

// Source is one piece of configuration text and the name errors give it.
type Source struct {
	Name string
	Text []byte
}

// Sources parses several configuration texts as one pipeline, the way
// Logstash compiles the parts of a path.config (ConfigCompiler.compileSources):
// each part is parsed on its own (so a part must be complete: a section
// cannot start in one file and end in the next) and the sections are then
// put together in order, inputs and outputs side by side and filters
// chained part after part. The Config has the sections of all parts in
// that order; positions name each part. Problems of all parts are reported
// together.
func Sources(srcs []Source, opts lsconf.ParseOptions) (*lsconf.Config, error) {
	out := &lsconf.Config{}
	var errs lsconf.ErrorList
	for _, s := range srcs {
		cfg, err := lsconf.Parse(s.Name, s.Text, opts)
		out.Sections = append(out.Sections, cfg.Sections...)
		var list lsconf.ErrorList
		if errors.As(err, &list) {
			errs = append(errs, list...)
		}
	}
	return out, errs.Err()
}

// fileURI is local.rb's LOCAL_FILE_URI: a file:// prefix is dropped.
var fileURI = regexp.MustCompile(`(?i)^file://`)

// ConfigFiles lists the files a path.config setting names, in the order
// Logstash reads them (ConfigPathLoader in config/source/local.rb): a
// directory means every file in it (dir/*); otherwise the path is a glob
// pattern (Ruby's, with {a,b} and **). The matches are sorted as strings,
// directories are skipped, and so are names ending in ~ (editor backups,
// which Logstash skips with a warning). Paths are made absolute, as
// Logstash expands them.
func ConfigFiles(path string) ([]string, error) {
	path = fileURI.ReplaceAllString(path, "")
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("path.config %q: %w", path, err)
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		abs = filepath.Join(abs, "*")
	}
	matches, err := glob(abs)
	if err != nil {
		return nil, fmt.Errorf("path.config %q: %w", path, err)
	}
	var files []string
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil || st.IsDir() || strings.HasSuffix(m, "~") {
			continue
		}
		files = append(files, m)
	}
	return files, nil
}

// Path reads and parses the files of a path.config setting (see
// ConfigFiles for which files, in what order) as one pipeline (see
// Sources). It fails if no file matches, and, as Logstash does, if a
// file is not valid UTF-8.
func Path(path string, opts lsconf.ParseOptions) (*lsconf.Config, error) {
	files, err := ConfigFiles(path)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("path.config %q: no configuration files found", path)
	}
	srcs := make([]Source, 0, len(files))
	var notUTF8 []string
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("path.config %q: %w", path, err)
		}
		if !utf8.Valid(text) {
			notUTF8 = append(notUTF8, f)
		}
		srcs = append(srcs, Source{Name: f, Text: text})
	}
	if len(notUTF8) > 0 {
		return nil, fmt.Errorf("path.config %q: these files are not UTF-8 encoded: %s", path, strings.Join(notUTF8, ", "))
	}
	return Sources(srcs, opts)
}
