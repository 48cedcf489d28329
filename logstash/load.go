package logstash

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// IsLogstashPath reports whether a -c argument names Logstash
// configuration: a .conf file, a pipelines.yml, or a directory (ingestd's
// own config is one YAML file, so a directory can only be a Logstash
// path.config).
func IsLogstashPath(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".conf") || IsPipelinesFile(path) {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// ConvertPath reads the .conf files of path (a file, a directory or a
// glob, as Logstash's path.config takes), or every pipeline of a
// pipelines.yml, and converts them. Syntax errors
// are problems too; err is for what prevents reading (no file found).
func ConvertPath(path string, opts Options) (yaml []byte, problems []Problem, err error) {
	res, _, err := convertAny(path, opts)
	return res.yaml, res.problems, err
}

// convertAny converts a pipelines.yml or a path.config, and returns the
// files it read.
func convertAny(path string, opts Options) (result, []string, error) {
	if IsPipelinesFile(path) {
		return convertPipelinesFile(path, opts)
	}
	res, err := convertPath(path, opts)
	files, _ := load.ConfigFiles(path)
	return res, files, err
}

func convertPath(path string, opts Options) (result, error) {
	cfg, err := load.Path(path, lsconf.ParseOptions{})
	if ps, ok := problemsOf(err); ok {
		return result{problems: ps}, nil
	}
	if err != nil {
		return result{}, err
	}
	return convert(cfg, opts), nil
}

func problem(p lsconf.Pos, msg string) spec.Problem {
	return spec.Problem{Pos: spec.Pos{File: p.File, Line: p.Line, Col: p.Col}, Msg: msg}
}

// Load converts the Logstash configuration at path and loads the result
// as an ingestd config (with reg's plugins, ${VAR} from env). A problem
// ingestd's loader finds in the generated YAML is reported at the .conf
// position the offending line came from. cfg.File is path and
// cfg.Sources the .conf files, so reload watches them.
func Load(path string, opts Options, reg *plugin.Registry, env func(string) (string, bool)) (cfg *config.Config, warnings []Problem, err error) {
	if opts.Lookup == nil && env != nil {
		opts.Lookup = env // one environment for both ${VAR} passes
	}
	res, files, err := convertAny(path, opts)
	if err != nil {
		return nil, nil, err
	}
	var ps spec.Problems
	for _, p := range res.problems {
		if p.Warning {
			warnings = append(warnings, p)
			continue
		}
		ps = append(ps, problem(p.Pos, p.Msg))
	}
	if len(ps) > 0 {
		return nil, warnings, ps.Err()
	}
	const name = "converted.yml"
	cfg, err = config.Load(name, res.yaml, reg, env)
	if err != nil {
		var ps spec.Problems
		if !errors.As(err, &ps) {
			return nil, warnings, err
		}
		out := make(spec.Problems, 0, len(ps))
		for _, p := range ps {
			out = append(out, res.mapProblem(p, name))
		}
		return nil, warnings, out.Err()
	}
	cfg.Sources = files
	cfg.File = path
	return cfg, warnings, nil
}

// mapProblem moves a problem of the generated YAML to the .conf position
// of its line, naming the block.
func (r result) mapProblem(p spec.Problem, name string) spec.Problem {
	if p.Pos.File != name || p.Pos.Line < 1 || p.Pos.Line > len(r.lines) {
		return p
	}
	o := r.lines[p.Pos.Line-1]
	if !o.Pos.IsValid() {
		return spec.Problem{Pos: p.Pos, Msg: p.Msg + " (in the converted config)"}
	}
	msg := p.Msg
	// The message may name the block already (input "tcp_2": …): the
	// label would only repeat it.
	if kind, _, _ := strings.Cut(o.Label, " "); o.Label != "" && !strings.HasPrefix(msg, kind+` "`) {
		msg = o.Label + ": " + msg
	}
	return problem(o.Pos, msg)
}
