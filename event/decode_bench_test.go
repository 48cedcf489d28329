package event

import (
	"testing"

	"github.com/ingestd/ingestd/internal/harness"
)

// filebeatEvent is an event as Filebeat's filestream input ships it, with
// a pipe-format app-log line: the load harness' event.
func filebeatEvent(i int) []byte { return harness.SyntheticEvent(i) }

func BenchmarkDecodeFilebeatEvent(b *testing.B) {
	lines := make([][]byte, 64)
	for i := range lines {
		lines[i] = filebeatEvent(i)
	}
	b.SetBytes(int64(len(lines[0])))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := DecodeEvent(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}
