package datastream

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ingestd/ingestd/template"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/spec"
)

// DataStreamConfig names the data stream of every event of a pipeline:
// {type}-{dataset}-{namespace}, where dataset and namespace may reference
// event fields as %{[field]}.
type Config struct {
	Type              string            `yaml:"type" default:"logs" enum:"logs,metrics,traces,synthetics" doc:"data stream type"`
	Dataset           template.Template `yaml:"dataset" default:"generic" doc:"dataset; may reference fields as %{[service]}"`
	Namespace         template.Template `yaml:"namespace" default:"default" doc:"namespace; may reference fields as %{[group]}"`
	FallbackDataset   string            `yaml:"fallback_dataset" default:"unknown" doc:"dataset used when a referenced field is missing or empty"`
	FallbackNamespace string            `yaml:"fallback_namespace" default:"default" doc:"namespace used when a referenced field is missing or empty"`
	FallbackTag       string            `yaml:"fallback_tag" default:"_data_stream_fallback" doc:"tag added to an event that got a fallback; empty adds none"`
	AutoRouting       bool              `yaml:"auto_routing" default:"false" doc:"route an event by its own data_stream.type, data_stream.dataset and data_stream.namespace (nested, or dotted keys such as \"data_stream.dataset\"), as Logstash's data_stream_auto_routing: a part the event sets, as a string, wins over type, dataset and namespace here; it is sanitised like a field a template references (a type other than logs, metrics, traces or synthetics is ignored)"`
	Index             string            `yaml:"index" doc:"write to this index instead of a data stream: a Logstash sprintf template (%{[field]}, %{+yyyy.MM.dd} of @timestamp in UTC; a missing field keeps its %{...} text), as the index option of Logstash's elasticsearch output; the other options here are then unused and no data_stream field is set"`
	SyncFields        bool              `yaml:"sync_fields" default:"true" doc:"make the document's data_stream object hold the parts of the name it is written to (and remove dotted data_stream.* keys), as Logstash's data_stream_sync_fields: Elasticsearch's data stream mappings refuse a document whose data_stream fields differ from its stream's"`
}

// Check enforces Elasticsearch's naming rules on everything known before
// any event arrives.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	for _, part := range []struct {
		key string
		t   template.Template
	}{{"dataset", c.Dataset}, {"namespace", c.Namespace}} {
		if err := checkLiterals(part.t); err != nil {
			errs = append(errs, spec.FieldError{Field: part.key, Msg: err.Error()})
		}
	}
	for _, fb := range []struct{ key, val string }{{"fallback_dataset", c.FallbackDataset}, {"fallback_namespace", c.FallbackNamespace}} {
		if err := CheckPart(fb.val); err != nil {
			errs = append(errs, spec.FieldError{Field: fb.key, Msg: err.Error()})
		}
	}
	if c.Dataset.IsLiteral() && c.Namespace.IsLiteral() {
		name := c.Type + "-" + c.Dataset.Text() + "-" + c.Namespace.Text()
		if len(name) > maxIndexNameBytes {
			errs = append(errs, spec.FieldError{Msg: fmt.Sprintf("data stream name %q is longer than %d bytes", name, maxIndexNameBytes)})
		}
	}
	return errs
}

const (
	maxPartBytes      = 100 // Elasticsearch: dataset and namespace at most 100 bytes
	maxIndexNameBytes = 255 // Elasticsearch: index names at most 255 bytes
	illegalPartChars  = "\\/*?\"<>|,# :-"
)

// CheckDataStreamPart reports why s cannot be a data stream dataset or
// namespace (lower case, none of \ / * ? " < > | , # : - or space, at most
// 100 bytes, not empty, not starting with _ or +, not "." or "..").
func CheckPart(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("must not be empty")
	case len(s) > maxPartBytes:
		return fmt.Errorf("%q is longer than %d bytes", s, maxPartBytes)
	case s == "." || s == "..":
		return fmt.Errorf("%q is not allowed", s)
	case s[0] == '_' || s[0] == '+':
		return fmt.Errorf("%q must not start with %q", s, s[0])
	case strings.ToLower(s) != s:
		return fmt.Errorf("%q must be lower case", s)
	}
	if i := strings.IndexAny(s, illegalPartChars); i >= 0 {
		return fmt.Errorf("%q must not contain %q (data stream parts exclude \\ / * ? \" < > | , # : - and spaces)", s, s[i])
	}
	return nil
}

// SanitizeDataStreamPart turns a field value into a legal dataset or
// namespace the way Elasticsearch's reroute processor does: lower case,
// illegal characters replaced by '_', cut to 100 bytes. It returns "" when
// nothing usable is left.
func SanitizePart(s string) string {
	if CheckPart(s) == nil {
		return s
	}
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(illegalPartChars, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.TrimLeft(s, "_+")
	if len(s) > maxPartBytes {
		s = s[:maxPartBytes]
	}
	if CheckPart(s) != nil {
		return ""
	}
	return s
}

// Pattern is the data stream name with every field reference as *; with
// auto_routing the event may name any dataset and namespace (and another
// type, which no pattern can tell beforehand).
func (c Config) Pattern() string {
	if c.Index != "" {
		return template.ParseLogstash(c.Index).Pattern("*")
	}
	if c.AutoRouting {
		return c.Type + "-*-*"
	}
	return c.Type + "-" + c.Dataset.Pattern("*") + "-" + c.Namespace.Pattern("*")
}

// checkLiterals checks what is known of a template's part before any
// event arrives: all of it when it references no field, else its literal
// text.
func checkLiterals(t template.Template) error {
	if t.IsLiteral() {
		return CheckPart(t.Text())
	}
	for _, lit := range t.Literals() {
		if strings.ContainsAny(lit, illegalPartChars) {
			return fmt.Errorf("%q: literal text %q contains a character data stream names exclude (\\ / * ? \" < > | , # : - or space)", t.Source, lit)
		}
		if strings.ToLower(lit) != lit {
			return fmt.Errorf("%q: literal text %q must be lower case", t.Source, lit)
		}
	}
	return nil
}

// Namer computes data stream names for one pipeline.
type Namer struct {
	cfg   Config
	index *template.Template // index mode (cfg.Index), nil for data streams

	// Names and data_stream objects per target, built once: a pipeline
	// writes to a handful of streams.
	mu    sync.RWMutex
	cache map[streamKey]*streamEntry
}

type streamKey struct{ typ, dataset, namespace string }

type streamEntry struct {
	name string
	// doc is the data_stream object (type, dataset, namespace) as JSON
	// text: a raw object is never written in place (a write decodes a
	// private copy), so every event can share it.
	doc event.Value
}

// maxCachedStreams bounds the cache when a field fans out to many names.
const maxCachedStreams = 4096

func (n *Namer) entry(k streamKey) *streamEntry {
	n.mu.RLock()
	ent := n.cache[k]
	n.mu.RUnlock()
	if ent != nil {
		return ent
	}
	ent = &streamEntry{name: k.typ + "-" + k.dataset + "-" + k.namespace}
	ent.doc = event.RawObject(string(event.Object(event.Field{Key: "type", Value: event.String(k.typ)}, event.Field{Key: "dataset", Value: event.String(k.dataset)}, event.Field{Key: "namespace", Value: event.String(k.namespace)}).AppendJSON(nil)))
	// The parts are often the event's own bytes (a field's text): keys
	// of their own, so the cache does not keep an event's buffer, which
	// the beats input shares among a whole batch, alive for good.
	k = streamKey{strings.Clone(k.typ), strings.Clone(k.dataset), strings.Clone(k.namespace)}
	n.mu.Lock()
	if len(n.cache) < maxCachedStreams {
		if n.cache == nil {
			n.cache = map[streamKey]*streamEntry{}
		}
		if n.cache[k] == nil {
			n.cache[k] = ent
		}
	}
	n.mu.Unlock()
	return ent
}

// NewNamer prepares cfg, which must have passed Check.
func NewNamer(cfg Config) *Namer {
	n := &Namer{cfg: cfg}
	if cfg.Index != "" {
		t := template.ParseLogstash(cfg.Index)
		n.index = &t
	}
	return n
}

var dsPath = event.Path{"data_stream"}

// Name sets e.DataStream and, with sync_fields, the data_stream.* fields
// Elasticsearch expects in every document of a data stream. A missing or
// unusable field value gets the configured fallback and the fallback tag.
func (n *Namer) Name(e *event.Event) {
	if n.index != nil {
		// Elasticsearch takes index names in lower case only; Logstash
		// sends the name as rendered and the item fails, ingestd too.
		e.DataStream = n.index.RenderLogstash(e)
		return
	}
	k := streamKey{typ: n.cfg.Type}
	// The dotted keys are looked up one by one: an event rarely has one,
	// and the root key filter answers a missing key without a scan.
	var own [4]event.Value // ownPaths
	var found [4]bool
	if n.cfg.AutoRouting || n.cfg.SyncFields {
		for i, p := range ownPaths {
			if i > 0 || n.cfg.AutoRouting {
				own[i], found[i] = e.Get(p)
			}
		}
	}
	if n.cfg.AutoRouting {
		var nested [3]event.Value
		own[0].Members(partKeys, nested[:])
		part := func(i int) string {
			v := nested[i]
			if v.Kind() != event.KindString {
				v = own[1+i] // the dotted key
			}
			if v.Kind() != event.KindString {
				return ""
			}
			return v.Text()
		}
		if t := strings.ToLower(part(0)); validTypes[t] {
			k.typ = t
		}
		k.dataset, k.namespace = SanitizePart(part(1)), SanitizePart(part(2))
	}
	if k.dataset == "" {
		k.dataset = n.part(e, n.cfg.Dataset, n.cfg.FallbackDataset)
	}
	if k.namespace == "" {
		k.namespace = n.part(e, n.cfg.Namespace, n.cfg.FallbackNamespace)
	}
	ent := n.entry(k)
	e.DataStream = ent.name
	if !n.cfg.SyncFields {
		return
	}
	for i := 1; i < len(ownPaths); i++ {
		if found[i] {
			e.Delete(ownPaths[i])
		}
	}
	e.Set(dsPath, ent.doc)
}

// The members of the root that name a data stream: the data_stream object
// and its parts as dotted keys, which Elasticsearch reads as the same
// fields; and the parts within the object.
var (
	ownPaths = []event.Path{{"data_stream"}, {"data_stream.type"}, {"data_stream.dataset"}, {"data_stream.namespace"}}
	partKeys = []string{"type", "dataset", "namespace"}
)

// validTypes are the data stream types Elasticsearch's built-in templates
// and Logstash's output know.
var validTypes = map[string]bool{"logs": true, "metrics": true, "traces": true, "synthetics": true}

func (n *Namer) part(e *event.Event, t template.Template, fallback string) string {
	s, ok := t.RenderName(e)
	if ok {
		s = SanitizePart(s)
	}
	if !ok || s == "" {
		if n.cfg.FallbackTag != "" {
			e.AddTag(n.cfg.FallbackTag)
		}
		return fallback
	}
	return s
}
