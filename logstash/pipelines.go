package logstash

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

// IsPipelinesFile reports whether path names a Logstash pipelines.yml
// (by its name: pipelines.yml or pipelines.yaml), which ingestd runs as
// one config whose pipelines each take their own inputs' events.
func IsPipelinesFile(path string) bool {
	switch strings.ToLower(filepath.Base(path)) {
	case "pipelines.yml", "pipelines.yaml":
		return true
	}
	return false
}

// convertPipelinesFile converts every pipeline of a pipelines.yml into one
// ingestd config, and returns the files it read (for reload to watch).
// A path.config that is relative is taken from the directory of the
// pipelines.yml, or, when nothing is there, from the working directory
// (where Logstash takes it from: usually its home, the parent of
// pipelines.yml's own directory config/).
func convertPipelinesFile(file string, opts Options) (result, []string, error) {
	lookup := opts.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
		opts.Lookup = lookup
	}
	pls, err := load.Pipelines(file, lookup)
	if ps, ok := problemsOf(err); ok {
		return result{problems: ps}, nil, nil
	}
	if err != nil {
		return result{}, nil, err
	}
	sources := []string{file}
	if abs, err := filepath.Abs(file); err == nil {
		sources[0] = abs
	}
	sh := lsconv.NewShared()
	var convs []*conv
	var problems []Problem
	for _, pl := range pls {
		cfg, files, ps := loadPipeline(file, pl)
		problems = append(problems, ps...)
		sources = append(sources, files...)
		if cfg == nil {
			continue
		}
		o := opts
		o.PipelineID = pl.ID
		if ecs := pl.ECSCompatibility; ecs != "" {
			switch ecs {
			case "disabled", "v1", "v8":
				o.ECSCompatibility = ecs
			default:
				problems = append(problems, Problem{Pos: pl.Pos, Msg: fmt.Sprintf("pipeline %q: pipeline.ecs_compatibility %q: use disabled, v1 or v8", pl.ID, ecs)})
			}
		}
		c := newConv(o, sh)
		c.pipelineSettings(pl)
		c.run(cfg)
		convs = append(convs, c)
	}
	problems = append(problems, checkBus(convs)...)
	return assemble(convs, problems), sources, nil
}

// loadPipeline parses one pipeline's configuration (lsconf's Load: its
// config.string, or the files of its path.config), a relative path.config
// taken from pipelines.yml's directory, else, as Logstash takes it, from
// the working directory. It returns the files read.
func loadPipeline(file string, pl *load.Pipeline) (*lsconf.Config, []string, []Problem) {
	if pl.ConfigString == "" && pl.ConfigPath == "" {
		return nil, nil, []Problem{{Pos: pl.Pos, Msg: fmt.Sprintf("pipeline %q has neither path.config nor config.string", pl.ID)}}
	}
	p := *pl
	var files []string
	if path := p.ConfigPath; path != "" && p.ConfigString == "" {
		if !filepath.IsAbs(path) && !strings.HasPrefix(path, "~/") && !strings.HasPrefix(strings.ToLower(path), "file://") {
			if near := filepath.Join(filepath.Dir(file), path); hasConfigFiles(near) || !hasConfigFiles(path) {
				p.ConfigPath = near
			}
		}
		files, _ = load.ConfigFiles(p.ConfigPath)
	}
	cfg, err := p.Load(lsconf.ParseOptions{})
	if ps, ok := problemsOf(err); ok {
		return nil, files, ps
	}
	if err != nil {
		return nil, files, []Problem{{Pos: pl.Pos, Msg: fmt.Sprintf("pipeline %q: %v", pl.ID, err)}}
	}
	return cfg, files, nil
}

// problemsOf turns the parser's errors into problems; false when err is
// not a list of them.
func problemsOf(err error) ([]Problem, bool) {
	var list lsconf.ErrorList
	if !errors.As(err, &list) {
		return nil, false
	}
	ps := make([]Problem, 0, len(list))
	for _, e := range list {
		ps = append(ps, Problem{Pos: e.Pos, Msg: e.Msg})
	}
	return ps, true
}

// pipelineSettings takes the settings of a pipelines.yml entry that
// ingestd has, and reports the others.
func (c *conv) pipelineSettings(pl *load.Pipeline) {
	what := fmt.Sprintf("pipeline %q", pl.ID)
	if pl.Workers != nil {
		c.Settings = append(c.Settings, lsconv.Setting{Key: "workers", Val: lsconv.Lit(strconv.Itoa(*pl.Workers)), At: pl.Pos, Label: what + " pipeline.workers"})
	}
	if pl.QueueType == "persisted" {
		c.Warnf(pl.Pos, "%s: queue.type persisted: ingestd keeps no queue on disk; it acknowledges a Beats batch only once its events are written, so Filebeat resends what a crash lost", what)
	}
	if pl.BatchSize != nil || pl.BatchDelay != nil {
		c.Warnf(pl.Pos, "%s: pipeline.batch.size and pipeline.batch.delay are ignored: ingestd filters each client's batch as it comes and sizes its bulk requests by the elasticsearch output's bulk_max_events and flush_idle", what)
	}
	if pl.Ordered == "true" {
		c.Warnf(pl.Pos, "%s: pipeline.ordered true: ingestd keeps the order of one client's batch through the filters, not across clients or workers", what)
	}
	for _, k := range lsconv.SortedKeys(pl.Extra) {
		switch {
		case k == "pipeline.batch.output_chunking.growth_threshold_factor", k == "pipeline.batch.metrics.sampling_mode",
			k == "config.debug", k == "metric.collect", k == "pipeline.reloadable", k == "pipeline.plugin_classloaders",
			k == "pipeline.system", k == "pipeline.recoverable":
			c.Warnf(pl.Pos, "%s: %s is ignored (Logstash's runtime)", what, k)
		case strings.HasPrefix(k, "queue."), k == "path.queue":
			c.Warnf(pl.Pos, "%s: %s is ignored: ingestd keeps no queue on disk", what, k)
		case k == "dead_letter_queue.enable" && fmt.Sprint(pl.Extra[k]) == "false":
			// Off in Logstash too: nothing to say.
		case strings.HasPrefix(k, "dead_letter_queue."), k == "path.dead_letter_queue":
			c.Warnf(pl.Pos, "%s: %s is ignored: ingestd's elasticsearch output always dead-letters what Elasticsearch refuses (see its dead_letter settings)", what, k)
		default:
			c.Warnf(pl.Pos, "%s: %s is ignored", what, k)
		}
	}
}

// checkBus checks the pipeline-to-pipeline addresses across pipelines:
// each address listened on once (Logstash: "Addresses must be globally
// unique across pipelines"), no cycle (events would circle for ever and
// back-pressure deadlock), and sends to an address nobody listens on
// reported (they wait, as in Logstash with ensure_delivery).
func checkBus(convs []*conv) []Problem {
	var ps []Problem
	listener := map[string]int{} // address → index in convs
	for i, c := range convs {
		for _, l := range c.Listens {
			if j, dup := listener[l.Addr]; dup {
				ps = append(ps, Problem{Pos: l.At, Msg: fmt.Sprintf("input \"pipeline\": address %q is already listened on by pipeline %q; addresses must be unique across pipelines", l.Addr, convs[j].Name)})
				continue
			}
			listener[l.Addr] = i
		}
	}
	for _, c := range convs {
		for _, s := range c.Sends {
			if _, ok := listener[s.Addr]; !ok {
				ps = append(ps, Problem{Pos: s.At, Warning: true, Msg: fmt.Sprintf("output \"pipeline\": no pipeline listens on address %q; with ensure_delivery its events wait until one does", s.Addr)})
			}
		}
	}
	// A cycle: depth-first search over pipeline → pipelines it sends to.
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, len(convs))
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onPath
		for _, s := range convs[i].Sends {
			j, ok := listener[s.Addr]
			if !ok {
				continue
			}
			if state[j] == onPath {
				ps = append(ps, Problem{Pos: s.At, Msg: fmt.Sprintf("output \"pipeline\": sending to %q makes a cycle through pipeline %q; events would go round for ever", s.Addr, convs[j].Name)})
				return true
			}
			if state[j] == unseen && visit(j) {
				return true
			}
		}
		state[i] = done
		return false
	}
	for i := range convs {
		if state[i] == unseen && visit(i) {
			break
		}
	}
	return ps
}

// hasConfigFiles reports whether a path.config names at least one file.
func hasConfigFiles(path string) bool {
	files, err := load.ConfigFiles(path)
	return err == nil && len(files) > 0
}
