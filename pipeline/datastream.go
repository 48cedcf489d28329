package pipeline

import (
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// DataStreamConfig names the data stream of every event of a pipeline:
// {type}-{dataset}-{namespace}, where dataset and namespace may reference
// event fields as %{[field]}.
type DataStreamConfig struct {
	Type              string   `yaml:"type" default:"logs" enum:"logs,metrics,traces,synthetics" doc:"data stream type"`
	Dataset           Template `yaml:"dataset" default:"generic" doc:"dataset; may reference fields as %{[service]}"`
	Namespace         Template `yaml:"namespace" default:"default" doc:"namespace; may reference fields as %{[group]}"`
	FallbackDataset   string   `yaml:"fallback_dataset" default:"unknown" doc:"dataset used when a referenced field is missing or empty"`
	FallbackNamespace string   `yaml:"fallback_namespace" default:"default" doc:"namespace used when a referenced field is missing or empty"`
	FallbackTag       string   `yaml:"fallback_tag" default:"_data_stream_fallback" doc:"tag added to an event that got a fallback"`
}

// Check enforces Elasticsearch's naming rules on everything known before
// any event arrives.
func (c *DataStreamConfig) Check() []FieldError {
	var errs []FieldError
	for _, part := range []struct {
		key string
		t   Template
	}{{"dataset", c.Dataset}, {"namespace", c.Namespace}} {
		if err := part.t.checkLiterals(); err != nil {
			errs = append(errs, FieldError{Field: part.key, Msg: err.Error()})
		}
	}
	for _, fb := range []struct{ key, val string }{{"fallback_dataset", c.FallbackDataset}, {"fallback_namespace", c.FallbackNamespace}} {
		if err := CheckDataStreamPart(fb.val); err != nil {
			errs = append(errs, FieldError{Field: fb.key, Msg: err.Error()})
		}
	}
	if c.Dataset.IsLiteral() && c.Namespace.IsLiteral() {
		name := c.Type + "-" + c.Dataset.Text() + "-" + c.Namespace.Text()
		if len(name) > maxIndexNameBytes {
			errs = append(errs, FieldError{Msg: fmt.Sprintf("data stream name %q is longer than %d bytes", name, maxIndexNameBytes)})
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
func CheckDataStreamPart(s string) error {
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
func SanitizeDataStreamPart(s string) string {
	if CheckDataStreamPart(s) == nil {
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
	if CheckDataStreamPart(s) != nil {
		return ""
	}
	return s
}

// Template is a string with %{[field]} references, parsed at load time.
type Template struct {
	Source string
	parts  []templatePart
}

type templatePart struct {
	literal string
	field   Path // nil for literal parts
}

// ParseTemplate parses a %{[field]} template.
func ParseTemplate(src string) (Template, error) {
	t := Template{Source: src}
	rest := src
	for rest != "" {
		i := strings.Index(rest, "%{")
		if i < 0 {
			t.parts = append(t.parts, templatePart{literal: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return t, fmt.Errorf("%q: unterminated %%{ reference", src)
		}
		ref := rest[i+2 : i+end]
		if strings.HasPrefix(ref, "[") && !strings.HasSuffix(ref, "]") {
			// %{[a][b]} contains '}' only at the end; find the real close.
			j := strings.Index(rest[i:], "]}")
			if j < 0 {
				return t, fmt.Errorf("%q: unterminated %%{ reference", src)
			}
			end = j + 1
			ref = rest[i+2 : i+end]
		}
		p, err := ParsePath(ref)
		if err != nil {
			return t, fmt.Errorf("%q: %w", src, err)
		}
		t.parts = append(t.parts, templatePart{field: p})
		rest = rest[i+end+1:]
	}
	return t, nil
}

// DecodeNode parses the template at load time.
func (t *Template) DecodeNode(d *Decoder, n *yaml.Node) {
	s, ok := d.scalar(n, "template", "a string")
	if !ok {
		return
	}
	parsed, err := ParseTemplate(s)
	if err != nil {
		d.Report(n, "%v", err)
		return
	}
	*t = parsed
}

// IsLiteral reports whether the template references no field.
func (t Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.field != nil {
			return false
		}
	}
	return true
}

// Text returns the template text of a literal template.
func (t Template) Text() string {
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.literal)
	}
	return b.String()
}

func (t Template) checkLiterals() error {
	if t.IsLiteral() {
		return CheckDataStreamPart(t.Text())
	}
	for _, p := range t.parts {
		if p.field == nil && strings.ContainsAny(p.literal, illegalPartChars) {
			return fmt.Errorf("%q: literal text %q contains a character data stream names exclude (\\ / * ? \" < > | , # : - or space)", t.Source, p.literal)
		}
		if p.field == nil && strings.ToLower(p.literal) != p.literal {
			return fmt.Errorf("%q: literal text %q must be lower case", t.Source, p.literal)
		}
	}
	return nil
}

// Render substitutes field references from e. ok is false when a
// referenced field is missing or empty.
func (t Template) Render(e *Event) (s string, ok bool) {
	if len(t.parts) == 1 {
		if t.parts[0].field == nil {
			return t.parts[0].literal, true
		}
		v, found := e.Get(t.parts[0].field)
		text := v.Text()
		return text, found && text != ""
	}
	var b strings.Builder
	ok = true
	for _, p := range t.parts {
		if p.field == nil {
			b.WriteString(p.literal)
			continue
		}
		v, found := e.Get(p.field)
		text := v.Text()
		if !found || text == "" {
			ok = false
			continue
		}
		b.WriteString(text)
	}
	return b.String(), ok
}

// Pattern is the data stream name with every field reference as *.
func (c DataStreamConfig) Pattern() string {
	part := func(t Template) string {
		var b strings.Builder
		for _, p := range t.parts {
			if p.field != nil {
				b.WriteString("*")
			} else {
				b.WriteString(p.literal)
			}
		}
		return b.String()
	}
	return c.Type + "-" + part(c.Dataset) + "-" + part(c.Namespace)
}

// DataStreamNamer computes data stream names for one pipeline.
type DataStreamNamer struct {
	cfg     DataStreamConfig
	literal string // the whole name when nothing references a field

	// Names and data_stream.* fields per (dataset, namespace), built once:
	// a pipeline writes to a handful of streams.
	mu    sync.RWMutex
	cache map[string]map[string]*streamEntry
	size  int
}

type streamEntry struct {
	name string
	// doc is the data_stream object (type, dataset, namespace) as JSON
	// text: a raw object is never written in place (a write decodes a
	// private copy), so every event can share it.
	doc Value
}

// maxCachedStreams bounds the cache when a field fans out to many names.
const maxCachedStreams = 4096

func (n *DataStreamNamer) entry(dataset, namespace string) *streamEntry {
	n.mu.RLock()
	ent := n.cache[dataset][namespace]
	n.mu.RUnlock()
	if ent != nil {
		return ent
	}
	ent = &streamEntry{name: n.cfg.Type + "-" + dataset + "-" + namespace}
	if n.literal != "" {
		ent.name = n.literal
	}
	ent.doc = rawObject(string(Object(Field{Key: "type", Value: String(n.cfg.Type)}, Field{Key: "dataset", Value: String(dataset)}, Field{Key: "namespace", Value: String(namespace)}).AppendJSON(nil)))
	// The parts are often the event's own bytes (a field's text): keys
	// of their own, so the cache does not keep an event's buffer, which
	// the beats input shares among a whole batch, alive for good.
	dataset, namespace = strings.Clone(dataset), strings.Clone(namespace)
	n.mu.Lock()
	if n.size < maxCachedStreams {
		if n.cache == nil {
			n.cache = map[string]map[string]*streamEntry{}
		}
		if n.cache[dataset] == nil {
			n.cache[dataset] = map[string]*streamEntry{}
		}
		if n.cache[dataset][namespace] == nil {
			n.cache[dataset][namespace] = ent
			n.size++
		}
	}
	n.mu.Unlock()
	return ent
}

// NewDataStreamNamer prepares cfg, which must have passed Check.
func NewDataStreamNamer(cfg DataStreamConfig) *DataStreamNamer {
	n := &DataStreamNamer{cfg: cfg}
	if cfg.Dataset.IsLiteral() && cfg.Namespace.IsLiteral() {
		n.literal = cfg.Type + "-" + cfg.Dataset.Text() + "-" + cfg.Namespace.Text()
	}
	return n
}

var dsPath = Path{"data_stream"}

// Name sets e.DataStream and the data_stream.* fields Elasticsearch expects
// in every document of a data stream. A missing or unusable field value
// gets the configured fallback and the fallback tag.
func (n *DataStreamNamer) Name(e *Event) {
	dataset, namespace := n.part(e, n.cfg.Dataset, n.cfg.FallbackDataset), n.part(e, n.cfg.Namespace, n.cfg.FallbackNamespace)
	ent := n.entry(dataset, namespace)
	e.DataStream = ent.name
	e.Set(dsPath, ent.doc)
}

func (n *DataStreamNamer) part(e *Event, t Template, fallback string) string {
	s, ok := t.Render(e)
	if ok {
		s = SanitizeDataStreamPart(s)
	}
	if !ok || s == "" {
		e.AddTag(n.cfg.FallbackTag)
		return fallback
	}
	return s
}
