// Package csv is the csv filter: it splits a field holding one line of
// comma-separated values into fields, with the semantics of Logstash's
// logstash-filter-csv (same option names and defaults, so a converted
// logstash.conf keeps its csv section as it is). Parsing follows Ruby's
// CSV.parse_line: strict quoting, "" for a quote inside a quoted field,
// null for an empty unquoted field, only the first row of the text.
package csv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the csv filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "csv", "Splits a line of comma-separated values into fields (Logstash csv).", New)
}

// Config is the csv filter's config. The keys are Logstash's.
type Config struct {
	Source                  event.FieldRef    `yaml:"source" default:"message" doc:"field holding the CSV line"`
	Target                  event.FieldRef    `yaml:"target" doc:"object field receiving the columns; empty sets them at the root"`
	Columns                 []string          `yaml:"columns" doc:"column names in order (field references such as [a][b] allowed)"`
	Separator               string            `yaml:"separator" default:"," doc:"column separator (any string)"`
	QuoteChar               string            `yaml:"quote_char" default:"\"" doc:"quote character; \\x00 disables quoting in practice"`
	AutogenerateColumnNames bool              `yaml:"autogenerate_column_names" default:"true" doc:"name columns beyond columns column1, column2...; false drops them"`
	AutodetectColumnNames   bool              `yaml:"autodetect_column_names" default:"false" doc:"take the column names from the first event seen (which is dropped); needs one worker to be deterministic, as in Logstash"`
	SkipHeader              bool              `yaml:"skip_header" default:"false" doc:"drop events whose values equal the column names"`
	SkipEmptyColumns        bool              `yaml:"skip_empty_columns" default:"false" doc:"do not set columns whose value is empty"`
	SkipEmptyRows           bool              `yaml:"skip_empty_rows" default:"false" doc:"tag an empty line _csvskippedemptyfield instead of failing it"`
	Convert                 map[string]string `yaml:"convert" doc:"{column: integer|float|date|date_time|boolean}"`
	TagOnFailure            []string          `yaml:"tag_on_failure" default:"[_csvparsefailure]" doc:"tags added when the line is not valid CSV (Logstash's fixed tag)"`
}

// Check validates the conversions, quote and column names.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c, time.UTC); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

// column is a named column: where its value goes and how it converts.
type column struct {
	name string
	path event.Path
	conv string
}

type filter struct {
	cfg   Config
	quote string
	cv    converter
	// columns is the configured list, or the detected header once the
	// first event has been seen (autodetect_column_names).
	columns atomic.Pointer[[]column]
}

// New builds a csv filter. Dates convert at midnight in the pipeline's
// timezone (Logstash uses the JVM's).
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	loc, err := env.Location()
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return compile(cfg, loc)
}

func compile(c *Config, loc *time.Location) (*filter, error) {
	f := &filter{cfg: *c, quote: c.QuoteChar, cv: converter{loc: loc}}
	if c.Separator == "" {
		return nil, fmt.Errorf("separator must not be empty")
	}
	// Logstash turns the config text \x00 into NUL (its config strings
	// have no escapes); either way no field starts with it.
	if f.quote == `\x00` {
		f.quote = "\x00"
	}
	if n := len([]rune(f.quote)); n != 1 {
		return nil, fmt.Errorf("quote_char %q must be a single character", c.QuoteChar)
	}
	for name, to := range c.Convert {
		if err := checkConversion(to); err != nil {
			return nil, fmt.Errorf("convert %s: %w", name, err)
		}
	}
	if len(c.Columns) > 0 {
		cols, err := f.makeColumns(c.Columns)
		if err != nil {
			return nil, err
		}
		f.columns.Store(&cols)
	}
	return f, nil
}

// makeColumns resolves names as the plugin's field_ref does: a name in
// brackets is a reference under the target, any other is one key.
func (f *filter) makeColumns(names []string) ([]column, error) {
	cols := make([]column, len(names))
	for i, name := range names {
		p, err := f.path(name)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		cols[i] = column{name: name, path: p, conv: f.cfg.Convert[name]}
	}
	return cols, nil
}

func (f *filter) path(name string) (event.Path, error) {
	p := slices.Clip(f.cfg.Target.Path)
	if strings.HasPrefix(name, "[") {
		sub, err := event.ParsePath(name)
		if err != nil {
			return nil, err
		}
		return append(p, sub...), nil
	}
	if name == "" {
		return nil, fmt.Errorf("empty column name")
	}
	return append(p, name), nil
}

func (f *filter) Apply(e *event.Event) bool {
	src, ok := e.Get(f.cfg.Source.Path)
	if !ok || src.IsNull() {
		return true
	}
	var buf [16]cell
	values, err := parseLine(src.Text(), f.cfg.Separator, f.quote, buf[:0])
	if err != nil {
		e.AddTags(f.cfg.TagOnFailure)
		return true
	}
	cols := f.columns.Load()
	if f.cfg.AutodetectColumnNames && cols == nil && values != nil {
		// The header is kept across events: copy it out of this one.
		names := make([]string, len(values))
		for i, v := range values {
			names[i] = strings.Clone(v.text)
		}
		detected, err := f.makeColumns(names)
		if err != nil {
			e.AddTags(f.cfg.TagOnFailure)
			return true
		}
		// Only the first header wins; an event racing it on another
		// worker is read as data with that header.
		if f.columns.CompareAndSwap(nil, &detected) {
			return false
		}
		cols = f.columns.Load()
	}
	var columns []column
	if cols != nil {
		columns = *cols
	}
	if f.cfg.SkipHeader && len(columns) > 0 && isHeader(columns, values) {
		return false
	}
	if values == nil {
		if f.cfg.SkipEmptyRows {
			e.AddTag("_csvskippedemptyfield")
		} else {
			// Logstash calls each_index on nil: the exception tags it.
			e.AddTags(f.cfg.TagOnFailure)
		}
		return true
	}
	for i, v := range values {
		if f.cfg.SkipEmptyColumns && (v.null || v.text == "") {
			continue
		}
		var col column
		if i < len(columns) {
			col = columns[i]
		} else {
			if !f.cfg.AutogenerateColumnNames {
				continue
			}
			name := "column" + strconv.Itoa(i+1)
			col = column{name: name, path: append(slices.Clip(f.cfg.Target.Path), name), conv: f.cfg.Convert[name]}
		}
		val := event.String(v.text)
		if v.null {
			val = event.Value{}
		}
		if col.conv != "" {
			if val, err = f.cv.convert(v, col.conv); err != nil {
				// Columns before this one stay set, as in Logstash.
				e.AddTags(f.cfg.TagOnFailure)
				return true
			}
		}
		e.Set(col.path, val)
	}
	return true
}

// isHeader is the plugin's @columns == values.
func isHeader(columns []column, values []cell) bool {
	if len(columns) != len(values) {
		return false
	}
	for i, c := range columns {
		if values[i].null || values[i].text != c.name {
			return false
		}
	}
	return true
}
