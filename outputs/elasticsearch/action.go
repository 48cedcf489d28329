package elasticsearch

import (
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/template"
)

// An event's bulk action comes from its @metadata, where Filebeat modules
// and Beats processors put it and where Beats' own Elasticsearch output
// reads it (libbeat/outputs/elasticsearch/client.go, createEventBulkMeta
// and getPipeline): _id, pipeline and op_type.

// opType is a bulk action.
type opType uint8

const (
	opCreate opType = iota // the default: data streams take nothing else
	opIndex                // creates, or replaces a document with the same _id
	opDelete               // removes the document with the _id; no source line
)

// metaKeys are the @metadata members an action line reads, in the order of
// the array Members fills: one pass over @metadata per event (it is mostly
// absent or a few members, and still raw JSON text).
var metaKeys = []string{"_id", "pipeline", "op_type"}

const (
	metaID = iota
	metaPipeline
	metaOpType
	metaCount
)

// refusal is why an event's metadata makes no bulk action. Such an event
// is dead-lettered without being sent: Elasticsearch could not take it,
// and Beats, which drops it with an error, would lose it.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// opTypeOf reads [@metadata][op_type]: create (or empty), index or delete,
// matched exactly as Beats does (events.GetOpType). Where Beats falls
// back to its default for any other value, the event is refused: a
// misspelt delete must not index the document it meant to remove.
func opTypeOf(v event.Value) (opType, error) {
	if v.Kind() == event.KindString || v.IsNull() {
		switch v.Str() {
		case "", "create":
			return opCreate, nil
		case "index":
			return opIndex, nil
		case "delete":
			return opDelete, nil
		}
	}
	return 0, &refusal{"[@metadata][op_type] " + string(v.AppendJSON(nil)) + " is none of create, index and delete; the event was not sent"}
}

// lineEncoder writes the bulk lines of one request's events.
type lineEncoder struct {
	autoID bool
	// pipeline is the output's pipeline option, rendered per event when
	// set (hasPipeline).
	pipeline    template.Template
	hasPipeline bool
	ids         idState // what auto ids share from one event to the next, within one request: the texts it keeps are its events', alive until it is answered
}

// newLineEncoder returns an encoder for one request under cfg.
func newLineEncoder(cfg *Config) lineEncoder {
	return lineEncoder{autoID: cfg.DocumentID == "auto", pipeline: cfg.Pipeline, hasPipeline: cfg.Pipeline.Source != ""}
}

// appendLines appends the bulk lines of e to buf, each ending in '\n': the
// action line and, but for a delete, the document. When e's metadata makes
// no action it returns buf unchanged and a *refusal.
func (c *lineEncoder) appendLines(buf []byte, e *event.Event) ([]byte, error) {
	var meta [metaCount]event.Value
	found := e.Metadata().Members(metaKeys, meta[:])
	op := opCreate
	if found&(1<<metaOpType) != 0 {
		var err error
		if op, err = opTypeOf(meta[metaOpType]); err != nil {
			return buf, err
		}
	}
	id := ""
	if found&(1<<metaID) != 0 {
		id = meta[metaID].Text()
	}
	if op == opDelete {
		// Only an id the event names: an auto id is that of the line
		// itself, which no one means to delete.
		if id == "" {
			return buf, &refusal{`[@metadata][op_type] "delete" needs [@metadata][_id], which the event lacks; the event was not sent`}
		}
		// No pipeline: Elasticsearch runs none on a delete.
		buf = append(buf, `{"delete":{"_index":`...)
		buf = event.AppendQuoted(buf, e.DataStream)
		buf = append(buf, `,"_id":`...)
		buf = event.AppendQuoted(buf, id)
		return append(buf, "}}\n"...), nil
	}
	if id == "" && c.autoID {
		id = originID(e, &c.ids)
	}
	pipeline := ""
	if hasMeta := found&(1<<metaPipeline) != 0; hasMeta || c.hasPipeline { // mostly neither
		var err error
		if pipeline, err = c.pipelineOf(e, meta[metaPipeline], hasMeta); err != nil {
			return buf, err
		}
	}
	if op == opIndex {
		buf = append(buf, `{"index":{"_index":`...)
	} else {
		buf = append(buf, `{"create":{"_index":`...)
	}
	buf = event.AppendQuoted(buf, e.DataStream)
	if id != "" {
		buf = append(buf, `,"_id":`...)
		buf = event.AppendQuoted(buf, id)
	}
	if pipeline != "" {
		buf = append(buf, `,"pipeline":`...)
		buf = event.AppendQuoted(buf, pipeline)
	}
	buf = append(buf, "}}\n"...)
	return append(e.AppendJSON(buf), '\n'), nil
}

// pipelineOf is e's ingest pipeline: the output's pipeline option when it
// renders non-empty (a referenced field missing or empty renders nothing),
// else [@metadata][pipeline] (meta, when found), else none. The metadata's
// is lower-cased, as Beats does (its getPipeline): modules name their
// pipelines in lower case, and a processor that builds the name from
// event fields may not. The option is sent as it renders, as Logstash's
// output sends its pipeline option: pipeline ids are case-sensitive, and
// a site's "My-Pipeline" lower-cased names none.
func (c *lineEncoder) pipelineOf(e *event.Event, meta event.Value, found bool) (string, error) {
	if c.hasPipeline {
		if s, ok := c.pipeline.RenderName(e); ok && s != "" {
			return s, nil
		}
	}
	if !found {
		return "", nil
	}
	switch meta.Kind() {
	case event.KindString:
		return strings.ToLower(meta.Str()), nil
	case event.KindNull:
		return "", nil
	}
	// Beats refuses it too ("pipeline metadata is no string"): sent without
	// its pipeline, the event would be indexed unprocessed.
	return "", &refusal{"[@metadata][pipeline] " + string(meta.AppendJSON(nil)) + " is not a string; the event was not sent"}
}
