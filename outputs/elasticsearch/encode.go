package elasticsearch

import (
	"encoding/base64"
	"hash/fnv"
	"unsafe"

	"github.com/ingestd/ingestd/pipeline"
)

// item is one event on its way into a bulk request.
type item struct {
	ev       *pipeline.Event
	size     int // estimated bytes of its bulk lines, for bulk_max_bytes
	attempts int
}

// newItems wraps events. Their bulk lines are written when a request is
// sent, into a pooled body, and again for a retry: events do not change
// once filtered, and keeping the encoded copy of every queued event would
// double the memory the queue holds.
func newItems(events []*pipeline.Event) []item {
	items := make([]item, len(events))
	for i, e := range events {
		// The document is about the JSON the client sent, reshaped; the
		// action line about 100 bytes. The 413 split catches a bad guess.
		items[i] = item{ev: e, size: len(e.Raw()) + 100}
	}
	return items
}

// appendLines appends the bulk lines of e to buf: the create action and
// the document, each ending in '\n'.
func appendLines(buf []byte, e *pipeline.Event, autoID bool) []byte {
	buf = append(buf, `{"create":{"_index":`...)
	buf = pipeline.AppendQuoted(buf, e.DataStream)
	if id := documentID(e, autoID); id != "" {
		buf = append(buf, `,"_id":`...)
		buf = pipeline.AppendQuoted(buf, id)
	}
	buf = append(buf, "}}\n"...)
	return append(e.AppendJSON(buf), '\n')
}

// The members documentID reads, in the order of its arrays.
var (
	rootKeys  = []string{"log", "agent", "host"}
	logKeys   = []string{"offset", "file"}
	fileKeys  = []string{"path", "device_id", "inode"}
	agentKeys = []string{"id", "name"}
)

// documentID is [@metadata][_id] when a filter set one; otherwise, with
// autoID, a hash of where the line came from: the agent (its persistent
// id, else its name, else the host), the file (device and inode when
// Filebeat's filestream sends them, so a rotated file is not confused with
// its successor, and the path) and the offset. A batch Filebeat resends
// after a crash gets the same ids and Elasticsearch answers 409.
func documentID(e *pipeline.Event, autoID bool) string {
	if v, ok := e.Metadata().Member("_id"); ok && v.Text() != "" {
		return v.Text()
	}
	if !autoID {
		return ""
	}
	// One pass per object: these are read for every event, and most
	// objects are still raw JSON text (see pipeline.Value.Members).
	var top [3]pipeline.Value
	found := e.Root().Members(rootKeys, top[:])
	var lg [2]pipeline.Value
	if found&1 == 0 || top[0].Members(logKeys, lg[:])&1 == 0 {
		return "" // no [log][offset]
	}
	offset := lg[0]
	var file [3]pipeline.Value
	if lg[1].Members(fileKeys, file[:])&1 == 0 {
		return "" // no [log][file][path]
	}
	path, device, inode := file[0], file[1], file[2]
	origin := ""
	var agent [2]pipeline.Value
	top[1].Members(agentKeys, agent[:])
	if v := agent[0].Text(); v != "" {
		origin = v
	} else if v := agent[1].Text(); v != "" {
		origin = v
	} else {
		h, _ := top[2].Member("name")
		origin = h.Text()
	}
	h := fnv.New128a()
	for _, part := range []string{origin, device.Text(), inode.Text(), path.Text(), offset.Text()} {
		h.Write(unsafe.Slice(unsafe.StringData(part), len(part)))
		h.Write([]byte{0})
	}
	var sum [16]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0]))
}
