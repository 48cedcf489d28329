package elasticsearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ingestd/ingestd/deadletter"
)

type bulkResponse struct {
	Errors bool `json:"errors"`
	// Items are keyed by their action (create, index, delete).
	Items []map[string]bulkItemResult `json:"items"`
}

type bulkItemResult struct {
	Status int             `json:"status"`
	Error  *bulkItemReason `json:"error"`
}

type bulkItemReason struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// outcome is what an item's answer makes of its event.
type outcome uint8

const (
	delivered outcome = iota // written, or deleted
	duplicate                // created already (409)
	retried                  // 429, 5xx
	refused                  // dead-lettered
)

// outcomeOf reads the answer to one item of action op.
//
// Only a create answered 409 is a duplicate: its _id exists, which with
// deterministic ids means a resent batch. index replaces a document and
// delete removes one; without the version checks the output never asks
// for, neither is answered 409, and one that is must show as a dead
// letter, not pass for delivered.
//
// A delete answered 404 with no error is delivered: Elasticsearch answers
// result not_found for a document already absent and counts it no failure
// (the response's errors flag stays false), and absent is what the delete
// asked for; a Filebeat resending the batch gets that too. A 404 with an
// error (index_not_found_exception) is Elasticsearch's failure and is
// dead-lettered, so that deletes routed to a wrong index show.
func outcomeOf(op string, r bulkItemResult) outcome {
	switch {
	case r.Status == http.StatusOK || r.Status == http.StatusCreated:
		return delivered
	case r.Status == http.StatusNotFound && op == "delete" && r.Error == nil:
		return delivered
	case r.Status == http.StatusConflict && op == "create":
		return duplicate
	case r.Status == http.StatusTooManyRequests || r.Status >= 500:
		return retried
	}
	return refused
}

// items handles a 200 bulk response item by item.
func (o *Output) items(items []item, data []byte) ([]item, error) {
	if !errorsTrue(data) {
		// The common case: every item was done. Skip decoding them.
		o.counts.Written.Add(int64(len(items)))
		for _, it := range items {
			it.ev.Done()
		}
		return nil, nil
	}
	var resp bulkResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("bulk: decode response: %w", err)
	}
	if len(resp.Items) != len(items) {
		return nil, fmt.Errorf("bulk: %d items answered for %d sent", len(resp.Items), len(items))
	}
	var retry, dead []item
	var deadErrs []deadletter.Error
	for i, r := range resp.Items {
		var op string
		var res bulkItemResult
		for k, v := range r {
			op, res = k, v
		}
		it := items[i]
		switch outcomeOf(op, res) {
		case delivered:
			o.counts.Written.Add(1)
			it.ev.Done()
		case duplicate:
			o.counts.Duplicates.Add(1)
			it.ev.Done()
		case retried:
			it.attempts++
			retry = append(retry, it)
		case refused:
			e := deadletter.Error{Status: res.Status}
			if res.Error != nil {
				e.Type, e.Reason = res.Error.Type, res.Error.Reason
			}
			dead = append(dead, it)
			deadErrs = append(deadErrs, e)
		}
	}
	o.deadLetter(dead, deadErrs)
	return retry, nil
}

// errorsTrue reads the top-level "errors" flag without decoding the
// items (Elasticsearch writes it before them).
func errorsTrue(data []byte) bool {
	i := bytes.Index(data, []byte(`"errors":`))
	if i < 0 {
		return true // unknown shape: decode it all
	}
	rest := bytes.TrimLeft(data[i+len(`"errors":`):], " ")
	return !bytes.HasPrefix(rest, []byte("false"))
}
