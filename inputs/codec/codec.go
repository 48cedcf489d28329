// Package codec turns what the tcp and udp inputs receive into events, as
// Logstash's plain, line, json and json_lines codecs do. Splitter cuts a
// byte stream into lines (the line and json_lines codecs' buffered
// tokenizer, with a length bound); Decoder makes one line, datagram or
// chunk into events: its text in message (plain, line), or the JSON
// object(s) it holds (json, json_lines), with @timestamp and @version.
package codec

import (
	"bytes"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// The codec names, as Logstash spells them.
const (
	Plain     = "plain"
	Line      = "line"
	JSON      = "json"
	JSONLines = "json_lines"
)

// Tags the decoder adds.
const (
	// TagJSONParseFailure marks text a JSON codec could not parse: it is
	// in message, as Logstash's json and json_lines codecs put it.
	TagJSONParseFailure = "_jsonparsefailure"
	// TagTruncated marks a line or datagram cut at the input's length
	// bound (max_line_bytes, buffer_size); message holds its beginning.
	TagTruncated = "_truncated"
)

// IsJSON reports whether the codec named name decodes JSON.
func IsJSON(name string) bool { return name == JSON || name == JSONLines }

// Counters are what a Decoder counts, registered under the same names by
// every input that decodes with it (the Prometheus help must agree).
type Counters struct {
	Events       atomic.Int64 // events made
	Truncated    atomic.Int64 // lines or datagrams cut at the bound
	JSONFailures atomic.Int64 // texts a JSON codec could not parse
}

// Register registers the counters on ms.
func (c *Counters) Register(ms *plugin.Metrics) {
	ms.Register(plugin.Metric{Key: "events_received", Prometheus: "input_events_received_total", Help: "Events received by the input.", Kind: plugin.Counter}, c.Events.Load)
	ms.Register(plugin.Metric{Key: "truncated", Prometheus: "input_truncated_total", Help: "Lines or datagrams cut at the input's length bound and tagged _truncated.", Kind: plugin.Counter}, c.Truncated.Load)
	ms.Register(plugin.Metric{Key: "json_parse_failures", Prometheus: "input_json_parse_failures_total", Help: "Lines or datagrams a json codec could not parse, published in message with tag _jsonparsefailure.", Kind: plugin.Counter}, c.JSONFailures.Load)
}

// Decoder makes events of texts. The zero Decoder is the plain codec.
type Decoder struct {
	json     bool
	lines    bool // json_lines: one object per line, never kept as event.original
	original bool // keep the text in [event][original] (ECS)
	counters *Counters
	now      func() time.Time
}

// WithOriginal returns the decoder in ECS compatibility mode, as Logstash
// 8's codecs run by default: each event also gets the text it was made of
// in [event][original] (plain and line always; json when the text held
// one event that lacks it; json_lines never: its codec keeps no original).
func (d Decoder) WithOriginal() Decoder {
	d.original = true
	return d
}

var pathOriginal = event.Path{"event", "original"}

// NewDecoder returns the decoder of the codec named name (plain and line
// decode alike once a line is cut, as do json and json_lines). counters
// may be nil.
func NewDecoder(name string, counters *Counters) Decoder {
	if counters == nil {
		counters = new(Counters)
	}
	return Decoder{json: IsJSON(name), lines: name == JSONLines, counters: counters, now: time.Now}
}

// Decode makes the events of text (one line, datagram or chunk; it is
// copied, so the caller may reuse it) and calls emit with each. truncated
// says text was cut at the length bound: it is tagged, and a JSON codec
// does not try to parse it (its end is missing).
func (d Decoder) Decode(text []byte, truncated bool, emit func(*event.Event)) {
	now := time.Now
	if d.now != nil {
		now = d.now
	}
	if d.counters != nil && truncated {
		d.counters.Truncated.Add(1)
	}
	if !d.json {
		d.emit(d.message(text, now(), truncated), emit)
		return
	}
	if truncated {
		e := d.message(text, now(), true)
		e.AddTag(TagJSONParseFailure)
		d.emit(e, emit)
		return
	}
	// Blank lines make no event (Logstash's Event.from_json returns
	// none for them), so a trailing "\r\n" or an empty line is harmless.
	if len(bytes.TrimSpace(text)) == 0 {
		return
	}
	events, ok := decodeJSON(text)
	if !ok {
		if d.counters != nil {
			d.counters.JSONFailures.Add(1)
		}
		e := d.message(text, now(), false)
		e.AddTag(TagJSONParseFailure)
		d.emit(e, emit)
		return
	}
	t := now()
	if d.original && !d.lines && len(events) == 1 && !events[0].Has(pathOriginal) {
		events[0].SetString(pathOriginal, validText(text))
	}
	for _, e := range events {
		stamp(e, t)
		d.emit(e, emit)
	}
}

// validText is text as a string, invalid UTF-8 replaced (as Logstash's
// charset conversion does), so outputs always write JSON.
func validText(text []byte) string {
	if utf8.Valid(text) {
		return string(text)
	}
	return strings.ToValidUTF8(string(text), "\uFFFD")
}

func (d Decoder) emit(e *event.Event, emit func(*event.Event)) {
	if d.counters != nil {
		d.counters.Events.Add(1)
	}
	emit(e)
}

// decodeJSON decodes an object (one event) or an array of objects (an
// event each, as Logstash does); anything else is a parse failure.
func decodeJSON(text []byte) ([]*event.Event, bool) {
	v, err := event.DecodeJSON(text)
	if err != nil {
		return nil, false
	}
	switch v.Kind() {
	case event.KindObject:
		return []*event.Event{event.NewEvent(v)}, true
	case event.KindArray:
		elems := v.Elems()
		events := make([]*event.Event, 0, len(elems))
		for _, el := range elems {
			if el.Value.Kind() != event.KindObject {
				return nil, false
			}
			// Decoded again on its own: the elements of one decode share
			// an allocation, and an event grows its members in place.
			e, err := event.DecodeEvent(el.Value.AppendJSON(nil))
			if err != nil {
				return nil, false
			}
			events = append(events, e)
		}
		return events, true
	}
	return nil, false
}

var (
	pathVersion = event.Path{"@version"}
)

// stamp gives a decoded JSON event the @timestamp and @version it lacks.
// A @timestamp it has is kept as sent if it is a time, else moved to
// _@timestamp as Logstash's Event does (event.CheckTimestamp).
func stamp(e *event.Event, t time.Time) {
	e.CheckTimestamp(func() time.Time { return t })
	if !e.Has(pathVersion) {
		e.SetString(pathVersion, "1")
	}
}

// message makes an event of text in message. Invalid UTF-8 is replaced
// (as Logstash's charset conversion does), so outputs always write JSON.
func (d Decoder) message(text []byte, t time.Time, truncated bool) *event.Event {
	msg := validText(text)
	var ts [24]byte
	// Room for the fields inputs and filters add without growing.
	fields := make([]event.Field, 0, 12)
	fields = append(fields,
		event.Field{Key: "message", Value: event.String(msg)},
		event.Field{Key: "@timestamp", Value: event.String(string(event.AppendTimestamp(ts[:0], t)))},
		event.Field{Key: "@version", Value: event.String("1")},
	)
	if d.original && !d.json {
		fields = append(fields, event.Field{Key: "event", Value: event.Object(event.Field{Key: "original", Value: event.String(msg)})})
	}
	e := event.NewEvent(event.Object(fields...))
	if truncated {
		e.AddTag(TagTruncated)
	}
	return e
}
