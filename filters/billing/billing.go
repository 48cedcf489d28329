// Package billing is the dcache_billing filter: it parses dCache billing
// entries with the templates dCache formats them with (package
// format/billing compiles them into scanners): dCache's defaults and the
// formats of older versions built in, a site's billing.text.format.*
// properties given in config, and the "## <message-type> <template>"
// header lines dCache writes at the top of every billing file, learned per
// file (the sending agent and the file's path) and kept across restarts
// under the data directory, so a site that changed its formats is parsed
// with no configuration.
//
// The fields are the dcache.* of the shipped pipeline; the entry's date
// text goes to [@metadata][dcache_date] for the date filter, which knows
// the year rule (the line has no year).
package billing

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
	"github.com/ingestd/ingestd/format/billing"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Register adds the dcache_billing filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "dcache_billing", "Parses dCache billing entries with dCache's templates: the defaults, a site's billing.text.format.* properties, and the ## headers of each file (learned, kept across restarts).", New)
}

// Config is the dcache_billing filter's config.
type Config struct {
	Source event.FieldRef `yaml:"source" default:"message" doc:"field holding the billing line"`
	// Templates are a site's properties, as in dcache.conf or the layout
	// file: billing.text.format.mover-info-message = $date$ …
	Templates    map[string]string `yaml:"templates" doc:"a site's billing.text.format.<message-type> properties: {message-type: template}, written as in dCache's properties files ($$ for $)"`
	LearnHeaders bool              `yaml:"learn_headers" default:"true" doc:"learn each file's '## <message-type> <template>' headers and parse its entries with them; kept under the data dir across restarts"`
	KeepHeaders  bool              `yaml:"keep_headers" doc:"index the header lines (as dcache.format_name and dcache.format) instead of dropping them"`
	FileField    event.FieldRef    `yaml:"file_field" default:"[log][file][path]" doc:"field naming the file an entry comes from"`
	AgentField   event.FieldRef    `yaml:"agent_field" default:"[agent][id]" doc:"field naming the agent that sent it (files of the same path on two hosts differ)"`
	DateFormats  []string          `yaml:"date_formats" doc:"other $date$ formats (Java SimpleDateFormat) sites use without a header saying so: each default template is also tried with them"`
	DateTarget   event.FieldRef    `yaml:"date_target" default:"[@metadata][dcache_date]" doc:"where the entry's date text goes (the date filter reads it with the year rule)"`
	TagOnFailure []string          `yaml:"tag_on_failure" default:"[_billingparsefailure]" doc:"tags added when no template fits"`
}

// Check compiles the site's templates.
func (c *Config) Check() []spec.FieldError {
	for _, l := range c.DateFormats {
		if _, err := format.ParseJava(l); err != nil {
			return []spec.FieldError{{Field: "date_formats", Msg: err.Error()}}
		}
	}
	for mt, t := range c.Templates {
		if _, err := billing.Compile(mt, billing.ExpandProperty(t)); err != nil {
			return []spec.FieldError{{Field: "templates", Msg: err.Error()}}
		}
	}
	return nil
}

// Filter is a compiled dcache_billing filter.
type Filter struct {
	source, file, agent, dateTarget event.Path
	learn, keepHeaders              bool
	fail                            []string
	log                             zerolog.Logger

	site  *billing.Library // the site's templates, then dCache's
	files *fileTemplates   // learned from headers, per file
	paths sync.Map         // *billing.Variant → *targets
	// loc is the pipeline's zone: the site's, which names the zone of a
	// JSON store record's date ("Tue Dec 30 21:03:10 CET 2025").
	loc *time.Location
}

var (
	pathFormatName = event.MustPath("[dcache][format_name]")
	pathFormat     = event.MustPath("[dcache][format]")
)

// New builds a dcache_billing filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	f := &Filter{
		source: cfg.Source.Path, file: cfg.FileField.Path, agent: cfg.AgentField.Path, dateTarget: cfg.DateTarget.Path,
		learn: cfg.LearnHeaders, keepHeaders: cfg.KeepHeaders, fail: cfg.TagOnFailure, log: env.Logger,
		site: billing.NewLibrary(),
	}
	loc, err := env.Location()
	if err != nil {
		return nil, fmt.Errorf("dcache_billing: %w", err)
	}
	f.loc = loc
	for _, layout := range cfg.DateFormats {
		defs := billing.Defaults()
		for _, mt := range sortedKeys(defs) {
			t := strings.Replace(defs[mt], "$date$", `$date; format="`+layout+`"$`, 1)
			if err := f.site.Learn(mt, t); err != nil {
				return nil, fmt.Errorf("date_formats: %w", err)
			}
		}
	}
	for _, mt := range sortedKeys(cfg.Templates) {
		if err := f.site.Learn(mt, billing.ExpandProperty(cfg.Templates[mt])); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
	}
	if f.learn {
		ft, err := openFileTemplates(env.DataDir, cfg.Templates, env.Logger)
		if err != nil {
			return nil, err
		}
		f.files = ft
	}
	return f, nil
}

// Apply parses one billing line.
func (f *Filter) Apply(e *event.Event) bool {
	v, ok := e.Get(f.source)
	if !ok {
		e.AddTags(f.fail)
		return true
	}
	line := e.Text(v) // in the batch's memory: nothing here keeps it
	if mt, tmpl, ok := billing.ParseHeader(line); ok {
		return f.header(e, mt, tmpl)
	}
	if strings.HasPrefix(line, "{") && f.applyJSON(e, line) {
		return true
	}
	var m format.Match
	var spans [32]format.Span
	m.Spans = spans[:0]
	var variant *billing.Variant
	if f.files != nil {
		if lib := f.files.library(f.fileKey(e)); lib != nil {
			variant, ok = lib.Scan(line, &m)
		}
	}
	if variant == nil {
		variant, ok = f.site.Scan(line, &m)
	}
	if !ok {
		e.AddTags(f.fail)
		return true
	}
	f.set(e, variant, line, &m)
	return true
}

// header learns a file's template and drops the header line (it is no
// entry), unless told to keep it.
func (f *Filter) header(e *event.Event, msgType, template string) bool {
	if f.files != nil {
		if err := f.files.learn(f.fileKey(e), msgType, template); err != nil {
			f.log.Warn().Err(err).Str("message_type", msgType).Msg("dcache_billing: a header's template does not compile; its entries are parsed with the known templates")
		}
	}
	if !f.keepHeaders {
		return false
	}
	e.SetString(pathFormatName, msgType)
	e.SetString(pathFormat, template)
	return true
}

func (f *Filter) fileKey(e *event.Event) fileKey {
	return fileKey{agent: e.GetString(f.agent), path: e.GetString(f.file)}
}

// set stores the fields of a fitting variant.
func (f *Filter) set(e *event.Event, v *billing.Variant, line string, m *format.Match) {
	t := f.targetsOf(v)
	var buf [64]event.Field
	members := buf[:0] // under t.parent, when t.direct
	put := func(p event.Path, val event.Value) {
		if t.direct {
			members = append(members, event.Field{Key: p[len(p)-1], Value: val})
		} else {
			e.Set(p, val)
		}
	}
	reserved := false
	for i, fd := range v.Format.Fields() {
		sp := m.Spans[i]
		if sp.Start < 0 {
			continue
		}
		s := line[sp.Start:sp.End]
		if fd.Kind == format.Time {
			e.SetString(f.dateTarget, s)
			continue
		}
		p := t.fields[i]
		if p == nil {
			continue
		}
		if !reserved && t.parent != nil && !t.direct {
			// Room once for the entry's fields and those the pipeline's
			// later filters commonly add under the same object (the
			// shipped dcache.yml adds about a dozen).
			e.Reserve(t.parent, t.members+laterFields)
			reserved = true
		}
		switch fd.Kind {
		case format.Int:
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				put(p, event.IntText(s, n))
				continue
			}
			put(p, event.String(s))
		case format.Enum:
			put(p, event.String(fd.Enum[s]))
		default:
			put(p, event.String(s))
		}
	}
	for i, g := range v.Groups {
		a, b := m.Spans[g.First], m.Spans[g.Last]
		if a.Start >= 0 && b.Start >= 0 && t.groups[i] != nil {
			put(t.groups[i], event.String(line[a.Start:b.End]))
		}
	}
	for i := range v.Consts {
		if t.cpaths[i] != nil {
			put(t.cpaths[i], t.consts[i])
		}
	}
	if !t.direct || len(members) == 0 || e.AppendMembers(t.parent, members, laterFields) {
		return
	}
	// The object has members already (an earlier filter wrote some).
	for _, fd := range members {
		e.Set(append(t.parent[:len(t.parent):len(t.parent)], fd.Key), fd.Value)
	}
}

// Close saves what was learned.
func (f *Filter) Close() error {
	if f.files == nil {
		return nil
	}
	return f.files.save()
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// targets are a variant's field paths, parsed once.
type targets struct {
	fields []event.Path // nil for a field without a target
	// parent is the object most targets are members of (dcache), and
	// members how many of them it is.
	parent  event.Path
	members int
	// direct: every target is a member of parent, each a different one,
	// so the entry's members are appended to it at once
	// (event.Event.AppendMembers) instead of set one by one.
	direct bool
	groups []event.Path
	consts []event.Value
	cpaths []event.Path
}

func (f *Filter) targetsOf(v *billing.Variant) *targets {
	if t, ok := f.paths.Load(v); ok {
		return t.(*targets)
	}
	t := &targets{}
	for _, fd := range v.Format.Fields() {
		p, _ := event.ParsePath(fd.Target)
		t.fields = append(t.fields, p)
	}
	for _, g := range v.Groups {
		p, _ := event.ParsePath(g.Target)
		t.groups = append(t.groups, p)
	}
	for _, c := range v.Consts {
		p, _ := event.ParsePath(c.Target)
		t.cpaths = append(t.cpaths, p)
		t.consts = append(t.consts, event.String(c.Value))
	}
	t.parent, t.members = commonParent(slices.Concat(t.fields, t.groups, t.cpaths))
	// The time goes to dateTarget as the loop meets it: outside
	// @metadata, appending the members after it would change the
	// document's member order (found by review).
	t.direct = t.parent != nil && len(f.dateTarget) > 0 && f.dateTarget[0] == event.MetadataKey && allDistinctMembers(t.parent, v, t)
	f.paths.Store(v, t)
	return t
}

// allDistinctMembers reports whether every target the variant sets (its
// time field aside) is a member of parent, no two the same.
func allDistinctMembers(parent event.Path, v *billing.Variant, t *targets) bool {
	seen := map[string]bool{}
	check := func(p event.Path) bool {
		if p == nil {
			return true
		}
		if len(p) != len(parent)+1 || !slices.Equal(p[:len(parent)], parent) || seen[p[len(parent)]] {
			return false
		}
		seen[p[len(parent)]] = true
		return true
	}
	for i, fd := range v.Format.Fields() {
		if fd.Kind != format.Time && !check(t.fields[i]) {
			return false
		}
	}
	for _, p := range slices.Concat(t.groups, t.cpaths) {
		if !check(p) {
			return false
		}
	}
	return true
}

// laterFields is the room left in a billing entry's object for fields the
// filters after this one add to it.
const laterFields = 16

// commonParent returns the object most of paths are direct members of,
// and how many; nil when none is nested.
func commonParent(paths []event.Path) (event.Path, int) {
	counts := map[string]int{}
	var best event.Path
	most := 0
	for _, p := range paths {
		if len(p) < 2 {
			continue
		}
		parent := p[:len(p)-1]
		k := strings.Join(parent, "\x00")
		counts[k]++
		if counts[k] > most {
			best, most = parent, counts[k]
		}
	}
	return best, most
}
