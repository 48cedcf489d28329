package lsconv

import "github.com/ingestd/ingestd/lsconf"

// StreamSettings is the pipeline's data_stream block, from the
// elasticsearch outputs (ingestd names data streams per pipeline).
type StreamSettings struct {
	At                lsconf.Pos
	Type, Dataset, Ns string
	AutoRouting, Sync bool
	Comments          []string
	ESOutputs         int
	PipelineOption    bool
	DocumentID        string
	DocumentIDOuts    []*Block // the outputs that name it: their whens are the condition of the replace
	DocumentIDAt      lsconf.Pos
	// IndexAction: the index-mode outputs (actionOuts, none in data
	// stream mode) write by index actions (Logstash's default there), set
	// in [@metadata][op_type] for their events.
	IndexAction bool
	ActionOuts  []*Block
	ActionAt    lsconf.Pos
	NonES       []lsconf.Pos
	Index       string // index mode: the index template ("" for data streams)
	// IndexOuts are the index-mode outputs and the index each names.
	// Outputs in different arms of an if/else may name different ones:
	// each event then carries its output's in [@metadata][_index].
	IndexOuts []IndexOut
}

// IndexOut is an elasticsearch output writing to an index.
type IndexOut struct {
	Out   *Block
	Index string
	At    lsconf.Pos
	Path  []Arm
}

// PerOutputIndex is where an event carries the index of the output that
// takes it, when the outputs name different ones.
const PerOutputIndex = "[@metadata][_index]"

// YAML is the pipeline's data_stream block.
func (s *StreamSettings) YAML() *YMap {
	m := &YMap{}
	if s.Index != "" {
		m.Set("index", RawStr(s.Index))
		return m
	}
	if s.ESOutputs == 0 {
		// No elasticsearch output: nothing to name, and nothing to add
		// to the events the other outputs write.
		m.Set("sync_fields", BoolLit(false))
		m.Set("fallback_tag", Str(""))
		return m
	}
	m.Set("type", Str(s.Type))
	m.Set("dataset", Str(s.Dataset))
	m.Set("namespace", Str(s.Ns))
	m.Set("auto_routing", BoolLit(s.AutoRouting))
	m.Set("sync_fields", BoolLit(s.Sync))
	m.Set("fallback_tag", Str(""))
	return m
}

// PerOutputIndex reports whether the index-mode outputs name different
// indices.
func (s *StreamSettings) PerOutputIndex() bool {
	for _, io := range s.IndexOuts {
		if io.Index != s.IndexOuts[0].Index {
			return true
		}
	}
	return false
}
