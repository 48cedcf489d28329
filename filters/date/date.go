// Package date is the date filter: it parses a timestamp from a field with
// Java-style formats (as Logstash does), ISO8601, UNIX or UNIX_MS, in a
// time zone, and writes it as RFC 3339 UTC to a target (@timestamp by
// default). For year-less stamps such as dCache billing's "MM.dd
// HH:mm:ss", the year comes from a reference field (the billing file's
// date), minus one for a December line in a January file.
package date

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
)

// Register adds the date filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "date", "Parses a date from a field into @timestamp (Java-style formats, ISO8601, UNIX, UNIX_MS; year inference).", New)
}

// Config is the date filter's config.
type Config struct {
	Match        []string       `yaml:"match" required:"true" doc:"[field, format, format...]: the first format that parses wins"`
	Target       event.FieldRef `yaml:"target" default:"@timestamp" doc:"field that receives the RFC 3339 UTC time"`
	Timezone     string         `yaml:"timezone" doc:"IANA zone for times without an offset; the pipeline's timezone when empty; a %{[field]} template reads it from each event (an event whose zone is missing or unknown is tagged, as Logstash's date does with a sprintf timezone)"`
	YearFrom     event.FieldRef `yaml:"year_from" doc:"field whose first yyyy.MM / yyyy-MM gives the year of year-less formats (December lines in a January reference take the year before)"`
	TagOnFailure []string       `yaml:"tag_on_failure" default:"[_dateparsefailure]" doc:"tags added when no format parses"`
	Precision    string         `yaml:"precision" default:"parsed" enum:"parsed,ms" doc:"parsed: the time keeps every digit of its fraction (microseconds of Python's isoformat); ms: truncated to milliseconds, as Logstash's date filter (Joda time) keeps it (ingestd convert sets ms)"`
}

// Check compiles the formats and the zone.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Field: "match", Msg: err.Error()}}
	}
	return nil
}

type parser func(s string, loc *time.Location, ref refDate) (time.Time, error)

type refDate struct{ year, month int }

type filter struct {
	source  event.Path
	parsers []parser
	target  event.Path
	loc     *time.Location
	zones   *zoneCache // the timezone is a template: each event names its zone
	yearRef event.Path
	millis  bool // precision ms
	fail    []string
}

// New builds a date filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	c := *cfg
	if c.Timezone == "" {
		c.Timezone = env.Timezone
	}
	return compile(&c)
}

func compile(c *Config) (*filter, error) {
	if len(c.Match) < 2 {
		return nil, fmt.Errorf("match needs a field and at least one format")
	}
	src, err := event.ParsePath(c.Match[0])
	if err != nil {
		return nil, err
	}
	zone := c.Timezone
	if zone == "" {
		zone = "UTC"
	}
	f := &filter{source: src, target: c.Target.Path, yearRef: c.YearFrom.Path, fail: c.TagOnFailure, millis: c.Precision == "ms"}
	if strings.Contains(zone, "%{") {
		t, err := template.Parse(zone)
		if err != nil {
			return nil, fmt.Errorf("timezone: %w", err)
		}
		f.zones = &zoneCache{name: t, known: map[string]*time.Location{}}
	} else {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", zone, err)
		}
		f.loc = loc
	}
	for _, format := range c.Match[1:] {
		p, err := compileParser(format)
		if err != nil {
			return nil, err
		}
		f.parsers = append(f.parsers, p)
	}
	return f, nil
}

func compileParser(format string) (parser, error) {
	switch format {
	case "ISO8601":
		return func(s string, loc *time.Location, _ refDate) (time.Time, error) { return iso8601(s, loc) }, nil
	case "UNIX", "UNIX_MS":
		// Parsed as decimal text, not float64, so that milliseconds survive.
		unit := time.Second
		if format == "UNIX_MS" {
			unit = time.Millisecond
		}
		return func(s string, _ *time.Location, _ refDate) (time.Time, error) {
			return parseEpoch(strings.TrimSpace(s), unit)
		}, nil
	}
	l, err := compileLayout(format)
	if err != nil {
		return nil, err
	}
	return func(s string, loc *time.Location, ref refDate) (time.Time, error) {
		p, err := l.parse(s)
		if err != nil {
			return time.Time{}, err
		}
		if !l.hasYear {
			p.year = inferYear(p.month, ref)
		}
		return p.toTime(loc)
	}, nil
}

// inferYear applies the billing rule: the reference's year, minus one for
// a December time in a January reference. Without a reference, the
// current year under the same rule.
func inferYear(month int, ref refDate) int {
	if ref.year == 0 {
		now := time.Now().UTC()
		ref = refDate{now.Year(), int(now.Month())}
	}
	// Logstash's JodaParser.parseAndGuessYear: a December line read in
	// January is last year's, a January line read in December next year's.
	switch {
	case month == 12 && ref.month == 1:
		return ref.year - 1
	case month == 1 && ref.month == 12:
		return ref.year + 1
	}
	return ref.year
}

func (f *filter) reference(e *event.Event) refDate {
	if f.yearRef == nil {
		return refDate{}
	}
	return findRefDate(e.GetString(f.yearRef))
}

// findRefDate finds the first YYYY.MM or YYYY-MM in s (the regular
// expression (\d{4})[.-](\d{2}), scanned by hand: it ran on every dCache
// entry).
func findRefDate(s string) refDate {
	digits := func(t string) bool {
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		return true
	}
	for i := 0; i+7 <= len(s); i++ {
		if (s[i+4] == '.' || s[i+4] == '-') && digits(s[i:i+4]) && digits(s[i+5:i+7]) {
			y, _ := strconv.Atoi(s[i : i+4])
			mo, _ := strconv.Atoi(s[i+5 : i+7])
			return refDate{y, mo}
		}
	}
	return refDate{}
}

func (f *filter) Apply(e *event.Event) bool {
	v, ok := e.Get(f.source)
	if !ok {
		return true
	}
	text := strings.TrimSpace(v.Text())
	ref := f.reference(e)
	loc := f.loc
	if f.zones != nil {
		if loc = f.zones.of(e); loc == nil {
			e.AddTags(f.fail)
			return true
		}
	}
	for _, p := range f.parsers {
		if t, err := p(text, loc, ref); err == nil {
			if f.millis {
				// As Logstash's date filter (Joda time): its spec reads
				// "1350414944.123456" as .123.
				t = t.Truncate(time.Millisecond)
			}
			var buf [40]byte
			e.SetBytes(f.target, appendFormat(buf[:0], t))
			return true
		}
	}
	e.AddTags(f.fail)
	return true
}

// appendFormat appends t in UTC as RFC 3339 with at least millisecond
// precision (more digits when the time has them), as Elasticsearch date
// fields take.
func appendFormat(dst []byte, t time.Time) []byte {
	digits := 9
	switch {
	case t.Nanosecond()%1e6 == 0:
		digits = 3
	case t.Nanosecond()%1e3 == 0:
		digits = 6
	}
	return event.AppendTimestampFrac(dst, t, digits)
}

// parseEpoch parses "1767128198" or "1767128198.06" counted in unit.
func parseEpoch(s string, unit time.Duration) (time.Time, error) {
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a UNIX time", s)
	}
	// Logstash's UNIX refuses seconds past 2^31-1 ("larger than UNIX
	// epoch maximum seconds"), so that match [UNIX, UNIX_MS] reads a time
	// in milliseconds with the second format; a Duration would overflow
	// on such values anyway.
	if unit == time.Second && (n > math.MaxInt32 || n < math.MinInt32) || n > math.MaxInt64/int64(unit) || n < math.MinInt64/int64(unit) {
		return time.Time{}, fmt.Errorf("%q is out of the range of UNIX times", s)
	}
	var fracNs int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil || strings.HasPrefix(whole, "-") {
			return time.Time{}, fmt.Errorf("%q is not a UNIX time", s)
		}
		fracNs = f * int64(unit) / int64(time.Second)
	}
	return time.Unix(0, 0).Add(time.Duration(n)*unit + time.Duration(fracNs)).UTC(), nil
}

// zoneCache loads the zones a timezone template names, once each: events
// name a handful, and loading one reads the zone database.
type zoneCache struct {
	name template.Template
	mu   sync.Mutex
	// known holds the zones loaded and, as nil, the names that are no
	// zone; bounded by maxZones so that garbage names cannot grow it.
	known map[string]*time.Location
}

const maxZones = 512

// of returns the zone the event names, or nil when it names none or an
// unknown one.
func (z *zoneCache) of(e *event.Event) *time.Location {
	name, ok := z.name.RenderName(e)
	if !ok || name == "" {
		return nil
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.known[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	if len(z.known) < maxZones {
		z.known[name] = loc
	}
	return loc
}
