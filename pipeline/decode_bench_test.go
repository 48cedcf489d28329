package pipeline

import (
	"strconv"
	"testing"
)

// filebeatEvent is an event as Filebeat's filestream input ships it, with
// a pipe-format app-log line: the load harness' event.
func filebeatEvent(i int) []byte {
	return []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},` +
		`"agent":{"ephemeral_id":"68a3","id":"4204","name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},` +
		`"fields":{"group":"pt","service":"django"},"host":{"name":"vm"},"input":{"type":"filestream"},` +
		`"log":{"file":{"device_id":"65024","inode":"9986354","path":"/var/log/parcels/django.log"},"offset":` + strconv.Itoa(i*200) + `},` +
		`"message":"INFO|apps.parcels.views|2025-02-02T12:34:56.` + strconv.Itoa(100+i%900) + `|Parcel ` + strconv.Itoa(i) + ` shipped to customer via carrier API (attempt 1) \"express\""}`)
}

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
