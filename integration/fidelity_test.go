package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
)

// corpusDir is ../shared/corpus, or $INGESTD_CORPUS (a corpus generated
// with another seed, as CI does).
func corpusDir(t testing.TB) string {
	if d := os.Getenv("INGESTD_CORPUS"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("corpus not found at %s (set INGESTD_CORPUS): %v", d, err)
	}
	return d
}

func readJSONL(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// defaultRunner builds the embedded default config without starting it.
func defaultRunner(t testing.TB) *engine.Runner {
	t.Helper()
	cfg, err := config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", builtin.Registry(), func(k string) (string, bool) {
		if k == "INGESTD_DATA_DIR" {
			return t.TempDir(), true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// result is what happened to one event in process.
type result struct {
	doc     map[string]any // nil when dropped
	stream  string
	dropped bool
}

func runEvent(t testing.TB, r *engine.Runner, raw map[string]any) result {
	data, _ := json.Marshal(raw)
	e, err := event.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Route(e)
	if p == nil {
		t.Fatalf("no pipeline for %s", data)
	}
	if len(p.Process(e)) == 0 {
		return result{dropped: true}
	}
	var doc map[string]any
	if err := json.Unmarshal(e.AppendJSON(nil), &doc); err != nil {
		t.Fatalf("document is not valid JSON: %v", err)
	}
	return result{doc: doc, stream: e.DataStream}
}

// get follows a dotted path through nested objects.
func get(doc map[string]any, dotted string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// same compares an expected value with a document value: null matches
// absence, numbers compare by value.
func same(want any, got any, present bool) bool {
	if want == nil {
		return !present || got == nil
	}
	if !present {
		return false
	}
	if wf, ok := want.(float64); ok {
		gf, ok := got.(float64)
		return ok && math.Abs(wf-gf) < 1e-9*math.Max(1, math.Abs(wf))
	}
	return reflect.DeepEqual(want, got)
}

// sameInstant compares an expected naive-or-zoned timestamp (naive means
// UTC, the shipped pipelines' timezone) with @timestamp.
func sameInstant(want string, got any) bool {
	gs, ok := got.(string)
	if !ok {
		return false
	}
	gt, err := time.Parse(time.RFC3339Nano, gs)
	if err != nil {
		return false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if wt, err := time.Parse(layout, want); err == nil {
			return wt.Equal(gt)
		}
	}
	return false
}

var failureTag = regexp.MustCompile(`^_\w*failure$`)

func failureTagged(doc map[string]any) bool {
	tags, _ := doc["tags"].([]any)
	for _, t := range tags {
		if s, ok := t.(string); ok && failureTag.MatchString(s) {
			return true
		}
	}
	return false
}

// The expected schema's names → the document's, per family (DESIGN.md).
var applogFields = map[string]string{
	"level": "log_level", "logger": "logger_name", "message": "message",
	"traceback": "error.stack_trace", "exception_class": "error.type", "exception_message": "error.message",
	"thread": "process.thread.name", "func_name": "log.origin.function", "pathname": "log.origin.file.path",
	"process_memory": "celery.process_memory", "available_ram": "celery.available_ram", "available_swap": "celery.available_swap",
}

// dcacheNotStored are expected keys that are not dcache.* fields: the
// date parts (they become @timestamp) and the corpus' own bookkeeping.
var dcacheNotStored = map[string]bool{
	"family": true, "kind": true, "valid": true, "reject_reason": true, "multiline": true, "variant": true,
	"date_raw": true, "year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true,
	"millisecond": true, "timestamp": true,
}

// streamFor is the logger table of the issue, restated independently.
func streamFor(logger string) (stream, module string) {
	first, _, _ := strings.Cut(logger, ".")
	switch {
	case strings.HasPrefix(logger, "apps."):
		mod, _, _ := strings.Cut(strings.TrimPrefix(logger, "apps."), ".")
		return "app", mod
	case first == "django":
		return "django", ""
	case first == "uvicorn" || first == "daphne" || first == "gunicorn" || first == "werkzeug":
		return "server", ""
	case first == "boto" || first == "boto3" || first == "botocore" || first == "s3transfer":
		return "aws", ""
	case first == "urllib3" || first == "requests":
		return "network", ""
	}
	return "system", ""
}

// check returns the mismatches of one event, empty when exact.
func check(ev, want map[string]any, got result) []string {
	var bad []string
	mismatch := func(field string, w, g any) {
		bad = append(bad, fmt.Sprintf("%s: want %v, got %v", field, w, g))
	}
	kind, _ := want["kind"].(string)
	valid, _ := want["valid"].(bool)
	family := want["family"].(string)
	if kind == "header" {
		if !got.dropped {
			bad = append(bad, "header line was indexed")
		}
		return bad
	}
	if got.dropped {
		return []string{"event was dropped"}
	}
	doc := got.doc
	if orig, _ := get(doc, "event.original"); orig != ev["message"] {
		mismatch("event.original", ev["message"], orig)
	}
	if h, _ := get(doc, "host.name"); !reflect.DeepEqual(h, mustGet(ev, "host.name")) {
		mismatch("host.name", mustGet(ev, "host.name"), h)
	}
	if p, _ := get(doc, "log.file.path"); !reflect.DeepEqual(p, mustGet(ev, "log.file.path")) {
		mismatch("log.file.path", mustGet(ev, "log.file.path"), p)
	}
	switch family {
	case "dcache_billing":
		if got.stream != "logs-dcache.billing-default" {
			mismatch("data stream", "logs-dcache.billing-default", got.stream)
		}
		if !valid {
			if !failureTagged(doc) {
				bad = append(bad, fmt.Sprintf("%s line is not failure-tagged (tags %v)", want["reject_reason"], doc["tags"]))
			}
			return bad
		}
		if failureTagged(doc) {
			bad = append(bad, fmt.Sprintf("valid entry is failure-tagged: %v", doc["tags"]))
		}
		if g, _ := get(doc, "dcache.kind"); g != kind {
			mismatch("dcache.kind", kind, g)
		}
		if !sameInstant(want["timestamp"].(string), doc["@timestamp"]) {
			mismatch("@timestamp", want["timestamp"], doc["@timestamp"])
		}
		for k, w := range want {
			if dcacheNotStored[k] {
				continue
			}
			if g, ok := get(doc, "dcache."+k); !same(w, g, ok) {
				mismatch("dcache."+k, w, g)
			}
		}
	case "applog":
		group, service := mustGet(ev, "fields.group"), mustGet(ev, "fields.service")
		if ds := fmt.Sprintf("logs-%s-%s", service, group); got.stream != ds {
			mismatch("data stream", ds, got.stream)
		}
		if !valid {
			if !failureTagged(doc) {
				bad = append(bad, fmt.Sprintf("%s line is not failure-tagged", want["reject_reason"]))
			}
			return bad
		}
		if failureTagged(doc) {
			bad = append(bad, fmt.Sprintf("valid record is failure-tagged: %v", doc["tags"]))
		}
		if doc["group"] != group || doc["service"] != service {
			mismatch("group/service", []any{group, service}, []any{doc["group"], doc["service"]})
		}
		if !sameInstant(want["timestamp_norm"].(string), doc["@timestamp"]) {
			mismatch("@timestamp", want["timestamp_norm"], doc["@timestamp"])
		}
		for k, path := range applogFields {
			if g, ok := get(doc, path); !same(want[k], g, ok) {
				mismatch(path, want[k], g)
			}
		}
		if logger, ok := want["logger"].(string); ok {
			stream, module := streamFor(logger)
			if doc["stream"] != stream || !same(nilIfEmpty(module), doc["app_module"], doc["app_module"] != nil) {
				mismatch("stream/app_module", []any{stream, module}, []any{doc["stream"], doc["app_module"]})
			}
		} else if doc["stream"] == nil {
			bad = append(bad, "no stream")
		}
	case "accounting":
		if !valid {
			if got.stream != "logs-accounting.rejected-default" {
				mismatch("data stream", "logs-accounting.rejected-default", got.stream)
			}
			if g, _ := get(doc, "error.code"); g != want["reject_reason"] {
				mismatch("error.code", want["reject_reason"], g)
			}
			if _, ok := doc["accounting"]; ok {
				bad = append(bad, "rejected record carries accounting.*")
			}
			return bad
		}
		if got.stream != "logs-accounting-default" {
			mismatch("data stream", "logs-accounting-default", got.stream)
		}
		if g, ok := get(doc, "error.code"); ok {
			mismatch("error.code", nil, g)
		}
		rec := want["record"].(map[string]any)
		if !sameInstant(rec["timestamp_utc"].(string), doc["@timestamp"]) {
			mismatch("@timestamp", rec["timestamp_utc"], doc["@timestamp"])
		}
		for k, w := range rec {
			if g, ok := get(doc, "accounting."+k); !same(w, g, ok) {
				mismatch("accounting."+k, w, g)
			}
		}
	}
	return bad
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustGet(m map[string]any, dotted string) any {
	v, _ := get(m, dotted)
	return v
}

// TestCorpusFidelity runs every corpus event through the default config
// and compares each document with its expected parse, field by field. It
// prints the exact-match rate per family and kind and fails on any
// mismatch.
func TestCorpusFidelity(t *testing.T) {
	dir := corpusDir(t)
	r := defaultRunner(t)
	type tally struct{ exact, total int }
	for _, family := range []string{"dcache", "applog", "accounting"} {
		for _, variant := range []string{"", ".split"} {
			evPath := filepath.Join(dir, family, "events"+variant+".jsonl")
			if _, err := os.Stat(evPath); err != nil {
				continue
			}
			events := readJSONL(t, evPath)
			expected := readJSONL(t, filepath.Join(dir, family, "expected"+variant+".jsonl"))
			if len(events) != len(expected) {
				t.Fatalf("%s: %d events, %d expected rows", evPath, len(events), len(expected))
			}
			rates := map[string]*tally{}
			failures := 0
			for i, ev := range events {
				want := expected[i]
				kind := fmt.Sprint(want["kind"])
				if f, ok := want["format_name"]; ok {
					kind += "/" + fmt.Sprint(f)
				} else if f, ok := want["format"]; ok {
					kind += "/" + fmt.Sprint(f)
				}
				if want["valid"] == false {
					kind += "/" + fmt.Sprint(want["reject_reason"])
				}
				if rates[kind] == nil {
					rates[kind] = &tally{}
				}
				rates[kind].total++
				bad := check(ev, want, runEvent(t, r, ev))
				if len(bad) == 0 {
					rates[kind].exact++
					continue
				}
				if failures++; failures <= 5 {
					t.Errorf("%s line %d (%s): %s\n  message: %.300q", filepath.Base(evPath), i+1, kind, strings.Join(bad, "; "), ev["message"])
				}
			}
			kinds := make([]string, 0, len(rates))
			for k := range rates {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			for _, k := range kinds {
				tl := rates[k]
				t.Logf("%-10s %-7s %-40s %5d/%-5d exact (%.1f%%)", family, strings.TrimPrefix(variant, ".")+map[bool]string{true: "joined"}[variant == ""], k, tl.exact, tl.total, 100*float64(tl.exact)/float64(tl.total))
			}
			if failures > 0 {
				t.Errorf("%s: %d of %d events differ from the expected parse", filepath.Base(evPath), failures, len(events))
			}
		}
	}
}
