package load

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
	"gopkg.in/yaml.v3"
)

// Pipeline is one entry of pipelines.yml. The settings later steps need
// most are typed; every other pipeline setting Logstash accepts is kept in
// Extra as decoded from YAML.
type Pipeline struct {
	ID               string // pipeline.id ("main", Logstash's default, when absent)
	ConfigPath       string // path.config
	ConfigString     string // config.string
	Workers          *int   // pipeline.workers
	BatchSize        *int   // pipeline.batch.size
	BatchDelay       *int   // pipeline.batch.delay, in milliseconds
	QueueType        string // queue.type: memory or persisted
	Ordered          string // pipeline.ordered: auto, true or false
	ECSCompatibility string // pipeline.ecs_compatibility
	SupportEscapes   *bool  // config.support_escapes
	Extra            map[string]any
	Pos              lsconf.Pos // where the entry starts in pipelines.yml
}

// isPipelineSetting reports whether Logstash accepts key in pipelines.yml:
// Settings::PIPELINE_SETTINGS_WHITE_LIST in logstash-core/lib/logstash/settings.rb.
func isPipelineSetting(key string) bool {
	switch key {
	case "config.debug", "config.support_escapes", "config.string",
		"dead_letter_queue.enable", "dead_letter_queue.flush_interval",
		"dead_letter_queue.flush_check_interval", "dead_letter_queue.max_bytes",
		"dead_letter_queue.storage_policy", "dead_letter_queue.retain.age",
		"metric.collect", "pipeline.plugin_classloaders", "path.config",
		"path.dead_letter_queue", "path.queue", "pipeline.batch.delay",
		"pipeline.batch.output_chunking.growth_threshold_factor",
		"pipeline.batch.metrics.sampling_mode", "pipeline.batch.size",
		"pipeline.id", "pipeline.reloadable", "pipeline.recoverable",
		"pipeline.system", "pipeline.workers", "pipeline.ordered",
		"pipeline.ecs_compatibility", "queue.checkpoint.acks",
		"queue.checkpoint.interval", "queue.checkpoint.writes",
		"queue.checkpoint.retry", "queue.compression", "queue.drain",
		"queue.max_bytes", "queue.max_events", "queue.page_capacity",
		"queue.type":
		return true
	}
	return false
}

// isDeprecatedPipelineSetting: settings Logstash still takes in
// pipelines.yml but ignores there, with a deprecation warning
// (DEPRECATED_PIPELINE_OVERRIDE_SETTINGS).
func isDeprecatedPipelineSetting(key string) bool {
	return key == "config.reload.automatic" || key == "config.reload.interval"
}

// Pipelines reads and parses a pipelines.yml file; see ParsePipelines.
func Pipelines(file string, lookup LookupFunc) ([]*Pipeline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("pipelines.yml: %w", err)
	}
	return ParsePipelines(file, data, lookup)
}

// ParsePipelines parses the text of a pipelines.yml file: a YAML list of
// pipelines, each a map of flat, dotted setting names, as MultiLocal
// (config/source/multi_local.rb) reads it. As there, ${VAR} placeholders in
// values are expanded first (in every string, config.string included, and
// comments in it too) when lookup is not nil; a setting Logstash does not
// accept per pipeline, duplicate ids and a pipeline with both path.config
// and config.string are errors.
func ParsePipelines(file string, data []byte, lookup LookupFunc) ([]*Pipeline, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no pipelines defined (the file is empty)", file)
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, lsconf.ErrorList{yamlError(file, root, "pipelines.yml must be a list of pipelines, each a map of settings")}
	}
	pr := &pipelineReader{file: file, lookup: lookup}
	var out []*Pipeline
	firstByID := map[string]*Pipeline{}
	for _, n := range root.Content {
		pl := pr.pipeline(n)
		if pl == nil {
			continue
		}
		if first, dup := firstByID[pl.ID]; dup {
			pr.errs = append(pr.errs, &lsconf.Error{Pos: pl.Pos, Msg: fmt.Sprintf("duplicate pipeline.id %q (first at line %d)", pl.ID, first.Pos.Line)})
		} else {
			firstByID[pl.ID] = pl
		}
		out = append(out, pl)
	}
	return out, pr.errs.Err()
}

func yamlError(file string, n *yaml.Node, format string, args ...any) *lsconf.Error {
	return &lsconf.Error{Pos: lsconf.Pos{File: file, Line: n.Line, Col: n.Column}, Msg: fmt.Sprintf(format, args...)}
}

type pipelineReader struct {
	file   string
	lookup LookupFunc
	errs   lsconf.ErrorList
}

func (r *pipelineReader) fail(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, yamlError(r.file, n, format, args...))
}

func (r *pipelineReader) pipeline(n *yaml.Node) *Pipeline {
	if n.Kind != yaml.MappingNode {
		r.fail(n, "a pipeline must be a map of settings")
		return nil
	}
	pl := &Pipeline{ID: "main", Pos: lsconf.Pos{File: r.file, Line: n.Line, Col: n.Column}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		switch {
		case isDeprecatedPipelineSetting(key):
			continue
		case !isPipelineSetting(key):
			r.fail(k, "unknown pipeline setting %q: Logstash accepts only pipeline settings here (pipeline.id, path.config, config.string, pipeline.workers, queue.type, ...)", key)
			continue
		}
		r.setting(pl, key, v)
	}
	if pl.ConfigPath != "" && pl.ConfigString != "" {
		r.fail(n, "pipeline %q sets both path.config and config.string; Logstash takes one or the other", pl.ID)
	}
	return pl
}

// scalar returns a scalar setting's text, placeholders expanded.
func (r *pipelineReader) scalar(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		r.fail(v, "%s must be a single value", key)
		return "", false
	}
	if r.lookup == nil {
		return v.Value, true
	}
	s, err := ExpandString(v.Value, r.lookup)
	if err != nil {
		r.fail(v, "%s: %v", key, err)
		return "", false
	}
	return s, true
}

func (r *pipelineReader) setting(pl *Pipeline, key string, v *yaml.Node) {
	switch key {
	case "pipeline.id", "path.config", "config.string", "queue.type", "pipeline.ecs_compatibility", "pipeline.ordered":
		s, ok := r.scalar(key, v)
		if !ok {
			return
		}
		switch key {
		case "pipeline.id":
			pl.ID = s
		case "path.config":
			pl.ConfigPath = s
		case "config.string":
			pl.ConfigString = s
		case "queue.type":
			if s != "memory" && s != "persisted" {
				r.fail(v, "queue.type must be memory or persisted, not %q", s)
			}
			pl.QueueType = s
		case "pipeline.ecs_compatibility":
			pl.ECSCompatibility = s
		case "pipeline.ordered":
			if s != "auto" && s != "true" && s != "false" {
				r.fail(v, "pipeline.ordered must be auto, true or false, not %q", s)
			}
			pl.Ordered = s
		}
	case "pipeline.workers", "pipeline.batch.size", "pipeline.batch.delay":
		s, ok := r.scalar(key, v)
		if !ok {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n == 0 && key != "pipeline.batch.delay" {
			r.fail(v, "%s must be a positive integer, not %q", key, s)
			return
		}
		switch key {
		case "pipeline.workers":
			pl.Workers = &n
		case "pipeline.batch.size":
			pl.BatchSize = &n
		default:
			pl.BatchDelay = &n
		}
	case "config.support_escapes":
		s, ok := r.scalar(key, v)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil || s != "true" && s != "false" {
			r.fail(v, "config.support_escapes must be true or false, not %q", s)
			return
		}
		pl.SupportEscapes = &b
	default:
		var val any
		if err := v.Decode(&val); err != nil {
			r.fail(v, "%s: %v", key, err)
			return
		}
		if r.lookup != nil {
			var err error
			if val, err = expandDeep(val, r.lookup); err != nil {
				r.fail(v, "%s: %v", key, err)
				return
			}
		}
		if pl.Extra == nil {
			pl.Extra = map[string]any{}
		}
		pl.Extra[key] = val
	}
}

// expandDeep is deep_replace without refinement: placeholders in every
// string of a decoded YAML value.
func expandDeep(v any, lookup LookupFunc) (any, error) {
	switch v := v.(type) {
	case string:
		return ExpandString(v, lookup)
	case []any:
		for i, e := range v {
			x, err := expandDeep(e, lookup)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
	case map[string]any:
		for k, e := range v {
			x, err := expandDeep(e, lookup)
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
	}
	return v, nil
}

// Load parses the pipeline's configuration, from config.string or
// path.config, with base's options and the pipeline's own
// config.support_escapes.
func (pl *Pipeline) Load(base lsconf.ParseOptions) (*lsconf.Config, error) {
	opts := base
	if pl.SupportEscapes != nil {
		opts.SupportEscapes = *pl.SupportEscapes
	}
	switch {
	case pl.ConfigString != "":
		return ConfigString(fmt.Sprintf("%s[%s].config.string", pl.Pos.File, pl.ID), pl.ConfigString, opts)
	case pl.ConfigPath != "":
		return Path(pl.ConfigPath, opts)
	}
	return nil, fmt.Errorf("%s: pipeline %q has neither path.config nor config.string", pl.Pos, pl.ID)
}

// Logstash looks for these in the raw text of a config string, comments
// and quoted strings included (ConfigStringLoader's INPUT_BLOCK_RE and
// OUTPUT_BLOCK_RE; Ruby's \s also matches \v).
var (
	inputBlockRE  = regexp.MustCompile(`input[ \t\r\n\f\v]*\{`)
	outputBlockRE = regexp.MustCompile(`output[ \t\r\n\f\v]*\{`)
)

// The sections Logstash adds to a config string lacking them
// (LogStash::Config::Defaults).
const (
	defaultInput  = "input { stdin { type => stdin } }"
	defaultOutput = "output { stdout { codec => rubydebug } }"
)

// ConfigString parses a config.string (or -e) text as Logstash's
// ConfigStringLoader does: when the text has no `input {` it gets a stdin
// input, and without `output {` a stdout output, "for backward
// compatibility" (Logstash logs a warning). name names the text in errors.
func ConfigString(name, text string, opts lsconf.ParseOptions) (*lsconf.Config, error) {
	srcs := []Source{{Name: name, Text: []byte(text)}}
	if !inputBlockRE.MatchString(text) {
		srcs = append(srcs, Source{Name: "default input", Text: []byte(defaultInput)})
	}
	if !outputBlockRE.MatchString(text) {
		srcs = append(srcs, Source{Name: "default output", Text: []byte(defaultOutput)})
	}
	return Sources(srcs, opts)
}
