package logstash

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/logstash/lsfilter"
	"github.com/ingestd/ingestd/logstash/lsinput"
	"github.com/ingestd/ingestd/logstash/lsoutput"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

// HasErrors reports whether ps holds a problem that is not a warning.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

// Problem is something in a logstash.conf that the conversion cannot
// keep (an error) or keeps with a difference worth knowing (a warning),
// at the position of the .conf node concerned.
type Problem = lsconv.Problem

// Options tune a conversion (see lsconv.Options).
type Options = lsconv.Options

// Convert turns a parsed logstash.conf into ingestd YAML. The YAML is
// produced even when there are errors (with the offending parts left
// out), for inspection; it is only meant to run when HasErrors(problems)
// is false. Problems come in source order.
func Convert(cfg *lsconf.Config, opts Options) (yaml []byte, problems []Problem) {
	r := convert(cfg, opts)
	return r.yaml, r.problems
}

// result is a conversion with the origin of every YAML line.
type result struct {
	yaml     []byte
	lines    []lsconv.Origin
	problems []Problem
}

var (
	wholePlaceholder = regexp.MustCompile(`^\$\{([a-zA-Z_.][a-zA-Z0-9_.]*)(?::[^}]*)?\}$`)
	anyPlaceholder   = regexp.MustCompile(`\$\{([a-zA-Z_.][a-zA-Z0-9_.]*)`)
)

// credentialOptions are the options whose ${VAR} placeholder the YAML
// keeps (see secret), by plugin.
var credentialOptions = map[string][]string{"elasticsearch": {"user", "password"}, "http": {"user", "password"}}

// credentialsOnly wraps lookup so that a variable used only as a whole
// credential (password => "${ES_PASSWORD}") need not be set to convert:
// the YAML keeps the placeholder and ingestd expands it when it loads
// (reporting it then if it is unset).
func credentialsOnly(cfg *lsconf.Config, lookup load.LookupFunc) load.LookupFunc {
	creds, other := map[string]bool{}, map[string]bool{}
	credPos := map[lsconv.PosKey]bool{}
	for _, p := range cfg.Plugins(lsconf.KindOutput) {
		for _, name := range credentialOptions[p.Name] {
			for _, a := range p.Attrs {
				if str, ok := a.Value.(*lsconf.String); ok && a.Name == name {
					if m := wholePlaceholder.FindStringSubmatch(str.Value); m != nil {
						creds[m[1]] = true
						credPos[lsconv.KeyOf(str.Pos)] = true
					}
				}
			}
		}
	}
	lsconf.Inspect(cfg, func(n lsconf.Node) bool {
		var text string
		var at lsconf.Pos
		switch v := n.(type) {
		case *lsconf.String:
			text, at = v.Value, v.Pos
		case *lsconf.Regex:
			text, at = v.Pattern, v.Pos
		default:
			return true
		}
		if credPos[lsconv.KeyOf(at)] {
			return true
		}
		for _, m := range anyPlaceholder.FindAllStringSubmatch(text, -1) {
			other[m[1]] = true
		}
		return true
	})
	return func(name string) (string, bool) {
		if v, ok := lookup(name); ok {
			return v, ok
		}
		if creds[name] && !other[name] {
			return "", true // never written: the placeholder is kept
		}
		return "", false
	}
}

func convert(cfg *lsconf.Config, opts Options) result {
	c := newConv(opts, lsconv.NewShared())
	c.run(cfg)
	return assemble([]*conv{c}, nil)
}

func newConv(opts Options, sh *lsconv.Shared) *conv {
	return &conv{&lsconv.Conv{Opts: opts, Kept: map[lsconv.PosKey]string{}, Inputs: &lsconv.YSeq{}, Shared: sh}}
}

// run converts one pipeline's configuration into c.
func (c *conv) run(cfg *lsconf.Config) {
	c.Name = c.pipelineName(cfg)
	lookup := c.Opts.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	lsconf.Inspect(cfg, func(n lsconf.Node) bool {
		if s, ok := n.(*lsconf.String); ok && wholePlaceholder.MatchString(s.Value) {
			c.Kept[lsconv.KeyOf(s.Pos)] = s.Value
		}
		return true
	})
	sub, err := load.Substitute(cfg, credentialsOnly(cfg, lookup))
	var list lsconf.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			c.Errorf(e.Pos, "%s", e.Msg)
		}
	} else if err != nil {
		c.Errorf(cfg.Position(), "%v", err)
	}
	if sub == nil {
		sub = cfg
	}

	var inputs, outputs []lsconf.Item
	var filters [][]lsconf.Item
	for _, s := range sub.Sections {
		switch s.Kind {
		case lsconf.KindInput:
			inputs = append(inputs, s.Items...)
		case lsconf.KindFilter:
			filters = append(filters, s.Items)
		case lsconf.KindOutput:
			outputs = append(outputs, s.Items...)
		}
	}
	lsinput.ConvertInputs(c.Conv, inputs, cfg.Position())
	for _, items := range filters {
		lsfilter.FilterItems(c.Conv, items)
	}
	for _, it := range outputs {
		lsoutput.OutputItem(c.Conv, it)
	}
	if len(outputs) == 0 {
		c.Errorf(cfg.Position(), "no output: ingestd needs at least one (elasticsearch, stdout, file, http or pipeline)")
	}
	lsoutput.FinishStream(c.Conv)
}

// assemble writes the config of converted pipelines: every input, the
// pipelines in order, every output. With several pipelines, each takes the
// events of its own inputs and writes to its own outputs, as Logstash's
// pipelines do. problems are added to the pipelines' own.
func assemble(convs []*conv, problems []Problem) result {
	doc := &lsconv.YMap{}
	inputs, outs, pipelines := &lsconv.YSeq{}, &lsconv.YSeq{}, &lsconv.YSeq{}
	for _, c := range convs {
		inputs.Items = append(inputs.Items, c.Inputs.Items...)
		pl := c.pipelineMap(len(convs) > 1)
		pipelines.Add(pl)
		for _, b := range c.Outputs {
			outs.Items = append(outs.Items, b.Item())
		}
		problems = append(problems, c.Problems...)
	}
	doc.Set("inputs", inputs)
	doc.Set("pipelines", pipelines)
	doc.Set("outputs", outs)
	w := &lsconv.YAMLWriter{}
	w.Comments(0, []string{
		"Converted from a Logstash configuration by ingestd (package logstash).",
		"Each block names the .conf position it came from.",
	})
	w.Mapping(0, doc)
	sort.SliceStable(problems, func(i, j int) bool { return lessPos(problems[i].Pos, problems[j].Pos) })
	return result{yaml: []byte(w.Text.String()), lines: w.Lines, problems: problems}
}

func lessPos(a, b lsconf.Pos) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

// pipelineName is opts.PipelineID, else the first file's base name,
// made into a valid ingestd pipeline name.
func (c *conv) pipelineName(cfg *lsconf.Config) string {
	name := c.Opts.PipelineID
	if name == "" {
		file := cfg.Position().File
		base := filepath.Base(file)
		name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), "_-")
	if out == "" || out == "." {
		return "main" // Logstash's default pipeline.id
	}
	return out
}

// pipelineMap is the pipeline's block. One of several (a pipelines.yml)
// names its inputs and outputs: it takes its inputs' events only and
// writes to its outputs only.
func (c *conv) pipelineMap(several bool) *lsconv.YMap {
	pl := &lsconv.YMap{}
	pl.Set("name", lsconv.Str(c.Name))
	if several {
		pl.Set("inputs", lsconv.StrSeq(c.InputIDs))
		ids := make([]string, len(c.Outputs))
		for i, b := range c.Outputs {
			ids[i] = b.ID
		}
		pl.Set("outputs", lsconv.StrSeq(ids))
	}
	for _, s := range c.Settings {
		e := pl.Set(s.Key, s.Val)
		e.At, e.Label = s.At, s.Label
	}
	if c.Stream != nil {
		e := pl.Set("data_stream", c.Stream.YAML())
		e.At, e.Label, e.Comments = c.Stream.At, "output \"elasticsearch\"", c.Stream.Comments
	}
	filters := &lsconv.YSeq{}
	tail := c.Tail
	if c.PrintsMetadata && c.Flags > 0 {
		flags := make([]string, c.Flags)
		for i := range flags {
			flags[i] = lsfilter.FlagField(i + 1)
		}
		rm := lsconv.NewBlock("mutate", lsconf.Pos{}, "branch flags removed")
		rm.Opts.Set("remove_field", lsconv.StrSeq(flags))
		rm.Comments = append(rm.Comments, "an output prints @metadata: the conversion's branch flags are removed first")
		tail = append(append([]*lsconv.Block(nil), tail...), rm)
	}
	for _, group := range [][]*lsconv.Block{lsinput.DecorationBlocks(c.Conv), c.Filters, tail} {
		for _, b := range group {
			filters.Items = append(filters.Items, b.Item())
		}
	}
	pl.Set("filters", filters)
	return pl
}

// conv is the conversion of one pipeline, with the driver's steps as its
// methods.
type conv struct{ *lsconv.Conv }
