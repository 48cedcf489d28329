package logstash

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

// Problem is something in a logstash.conf that the conversion cannot
// keep (an error) or keeps with a difference worth knowing (a warning),
// at the position of the .conf node concerned.
type Problem struct {
	Pos     lsconf.Pos
	Msg     string
	Warning bool
}

// String formats the problem as FILE:LINE:COL: msg (warning: msg for a
// warning).
func (p Problem) String() string {
	if p.Warning {
		return p.Pos.String() + ": warning: " + p.Msg
	}
	return p.Pos.String() + ": " + p.Msg
}

// HasErrors reports whether ps holds a problem that is not a warning.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

// Options tune a conversion.
type Options struct {
	// PipelineID names the pipeline (Logstash's pipeline.id); empty: the
	// base name of the first file without its extension.
	PipelineID string
	// Lookup resolves ${VAR} placeholders as Logstash does (its keystore,
	// then the environment); nil: the environment.
	Lookup load.LookupFunc
	// ECSCompatibility is pipeline.ecs_compatibility (disabled, v1 or v8):
	// the grok pattern set of filters that do not choose one; empty:
	// Logstash 8's default, v8.
	ECSCompatibility string
}

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
	lines    []origin
	problems []Problem
}

// conv holds the state of one conversion.
type conv struct {
	opts     Options
	problems []Problem
	// kept holds the original text of option strings that were exactly
	// one ${VAR} placeholder, by position, so that secrets (passwords)
	// stay placeholders in the YAML: ingestd expands them the same way.
	kept map[posKey]string

	flags int // branch flags allocated ([@metadata][_lsN])
	privs int // private failure tags allocated

	shared   *shared
	name     string    // the pipeline's name
	settings []setting // from pipelines.yml

	inputs      *yseq
	inputIDs    []string      // the ids of this pipeline's inputs
	decorations []*decoration // what they add to events, run before the filters
	filters     []*block
	outputs     []*block
	tail        []*block // filters that serve outputs (document_id)
	// outPath is the branch arms the output being converted is in: two
	// outputs in different arms of one branch never take the same event.
	outPath []arm
	stream  *streamSettings
	listens []busAddr // pipeline inputs' addresses
	sends   []busAddr // pipeline outputs' addresses
	// printsMetadata: an output prints @metadata (rubydebug's metadata
	// option), where the conversion's own flags must not show.
	printsMetadata bool
}

// shared is what the pipelines of one conversion (a pipelines.yml) share:
// input and output ids are unique across them.
type shared struct {
	inputIDs  map[string]int
	outputIDs map[string]int
}

func newShared() *shared {
	return &shared{inputIDs: map[string]int{}, outputIDs: map[string]int{}}
}

// busAddr is a pipeline-to-pipeline address where a .conf names it.
type busAddr struct {
	addr string
	at   lsconf.Pos
}

type posKey struct {
	file string
	off  int
}

func keyOf(p lsconf.Pos) posKey { return posKey{p.File, p.Offset} }

func (c *conv) errorf(at lsconf.Pos, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: at, Msg: fmt.Sprintf(format, args...)})
}

func (c *conv) warnf(at lsconf.Pos, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: at, Msg: fmt.Sprintf(format, args...), Warning: true})
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
	credPos := map[posKey]bool{}
	for _, p := range cfg.Plugins(lsconf.KindOutput) {
		for _, name := range credentialOptions[p.Name] {
			for _, a := range p.Attrs {
				if str, ok := a.Value.(*lsconf.String); ok && a.Name == name {
					if m := wholePlaceholder.FindStringSubmatch(str.Value); m != nil {
						creds[m[1]] = true
						credPos[keyOf(str.Pos)] = true
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
		if credPos[keyOf(at)] {
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
	c := newConv(opts, newShared())
	c.run(cfg)
	return assemble([]*conv{c}, nil)
}

func newConv(opts Options, sh *shared) *conv {
	return &conv{opts: opts, kept: map[posKey]string{}, inputs: &yseq{}, shared: sh}
}

// run converts one pipeline's configuration into c.
func (c *conv) run(cfg *lsconf.Config) {
	c.name = c.pipelineName(cfg)
	lookup := c.opts.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	lsconf.Inspect(cfg, func(n lsconf.Node) bool {
		if s, ok := n.(*lsconf.String); ok && wholePlaceholder.MatchString(s.Value) {
			c.kept[keyOf(s.Pos)] = s.Value
		}
		return true
	})
	sub, err := load.Substitute(cfg, credentialsOnly(cfg, lookup))
	var list lsconf.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			c.errorf(e.Pos, "%s", e.Msg)
		}
	} else if err != nil {
		c.errorf(cfg.Position(), "%v", err)
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
	c.convertInputs(inputs, cfg.Position())
	for _, items := range filters {
		c.filterItems(items, "")
	}
	for _, it := range outputs {
		c.outputItem(it, "")
	}
	if len(outputs) == 0 {
		c.errorf(cfg.Position(), "no output: ingestd needs at least one (elasticsearch, stdout, file, http or pipeline)")
	}
	c.finishStream()
}

// assemble writes the config of converted pipelines: every input, the
// pipelines in order, every output. With several pipelines, each takes the
// events of its own inputs and writes to its own outputs, as Logstash's
// pipelines do. problems are added to the pipelines' own.
func assemble(convs []*conv, problems []Problem) result {
	doc := &ymap{}
	inputs, outs, pipelines := &yseq{}, &yseq{}, &yseq{}
	for _, c := range convs {
		inputs.items = append(inputs.items, c.inputs.items...)
		pl := c.pipelineMap(len(convs) > 1)
		pipelines.add(pl)
		for _, b := range c.outputs {
			outs.items = append(outs.items, b.item())
		}
		problems = append(problems, c.problems...)
	}
	doc.set("inputs", inputs)
	doc.set("pipelines", pipelines)
	doc.set("outputs", outs)
	w := &yamlWriter{}
	w.comments(0, []string{
		"Converted from a Logstash configuration by ingestd (package logstash).",
		"Each block names the .conf position it came from.",
	})
	w.mapping(0, doc)
	sort.SliceStable(problems, func(i, j int) bool { return lessPos(problems[i].Pos, problems[j].Pos) })
	return result{yaml: []byte(w.b.String()), lines: w.lines, problems: problems}
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
	name := c.opts.PipelineID
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
func (c *conv) pipelineMap(several bool) *ymap {
	pl := &ymap{}
	pl.set("name", str(c.name))
	if several {
		pl.set("inputs", strSeq(c.inputIDs))
		ids := make([]string, len(c.outputs))
		for i, b := range c.outputs {
			ids[i] = b.id
		}
		pl.set("outputs", strSeq(ids))
	}
	for _, s := range c.settings {
		e := pl.set(s.key, s.val)
		e.at, e.label = s.at, s.label
	}
	if c.stream != nil {
		e := pl.set("data_stream", c.stream.yaml())
		e.at, e.label, e.comments = c.stream.at, "output \"elasticsearch\"", c.stream.comments
	}
	filters := &yseq{}
	tail := c.tail
	if c.printsMetadata && c.flags > 0 {
		flags := make([]string, c.flags)
		for i := range flags {
			flags[i] = flagField(i + 1)
		}
		rm := newBlock("mutate", lsconf.Pos{}, "branch flags removed")
		rm.opts.set("remove_field", strSeq(flags))
		rm.comments = append(rm.comments, "an output prints @metadata: the conversion's branch flags are removed first")
		tail = append(append([]*block(nil), tail...), rm)
	}
	for _, group := range [][]*block{c.decorationBlocks(), c.filters, tail} {
		for _, b := range group {
			filters.items = append(filters.items, b.item())
		}
	}
	pl.set("filters", filters)
	return pl
}

// setting is a pipeline setting taken from pipelines.yml.
type setting struct {
	key   string
	val   ynode
	at    lsconf.Pos
	label string
}

// block is one ingestd plugin block (a filter or an output).
type block struct {
	plugin   string
	opts     *ymap
	when     string
	id       string
	at       lsconf.Pos
	label    string
	comments []string
}

func newBlock(plugin string, at lsconf.Pos, label string) *block {
	return &block{plugin: plugin, opts: &ymap{}, at: at, label: label}
}

// replaceBlock is a mutate that sets field to value (replace) on the
// events when matches.
func replaceBlock(at lsconf.Pos, label, when, field string, value ynode) *block {
	b := newBlock("mutate", at, label)
	b.when = when
	m := &ymap{}
	m.set(field, value)
	b.opts.set("replace", m)
	return b
}

// templated reports whether a mutate block sets values that may hold
// sprintf references.
func (b *block) templated() bool {
	for _, e := range b.opts.entries {
		if e.key == "replace" || e.key == "append" || e.key == "add_field" {
			return true
		}
		if seq, ok := e.val.(*yseq); ok && (e.key == "add_tag" || e.key == "remove_tag" || e.key == "remove_field") {
			for _, it := range seq.items {
				if sc, ok := it.val.(*yscalar); ok && strings.Contains(sc.text, "%{") {
					return true
				}
			}
		}
	}
	return false
}

// item renders the block as a list item {plugin: {id, when, options}}.
func (b *block) item() *yitem {
	body := &ymap{}
	if b.id != "" {
		body.set("id", str(b.id))
	}
	if b.when != "" {
		body.set("when", str(b.when))
	}
	if b.plugin == "mutate" && b.templated() {
		// Logstash's sprintf: a missing field keeps its %{...} text.
		body.set("sprintf", str("logstash"))
	}
	body.entries = append(body.entries, b.opts.entries...)
	m := &ymap{}
	e := m.set(b.plugin, body)
	e.at, e.label = b.at, b.label
	comments := []string{fmt.Sprintf("%s %s", posText(b.at), b.label)}
	comments = append(comments, b.comments...)
	return &yitem{val: m, at: b.at, label: b.label, comments: comments}
}

// posText is a position for a comment: the file's base name, the line and
// the column (comments are for reading, the full path is in problems).
func posText(p lsconf.Pos) string {
	if !p.IsValid() {
		return "(added)"
	}
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.File), p.Line, p.Col)
}
