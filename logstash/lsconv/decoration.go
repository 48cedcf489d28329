package lsconv

import (
	"slices"

	"github.com/ingestd/ingestd/lsconf"
)

// Decoration is what an input adds to every event.
type Decoration struct {
	At       lsconf.Pos
	ID       string // the input's id
	Plugin   string
	Type     string
	AddField *Step // nil without add_field
	Tags     []string
	Beats    bool // the beats input's codec tags
	CodecTag bool
}

// Same reports whether d and o decorate events alike: then one set of
// blocks serves every input, without a guard per input.
func (d *Decoration) Same(o *Decoration) bool {
	if d.Type != o.Type || !slices.Equal(d.Tags, o.Tags) || d.Beats != o.Beats || d.CodecTag != o.CodecTag || (d.AddField == nil) != (o.AddField == nil) {
		return false
	}
	return d.AddField == nil || slices.EqualFunc(d.AddField.Entries, o.AddField.Entries, func(a, b MutateEntry) bool {
		return a.Key == b.Key && nodeText(a.Val) == nodeText(b.Val)
	})
}

// Blocks are the mutate blocks that reproduce the decoration, in the
// order Logstash applies it: decorate (type when absent, add_field, tags),
// then, for beats with include_codec_tag (codec_metadata), the codec tag:
// beats_input_codec_plain_applied for an event with a message (decoded by
// the plain codec), beats_input_raw_event without one.
func (d *Decoration) Blocks() []*Block {
	label := "input \"" + d.Plugin + "\""
	var out []*Block
	if d.Type != "" {
		out = append(out, ReplaceBlock(d.At, label+" type", `field("[type]") == nil`, "[type]", RawStr(d.Type)))
	}
	if d.AddField != nil || len(d.Tags) > 0 {
		steps := []*Step{}
		if d.AddField != nil {
			steps = append(steps, d.AddField)
		}
		if len(d.Tags) > 0 {
			steps = append(steps, &Step{Op: "add_tag", List: d.Tags})
		}
		out = append(out, PackSteps(steps, d.At, label+" decoration")...)
	}
	if !d.Beats || !d.CodecTag {
		return out
	}
	// Both tags only with include_codec_tag (codec_metadata): raw_event_
	// transform.rb tags "if include_codec_tag?" too.
	with := NewBlock("mutate", d.At, label+" codec tag")
	with.When = `field("[message]") != nil`
	with.Opts.Set("add_tag", StrSeq([]string{"beats_input_codec_plain_applied"}))
	raw := NewBlock("mutate", d.At, label+" raw event tag")
	raw.When = `field("[message]") == nil`
	raw.Opts.Set("add_tag", StrSeq([]string{"beats_input_raw_event"}))
	return append(out, with, raw)
}
