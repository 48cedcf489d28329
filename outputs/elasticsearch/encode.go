package elasticsearch

import (
	"encoding/base64"
	"hash/fnv"
	"unsafe"

	"github.com/ingestd/ingestd/pipeline"
)

// item is one event's bulk lines: the create action and the document.
type item struct {
	ev       *pipeline.Event
	data     []byte // action line + document line, each ending in '\n'
	docStart int    // offset of the document line in data
	attempts int
	block    *block // the buffer data lies in, at off
	off      int
}

// block is the buffer one encode call wrote.
type block struct{ buf []byte }

// encode writes the bulk lines of every event into one buffer, straight
// from the events (no intermediate maps), and returns the items over it.
// perEvent is the expected size of one event's lines (the last batch's
// average, grown by an eighth): a buffer sized right is written once, where
// growing it by appending copies it again and again.
func encode(events []*pipeline.Event, autoID bool, perEvent int) (items []item, size int) {
	items = make([]item, len(events))
	ends := make([]int, len(events))
	if perEvent <= 0 {
		perEvent = 600
	}
	buf := make([]byte, 0, perEvent*len(events)+perEvent*len(events)/8)
	for i, e := range events {
		start := len(buf)
		buf = append(buf, `{"create":{"_index":`...)
		buf = pipeline.AppendQuoted(buf, e.DataStream)
		if id := documentID(e, autoID); id != "" {
			buf = append(buf, `,"_id":`...)
			buf = pipeline.AppendQuoted(buf, id)
		}
		buf = append(buf, "}}\n"...)
		docStart := len(buf) - start
		buf = append(e.AppendJSON(buf), '\n')
		items[i] = item{ev: e, docStart: docStart}
		ends[i] = len(buf)
	}
	// buf may have moved while growing: slice it once it is final.
	b := &block{buf: buf}
	start := 0
	for i, end := range ends {
		items[i].data = buf[start:end:end]
		items[i].block, items[i].off = b, start
		start = end
	}
	return items, len(buf)
}

// contiguous returns the lines of items as one slice when they lie back to
// back in one encode buffer (a batch sent whole, as usual), so that a bulk
// request sends them without copying; ok is false otherwise.
func contiguous(items []item) (body []byte, ok bool) {
	if len(items) == 0 || items[0].block == nil {
		return nil, false
	}
	first := items[0]
	end := first.off
	for _, it := range items {
		if it.block != first.block || it.off != end {
			return nil, false
		}
		end += len(it.data)
	}
	return first.block.buf[first.off:end:end], true
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
