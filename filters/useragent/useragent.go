// Package useragent is the useragent filter: it parses a user agent string
// with ua-parser's regexes (github.com/ua-parser/uap-go, which embeds
// uap-core's regexes.yaml) and writes the fields Logstash's
// logstash-filter-useragent writes: in legacy mode (ecs_compatibility =>
// disabled) name, version, major, minor, patch, device, os, os_name,
// os_full, os_version, os_major, os_minor, os_patch, each behind prefix and
// under target (the event root when target is empty); in ECS mode (v1, v8)
// [user_agent][name], [version], [device][name], [os][name], [os][version],
// [os][full] under target, the version parts in @metadata.
//
// A missing or empty source leaves the event alone and adds no tag, as in
// Logstash (the plugin has no tag_on_failure). An agent nothing matches
// still gets name, device and os set to "Other".
package useragent

import (
	"fmt"
	"os"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/ua-parser/uap-go/uaparser"
	"gopkg.in/yaml.v3"
)

// Register adds the useragent filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "useragent", "Parses a user agent string into browser, version, OS and device fields.", New)
}

// Config is the useragent filter's config.
type Config struct {
	Source event.FieldRef `yaml:"source" required:"true" doc:"field holding the user agent string (the first element if it is an array)"`
	Target event.FieldRef `yaml:"target" doc:"field that receives the parsed fields; empty writes them at the event root (Logstash's legacy default)"`
	Prefix string         `yaml:"prefix" doc:"string prepended to every field name written (legacy mode only, as in Logstash)"`
	// ECSCompatibility chooses the field names, as the Logstash plugin's
	// option does (its setup in useragent.rb).
	ECSCompatibility plugin.ECSMode `yaml:"ecs_compatibility" default:"disabled" enum:"disabled,v1,v8" doc:"disabled: Logstash's legacy names (name, major, os_name, os_full…) under target or the root; v1 or v8 (Logstash 8's default, which a converted logstash.conf takes): ECS names under target, [user_agent] by default — name, version, device.name, os.name, os.version, os.full — with the version parts in [@metadata][filter][user_agent]"`
	// Regexes replaces the embedded uap-core regexes; RE2 (Go's regexp)
	// must accept every pattern.
	Regexes      string `yaml:"regexes" doc:"path of a ua-parser regexes.yaml to use instead of the embedded one"`
	LRUCacheSize int    `yaml:"lru_cache_size" default:"100000" doc:"entries of each of the parser's three bounded (ARC) caches: user agent, OS, device"`
}

// Check rejects a cache size Logstash rejects too.
func (c *Config) Check() []spec.FieldError {
	if c.LRUCacheSize <= 0 {
		return []spec.FieldError{{Field: "lru_cache_size", Msg: "lru_cache_size must be greater than 0"}}
	}
	if c.Regexes != "" {
		if _, err := os.Stat(c.Regexes); err != nil {
			return []spec.FieldError{{Field: "regexes", Msg: err.Error()}}
		}
	}
	return nil
}

// The fields written, in Logstash's legacy names (before prefix).
const (
	fName = iota
	fDevice
	fVersion
	fMajor
	fMinor
	fPatch
	fOSMajor
	fOSMinor
	fOSPatch
	fOSVersion
	fOSName
	fOS
	fOSFull
	numFields
)

var fieldNames = [numFields]string{
	"name", "device", "version", "major", "minor", "patch", "os_major", "os_minor",
	"os_patch", "os_version", "os_name", "os", "os_full",
}

type filter struct {
	cfg    Config
	parser *uaparser.Parser
	paths  [numFields]event.Path
	// removeSource mirrors Logstash's `event.remove(@source) if @target ==
	// @source`: the source field is replaced by the parsed object.
	removeSource bool
}

// New builds a useragent filter: it compiles the regexes once, which takes
// a while (about a thousand patterns).
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) {
	if cfg.LRUCacheSize <= 0 {
		return nil, fmt.Errorf("useragent: lru_cache_size must be greater than 0, got %d", cfg.LRUCacheSize)
	}
	opts := []uaparser.Option{uaparser.WithCacheSize(cfg.LRUCacheSize)}
	if cfg.Regexes != "" {
		defs, err := loadRegexes(cfg.Regexes)
		if err != nil {
			return nil, err
		}
		opts = append(opts, uaparser.WithRegexDefinitions(defs))
	}
	p, err := newParser(opts)
	if err != nil {
		return nil, fmt.Errorf("useragent: regexes %s: %w", cfg.Regexes, err)
	}
	f := &filter{cfg: *cfg, parser: p, removeSource: !cfg.Target.IsZero() && cfg.Target.String() == cfg.Source.String()}
	if cfg.ECSCompatibility.ECS() {
		f.paths = ecsPaths(cfg.Target.Path)
		return f, nil
	}
	for i, n := range fieldNames {
		path := make(event.Path, 0, len(cfg.Target.Path)+1)
		f.paths[i] = append(append(path, cfg.Target.Path...), cfg.Prefix+n)
	}
	return f, nil
}

// ecsPaths are the fields of ECS mode: under target ([user_agent] by
// default), with the version parts in @metadata, and no legacy os field
// (nil: not written).
func ecsPaths(target event.Path) [numFields]event.Path {
	if len(target) == 0 {
		target = event.Path{"user_agent"}
	}
	under := func(p ...string) event.Path { return append(append(event.Path{}, target...), p...) }
	meta := func(p ...string) event.Path {
		return append(event.Path{event.MetadataKey, "filter", "user_agent"}, p...)
	}
	var paths [numFields]event.Path
	paths[fName] = under("name")
	paths[fDevice] = under("device", "name")
	paths[fVersion] = under("version")
	paths[fMajor] = meta("version", "major")
	paths[fMinor] = meta("version", "minor")
	paths[fPatch] = meta("version", "patch")
	paths[fOSMajor] = meta("os", "version", "major")
	paths[fOSMinor] = meta("os", "version", "minor")
	paths[fOSPatch] = meta("os", "version", "patch")
	paths[fOSVersion] = under("os", "version")
	paths[fOSName] = under("os", "name")
	paths[fOSFull] = under("os", "full")
	return paths
}

func loadRegexes(path string) (uaparser.RegexDefinitions, error) {
	var defs uaparser.RegexDefinitions
	data, err := os.ReadFile(path)
	if err != nil {
		return defs, fmt.Errorf("useragent: reading regexes: %w", err)
	}
	if err := yaml.Unmarshal(data, &defs); err != nil {
		return defs, fmt.Errorf("useragent: regexes %s: %w", path, err)
	}
	if len(defs.UA) == 0 && len(defs.OS) == 0 && len(defs.Device) == 0 {
		return defs, fmt.Errorf("useragent: regexes %s: no user_agent_parsers, os_parsers or device_parsers", path)
	}
	return defs, nil
}

// newParser turns uap-go's panic on a pattern RE2 rejects into an error.
func newParser(opts []uaparser.Option) (p *uaparser.Parser, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return uaparser.New(opts...)
}

func (f *filter) Apply(e *event.Event) bool {
	v, ok := e.Get(f.cfg.Source.Path)
	if ok && v.Kind() == event.KindArray {
		elems := v.Elems()
		ok = len(elems) > 0
		if ok {
			v = elems[0].Value
		}
	}
	if !ok || v.Kind() != event.KindString || v.Str() == "" {
		return true
	}
	// The parser caches by the string: copy it out of the event, whose
	// bytes do not outlive it.
	ua := strings.Clone(v.Str())
	// Three sequential lookups rather than Parser.Parse, which starts a
	// goroutine for each.
	agent, osys, dev := f.parser.ParseUserAgent(ua), f.parser.ParseOs(ua), f.parser.ParseDevice(ua)

	if f.removeSource {
		e.Delete(f.cfg.Source.Path)
	}
	// Empty strings are the groups the regex did not match (null in
	// Logstash's Java parser), which Logstash does not write.
	set := func(i int, s string) {
		if s != "" && f.paths[i] != nil {
			e.SetString(f.paths[i], s)
		}
	}
	set(fName, agent.Family)
	set(fDevice, dev.Family)
	set(fMajor, agent.Major)
	set(fMinor, agent.Minor)
	set(fPatch, agent.Patch)
	set(fVersion, agentVersion(ua, agent))
	set(fOSMajor, osys.Major)
	set(fOSMinor, osys.Minor)
	set(fOSPatch, osys.Patch)
	osVersion := osVersion(osys)
	set(fOSVersion, osVersion)
	if osys.Family != "" {
		set(fOSName, osys.Family)
		set(fOS, osys.Family)
		full := osys.Family
		if osVersion != "" {
			full += " " + osVersion
		}
		set(fOSFull, full)
	}
	return true
}

// agentVersion rebuilds the version string as Logstash's set_version does:
// major[.minor[.patch[.patch_minor]]]. uap-go does not return a patch
// minor, so it is taken, as Logstash's check_and_adjust_version does when
// its parser has none, from the digits that follow major.minor.patch and a
// dot in the user agent itself (Edg/89.0.774.50 gives 89.0.774.50).
func agentVersion(ua string, a *uaparser.UserAgent) string {
	if a.Major == "" {
		return ""
	}
	v := a.Major
	if a.Minor == "" {
		return v
	}
	v += "." + a.Minor
	if a.Patch == "" {
		return v
	}
	v += "." + a.Patch
	i := strings.Index(ua, v)
	if i < 0 {
		return v
	}
	rest := ua[i+len(v):]
	if len(rest) < 2 || rest[0] != '.' {
		return v
	}
	n := 1
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n > 1 && (n == len(rest) || rest[n] == ' ' || rest[n] == ')' || rest[n] == ';') {
		v += rest[:n]
	}
	return v
}

// osVersion rebuilds the OS version as Logstash's build_os_version does:
// a numeric major is joined to the minor with a dot, a named one (Windows
// "Vista") with a space.
func osVersion(o *uaparser.Os) string {
	if o.Major == "" {
		return ""
	}
	v := o.Major
	if o.Minor == "" {
		return v
	}
	sep := " "
	if isNumber(o.Major) {
		sep = "."
	}
	v += sep + o.Minor
	if o.Patch != "" {
		v += "." + o.Patch
		if o.PatchMinor != "" {
			v += "." + o.PatchMinor
		}
	}
	return v
}

// isNumber mirrors Ruby's major.to_i.to_s == major: digits without a
// leading zero (or "0").
func isNumber(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
