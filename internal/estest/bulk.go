package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
)

// stream is a data stream or a plain index.
type stream struct {
	docs    []json.RawMessage // in the order first written; nil where deleted
	ids     map[string]docRef
	live    int               // documents not deleted
	mapping map[string]string // leaf path → "string" | "number" | "boolean" | "object"
}

// docRef is where a document with an _id is in stream.docs, and its
// version (1 when created, +1 per overwrite).
type docRef struct{ pos, version int }

// bulkItem is one parsed item of a bulk body.
type bulkItem struct {
	op     string // create, index or delete
	meta   actionMeta
	source []byte // nil for a delete
}

// actionMeta is the part of an action line the double reads.
type actionMeta struct {
	Index    string `json:"_index"`
	ID       string `json:"_id"`
	Pipeline string `json:"pipeline"`
}

// bulkRequestError is a body Elasticsearch refuses as a whole (400).
type bulkRequestError struct{ errType, reason string }

func (e *bulkRequestError) Error() string { return e.errType + ": " + e.reason }

// parseBulk splits a bulk body into items the way Elasticsearch's bulk
// parser does: each action line is followed by its source line, except a
// delete's, which has none.
func parseBulk(data []byte) ([]bulkItem, error) {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	items := make([]bulkItem, 0, len(lines)/2+1)
	for i := 0; i < len(lines); i++ {
		var a map[string]actionMeta
		if err := json.Unmarshal(lines[i], &a); err != nil || len(a) != 1 {
			return nil, &bulkRequestError{"illegal_argument_exception", fmt.Sprintf("Malformed action/metadata line [%d]", i+1)}
		}
		var it bulkItem
		for op, m := range a {
			it.op, it.meta = op, m
		}
		switch it.op {
		case "delete":
			if it.meta.ID == "" {
				return nil, &bulkRequestError{"action_request_validation_exception", "Validation Failed: 1: id is missing;"}
			}
		case "create", "index":
			if i+1 == len(lines) {
				return nil, &bulkRequestError{"illegal_argument_exception", fmt.Sprintf("the %s action on line [%d] has no source line", it.op, i+1)}
			}
			i++
			it.source = lines[i]
		default:
			return nil, &bulkRequestError{"illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected field [create], [delete] or [index] but found [%s] (estest does not implement update)", i+1, it.op)}
		}
		items = append(items, it)
	}
	return items, nil
}

func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	parsed, err := parseBulk(data)
	if err != nil {
		e := err.(*bulkRequestError)
		writeError(w, 400, e.errType, e.reason)
		return
	}
	items := make([]map[string]any, 0, len(parsed))
	anyErr := false
	s.mu.Lock()
	s.bulkRequests++
	delayAfter := s.delayAfter
	for _, it := range parsed {
		res := s.item(it)
		if _, bad := res["error"]; bad {
			anyErr = true
		}
		items = append(items, map[string]any{it.op: res})
		s.received = append(s.received, Item{Action: it.op, Index: it.meta.Index, ID: it.meta.ID, Pipeline: it.meta.Pipeline, Status: res["status"].(int)})
	}
	s.mu.Unlock()
	if delayAfter > 0 && !s.wait(delayAfter) {
		return
	}
	writeJSON(w, 200, map[string]any{"took": 1, "errors": anyErr, "items": items})
}

// item carries out one bulk item and returns its answer; the caller holds
// s.mu.
func (s *Server) item(it bulkItem) map[string]any {
	s.items++
	act := it.meta
	fail := func(status int, t, reason string) map[string]any {
		return itemError(status, act.Index, act.ID, t, reason)
	}
	if err := checkIndexName(act.Index); err != nil {
		return fail(400, "invalid_index_name_exception", err.Error())
	}
	if act.Pipeline != "" && act.Pipeline != "_none" && it.op != "delete" { // a delete runs no pipeline
		if _, ok := s.pipelines[act.Pipeline]; !ok {
			return fail(400, "illegal_argument_exception", "pipeline with id ["+act.Pipeline+"] does not exist")
		}
	}
	isStream := s.isDataStream(act.Index)
	if isStream && it.op != "create" {
		return fail(400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams")
	}
	var doc map[string]any
	if it.op != "delete" {
		if err := json.Unmarshal(it.source, &doc); err != nil {
			return fail(400, "document_parsing_exception", "failed to parse: "+err.Error())
		}
		if _, ok := doc["@timestamp"]; isStream && !ok {
			return fail(400, "document_parsing_exception", "data stream timestamp field [@timestamp] is missing")
		}
	}
	if s.item429Ratio > 0 && s.rng.Float64() < s.item429Ratio {
		s.rejected429++
		return fail(429, "es_rejected_execution_exception", "rejected execution of coordinating operation (injected)")
	}
	if it.op == "delete" {
		return s.delete(act)
	}
	if s.hook != nil {
		if status, t, reason := s.hook(act.Index, doc); status != 0 {
			return fail(status, t, reason)
		}
	}
	st := s.streams[act.Index]
	if st == nil {
		st = &stream{ids: map[string]docRef{}, mapping: map[string]string{}}
		s.streams[act.Index] = st
	}
	ref, exists := st.ids[act.ID]
	if exists && it.op == "create" {
		s.conflicts++
		return fail(409, "version_conflict_engine_exception", "["+act.ID+"]: version conflict, document already exists (current version ["+fmt.Sprint(ref.version)+"])")
	}
	if field, want, got := conflict(st.mapping, "", doc); field != "" {
		return fail(400, "document_parsing_exception", fmt.Sprintf("[1:1] failed to parse field [%s] of type [%s]: got %s", field, want, got))
	}
	learn(st.mapping, "", doc)
	source := append(json.RawMessage(nil), it.source...)
	if exists { // index over an existing _id replaces the document
		ref.version++
		st.ids[act.ID] = ref
		st.docs[ref.pos] = source
		return map[string]any{"_index": act.Index, "_id": act.ID, "_version": ref.version, "result": "updated", "status": 200}
	}
	id := act.ID
	if id == "" {
		id = fmt.Sprintf("auto-%d", len(st.docs))
	}
	st.ids[id] = docRef{pos: len(st.docs), version: 1}
	st.docs = append(st.docs, source)
	st.live++
	return map[string]any{"_index": act.Index, "_id": id, "_version": 1, "result": "created", "status": 201}
}

// delete removes a document as Elasticsearch does: a missing index is an
// error (404 index_not_found_exception, indices are not created for a
// delete), a missing document is not (404 with result not_found and no
// error object, which leaves the response's "errors" false).
func (s *Server) delete(act actionMeta) map[string]any {
	st := s.streams[act.Index]
	if st == nil {
		return itemError(404, act.Index, act.ID, "index_not_found_exception", "no such index ["+act.Index+"]")
	}
	ref, ok := st.ids[act.ID]
	if !ok {
		return map[string]any{"_index": act.Index, "_id": act.ID, "_version": 1, "result": "not_found", "status": 404}
	}
	delete(st.ids, act.ID)
	st.docs[ref.pos] = nil
	st.live--
	return map[string]any{"_index": act.Index, "_id": act.ID, "_version": ref.version + 1, "result": "deleted", "status": 200}
}

func itemError(status int, index, id, t, reason string) map[string]any {
	return map[string]any{"_index": index, "_id": id, "status": status, "error": map[string]any{"type": t, "reason": reason}}
}

// isDataStream: a template with data_stream whose pattern matches (the
// built-in "logs" one among them).
func (s *Server) isDataStream(name string) bool {
	for _, raw := range s.templates {
		var t struct {
			IndexPatterns []string        `json:"index_patterns"`
			DataStream    json.RawMessage `json:"data_stream"`
		}
		if json.Unmarshal(raw, &t) != nil || t.DataStream == nil {
			continue
		}
		for _, p := range t.IndexPatterns {
			if ok, _ := path.Match(p, name); ok {
				return true
			}
		}
	}
	return false
}

func checkIndexName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("index name is empty")
	case strings.ToLower(name) != name:
		return fmt.Errorf("Invalid index name [%s], must be lowercase", name)
	case strings.ContainsAny(name, "\\/*?\"<>| ,#:"):
		return fmt.Errorf("Invalid index name [%s], must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]", name)
	case strings.HasPrefix(name, "-") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "+"):
		return fmt.Errorf("Invalid index name [%s], must not start with '_', '-', or '+'", name)
	case len(name) > 255:
		return fmt.Errorf("Invalid index name [%s], index name is too long", name)
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	}
	return ""
}

// mappedKind is the kind a mapping gives v: an array maps as its first
// element does.
func mappedKind(v any) string {
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		return kindOf(arr[0])
	}
	return kindOf(v)
}

// conflict finds the first field whose kind differs from the mapping.
func conflict(mapping map[string]string, prefix string, obj map[string]any) (field, want, got string) {
	for k, v := range obj {
		p, kind := prefix+k, mappedKind(v)
		if kind == "" {
			continue
		}
		if m, ok := mapping[p]; ok && m != kind {
			return p, m, kind
		}
		if sub, ok := v.(map[string]any); ok {
			if f, w, g := conflict(mapping, p+".", sub); f != "" {
				return f, w, g
			}
		}
	}
	return "", "", ""
}

func learn(mapping map[string]string, prefix string, obj map[string]any) {
	for k, v := range obj {
		p, kind := prefix+k, mappedKind(v)
		if kind == "" {
			continue
		}
		if _, ok := mapping[p]; !ok {
			mapping[p] = kind
		}
		if sub, ok := v.(map[string]any); ok {
			learn(mapping, p+".", sub)
		}
	}
}
