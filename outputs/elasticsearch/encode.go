package elasticsearch

import (
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/ingestd/ingestd/event"
)

// item is one event on its way into a bulk request.
type item struct {
	ev *event.Event
	// size is the estimated bytes of its bulk lines, for bulk_max_bytes
	// and for sizing request bodies (events are at most max_event_bytes);
	// pipeline is the index in
	// pipelineNames of the pipeline that filtered it, for dead-letter
	// records. Small fields keep an item at 24 bytes: the queue holds
	// thousands.
	size     int32
	attempts int32
	pipeline uint32
}

// pipelineNames interns the names of the pipelines that send to an
// output, so that each item carries an index instead of a string.
type pipelineNames struct {
	mu    sync.RWMutex
	index map[string]uint32
	names []string
}

// indexOf returns name's index, adding it the first time.
func (p *pipelineNames) indexOf(name string) uint32 {
	p.mu.RLock()
	i, ok := p.index[name]
	p.mu.RUnlock()
	if ok {
		return i
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if i, ok := p.index[name]; ok {
		return i
	}
	if p.index == nil {
		p.index = map[string]uint32{}
	}
	i = uint32(len(p.names))
	p.index[name], p.names = i, append(p.names, name)
	return i
}

// name returns the name at index i.
func (p *pipelineNames) name(i uint32) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.names[i]
}

// newItems wraps the events pipeline sent. Their bulk lines are written
// when a request is sent, into a pooled body, and again for a retry:
// events do not change once filtered, and keeping the encoded copy of
// every queued event would double the memory the queue holds.
//
// An item's size is the JSON the client sent (the document reshaped, plus
// @metadata, which is not written: that covers an _id, pipeline or op_type
// it holds) and actionBytes (actionLineBytes) for the action line. A
// delete writes no document: its estimate is high, which only flushes a
// request early. The 413 split catches a bad guess.
func newItems(pipeline uint32, actionBytes int32, events []*event.Event) []item {
	items := make([]item, len(events))
	for i, e := range events {
		items[i] = item{ev: e, pipeline: pipeline, size: int32(len(e.Raw())) + actionBytes}
	}
	return items
}

// actionLineBytes estimates an action line under cfg: about 100 bytes for
// the action, _index and _id, and the pipeline option's name when it is
// set (its template's text stands for what it renders), which, unlike one
// from @metadata, is not in the event's JSON.
func actionLineBytes(cfg *Config) int32 {
	n := 100
	if src := cfg.Pipeline.Source; src != "" {
		n += len(`,"pipeline":""`) + len(src)
	}
	return int32(n)
}

// The members originID reads, in the order of its arrays.
var (
	rootKeys  = []string{"log", "agent", "host"}
	logKeys   = []string{"offset", "file"}
	fileKeys  = []string{"path", "device_id", "inode"}
	agentKeys = []string{"id", "name"}
)

// originID is the _id document_id: auto gives an event without
// [@metadata][_id] (appendLines reads that one): a hash of where the line
// came from: the agent (its persistent id, else its name, else the host),
// the file (device and inode when Filebeat's filestream sends them, so a
// rotated file is not confused with its successor, and the path) and the
// offset, and the piece number of an event a filter made of another
// (split). A batch Filebeat resends after a crash gets the same ids and
// Elasticsearch answers 409. It is "" for an event without that origin.
//
// The id is written into st and the string returned aliases it: it is
// valid until st is used again (this runs for every event, and an
// allocated string per event is GC work the id is not worth).
func originID(e *event.Event, st *idState) string {
	// One pass per object: these are read for every event, and most
	// objects are still raw JSON text (see event.Value.Members).
	var top [3]event.Value
	found := e.Root().Members(rootKeys, top[:])
	var lg [2]event.Value
	if found&1 == 0 || top[0].Members(logKeys, lg[:])&1 == 0 {
		return "" // no [log][offset]
	}
	offset := lg[0]
	agentRaw, agentOK := top[1].RawText()
	fileRaw, fileOK := lg[1].RawText()
	var h fnv128a
	if agentOK && fileOK && st.agent == agentRaw && st.file == fileRaw {
		h = st.prefix // the same agent and file as the event before
	} else {
		var file [3]event.Value
		if lg[1].Members(fileKeys, file[:])&1 == 0 {
			return "" // no [log][file][path]
		}
		path, device, inode := file[0], file[1], file[2]
		origin := ""
		var agent [2]event.Value
		top[1].Members(agentKeys, agent[:])
		if v := agent[0].Text(); v != "" {
			origin = v
		} else if v := agent[1].Text(); v != "" {
			origin = v
		} else {
			hn, _ := top[2].Member("name")
			origin = hn.Text()
			agentOK = false // the origin came from host: not keyed by agent alone
		}
		h = newFNV128a()
		for _, part := range [...]string{origin, device.Text(), inode.Text(), path.Text()} {
			h.writeString(part)
			h.writeByte(0)
		}
		st.agent, st.file, st.prefix = "", "", h
		if agentOK && fileOK {
			st.agent, st.file = agentRaw, fileRaw
		}
	}
	h.writeString(offset.Text())
	h.writeByte(0)
	if e.Piece != 0 {
		// One of the events a filter made of one line (split): they share
		// the origin, not the document.
		for v := e.Piece; v != 0; v >>= 8 {
			h.writeByte(byte(v))
		}
		h.writeByte(0)
	}
	var sum [16]byte
	binary.BigEndian.PutUint64(sum[:8], h[0])
	binary.BigEndian.PutUint64(sum[8:], h[1])
	base64.RawURLEncoding.Encode(st.out[:], sum[:])
	return unsafe.String(&st.out[0], len(st.out))
}

// idState is what originID keeps between the events of one request:
// the id's bytes (16 in unpadded base64), and the hash of the part of the
// id that depends only on the agent and the file, with the raw JSON of
// both it came from. Consecutive events mostly come from one file of one
// agent; the raw texts are compared, so a cache hit is exact.
type idState struct {
	out         [22]byte
	agent, file string
	prefix      fnv128a
}

// fnv128a is hash/fnv's New128a without the allocation its hash.Hash
// interface costs per event; the same function (a test holds them equal),
// so ids do not change.
type fnv128a [2]uint64 // high, low

func newFNV128a() fnv128a { return fnv128a{0x6c62272e07bb0142, 0x62b821756295c58d} }

func (s *fnv128a) writeByte(c byte) {
	s[1] ^= uint64(c)
	// Multiply by the FNV prime 2^88 + 0x13b, modulo 2^128.
	lo0, lo1 := bits.Mul64(0x13b, s[1])
	lo0 += s[1]<<24 + 0x13b*s[0]
	s[0], s[1] = lo0, lo1
}

func (s *fnv128a) writeString(str string) {
	for i := 0; i < len(str); i++ {
		s.writeByte(str[i])
	}
}
