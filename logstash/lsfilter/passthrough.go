package lsfilter

import (
	"slices"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/fieldref"
)

// Filters whose ingestd plugin takes Logstash's option names: each option
// is copied under its name after a check of its kind.

// optKind is how a pass-through option is read and written.
type optKind int

const (
	optString     optKind = iota // a string, written as given
	optField                     // a field reference, written in ingestd's form
	optList                      // a list of strings (a single string is a list of one)
	optFieldNames                // a list of field references, written as given (see passOption)
	optBool                      // true or false
	optNumber                    // an integer or decimal, written as is
	optHash                      // a hash of string keys to strings or lists of strings
	optSeconds                   // a number of seconds, written as a duration
)

// passSpec describes a pass-through filter.
type passSpec struct {
	plugin string             // the ingestd filter
	opts   map[string]optKind // the options copied
	// source, when set, names the option whose field must be present for
	// the filter to do anything (its common options included), as the
	// Logstash plugin returns early without it.
	source string
	// fails says the plugin can fail (its common options apply only on
	// success); failTag is its default tag_on_failure, "" when Logstash
	// tags nothing on a failure (cidr without a match).
	fails    bool
	failTag  string
	ignored  map[string]string // options accepted without effect, and why
	required map[string]string // options ingestd needs where Logstash has a default, and why
	// ecs: the filter has Logstash's ecs_compatibility (field names); the
	// converted block always says which, Logstash 8's v8 by default.
	ecs bool
	// ecsTarget: the default target differs by ecs_compatibility (legacy,
	// then ECS); the converted block always names it.
	ecsTarget [2]string
}

func passThrough(spec passSpec) filterFunc {
	return func(c *conv, p *lsconf.Plugin) []*lsconv.Block {
		o := c.Options(p, "filter")
		what := o.What()
		b := lsconv.NewBlock(spec.plugin, p.Pos, what)
		c.filterID(o, b)
		applies := ""
		for _, name := range o.Order {
			kind, ok := spec.opts[name]
			if !ok {
				continue
			}
			c.passOption(o, b, name, kind)
			if name == spec.source {
				if ref, ok := b.Opts.Text(name); ok {
					path, _ := fieldref.Parse(ref)
					applies = lsconv.FieldExpr(path.Path) + " != nil"
				}
			}
		}
		for name, why := range spec.required {
			if !o.Has(name) {
				c.Errorf(p.Pos, "%s: option %s is required here: %s", what, name, why)
			}
		}
		var failTags []string
		if spec.failTag != "" {
			failTags = c.failTags(o, spec.failTag)
		}
		if spec.ecs {
			b.Opts.Set("ecs_compatibility", lsconv.Str(c.ECSMode(o)))
		}
		if t := spec.ecsTarget; t[0] != "" && !o.Has("target") {
			target := t[1]
			if c.ECSMode(o) == "disabled" {
				target = t[0]
			}
			b.Opts.Set("target", lsconv.Str(target))
		}
		common := c.commonSteps(o)
		o.Finish(spec.ignored)
		if spec.fails {
			return c.success([]*lsconv.Block{b}, what, failTags, common, applies)
		}
		out := []*lsconv.Block{b}
		for _, cb := range lsconv.PackSteps(common, p.Pos, what+" (on success)") {
			cb.When = applies
			out = append(out, cb)
		}
		return out
	}
}

// passOption copies one option into b.
func (c *conv) passOption(o *lsconv.Opts, b *lsconv.Block, name string, kind optKind) {
	what := o.What() + ": " + name
	switch kind {
	case optString:
		if s, _, ok := o.Str(name); ok {
			b.Opts.Set(name, lsconv.Str(s))
		}
	case optField:
		if s, a, ok := o.Str(name); ok {
			if ref, ok := c.FieldRef(s, a.Value.Position(), what); ok {
				b.Opts.Set(name, lsconv.Str(ref))
			}
		}
	case optList, optFieldNames:
		vals, a, ok := o.List(name)
		if !ok {
			return
		}
		if kind == optFieldNames {
			// The names as the config wrote them, not in ingestd's
			// bracketed form: fingerprint hashes them with
			// concatenate_sources ("|field1|test1|field2|test2|" in
			// logstash-filter-fingerprint's spec, from
			// "|#{k}|#{to_canonical_value(event.get(k))}" over
			// @source.sort), and sorts by them. ingestd reads a
			// reference Logstash accepts the same way; one it would
			// read otherwise is written in its form, with a warning.
			for i, v := range vals {
				ref, ok := c.FieldRef(v, a.Value.Position(), what)
				if !ok {
					return
				}
				if !readAlike(v, ref) {
					c.Warnf(a.Value.Position(), "%s: field %q is written %s for ingestd: a fingerprint of concatenated sources hashes that name, not Logstash's", what, v, ref)
					vals[i] = ref
				}
			}
		}
		b.Opts.Set(name, lsconv.StrSeq(vals))
	case optBool:
		if v, given := o.Boolean(name); given {
			b.Opts.Set(name, lsconv.Lit(map[bool]string{true: "true", false: "false"}[v]))
		}
	case optNumber:
		a := o.Get(name)
		if a == nil {
			return
		}
		text, _, ok := lsconv.NumberOpt(a.Value)
		if !ok {
			c.Errorf(a.Value.Position(), "%s: expected a number", what)
			return
		}
		b.Opts.Set(name, lsconv.Lit(text))
	case optSeconds:
		a := o.Get(name)
		if a == nil {
			return
		}
		text, whole, ok := lsconv.NumberOpt(a.Value)
		if !ok || !whole {
			c.Errorf(a.Value.Position(), "%s: expected a whole number of seconds", what)
			return
		}
		b.Opts.Set(name, lsconv.Str(text+"s"))
	case optHash:
		entries, _, ok := o.Hash(name)
		if !ok {
			return
		}
		m := &lsconv.YMap{}
		for _, e := range entries {
			vals, ok := c.StringList(e.Val, what+" "+e.Key)
			if !ok {
				return
			}
			if _, isArr := e.Val.(*lsconf.Array); isArr {
				m.Set(e.Key, lsconv.StrSeq(vals))
			} else {
				m.Set(e.Key, lsconv.Str(vals[0]))
			}
		}
		b.Opts.Set(name, m)
	}
}

// readAlike reports whether ingestd reads the reference as written as the
// field ref, its conversion.
func readAlike(written, ref string) bool {
	a, err := event.ParsePath(written)
	if err != nil {
		return false
	}
	b, err := event.ParsePath(ref)
	return err == nil && slices.Equal(a, b)
}

// passThroughs are the pass-through filters.
var passThroughs = map[string]passSpec{
	"geoip": {
		plugin: "geoip",
		opts: map[string]optKind{"source": optField, "target": optField, "database": optString, "fields": optList,
			"default_database_type": optString, "cache_size": optNumber},
		fails:    true,
		failTag:  "_geoip_lookup_failure",
		ecs:      true,
		required: map[string]string{"database": "ingestd does not ship the GeoLite2 databases Logstash bundles; download GeoLite2-City.mmdb (or -ASN) from MaxMind and give its path"},
	},
	"kv": {
		plugin: "kv",
		opts: map[string]optKind{"source": optField, "target": optField, "field_split": optString, "field_split_pattern": optString,
			"value_split": optString, "value_split_pattern": optString, "include_keys": optList, "exclude_keys": optList,
			"default_keys": optHash, "trim_key": optString, "trim_value": optString, "remove_char_key": optString,
			"remove_char_value": optString, "prefix": optString, "transform_key": optString, "transform_value": optString,
			"allow_duplicate_values": optBool, "allow_empty_values": optBool, "include_brackets": optBool, "recursive": optBool,
			"whitespace": optString, "timeout_millis": optNumber, "tag_on_timeout": optString},
		// kv returns early (no tag, no common options) without its source.
		source: "source", fails: true, failTag: "_kv_filter_error",
	},
	"csv": {
		plugin: "csv",
		opts: map[string]optKind{"source": optField, "target": optField, "columns": optList, "separator": optString,
			"quote_char": optString, "autogenerate_column_names": optBool, "autodetect_column_names": optBool,
			"skip_header": optBool, "skip_empty_columns": optBool, "skip_empty_rows": optBool, "convert": optHash},
		source: "source", fails: true, failTag: "_csvparsefailure",
	},
	"fingerprint": {
		plugin: "fingerprint",
		opts: map[string]optKind{"source": optFieldNames, "target": optField, "method": optString, "key": optString,
			"base64encode": optBool, "concatenate_sources": optBool, "concatenate_all_fields": optBool},
		// logstash-filter-fingerprint: target fingerprint, or [event][hash]
		// under ECS (Logstash 8's default).
		ecsTarget: [2]string{"fingerprint", "[event][hash]"},
	},
	"prune": {
		plugin: "prune",
		opts: map[string]optKind{"interpolate": optBool, "whitelist_names": optList, "blacklist_names": optList,
			"whitelist_values": optHash, "blacklist_values": optHash},
	},
	"cidr": {
		plugin: "cidr",
		opts: map[string]optKind{"address": optList, "network": optList, "network_path": optString,
			"refresh_interval": optSeconds, "separator": optString},
		// Its common options apply on a match only; a miss tags nothing.
		fails: true,
	},
	"useragent": {
		plugin: "useragent",
		opts: map[string]optKind{"source": optField, "target": optField, "prefix": optString, "regexes": optString,
			"lru_cache_size": optNumber},
		source: "source",
		ecs:    true,
	},
}

// split converts a split filter. Logstash applies the common options to
// each piece (filter_matched on every clone), never to an event left whole
// (one piece, or not splittable): the pieces carry a private mark that the
// common options are guarded by, removed after them.
func (c *conv) split(p *lsconf.Plugin) []*lsconv.Block {
	o, _, b := c.filterBlock(p, "split")
	for _, name := range o.Order {
		switch name {
		case "field", "target":
			c.passOption(o, b, name, optField)
		case "terminator":
			c.passOption(o, b, name, optString)
		}
	}
	common := c.commonSteps(o)
	o.Finish(nil)
	return c.onMark(b, common, "split", "each piece", "Logstash applies add_field, remove_field, add_tag and remove_tag to each piece split made, not to an event left whole")
}
