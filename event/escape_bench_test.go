package event

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// quotingEvent is a Filebeat event whose message quotes a lot (JSON inside
// the log line), as the PT corpus' do: an escape every dozen bytes.
func quotingEvent() []byte {
	msg := `INFO|apps.parcels.views|2025-12-30T21:16:01.340|payload {"parcel": 205, "status": "shipped", "carrier": {"name": "DHL", "tracking": "JD0146"}, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}], "note": "leave at door \"back\""}` + "\nTraceback:\n  File \"x.py\", line 3"
	m, _ := json.Marshal(msg)
	return []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","agent":{"id":"4204","name":"vm"},"log":{"file":{"path":"/var/log/d.log"},"offset":1},"message":` + string(m) + `}`)
}

func BenchmarkDecodeQuotingMessage(b *testing.B) { benchDecode(b, quotingEvent()) }

// benchDecode decodes line over and over.
func benchDecode(b *testing.B, line []byte) {
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

// TestAppendQuotedMatchesEncodingJSON checks AppendQuoted against
// encoding/json (HTML escaping off) on random strings whose special bytes
// fall at every offset of the eight-byte steps.
func TestAppendQuotedMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "Z", " ", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "é", "€", "😀", "\xff", "\xe2\x82", "<", "&"}
	for range 20000 {
		var sb strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(3) == 0 {
				sb.WriteString(alphabet[rng.IntN(len(alphabet))])
			} else {
				sb.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
		s := sb.String()
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got := AppendQuoted(nil, s)
		// Both spell some characters differently (\f, \ufffd, <): the
		// strings they mean must be the same.
		var g, w string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("AppendQuoted(%q) = %s: %v", s, got, err)
		}
		json.Unmarshal(want, &w)
		if g != w {
			t.Fatalf("AppendQuoted(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func BenchmarkAppendQuoted(b *testing.B) {
	keys := []string{"@timestamp", "agent", "ephemeral_id", "message", "log_level", "logger_name", "app_module", "data_stream", "namespace"}
	msg := "Parcel 99617 status changed: CREATED -> IN_TRANSIT | carrier=DHL | eta=2025-02-05"
	var buf []byte
	b.Run("keys", func(b *testing.B) {
		for b.Loop() {
			buf = buf[:0]
			for _, k := range keys {
				buf = AppendQuoted(buf, k)
			}
		}
	})
	b.Run("message", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			buf = AppendQuoted(buf[:0], msg)
		}
	})
}

// BenchmarkTextOfQuotedMessage reads a message with escapes (a Python
// traceback, as Filebeat's multiline joins it) as the format filter does:
// its text, unescaped into a new string.
func BenchmarkTextOfQuotedMessage(b *testing.B) {
	msg := "2025-12-30 21:18:27,846 - apps.parcels.views - ERROR - Retrying \"carrier\" API call\nTraceback (most recent call last):\n" +
		strings.Repeat("  File \"/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py\", line 197, in _get_response\n    response = wrapped_callback(request, *callback_args, **callback_kwargs)\n", 6) +
		"ValueError: bad \"value\""
	raw, _ := json.Marshal(map[string]string{"message": msg})
	e, err := DecodeEvent(raw)
	if err != nil {
		b.Fatal(err)
	}
	v, _ := e.Get(Path{"message"})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if v.Text() != msg {
			b.Fatal("wrong text")
		}
	}
}

// internationalEvent is a Filebeat event whose message dumps a JSON payload
// of international text (accents, Cyrillic, CJK, Arabic, emoji), as the
// applog corpus' payload lines do: a run of multi-byte characters every few
// bytes, between escaped quotes.
func internationalEvent() []byte {
	texts := []string{"Colis 📦 expédié à Zürich", "destinataire: Łukasz Żółć", "東京都千代田区丸の内1-1",
		"Привет, мир", "naïve café – “smart quotes” ‘single’", "emoji ✅🚚🔥", "العربية"}
	var sb strings.Builder
	sb.WriteString(`Payload dump: {"items": [`)
	for i := range 40 {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(`{"id": ` + strings.Repeat("7", 1+i%3) + `, "desc": "` + texts[i%len(texts)] + `"}`)
	}
	sb.WriteString("]}")
	m, _ := json.Marshal(sb.String())
	return []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","agent":{"id":"4204","name":"vm"},"log":{"file":{"path":"/var/log/d.log"},"offset":1},"message":` + string(m) + `}`)
}

func BenchmarkDecodeInternationalMessage(b *testing.B) { benchDecode(b, internationalEvent()) }
