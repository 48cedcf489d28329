package config

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ingestd/ingestd/condition"
	"github.com/ingestd/ingestd/datastream"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"gopkg.in/yaml.v3"
)

// Config is a whole ingestd config file.
type Config struct {
	DataDir         string           `yaml:"data_dir" default:"${INGESTD_DATA_DIR:./data}" doc:"directory for NDJSON streams, dead letters and state"`
	HTTP            HTTPConfig       `yaml:"http" doc:"monitoring API"`
	Reload          ReloadConfig     `yaml:"reload" doc:"hot reload: SIGHUP always reloads; automatic also watches the config files"`
	MemoryLimit     MemoryLimit      `yaml:"memory_limit" default:"${INGESTD_MEMORY_LIMIT:auto}" doc:"soft memory limit for the Go runtime (GOMEMLIMIT): a size, 0 for none, or auto: 48MiB plus four times the inputs' in-flight budgets (max_inflight_bytes), which is what their decoded events can hold. The GOMEMLIMIT environment variable wins"`
	GCPercent       GCPercent        `yaml:"gc_percent" default:"${INGESTD_GC_PERCENT:auto}" doc:"GOGC: heap growth before a collection, in percent of the live heap; higher costs less CPU and more memory. auto: 200 while a memory limit is in force (the limit then bounds the heap, and collecting half as often saves CPU), 100 without one. The GOGC environment variable wins"`
	ShutdownTimeout time.Duration    `yaml:"shutdown_timeout" default:"30s" doc:"how long a shutdown waits for in-flight batches to be acknowledged and outputs to flush"`
	Include         []string         `yaml:"include" doc:"config files (relative to this one) whose pipelines come first, in order; each is a complete config"`
	Inputs          []InputBlock     `yaml:"inputs" required:"true" doc:"where events come from"`
	Pipelines       []PipelineConfig `yaml:"pipelines" doc:"each event takes the first pipeline whose when matches (after the included ones)"`
	Outputs         []OutputBlock    `yaml:"outputs" required:"true" doc:"where events go; pipelines name them by id"`

	// File is the path the config was read from (or the embedded name).
	File string `yaml:"-"`
	// Shipped holds the files shipped with the binary that plugins use by
	// default (index templates); the CLI sets it, plugins get it in their
	// Env.
	Shipped fs.FS `yaml:"-"`
	// Sources are the files read from disk (the config and its includes),
	// for the reload watcher; Digest is of their contents as this config
	// read them (FileDigest of Sources then), so that a change made
	// before the watcher looks is still a change.
	Sources []string `yaml:"-"`
	Digest  [32]byte `yaml:"-"`
}

// ReloadConfig configures hot reload.
type ReloadConfig struct {
	Automatic bool          `yaml:"automatic" default:"false" doc:"reload when a config file changes"`
	Interval  time.Duration `yaml:"interval" default:"3s" doc:"how often the config files are checked for changes"`
}

// Check refuses an interval of 0 for automatic reload: the watcher would
// read the files in a loop.
func (c *ReloadConfig) Check() []spec.FieldError {
	if c.Automatic && c.Interval <= 0 {
		return []spec.FieldError{{Field: "interval", Msg: "must be greater than zero"}}
	}
	return nil
}

// HTTPConfig configures the monitoring API.
type HTTPConfig struct {
	Listen string `yaml:"listen" default:"${INGESTD_HTTP_LISTEN:127.0.0.1:9600}" doc:"address of the monitoring API; empty disables it"`
}

// Check requires host:port with a port from 0 to 65535, as the network
// inputs' listen: run would refuse any other address at start.
func (c *HTTPConfig) Check() []spec.FieldError {
	if c.Listen == "" {
		return nil
	}
	if err := listen.Check(c.Listen); err != nil {
		return []spec.FieldError{{Field: "listen", Msg: err.Error()}}
	}
	return nil
}

// PipelineConfig is one pipeline: a route condition, filters, the data
// stream naming and the outputs.
type PipelineConfig struct {
	Name       string              `yaml:"name" required:"true" doc:"pipeline name, used in metrics and logs"`
	Inputs     []string            `yaml:"inputs" doc:"ids of the inputs whose events this pipeline takes (empty: every input); when is then tested on those only. This is how one node runs separate pipelines, as Logstash's pipelines.yml does"`
	When       condition.Condition `yaml:"when" doc:"route condition (expr-lang); empty matches every event"`
	Workers    int                 `yaml:"workers" default:"2" doc:"goroutines running this pipeline's filters and handing its events to the outputs. With at least as many producers (beats connections) as CPU cores, each batch is filtered by the goroutine that decoded it, while it is in its cache; the workers filter the rest"`
	Timezone   string              `yaml:"timezone" default:"UTC" doc:"IANA zone in which filters read times that carry no offset"`
	QueueSize  int                 `yaml:"queue_size" default:"16" doc:"batches waiting for a worker before inputs are pushed back"`
	Filters    []FilterBlock       `yaml:"filters" doc:"filters, applied in order"`
	DataStream datastream.Config   `yaml:"data_stream" doc:"data stream the events are written to"`
	Outputs    []string            `yaml:"outputs" doc:"ids of the outputs to write to; all outputs when empty"`
	At         spec.Pos            `yaml:"-"`
}

// Check validates the numbers of a pipeline.
func (p *PipelineConfig) Check() []spec.FieldError {
	var errs []spec.FieldError
	if !pipelineName.MatchString(p.Name) {
		errs = append(errs, spec.FieldError{Field: "name", Msg: fmt.Sprintf("%q: use lower-case letters, digits, '_' and '-'", p.Name)})
	}
	if p.Workers < 1 {
		errs = append(errs, spec.FieldError{Field: "workers", Msg: "must be at least 1"})
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		errs = append(errs, spec.FieldError{Field: "timezone", Msg: err.Error()})
	}
	if p.QueueSize < 1 {
		errs = append(errs, spec.FieldError{Field: "queue_size", Msg: "must be at least 1"})
	}
	return errs
}

var pipelineName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// MemoryLimit is a size, 0 (no limit) or auto (derived from the inputs'
// in-flight budgets; see Config.RuntimeMemoryLimit).
type MemoryLimit struct {
	Auto  bool
	Bytes int64
}

// DecodeNode implements NodeDecoder.
func (m *MemoryLimit) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	if v, auto, ok := decodeAuto(d, n, "size", "auto or a size such as 256MiB", func(s string) (int64, bool) {
		v, err := spec.ParseByteSize(s)
		return v, err == nil
	}); ok {
		*m = MemoryLimit{Auto: auto, Bytes: v}
	}
}

// decodeAuto reads a scalar that is either auto (auto true) or a value
// parse accepts; anything else is reported as not what want says.
func decodeAuto[T any](d *spec.Decoder, n *yaml.Node, what, want string, parse func(string) (T, bool)) (v T, auto, ok bool) {
	s, ok := d.Scalar(n, what, want)
	if !ok {
		return v, false, false
	}
	if strings.TrimSpace(s) == "auto" {
		return v, true, true
	}
	if v, ok = parse(s); !ok {
		d.Report(n, "expected %s, got %q", want, s)
	}
	return v, false, ok
}

// GCPercent is GOGC as a number, or auto (see Config.RuntimeGCPercent).
type GCPercent struct {
	Auto    bool
	Percent int
}

// DecodeNode implements NodeDecoder.
func (g *GCPercent) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	if v, auto, ok := decodeAuto(d, n, "int", "auto, -1 (off) or a percentage such as 100", func(s string) (int, bool) {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		return v, err == nil && v >= -1
	}); ok {
		*g = GCPercent{Auto: auto, Percent: v}
	}
}

// GOGC under a memory limit, and without one. Under a limit the heap
// cannot outgrow it whatever GOGC says; what GOGC still decides is how
// often the collector runs while the live heap is well below the limit.
// Measured in the load harness (20 connections, limit 80 MiB): 100 → 200
// cost 5–8% less CPU at the same peak RSS, which the limit holds.
const (
	autoGCPercentLimited   = 200
	autoGCPercentUnlimited = 100
)

// RuntimeGCPercent is the GOGC to give the Go runtime, given whether a
// memory limit is in force (from memory_limit or the GOMEMLIMIT
// environment variable).
func (c *Config) RuntimeGCPercent(limited bool) int {
	switch {
	case !c.GCPercent.Auto:
		return c.GCPercent.Percent
	case limited:
		return autoGCPercentLimited
	default:
		return autoGCPercentUnlimited
	}
}

// The auto memory limit: room for the process itself, plus the decoded
// events the in-flight budgets let in (a decoded event takes about three
// times its JSON, and the collector needs headroom above what is live).
const (
	autoMemoryBase   = 48 << 20
	autoMemoryFactor = 4
)

// RuntimeMemoryLimit is the soft memory limit to give the Go runtime, or 0
// for none: memory_limit as set, or with auto, autoMemoryBase plus
// autoMemoryFactor times the inputs' in-flight budgets (none when no
// input declares one: nothing bounds the heap to derive a limit from).
func (c *Config) RuntimeMemoryLimit() int64 {
	if !c.MemoryLimit.Auto {
		return c.MemoryLimit.Bytes
	}
	var budget int64
	for _, in := range c.Inputs {
		if b, ok := in.Config.(plugin.InflightBudgeter); ok {
			budget += b.InflightBudget()
		}
	}
	if budget == 0 {
		return 0
	}
	return autoMemoryBase + autoMemoryFactor*budget
}

// LoadFile reads and checks a config file; includes are read from its
// directory.
func LoadFile(path string, reg *plugin.Registry, env func(string) (string, bool)) (*Config, error) {
	dir := filepath.Dir(path)
	var read [][]byte // the contents of cfg.Sources, for its Digest
	cfg, err := loadFS(os.DirFS(dir), filepath.Base(path), dir, reg, env, nil, &read)
	if err != nil {
		return nil, err
	}
	for i, s := range cfg.Sources {
		cfg.Sources[i] = filepath.Join(dir, s)
	}
	cfg.Digest = digest(cfg.Sources, read)
	return cfg, nil
}

// FileDigest is the digest of files' contents now (a missing one counts as
// empty), comparable with a Config's Digest.
func FileDigest(files []string) [32]byte {
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i], _ = os.ReadFile(f)
	}
	return digest(files, data)
}

func digest(files []string, data [][]byte) [32]byte {
	h := sha256.New()
	for i, f := range files {
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(data[i])
		h.Write([]byte{0})
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// LoadFS reads and checks the config name of fsys (includes come from
// fsys too). prefix is prepended to file names in messages.
func LoadFS(fsys fs.FS, name, prefix string, reg *plugin.Registry, env func(string) (string, bool)) (*Config, error) {
	return loadFS(fsys, name, prefix, reg, env, nil, nil)
}

// loadFS is LoadFS; read, when not nil, receives the contents of the files
// it reads, in the order of the config's Sources.
func loadFS(fsys fs.FS, name, prefix string, reg *plugin.Registry, env func(string) (string, bool), stack []string, read *[][]byte) (*Config, error) {
	display := name
	if prefix != "" && prefix != "." {
		display = strings.TrimSuffix(prefix, "/") + "/" + name // "/" for a file at the root
	}
	for _, s := range stack {
		if s == name {
			return nil, spec.Problems{{Pos: spec.Pos{File: display, Line: 1, Col: 1}, Msg: fmt.Sprintf("include cycle: %s", strings.Join(append(stack, name), " → "))}}
		}
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		// The path as given: fs errors name the file within fsys only.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: pe.Op, Path: display, Err: pe.Err}
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, doc, err := parse(display, data, reg, env)
	if err != nil {
		return nil, err
	}
	var included []PipelineConfig
	cfg.Sources = []string{name}
	if read != nil {
		*read = append(*read, data)
	}
	var ps spec.Problems
	for i, inc := range cfg.Include {
		sub, err := loadFS(fsys, path.Join(path.Dir(name), inc), prefix, reg, env, append(stack, name), read)
		if err != nil {
			var subPs spec.Problems
			if errors.As(err, &subPs) {
				ps = append(ps, subPs...)
				continue
			}
			ps = append(ps, spec.Problem{Pos: includePos(display, doc, i), Msg: fmt.Sprintf("include %q: %v", inc, err)})
			continue
		}
		included = append(included, sub.Pipelines...)
		cfg.Sources = append(cfg.Sources, sub.Sources...)
	}
	if len(ps) > 0 {
		return nil, ps.Err()
	}
	cfg.Pipelines = append(included, cfg.Pipelines...)
	if ps := cfg.crossCheck(); len(ps) > 0 {
		return nil, ps.Err()
	}
	return cfg, nil
}

// includePos is the position of the i-th include entry.
func includePos(file string, doc *yaml.Node, i int) spec.Pos {
	for j := 0; j+1 < len(doc.Content); j += 2 {
		if doc.Content[j].Value == "include" && i < len(doc.Content[j+1].Content) {
			n := doc.Content[j+1].Content[i]
			return spec.Pos{File: file, Line: n.Line, Col: n.Column}
		}
	}
	return spec.Pos{File: file, Line: 1, Col: 1}
}

// Load parses and checks a config held in memory (it cannot include).
// Every problem found is returned together as Problems, each with
// FILE:LINE:COL.
func Load(name string, data []byte, reg *plugin.Registry, env func(string) (string, bool)) (*Config, error) {
	cfg, _, err := parse(name, data, reg, env)
	if err != nil {
		return nil, err
	}
	if len(cfg.Include) > 0 {
		return nil, spec.Problems{{Pos: spec.Pos{File: name, Line: 1, Col: 1}, Msg: "include needs a config loaded from a file"}}
	}
	if ps := cfg.crossCheck(); len(ps) > 0 {
		return nil, ps.Err()
	}
	return cfg, nil
}

// parse decodes one file without following includes or cross-checking.
func parse(name string, data []byte, reg *plugin.Registry, env func(string) (string, bool)) (*Config, *yaml.Node, error) {
	if env == nil {
		env = os.LookupEnv
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, spec.Problems{spec.YAMLProblem(name, data, err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil, spec.Problems{{Pos: spec.Pos{File: name, Line: 1, Col: 1}, Msg: "config is empty"}}
	}
	d := &spec.Decoder{File: name, Env: env, Context: reg}
	cfg := &Config{File: name}
	d.Decode(doc.Content[0], cfg)
	if err := d.Problems.Err(); err != nil {
		return nil, nil, err
	}
	numberInputs(cfg.Inputs)
	return cfg, doc.Content[0], nil
}

// numberInputs gives the inputs whose id was not written (the plugin's
// name by default) ids no other input has: the first keeps the name, the
// others get name-2, name-3, ..., skipping the ids written. Pipelines take
// events by input id, and a reload tells inputs apart by it.
func numberInputs(inputs []InputBlock) {
	taken := map[string]bool{}
	for _, in := range inputs {
		if in.IDGiven {
			taken[in.ID] = true
		}
	}
	for i := range inputs {
		in := &inputs[i]
		if in.IDGiven {
			continue
		}
		id := in.ID
		for n := 2; taken[id]; n++ {
			id = fmt.Sprintf("%s-%d", in.ID, n)
		}
		in.ID, taken[id] = id, true
	}
}
