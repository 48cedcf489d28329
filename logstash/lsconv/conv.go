// Package lsconv is what every part of a logstash.conf conversion shares:
// the conversion's state (Conv: the blocks made so far, problems, ids),
// problems at .conf positions, reading plugin options as Logstash does
// (Opts), field references and sprintf templates translated into
// ingestd's, conditions translated into expr-lang with Logstash's
// semantics, mutate steps in Logstash's order, and the YAML tree the
// result is written as. It knows no plugin; lsinput, lsfilter and
// lsoutput convert those, and package logstash drives them.
package lsconv

import (
	"fmt"
	"path/filepath"
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

// Conv holds the state of one conversion.
type Conv struct {
	Opts     Options
	Problems []Problem
	// Kept holds the original text of option strings that were exactly
	// one ${VAR} placeholder, by position, so that secrets (passwords)
	// stay placeholders in the YAML: ingestd expands them the same way.
	Kept map[PosKey]string

	Flags int // branch flags allocated ([@metadata][_lsN])
	Privs int // private failure tags allocated

	Shared   *Shared
	Name     string    // the pipeline's name
	Settings []Setting // from pipelines.yml

	Inputs      *YSeq
	InputIDs    []string      // the ids of this pipeline's inputs
	Decorations []*Decoration // what they add to events, run before the filters
	Filters     []*Block
	Outputs     []*Block
	Tail        []*Block // filters that serve outputs (document_id)
	// OutPath is the branch arms the output being converted is in: two
	// outputs in different arms of one branch never take the same event.
	OutPath []Arm
	Stream  *StreamSettings
	Listens []BusAddr // pipeline inputs' addresses
	Sends   []BusAddr // pipeline outputs' addresses
	// PrintsMetadata: an output prints @metadata (rubydebug's metadata
	// option), where the conversion's own flags must not show.
	PrintsMetadata bool
}

// Shared is what the pipelines of one conversion (a pipelines.yml) share:
// input and output ids are unique across them.
type Shared struct {
	InputIDs  map[string]int
	OutputIDs map[string]int
}

// NewShared returns the shared state of a new conversion.
func NewShared() *Shared {
	return &Shared{InputIDs: map[string]int{}, OutputIDs: map[string]int{}}
}

// BusAddr is a pipeline-to-pipeline address where a .conf names it.
type BusAddr struct {
	Addr string
	At   lsconf.Pos
}

// PosKey identifies a .conf node by file and byte offset.
type PosKey struct {
	file string
	off  int
}

// KeyOf is the PosKey of the node at p.
func KeyOf(p lsconf.Pos) PosKey { return PosKey{p.File, p.Offset} }

// Errorf records an error at the .conf position at: the conversion cannot
// keep what is there.
func (c *Conv) Errorf(at lsconf.Pos, format string, args ...any) {
	c.Problems = append(c.Problems, Problem{Pos: at, Msg: fmt.Sprintf(format, args...)})
}

// Warnf records a warning at the .conf position at: a difference worth
// knowing, or an option without effect here.
func (c *Conv) Warnf(at lsconf.Pos, format string, args ...any) {
	c.Problems = append(c.Problems, Problem{Pos: at, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// Setting is a pipeline setting taken from pipelines.yml.
type Setting struct {
	Key   string
	Val   YNode
	At    lsconf.Pos
	Label string
}

// Block is one ingestd plugin block (a filter or an output).
type Block struct {
	Plugin   string
	Opts     *YMap
	When     string
	ID       string
	At       lsconf.Pos
	Label    string
	Comments []string
}

// NewBlock starts the ingestd block of plugin converted from the .conf node
// at at; label names it in the YAML comment.
func NewBlock(plugin string, at lsconf.Pos, label string) *Block {
	return &Block{Plugin: plugin, Opts: &YMap{}, At: at, Label: label}
}

// ReplaceBlock is a mutate that sets field to value (replace) on the
// events when matches.
func ReplaceBlock(at lsconf.Pos, label, when, field string, value YNode) *Block {
	b := NewBlock("mutate", at, label)
	b.When = when
	m := &YMap{}
	m.Set(field, value)
	b.Opts.Set("replace", m)
	return b
}

// templated reports whether a mutate block sets values that may hold
// sprintf references.
func (b *Block) templated() bool {
	for _, e := range b.Opts.Entries {
		if e.key == "replace" || e.key == "append" || e.key == "add_field" {
			return true
		}
		if seq, ok := e.val.(*YSeq); ok && (e.key == "add_tag" || e.key == "remove_tag" || e.key == "remove_field") {
			for _, it := range seq.Items {
				if sc, ok := it.Val.(*YScalar); ok && strings.Contains(sc.text, "%{") {
					return true
				}
			}
		}
	}
	return false
}

// Item renders the block as a list item {plugin: {id, when, options}}.
func (b *Block) Item() *YItem {
	body := &YMap{}
	if b.ID != "" {
		body.Set("id", Str(b.ID))
	}
	if b.When != "" {
		body.Set("when", Str(b.When))
	}
	if b.Plugin == "mutate" && b.templated() {
		// Logstash's sprintf: a missing field keeps its %{...} text.
		body.Set("sprintf", Str("logstash"))
	}
	body.Entries = append(body.Entries, b.Opts.Entries...)
	m := &YMap{}
	e := m.Set(b.Plugin, body)
	e.At, e.Label = b.At, b.Label
	comments := []string{fmt.Sprintf("%s %s", PosText(b.At), b.Label)}
	comments = append(comments, b.Comments...)
	return &YItem{Val: m, At: b.At, Label: b.Label, Comments: comments}
}

// PosText is a position for a comment: the file's base name, the line and
// the column (comments are for reading, the full path is in problems).
func PosText(p lsconf.Pos) string {
	if !p.IsValid() {
		return "(added)"
	}
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.File), p.Line, p.Col)
}

// Arm is a case of a branch: Case indexes its Cases, len(Cases) is its
// else.
type Arm struct {
	Branch *lsconf.Branch
	Case   int
}
