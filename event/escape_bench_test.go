package event

import (
	"encoding/json"
	"testing"
)

// quotingEvent is a Filebeat event whose message quotes a lot (JSON inside
// the log line), as the PT corpus' do: an escape every dozen bytes.
func quotingEvent() []byte {
	msg := `INFO|apps.parcels.views|2025-12-30T21:16:01.340|payload {"parcel": 205, "status": "shipped", "carrier": {"name": "DHL", "tracking": "JD0146"}, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}], "note": "leave at door \"back\""}` + "\nTraceback:\n  File \"x.py\", line 3"
	m, _ := json.Marshal(msg)
	return []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","agent":{"id":"4204","name":"vm"},"log":{"file":{"path":"/var/log/d.log"},"offset":1},"message":` + string(m) + `}`)
}

func BenchmarkDecodeQuotingMessage(b *testing.B) {
	line := quotingEvent()
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEvent(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeQuotingMessage(b *testing.B) {
	e, err := DecodeEvent(quotingEvent())
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}
