package elasticsearch

import (
	"encoding/json"
	"time"

	"github.com/ingestd/ingestd/deadletter"
)

// exhausted dead-letters items past max_retries and returns the rest.
func (o *Output) exhausted(items []item, reason string) []item {
	if o.cfg.MaxRetries == 0 {
		return items
	}
	keep := items[:0]
	var dead []item
	var errs []deadletter.Error
	for _, it := range items {
		if int(it.attempts) > o.cfg.MaxRetries {
			dead = append(dead, it)
			errs = append(errs, deadletter.Error{Status: 429, Type: "retries_exhausted", Reason: reason})
		} else {
			keep = append(keep, it)
		}
	}
	o.deadLetter(dead, errs)
	return keep
}

// deadLetter writes refused events to the store, retrying until the disk
// takes them (an event is never done unwritten), then marks them done.
func (o *Output) deadLetter(items []item, errs []deadletter.Error) {
	if len(items) == 0 {
		return
	}
	now := time.Now().UTC()
	records := make([]deadletter.Record, len(items))
	for i, it := range items {
		records[i] = deadletter.Record{
			Time: now, Pipeline: o.pipelines.name(it.pipeline), Input: it.ev.Input, Piece: it.ev.Piece, Output: o.id, DataStream: it.ev.DataStream,
			Error: errs[i], Event: eventJSON(it), Document: json.RawMessage(it.ev.AppendJSON(nil)),
		}
	}
	if err := o.dlq.WriteRetrying(o.ctx, records, o.backoff, func(err error) {
		o.log.Error().Err(o.cfg.clean(err)).Msg("elasticsearch: cannot write dead letters; events stay unacknowledged")
	}); err != nil {
		return // closed for good: the events stay unacknowledged
	}
	o.counts.DeadLettered.Add(int64(len(items)))
	o.log.Warn().Int("events", len(items)).Str("reason", errs[0].Type+": "+errs[0].Reason).Str("dir", o.dlq.Dir()).Msg("elasticsearch: events refused; written to the dead-letter store")
	for _, it := range items {
		it.ev.Done()
	}
}

func eventJSON(it item) json.RawMessage {
	if raw := it.ev.Raw(); raw != nil {
		return raw
	}
	return json.RawMessage(it.ev.AppendJSON(nil))
}
