package logstash

import (
	"fmt"
	"slices"

	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/sprintf"
)

// Where the elasticsearch outputs of a pipeline write (ingestd names the
// target once per pipeline: a data stream, or an index each event
// carries) and what they need of every document (_id, action), set by
// filters at the pipeline's end.

// streamSettings is the pipeline's data_stream block, from the
// elasticsearch outputs (ingestd names data streams per pipeline).
type streamSettings struct {
	at                lsconf.Pos
	typ, dataset, ns  string
	autoRouting, sync bool
	comments          []string
	esOutputs         int
	pipelineOption    bool
	documentID        string
	documentIDOuts    []*block // the outputs that name it: their whens are the condition of the replace
	documentIDAt      lsconf.Pos
	// indexAction: the index-mode outputs (actionOuts, none in data
	// stream mode) write by index actions (Logstash's default there), set
	// in [@metadata][op_type] for their events.
	indexAction bool
	actionOuts  []*block
	actionAt    lsconf.Pos
	nonES       []lsconf.Pos
	index       string // index mode: the index template ("" for data streams)
	// indexOuts are the index-mode outputs and the index each names.
	// Outputs in different arms of an if/else may name different ones:
	// each event then carries its output's in [@metadata][_index].
	indexOuts []indexOut
}

// indexOut is an elasticsearch output writing to an index.
type indexOut struct {
	out   *block
	index string
	at    lsconf.Pos
	path  []arm
}

// perOutputIndex is where an event carries the index of the output that
// takes it, when the outputs name different ones.
const perOutputIndex = "[@metadata][_index]"

func (s *streamSettings) yaml() *ymap {
	m := &ymap{}
	if s.index != "" {
		m.set("index", rawStr(s.index))
		return m
	}
	if s.esOutputs == 0 {
		// No elasticsearch output: nothing to name, and nothing to add
		// to the events the other outputs write.
		m.set("sync_fields", boolLit(false))
		m.set("fallback_tag", str(""))
		return m
	}
	m.set("type", str(s.typ))
	m.set("dataset", str(s.dataset))
	m.set("namespace", str(s.ns))
	m.set("auto_routing", boolLit(s.autoRouting))
	m.set("sync_fields", boolLit(s.sync))
	m.set("fallback_tag", str(""))
	return m
}

func (c *conv) streams() *streamSettings {
	if c.stream == nil {
		c.stream = &streamSettings{}
	}
	return c.stream
}

// finishStream adds what the elasticsearch outputs need from the filters
// and the warnings that involve several outputs.
func (c *conv) finishStream() {
	s := c.streams()
	if s.esOutputs == 0 {
		return
	}
	if s.sync {
		for _, at := range s.nonES {
			c.warnf(at, "ingestd's data_stream sync_fields sets data_stream.type, .dataset and .namespace on every event of the pipeline, also those this output writes; Logstash sets them only in what it sends to Elasticsearch")
		}
	}
	// Beats put [@metadata][pipeline], [@metadata][op_type] and
	// [@metadata][_id] on some events. ingestd's elasticsearch output
	// honours them; Logstash's ignores them unless its options say so.
	var rm []string
	if !s.indexAction {
		rm = append(rm, "[@metadata][op_type]")
	}
	if !s.pipelineOption {
		rm = append(rm, "[@metadata][pipeline]")
	}
	if s.documentID == "" {
		rm = append(rm, "[@metadata][_id]")
	}
	if len(rm) > 0 {
		b := newBlock("mutate", s.at, "output \"elasticsearch\"")
		b.opts.set("remove_field", strSeq(rm))
		b.comments = append(b.comments, "Logstash's elasticsearch output does not read these Beats metadata fields (ingestd's would: ingest pipeline, action, _id)")
		c.tail = append(c.tail, b)
	}
	if s.indexAction {
		a := replaceBlock(s.actionAt, "output \"elasticsearch\" action", whenOf(s.actionOuts), "[@metadata][op_type]", str("index"))
		a.comments = append(a.comments, "action index (Logstash's default for an index): a document sent again with the same _id replaces the one indexed; ingestd's elasticsearch output takes the action from [@metadata][op_type]")
		c.tail = append(c.tail, a)
	}
	if s.perOutputIndex() {
		for _, io := range s.indexOuts {
			t, ok := c.mutateTemplate(io.index, io.at, "output \"elasticsearch\": index")
			if !ok {
				continue
			}
			x := replaceBlock(io.at, "output \"elasticsearch\" index", io.out.when, perOutputIndex, rawStr(t))
			x.comments = append(x.comments, "index: this output's (the outputs of this pipeline name different ones, in different branches)")
			c.tail = append(c.tail, x)
		}
		s.index = "%{" + perOutputIndex + "}"
	}
	if s.documentID != "" {
		d := replaceBlock(s.documentIDAt, "output \"elasticsearch\" document_id", whenOf(s.documentIDOuts), "[@metadata][_id]", rawStr(s.documentID))
		d.comments = append(d.comments, "document_id: ingestd's elasticsearch output takes the _id from [@metadata][_id]")
		c.tail = append(c.tail, d)
	}
}

// indexMode converts the output's index (Logstash 8 without data
// streams): the pipeline writes to the index its template names, as the
// Beats example of the Logstash docs does
// ("%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}").
func (c *conv) indexMode(o *opts, ecs string, b *block) bool {
	what := o.what()
	good := true
	for _, name := range esRefusesDataStream {
		if a := o.attrs[name]; a != nil && !indexOnly[name] {
			c.errorf(a.Pos, "%s: option %s is not supported (ingestd writes whole documents by create)", what, name)
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
	if v, a, ok := o.str("index"); ok {
		index = v
		if t, err := sprintf.Parse(v); err != nil {
			c.errorf(a.Value.Position(), "%s: index: %v", what, err)
			good = false
		} else {
			for _, p := range t.Parts {
				if p.Kind == sprintf.PartField {
					if _, ok := c.pathRef(p.Ref.Path, a.Value.Position(), what+": index", true); !ok {
						good = false
					}
				}
			}
			good = c.datesRender(t, a.Value.Position(), what+": index") && good
		}
	} else if alias, _, ok := o.str("ilm_rollover_alias"); ok && !isFalse(o, "ilm_enabled") {
		// ilm.rb's setup_ilm: the output writes to the rollover alias.
		index = alias
		c.warnf(o.p.Pos, "%s: no index: Logstash writes to its ILM rollover alias %s; ingestd writes to the index %s and manages no rollover", what, alias, alias)
	} else {
		c.warnf(o.p.Pos, "%s: no index: Logstash writes to its ILM alias %s (or %s without ILM); ingestd writes to %s", what, base, index, index)
	}
	for _, name := range []string{"document_type", "ilm_enabled", "ilm_rollover_alias", "ilm_pattern", "ilm_policy"} {
		if a := o.get(name); a != nil {
			c.warnf(a.Pos, "%s: option %s is ignored (ingestd writes to the index the index option names, with no ILM alias or type)", what, name)
		}
	}
	if !good {
		return false
	}
	s := c.streams()
	for _, prev := range s.indexOuts {
		if prev.index != index && !exclusive(prev.path, c.outPath) {
			c.errorf(o.p.Pos, "%s: it names its index differently from the elasticsearch output at %s, and both can take one event; ingestd writes an event to one index (outputs in different arms of an if/else may name different ones)", what, prev.at)
			return false
		}
	}
	s.indexOuts = append(s.indexOuts, indexOut{out: b, index: index, at: o.p.Pos, path: slices.Clone(c.outPath)})
	if s.esOutputs > 0 {
		return true // the first output's index names the pipeline's target, or each output names its own
	}
	s.at, s.index = o.p.Pos, index
	s.comments = []string{fmt.Sprintf("%s %s: index (the output writes to an index, not a data stream)", posText(o.p.Pos), what)}
	return true
}

// perOutputIndex reports whether the index-mode outputs name different
// indices.
func (s *streamSettings) perOutputIndex() bool {
	for _, io := range s.indexOuts {
		if io.index != s.indexOuts[0].index {
			return true
		}
	}
	return false
}

// whenOf is the condition under which one of the outputs takes an event.
func whenOf(outs []*block) string {
	whens := make([]string, len(outs))
	for i, b := range outs {
		whens[i] = b.when
	}
	return or(whens...)
}
