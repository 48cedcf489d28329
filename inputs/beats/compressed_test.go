package beats

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unsafe"

	"github.com/ingestd/ingestd/internal/inflate"
	"github.com/ingestd/ingestd/internal/race"
)

// compressedFrame is one compressed frame of the data frames of events,
// numbered from seq.
func compressedFrame(t testing.TB, events [][]byte, seq int) []byte {
	t.Helper()
	var inner []byte
	for i, ev := range events {
		inner = append(inner, codeVersion, codeJSONData)
		inner = binary.BigEndian.AppendUint32(inner, uint32(seq+i))
		inner = binary.BigEndian.AppendUint32(inner, uint32(len(ev)))
		inner = append(inner, ev...)
	}
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, 6)
	w.Write(inner)
	w.Close()
	out := []byte{codeVersion, codeCompressed}
	out = binary.BigEndian.AppendUint32(out, uint32(z.Len()))
	return append(out, z.Bytes()...)
}

func window(n int) []byte {
	return binary.BigEndian.AppendUint32([]byte{codeVersion, codeWindowSize}, uint32(n))
}

// bigEvents are events of about size bytes each that compress well: the
// slab guessed from the compressed size is far too small, so they are
// read across several slabs, with matches reaching back over each move.
func bigEvents(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		msg := strings.Repeat(fmt.Sprintf("event %d says hello; ", i), size/20)
		out[i] = fmt.Appendf(nil, `{"@timestamp":"2025-02-02T12:34:56.123Z","n":%d,"message":%q}`, i, msg)
	}
	return out
}

// TestCompressedFramesAcrossSlabs: a batch inflated across many slabs and
// split over several compressed frames arrives whole, every event as
// sent, in order.
func TestCompressedFramesAcrossSlabs(t *testing.T) {
	sink := newHeldSink()
	in := startInput(t, sink, time.Second)
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	evs := bigEvents(300, 20000) // 6 MB in frames of a few hundred KB compressed
	wire := window(len(evs))
	for i := 0; i < len(evs); i += 100 {
		wire = append(wire, compressedFrame(t, evs[i:i+100], i+1)...)
	}
	if _, err := c.Write(wire); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sink.arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("batch not published")
	}
	got := sink.batches[0]
	if len(got) != len(evs) {
		t.Fatalf("%d events published, want %d", len(got), len(evs))
	}
	for i, e := range got {
		if !bytes.Equal(e.Raw(), evs[i]) {
			t.Fatalf("event %d differs from what was sent", i)
		}
		if cap(e.Raw()) != len(e.Raw()) {
			t.Fatalf("event %d: its bytes can be appended to over the next event's", i)
		}
	}
	sink.complete(0)
	if seq, _ := readACK(t, c); seq != uint32(len(evs)) {
		t.Fatalf("ACK %d, want %d", seq, len(evs))
	}
}

// TestCorruptCompressedFrames: a compressed frame that is not what it
// claims closes the connection with nothing published, and the input
// serves the next client.
func TestCorruptCompressedFrames(t *testing.T) {
	good := compressedFrame(t, events(3, 1), 1)
	zStart := 6 // after the version, type and length
	corrupt := map[string][]byte{
		"bad checksum": func() []byte {
			b := bytes.Clone(good)
			b[len(b)-1] ^= 1
			return b
		}(),
		"not zlib": func() []byte {
			b := bytes.Clone(good)
			b[zStart] = 0x00
			return b
		}(),
		"event cut short": func() []byte { // the stream ends inside the third event
			var inner []byte
			for i, ev := range events(3, 1) {
				inner = append(inner, codeVersion, codeJSONData)
				inner = binary.BigEndian.AppendUint32(inner, uint32(i+1))
				inner = binary.BigEndian.AppendUint32(inner, uint32(len(ev)))
				inner = append(inner, ev...)
			}
			var z bytes.Buffer
			w := zlib.NewWriter(&z)
			w.Write(inner[:len(inner)-4])
			w.Close()
			out := binary.BigEndian.AppendUint32([]byte{codeVersion, codeCompressed}, uint32(z.Len()))
			return append(out, z.Bytes()...)
		}(),
		"frame shorter than its stream": func() []byte {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint32(b[2:], uint32(len(good)-zStart-5))
			return b
		}(),
		"more events than the window": compressedFrame(t, events(4, 1), 1),
	}
	sink := newHeldSink()
	in := startInput(t, sink, time.Second)
	for name, frame := range corrupt {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", in.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write(append(window(3), frame...))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
				t.Fatalf("connection not closed without an answer: %d bytes, %v", n, err)
			}
		})
	}
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(append(window(3), good...))
	select {
	case <-sink.arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the good batch after the corrupt ones was not published")
	}
	if n := len(sink.batches); n != 1 || len(sink.batches[0]) != 3 {
		t.Fatalf("published %d batches (first of %d events), want only the good one", n, len(sink.batches[0]))
	}
}

// TestSlabsOutliveTheirBatch: a batch's slab is never handed to another
// batch while any of its events is pending, and its events' bytes and
// members (the arena's, recycled alike) stay as they were until then.
func TestSlabsOutliveTheirBatch(t *testing.T) {
	sink := newHeldSink()
	in := startInput(t, sink, time.Second)
	send := func(c net.Conn, from int) {
		t.Helper()
		evs := bigEvents(50, 2000)
		if _, err := c.Write(append(window(len(evs)), compressedFrame(t, evs, from)...)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sink.arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("batch not published")
		}
	}
	a, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	send(a, 1)
	first := sink.batches[0]
	sent := make([][]byte, len(first))
	docs := make([]string, len(first))
	for i, e := range first {
		sent[i] = bytes.Clone(e.Raw())
		docs[i] = string(e.AppendJSON(nil))
		if !sameJSON(docs[i], sent[i]) {
			t.Fatalf("event %d of the pending batch reads %.80s", i, docs[i])
		}
	}
	// Batches come and go on other connections while the first is pending.
	for round := range 5 {
		b, err := net.Dial("tcp", in.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		send(b, 1)
		later := sink.batches[len(sink.batches)-1]
		for _, e := range later {
			for _, f := range first {
				if overlaps(e.Raw(), f.Raw()) {
					t.Fatalf("round %d: a new batch was inflated into the pending batch's slab", round)
				}
			}
		}
		sink.complete(len(sink.batches) - 1)
		readACK(t, b)
		b.Close()
	}
	for i, e := range first {
		if !bytes.Equal(e.Raw(), sent[i]) || string(e.AppendJSON(nil)) != docs[i] {
			t.Fatalf("event %d of the pending batch changed under it", i)
		}
	}
	sink.complete(0)
	readACK(t, a)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a string, b []byte) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// overlaps reports whether a and b share bytes of one array.
func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(len(b)) && b0 < a0+uintptr(len(a))
}

func TestRecycledSlabsArePoisonedInRaceBuilds(t *testing.T) {
	if !race.Enabled {
		t.Skip("only race-detector builds poison recycled slabs")
	}
	var p slabPool
	s := append(p.get(100), "event bytes"...)
	p.put([][]byte{s})
	for i, c := range s[:cap(s)] {
		if c != 0xff {
			t.Fatalf("byte %d of a recycled slab is %#x", i, c)
		}
	}
}

// A batch sent as many compressed frames goes on in the tail of its slab
// frame after frame, whatever the size of the batch before: each frame
// took a new slab of its own once the previous batch passed 2 MiB (a
// thousand empty frames, 17 KB on the wire, held 250 MiB until the ACK).
func TestManyCompressedFramesShareSlabs(t *testing.T) {
	in := startWith(t, func(c *Config) { c.MaxBatchBytes = 16 << 20 })
	// Every wire is built before dialing: building 2,001 zlib streams
	// under -race on a loaded machine outlasted idle_timeout (10 s) while
	// the connection sat between batches, and the server closed it.
	first := wireBatch(t, hexEvents(300, 10000), 1) // ~3 MiB inflated
	evs := events(1000, 1)
	wires := [][]byte{
		// a window of 1: a thousand empty compressed frames, then the event
		func() []byte {
			w := window(1)
			for range 1000 {
				w = append(w, compressedFrame(t, nil, 1)...)
			}
			return append(w, compressedFrame(t, evs[:1], 1)...)
		}(),
		// a window of 1000: a compressed frame per event
		func() []byte {
			w := window(len(evs))
			for i := range evs {
				w = append(w, compressedFrame(t, evs[i:i+1], i+1)...)
			}
			return w
		}(),
	}
	c := dialInput(t, in)
	c.Write(first)
	if seq, _ := readACK(t, c); seq != 300 {
		t.Fatalf("ACK %d", seq)
	}
	for i, wire := range wires {
		before := in.slabs.made.Load()
		c.Write(wire)
		if seq, _ := readACK(t, c); seq != []uint32{1, 1000}[i] {
			t.Fatalf("ACK %d", seq)
		}
		if made := in.slabs.made.Load() - before; made > 2*slabStep {
			t.Fatalf("%d KiB of slabs made for a batch of %d wire bytes", made>>10, len(wire))
		}
	}
}

// A compressed frame that cannot be read because the connection failed
// (a read timeout here) is reported as such, not as corrupt data; data
// that does not inflate, or a stream cut short, is corrupt.
func TestCompressedFrameErrorsNameTheirCause(t *testing.T) {
	var stream bytes.Buffer
	zw := zlib.NewWriter(&stream)
	zw.Write(bytes.Repeat([]byte(`{"message":"a line"}`), 4096))
	zw.Close()
	half := stream.Bytes()[:stream.Len()/2]
	inflateFrom := func(src io.Reader) error {
		r := inflate.NewReader(src, 4096)
		_, err := r.Inflate(make([]byte, 0, 1<<20))
		return corruptFrame(err)
	}
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, c := range []struct {
		name string
		src  io.Reader
		want string
	}{
		{"read timeout", io.MultiReader(bytes.NewReader(half), iotest.ErrReader(timeout)), "beats: reading compressed frame: "},
		{"cut short", bytes.NewReader(half), "beats: corrupt compressed frame: "},
		{"not zlib", strings.NewReader("not a zlib stream at all"), "beats: corrupt compressed frame: "},
	} {
		err := inflateFrom(c.src)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q…", c.name, err, c.want)
		}
	}
}

// A compressed frame padded after its zlib stream (a review trickled such
// padding to keep a batch open, holding the budget it had charged, with
// nothing decoded) is refused; the few bytes a writer may leave are not.
func TestBytesAfterTheZlibStream(t *testing.T) {
	sink := newHeldSink()
	in := startInput(t, sink, time.Second)
	for _, pad := range []int{maxTrailing, 1000} {
		frame := compressedFrame(t, [][]byte{[]byte(`{"message":"m"}`)}, 1)
		size := binary.BigEndian.Uint32(frame[2:6])
		binary.BigEndian.PutUint32(frame[2:6], size+uint32(pad))
		frame = append(frame, make([]byte, pad)...)
		c := dialInput(t, in)
		c.Write(append(window(1), frame...))
		if pad <= maxTrailing {
			<-sink.arrived
			sink.complete(len(sink.batches) - 1)
			if seq, _ := readACK(t, c); seq != 1 {
				t.Fatalf("%d bytes after the stream: ACK %d", pad, seq)
			}
			continue
		}
		closedWithin(t, c, 3*time.Second, "a frame padded after its zlib stream")
	}
}

// A large event's stream outgrows slab after slab; those it leaves before
// any event was decoded in them go back to the pool at once instead of
// staying with the batch until its ACK (a 15 MiB event held 16 MiB more).
func TestOutgrownSlabsAreRecycled(t *testing.T) {
	ev := hexEvents(1, 4<<20)[0]
	frame := compressedFrame(t, [][]byte{ev}, 1)[6:] // the zlib stream
	var pool slabPool
	b := &batch{}
	z := inflating{r: inflate.NewReader(bytes.NewReader(frame), 8<<10), out: pool.get(slabStep), pool: &pool, b: b,
		charge: func(int64) error { return nil }}
	b.slabs = append(b.slabs, z.out)
	if more, err := z.have(10); !more || err != nil {
		t.Fatalf("frame header: %v %v", more, err)
	}
	z.pos += 10
	if more, err := z.have(len(ev)); !more || err != nil {
		t.Fatalf("event: %v %v", more, err)
	}
	if got := string(z.out[z.pos : z.pos+len(ev)]); got != string(ev) {
		t.Fatal("the event's bytes changed")
	}
	// The first slab (not newSlab's) and the one the event ends in.
	if len(b.slabs) != 2 {
		t.Fatalf("the batch holds %d slabs", len(b.slabs))
	}
}
