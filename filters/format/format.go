// Package format is the format filter: it parses a field (the message by
// default) with declared log formats — Python logging formats and
// dictConfig files, nginx log_format, gunicorn access_log_format,
// ingestd's own patterns — compiled into scanners by package format, and
// with the shipped library of the formats the PT, Jibe and dCache stacks'
// programs write (library.yml), chosen by the event's service.
//
// The first format that fits the whole line wins; its fields are set with
// their types (ECS names, see format/pylog and format/weblog), the line's
// time becomes @timestamp, and a Python traceback after the record goes to
// error.stack_trace, error.type and error.message. A line no format fits
// is tagged and left as it was: never a partial parse.
package format

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format"
	"github.com/ingestd/ingestd/format/pylog"
	"github.com/ingestd/ingestd/format/weblog"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the format filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "format", "Parses lines with declared log formats (Python logging, dictConfig, nginx, gunicorn) and the shipped format library, compiled into scanners.", New)
}

// Config is the format filter's config.
type Config struct {
	Source       event.FieldRef `yaml:"source" default:"message" doc:"field holding the line"`
	Formats      []Decl         `yaml:"formats" doc:"formats tried in order, before the library's"`
	DictConfig   string         `yaml:"dictconfig" doc:"a Python logging dictConfig file (JSON or YAML): its formatters become formats, after formats, the one with more fields first"`
	Library      bool           `yaml:"library" doc:"also try the shipped format library (PT, Celery, tornado/flower, gunicorn, uvicorn, daphne, Django runserver, werkzeug, nginx, redis, Python defaults, Jibe)"`
	ServiceField event.FieldRef `yaml:"service_field" default:"service" doc:"field naming the service whose library formats are tried first"`
	Traceback    bool           `yaml:"traceback" default:"true" doc:"split a Python traceback after a record into error.stack_trace, error.type, error.message"`
	Timezone     string         `yaml:"timezone" doc:"IANA zone for times without an offset; the pipeline's timezone when empty; it also decides zone names that mean several offsets (CST, IST, PST) and dates times written without a date"`
	TagOnFailure []string       `yaml:"tag_on_failure" default:"[_formatparsefailure]" doc:"tags added when no format fits"`
}

// Decl declares one format: a name and exactly one of python, nginx,
// gunicorn or pattern.
type Decl struct {
	Name     string            `yaml:"name" doc:"the format's name (in explain output and [@metadata][format])"`
	Python   string            `yaml:"python" doc:"a Python logging format string"`
	DateFmt  string            `yaml:"datefmt" doc:"the Python formatter's datefmt (strftime); Python's default asctime when empty"`
	Style    string            `yaml:"style" default:"%" doc:"the Python formatter's style: %, { or $"`
	Nginx    string            `yaml:"nginx" doc:"an nginx log_format"`
	Gunicorn string            `yaml:"gunicorn" doc:"a gunicorn access_log_format"`
	Pattern  string            `yaml:"pattern" doc:"ingestd's notation: text and %{kind [target] args}"`
	Unindent string            `yaml:"unindent" doc:"text the program puts before every continuation line (tornado: four spaces), removed before parsing"`
	Set      map[string]string `yaml:"set" doc:"{field: value} added when this format fits, unless the field is set already"`
	Message  []MessageDecl     `yaml:"message" doc:"formats tried on the parsed message; the first that fits adds its fields"`
	// MessageRequired makes a loose format specific: uvicorn 0.10's
	// "LEVEL: message" is taken only for its access lines.
	MessageRequired bool `yaml:"message_required" doc:"the format fits only when one of its message formats fits the message"`
}

// MessageDecl declares a format for a record's message (an access line
// inside an app log record).
type MessageDecl struct {
	Name    string            `yaml:"name" doc:"the format's name"`
	Python  string            `yaml:"python" doc:"a Python logging format string"`
	DateFmt string            `yaml:"datefmt" doc:"datefmt for its times"`
	Style   string            `yaml:"style" default:"%" doc:"%, { or $"`
	Pattern string            `yaml:"pattern" doc:"ingestd's notation"`
	Set     map[string]string `yaml:"set" doc:"{field: value} added when it fits, unless set already"`
}

// Check compiles the formats.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c, time.UTC); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

// New builds a format filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	zone := cfg.Timezone
	if zone == "" {
		zone = env.Timezone
	}
	loc := time.UTC
	if zone != "" {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil {
			return nil, fmt.Errorf("timezone %q: %w", zone, err)
		}
	}
	return compile(cfg, loc)
}

func compile(c *Config, loc *time.Location) (*Filter, error) {
	if c.Timezone != "" {
		l, err := time.LoadLocation(c.Timezone)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", c.Timezone, err)
		}
		loc = l
	}
	f := &Filter{source: c.Source.Path, serviceField: c.ServiceField.Path, traceback: c.Traceback, loc: loc, fail: c.TagOnFailure}
	for i, d := range c.Formats {
		e, err := compileDecl(d)
		if err != nil {
			return nil, fmt.Errorf("formats[%d]: %w", i, err)
		}
		f.own = append(f.own, e)
	}
	if c.DictConfig != "" {
		data, err := os.ReadFile(c.DictConfig)
		if err != nil {
			return nil, fmt.Errorf("dictconfig: %w", err)
		}
		fms, err := pylog.DictConfig(data)
		if err != nil {
			return nil, fmt.Errorf("dictconfig %s: %w", c.DictConfig, err)
		}
		var fromDict []*entry
		for _, fm := range fms {
			ff, err := pylog.Compile(fm)
			if err != nil {
				return nil, fmt.Errorf("dictconfig %s: formatter %s: %w", c.DictConfig, fm.Name, err)
			}
			e, err := newEntry(ff, true, nil, nil)
			if err != nil {
				return nil, err
			}
			fromDict = append(fromDict, e)
		}
		// Which formatter wrote a line is the handlers' business, not an
		// order the file gives: the formatter with more fields is tried
		// first, so that Django's "simple" (%(levelname)s %(message)s)
		// never takes a "verbose" line whole into its message. Equals keep
		// the file's order.
		slices.SortStableFunc(fromDict, func(a, b *entry) int {
			return cmp.Compare(len(b.f.Fields()), len(a.f.Fields()))
		})
		f.own = append(f.own, fromDict...)
	}
	if c.Library {
		lib, err := shippedLibrary()
		if err != nil {
			return nil, err
		}
		f.lib = lib
	}
	if len(f.own) == 0 && f.lib == nil {
		return nil, fmt.Errorf("no formats: give formats, dictconfig or library: true")
	}
	f.order = f.buildOrders()
	return f, nil
}

func compileDecl(d Decl) (*entry, error) {
	n := 0
	for _, s := range []string{d.Python, d.Nginx, d.Gunicorn, d.Pattern} {
		if s != "" {
			n++
		}
	}
	name := d.Name
	if n != 1 {
		return nil, fmt.Errorf("format %q: give exactly one of python, nginx, gunicorn, pattern", name)
	}
	var ff *format.Format
	var err error
	python := false
	switch {
	case d.Python != "":
		ff, err = compilePython(name, d.Python, d.DateFmt, d.Style)
		python = true
	case d.Nginx != "":
		if name == "" {
			name = "nginx"
		}
		ff, err = weblog.Nginx(name, d.Nginx)
	case d.Gunicorn != "":
		if name == "" {
			name = "gunicorn"
		}
		ff, err = weblog.Gunicorn(name, d.Gunicorn)
	default:
		if name == "" {
			name = "pattern"
		}
		ff, err = format.ParsePattern(name, d.Pattern)
	}
	if err != nil {
		return nil, err
	}
	var subs []*entry
	for _, m := range d.Message {
		var sf *format.Format
		switch {
		case m.Python != "" && m.Pattern == "":
			sf, err = compilePython(m.Name, m.Python, m.DateFmt, m.Style)
		case m.Pattern != "" && m.Python == "":
			sf, err = format.ParsePattern(m.Name, m.Pattern)
		default:
			err = fmt.Errorf("message format %q: give exactly one of python, pattern", m.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("format %s: %w", name, err)
		}
		se, err := newEntry(sf, false, m.Set, nil)
		if err != nil {
			return nil, err
		}
		subs = append(subs, se)
	}
	e, err := newEntry(ff, python, d.Set, subs)
	if err != nil {
		return nil, err
	}
	e.unindent = d.Unindent
	e.messageRequired = d.MessageRequired
	if d.MessageRequired && len(subs) == 0 {
		return nil, fmt.Errorf("format %s: message_required needs message formats", name)
	}
	return e, nil
}

func compilePython(name, src, datefmt, style string) (*format.Format, error) {
	st := pylog.Percent
	switch style {
	case "", "%":
	case "{", "$":
		st = pylog.Style(style[0])
	default:
		return nil, fmt.Errorf("format %q: style %q is not one of %%, {, $", name, style)
	}
	return pylog.Compile(pylog.Formatter{Name: name, Format: src, DateFmt: datefmt, Style: st})
}
