// Package geoip is the geoip filter: it looks up an IP address in a
// MaxMind database (GeoIP2/GeoLite2 City, Country, ASN or ISP, .mmdb) and
// writes what it finds under a target field, with the semantics and the
// legacy field names (ecs_compatibility => disabled) of Logstash's
// logstash-filter-geoip: ip, city_name, country_name, country_code2,
// country_code3, continent_code, region_name, region_code, postal_code,
// timezone, location {lat, lon}, latitude, longitude, dma_code; asn, as_org,
// network; isp, organization.
//
// Unlike Logstash, ingestd ships no GeoLite2 database, so `database` is
// required. A missing or empty source, an invalid address and an address
// the database does not hold tag the event with tag_on_failure (the last
// two also leave an empty target object, as Logstash does). Host names are
// not resolved.
package geoip

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/rs/zerolog"
)

// Register adds the geoip filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "geoip", "Adds the location or network owner of an IP address from a MaxMind database.", New)
}

// Config is the geoip filter's config.
type Config struct {
	Source event.FieldRef `yaml:"source" required:"true" doc:"field holding the IP address (the first element if it is an array)"`
	Target event.FieldRef `yaml:"target" doc:"field that receives the lookup result; empty: geoip in legacy mode, and in ECS mode the object holding source when source is an ip sub-field ([client][ip] gives [client]), as Logstash derives it"`
	// ECSCompatibility chooses the field names (Field.java's two names).
	ECSCompatibility plugin.ECSMode `yaml:"ecs_compatibility" default:"disabled" enum:"disabled,v1,v8" doc:"disabled: Logstash's legacy names (city_name, country_code2, location…); v1 or v8 (Logstash 8's default, which a converted logstash.conf takes): ECS names (geo.city_name, geo.country_iso_code, geo.location, as.number…)"`
	Database         string         `yaml:"database" doc:"path of the MaxMind database (.mmdb): GeoIP2/GeoLite2 City, Country, ASN or ISP; required, as ingestd ships no GeoLite2 database"`
	Fields           []string       `yaml:"fields" doc:"write only these fields (legacy names such as city_name, location, asn); default: the database type's default set"`
	// DefaultDatabaseType chose which shipped database Logstash used when
	// database was not set; with database required, it only shapes the
	// error that asks for one.
	DefaultDatabaseType string   `yaml:"default_database_type" default:"City" enum:"City,ASN" doc:"accepted for Logstash configs; the database's own metadata tells its type"`
	CacheSize           int      `yaml:"cache_size" default:"1000" doc:"accepted for Logstash configs and ignored: lookups read the memory-mapped database directly"`
	TagOnFailure        []string `yaml:"tag_on_failure" default:"[_geoip_lookup_failure]" doc:"tags added when the source is missing or empty, is not an IP address, or is not in the database"`
}

// Check reports a missing database and unknown field names at validate time.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	if c.Database == "" {
		errs = append(errs, spec.FieldError{Field: "database", Msg: missingDatabase(c.DefaultDatabaseType)})
	} else if _, err := os.Stat(c.Database); err != nil {
		errs = append(errs, spec.FieldError{Field: "database", Msg: err.Error()})
	}
	if _, err := parseFields(c.Fields); err != nil {
		errs = append(errs, spec.FieldError{Field: "fields", Msg: err.Error()})
	}
	if _, err := targetOf(c, c.ECSCompatibility.ECS()); err != nil {
		errs = append(errs, spec.FieldError{Field: "target", Msg: strings.TrimPrefix(err.Error(), "geoip: ")})
	}
	if c.CacheSize <= 0 {
		errs = append(errs, spec.FieldError{Field: "cache_size", Msg: "cache_size must be greater than 0 (as in Logstash)"})
	}
	return errs
}

func missingDatabase(dbType string) string {
	if dbType == "" {
		dbType = "City"
	}
	return fmt.Sprintf("a database path is required: ingestd does not ship the GeoLite2 databases Logstash uses by default; "+
		"download GeoLite2-%s.mmdb from MaxMind and set database to its path", dbType)
}

type filter struct {
	cfg    Config
	db     *maxminddb.Reader
	kind   dbKind
	want   [numFields]bool
	paths  [numFields]event.Path // target + field name (nil: not written)
	target event.Path
	logger zerolog.Logger
}

// New opens the database (closed by Close) and builds a geoip filter.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	if cfg.Database == "" {
		return nil, errors.New("geoip: " + missingDatabase(cfg.DefaultDatabaseType))
	}
	ecs := cfg.ECSCompatibility.ECS()
	target, err := targetOf(cfg, ecs)
	if err != nil {
		return nil, err
	}
	want, err := parseFields(cfg.Fields)
	if err != nil {
		return nil, fmt.Errorf("geoip: %w", err)
	}
	db, err := maxminddb.Open(cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("geoip: opening database %s: %w", cfg.Database, err)
	}
	kind, err := kindOf(db.Metadata.DatabaseType)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("geoip: database %s: %w", cfg.Database, err)
	}
	f := &filter{cfg: *cfg, db: db, kind: kind, want: want, logger: env.Logger, target: target}
	if len(cfg.Fields) == 0 {
		f.want = defaultFields(kind, ecs)
	}
	for fl := range numFields {
		name := []string{fl.String()}
		if ecs {
			if ecsNames[fl] == "" {
				continue // not written in ECS mode
			}
			name = strings.Split(ecsNames[fl], ".")
		}
		f.paths[fl] = append(append(event.Path{}, target...), name...)
	}
	return f, nil
}

// targetOf is where the lookup result goes: target, or by default geoip
// (legacy) or the parent of an [ip] source (ECS, auto_target_from_source!).
func targetOf(cfg *Config, ecs bool) (event.Path, error) {
	switch {
	case !cfg.Target.IsZero():
		return cfg.Target.Path, nil
	case !ecs:
		return event.Path{"geoip"}, nil
	}
	src := cfg.Source.Path
	if len(src) > 1 && src[len(src)-1] == "ip" {
		return src[: len(src)-1 : len(src)-1], nil
	}
	return nil, errors.New("geoip: in ECS compatibility mode a target is required when source is not an ip sub-field such as [client][ip] (as in Logstash)")
}

// Close releases the database (unmaps the file).
func (f *filter) Close() error {
	if err := f.db.Close(); err != nil {
		return fmt.Errorf("geoip: closing database %s: %w", f.cfg.Database, err)
	}
	return nil
}

func (f *filter) Apply(e *event.Event) bool {
	v, ok := e.Get(f.cfg.Source.Path)
	if ok && v.Kind() == event.KindArray {
		// Logstash uses the first element of an array.
		elems := v.Elems()
		ok = len(elems) > 0
		if ok {
			v = elems[0].Value
		}
	}
	if !ok || v.Kind() != event.KindString || strings.TrimSpace(v.Str()) == "" {
		e.AddTags(f.cfg.TagOnFailure)
		return true
	}
	var buf [numFields]kv
	var found []kv
	if addr, valid := parseAddr(v.Str()); valid {
		var err error
		found, err = f.lookup(addr, buf[:0])
		if err != nil {
			// A corrupt database: worth an error log, like Logstash's.
			f.logger.Error().Err(err).Str("field", f.cfg.Source.String()).Msg("geoip lookup failed")
		}
	}
	if !e.Has(f.target) {
		// Logstash sets the target to {} once the address is parsed or
		// found wanting, before it decides the lookup failed.
		e.Set(f.target, event.Object())
	}
	if len(found) == 0 {
		e.AddTags(f.cfg.TagOnFailure)
		return true
	}
	for _, r := range found {
		if p := f.paths[r.f]; p != nil {
			e.Set(p, r.v)
		}
	}
	return true
}
