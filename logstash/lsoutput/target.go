package lsoutput

import (
	"fmt"
	"slices"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf/sprintf"
)

// Where the elasticsearch outputs of a pipeline write (ingestd names the
// target once per pipeline: a data stream, or an index each event
// carries) and what they need of every document (_id, action), set by
// filters at the pipeline's end.

func (c *conv) streams() *lsconv.StreamSettings {
	if c.Stream == nil {
		c.Stream = &lsconv.StreamSettings{}
	}
	return c.Stream
}

// finishStream adds what the elasticsearch outputs need from the filters
// and the warnings that involve several outputs.
func (c *conv) finishStream() {
	s := c.streams()
	if s.ESOutputs == 0 {
		return
	}
	if s.Sync {
		for _, at := range s.NonES {
			c.Warnf(at, "ingestd's data_stream sync_fields sets data_stream.type, .dataset and .namespace on every event of the pipeline, also those this output writes; Logstash sets them only in what it sends to Elasticsearch")
		}
	}
	// Beats put [@metadata][pipeline], [@metadata][op_type] and
	// [@metadata][_id] on some events. ingestd's elasticsearch output
	// honours them; Logstash's ignores them unless its options say so.
	var rm []string
	if !s.IndexAction {
		rm = append(rm, "[@metadata][op_type]")
	}
	if !s.PipelineOption {
		rm = append(rm, "[@metadata][pipeline]")
	}
	if s.DocumentID == "" {
		rm = append(rm, "[@metadata][_id]")
	}
	if len(rm) > 0 {
		b := lsconv.NewBlock("mutate", s.At, "output \"elasticsearch\"")
		b.Opts.Set("remove_field", lsconv.StrSeq(rm))
		b.Comments = append(b.Comments, "Logstash's elasticsearch output does not read these Beats metadata fields (ingestd's would: ingest pipeline, action, _id)")
		c.Tail = append(c.Tail, b)
	}
	if s.IndexAction {
		a := lsconv.ReplaceBlock(s.ActionAt, "output \"elasticsearch\" action", whenOf(s.ActionOuts), "[@metadata][op_type]", lsconv.Str("index"))
		a.Comments = append(a.Comments, "action index (Logstash's default for an index): a document sent again with the same _id replaces the one indexed; ingestd's elasticsearch output takes the action from [@metadata][op_type]")
		c.Tail = append(c.Tail, a)
	}
	if s.PerOutputIndex() {
		for _, io := range s.IndexOuts {
			t, ok := c.MutateTemplate(io.Index, io.At, "output \"elasticsearch\": index")
			if !ok {
				continue
			}
			x := lsconv.ReplaceBlock(io.At, "output \"elasticsearch\" index", io.Out.When, lsconv.PerOutputIndex, lsconv.RawStr(t))
			x.Comments = append(x.Comments, "index: this output's (the outputs of this pipeline name different ones, in different branches)")
			c.Tail = append(c.Tail, x)
		}
		s.Index = "%{" + lsconv.PerOutputIndex + "}"
	}
	if s.DocumentID != "" {
		d := lsconv.ReplaceBlock(s.DocumentIDAt, "output \"elasticsearch\" document_id", whenOf(s.DocumentIDOuts), "[@metadata][_id]", lsconv.RawStr(s.DocumentID))
		d.Comments = append(d.Comments, "document_id: ingestd's elasticsearch output takes the _id from [@metadata][_id]")
		c.Tail = append(c.Tail, d)
	}
}

// indexMode converts the output's index (Logstash 8 without data
// streams): the pipeline writes to the index its template names, as the
// Beats example of the Logstash docs does
// ("%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}").
func (c *conv) indexMode(o *lsconv.Opts, ecs string, b *lsconv.Block) bool {
	what := o.What()
	good := true
	for _, name := range esRefusesDataStream {
		if a := o.Attrs[name]; a != nil && !indexOnly[name] {
			c.Errorf(a.Pos, "%s: option %s is not supported (ingestd writes whole documents by create)", what, name)
			good = false
		}
	}
	// elasticsearch.rb's default_index: ecs-logstash under ECS (Logstash
	// 8's default), logstash without.
	base := "ecs-logstash"
	if ecs == "disabled" {
		base = "logstash"
	}
	index := base + "-%{+yyyy.MM.dd}"
	if v, a, ok := o.Str("index"); ok {
		index = v
		if t, err := sprintf.Parse(v); err != nil {
			c.Errorf(a.Value.Position(), "%s: index: %v", what, err)
			good = false
		} else {
			for _, p := range t.Parts {
				if p.Kind == sprintf.PartField {
					if _, ok := c.PathRef(p.Ref.Path, a.Value.Position(), what+": index", true); !ok {
						good = false
					}
				}
			}
			good = c.DatesRender(t, a.Value.Position(), what+": index") && good
		}
	} else if alias, _, ok := o.Str("ilm_rollover_alias"); ok && !isFalse(o, "ilm_enabled") {
		// ilm.rb's setup_ilm: the output writes to the rollover alias.
		index = alias
		c.Warnf(o.Plugin.Pos, "%s: no index: Logstash writes to its ILM rollover alias %s; ingestd writes to the index %s and manages no rollover", what, alias, alias)
	} else {
		c.Warnf(o.Plugin.Pos, "%s: no index: Logstash writes to its ILM alias %s (or %s without ILM); ingestd writes to %s", what, base, index, index)
	}
	for _, name := range []string{"document_type", "ilm_enabled", "ilm_rollover_alias", "ilm_pattern", "ilm_policy"} {
		if a := o.Get(name); a != nil {
			c.Warnf(a.Pos, "%s: option %s is ignored (ingestd writes to the index the index option names, with no ILM alias or type)", what, name)
		}
	}
	if !good {
		return false
	}
	s := c.streams()
	for _, prev := range s.IndexOuts {
		if prev.Index != index && !exclusive(prev.Path, c.OutPath) {
			c.Errorf(o.Plugin.Pos, "%s: it names its index differently from the elasticsearch output at %s, and both can take one event; ingestd writes an event to one index (outputs in different arms of an if/else may name different ones)", what, prev.At)
			return false
		}
	}
	s.IndexOuts = append(s.IndexOuts, lsconv.IndexOut{Out: b, Index: index, At: o.Plugin.Pos, Path: slices.Clone(c.OutPath)})
	if s.ESOutputs > 0 {
		return true // the first output's index names the pipeline's target, or each output names its own
	}
	s.At, s.Index = o.Plugin.Pos, index
	s.Comments = []string{fmt.Sprintf("%s %s: index (the output writes to an index, not a data stream)", lsconv.PosText(o.Plugin.Pos), what)}
	return true
}

// whenOf is the condition under which one of the outputs takes an event.
func whenOf(outs []*lsconv.Block) string {
	whens := make([]string, len(outs))
	for i, b := range outs {
		whens[i] = b.When
	}
	return lsconv.Or(whens...)
}
