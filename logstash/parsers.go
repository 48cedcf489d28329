package logstash

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// The parsing filters (grok, date, json, dissect) succeed or fail; their
// common options apply on success only (see success in common.go).

// ecsPatterns are grok patterns whose captures differ between Logstash's
// ECS pattern set (the default in Logstash 8, ecs_compatibility v8) and
// the legacy one.
var ecsPatterns = map[string]bool{
	"COMMONAPACHELOG": true, "COMBINEDAPACHELOG": true, "HTTPD_COMMONLOG": true, "HTTPD_COMBINEDLOG": true,
	"HTTPD_ERRORLOG": true, "HTTPD20_ERRORLOG": true, "HTTPD24_ERRORLOG": true,
	"SYSLOGBASE": true, "SYSLOGLINE": true, "SYSLOG5424BASE": true, "SYSLOG5424LINE": true, "SYSLOGPAMSESSION": true, "CRONLOG": true,
	"NAGIOSLOGLINE": true, "RAILS3": true, "RUBY_LOGGER": true, "REDISLOG": true, "MONGO_LOG": true, "MONGO3_LOG": true,
	"TOMCATLOG": true, "CATALINALOG": true, "SQUID3": true, "HAPROXYHTTP": true, "HAPROXYTCP": true,
	"ELB_ACCESS_LOG": true, "S3_ACCESS_LOG": true, "CLOUDFRONT_ACCESS_LOG": true, "NETSCREENSESSIONLOG": true,
}

var grokRef = regexp.MustCompile(`%\{(\w+)(?::[^}]*)?\}`)

func (c *conv) grok(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	b := newBlock("grok", p.Pos, what)
	c.filterID(o, b)
	o.require("match")
	entries, a, ok := o.hash("match")
	composite := false // a pattern uses one whose captures ecs_compatibility changes
	if ok {
		m := &ymap{}
		for _, e := range entries {
			ref, okRef := c.fieldRef(e.key, e.at, what+": match")
			patterns, okPat := c.stringList(e.val, what+": match "+e.key)
			if !okRef || !okPat {
				continue
			}
			seq := &yseq{}
			for i, pat := range patterns {
				it := seq.add(str(pat))
				if arr, isArr := e.val.(*lsconf.Array); isArr {
					it.at = arr.Elems[i].Position()
				} else {
					it.at = e.val.Position()
				}
				it.label = what + " pattern"
				c.rubyRegexFeatures(pat, it.at, what)
				composite = composite || usesComposite(pat)
			}
			m.set(ref, seq)
		}
		me := b.opts.set("match", m)
		me.at, me.label = a.Pos, what
	}
	// The pattern set: Logstash 8's default is ECS (pipeline.ecs_compatibility
	// v8), which changes what the composite patterns (COMBINEDAPACHELOG,
	// SYSLOGLINE…) capture into.
	if !o.has("ecs_compatibility") && c.opts.ECSCompatibility == "" && composite {
		b.comments = append(b.comments, "no ecs_compatibility: Logstash 8's default, v8 (ECS field names); set it to disabled for the legacy names of Logstash 7")
	}
	ecs := c.ecsMode(o)
	b.opts.set("ecs_compatibility", str(ecs))
	if dirs, _, ok := o.list("patterns_dir"); ok {
		b.opts.set("patterns_dir", strSeq(dirs))
	}
	if glob, a, ok := o.str("patterns_files_glob"); ok && glob != "*" {
		c.errorf(a.Pos, "%s: option patterns_files_glob is not supported (ingestd reads every file of patterns_dir)", what)
	}
	if defs, _, ok := o.hash("pattern_definitions"); ok {
		m := &ymap{}
		for _, d := range defs {
			if v, ok := scalar(d.val); ok {
				c.rubyRegexFeatures(v, d.val.Position(), what)
				m.set(d.key, str(v))
			} else {
				c.errorf(d.val.Position(), "%s: pattern_definitions %s: expected a string", what, d.key)
			}
		}
		b.opts.set("pattern_definitions", m)
	}
	if v, ok := o.boolean("break_on_match"); ok {
		b.opts.set("break_on_match", boolLit(v))
	}
	if v, ok := o.boolean("keep_empty_captures"); ok {
		b.opts.set("keep_empty_captures", boolLit(v))
	}
	if v, ok := o.boolean("named_captures_only"); ok && !v {
		c.errorf(o.attrs["named_captures_only"].Pos, "%s: named_captures_only => false is not supported (ingestd stores named captures only)", what)
	}
	if fields, a, ok := o.list("overwrite"); ok {
		var refs []string
		for _, f := range fields {
			if r, ok := c.fieldRef(f, a.Value.Position(), what+": overwrite"); ok {
				refs = append(refs, r)
			}
		}
		b.opts.set("overwrite", strSeq(refs))
	}
	if t, a, ok := o.str("target"); ok {
		if ref, ok := c.fieldRef(t, a.Value.Position(), what+": target"); ok {
			b.opts.set("target", str(ref))
		}
	}
	failTags := c.failTags(o, "_grokparsefailure")
	common := c.commonSteps(o)
	o.finish(map[string]string{
		"timeout_millis": "ingestd's grok has no timeout: RE2 matches in linear time",
		"timeout_scope":  "ingestd's grok has no timeout",
		"tag_on_timeout": "ingestd's grok has no timeout",
	})
	return c.success([]*block{b}, what, failTags, common, "")
}

// rubyRegexFeatures reports the features of Ruby's regular expressions
// that RE2 lacks in a grok pattern, before %{...} expansion (the
// possessive quantifiers are left to the loader: %{NAME}+ is fine).
func (c *conv) rubyRegexFeatures(pat string, at lsconf.Pos, what string) {
	if strings.Contains(pat, `\\[`) || strings.Contains(pat, `\\]`) {
		// Written "\\[" in the .conf: without config.support_escapes the
		// string keeps both backslashes (lscl.rb), and the regex reads an
		// escaped backslash followed by a character class.
		c.warnf(at, `%s: pattern %q has \\[ or \\]: Logstash keeps both backslashes (config.support_escapes is off), so this is a backslash followed by a character class, not a literal bracket; write \[ for a literal [ (Go's RE2 also refuses a [ nested in a class)`, what, pat)
	}
	plain := withoutEscapedBackslashes(pat)
	for _, f := range rubyOnly {
		if strings.HasPrefix(f.name, "possessive") {
			continue
		}
		if f.re.MatchString(plain) {
			c.errorf(at, "%s: pattern %q uses %s, which Ruby has and Go's RE2 does not", what, pat, f.name)
			return
		}
	}
}

// failTags reads tag_on_failure (default def).
func (c *conv) failTags(o *opts, def string) []string {
	if tags, a, ok := o.list("tag_on_failure"); ok {
		for _, t := range tags {
			if hasTemplate(t) {
				c.errorf(a.Pos, "%s: tag_on_failure %q: tags made from sprintf templates are not supported", o.what(), t)
			}
		}
		return tags
	}
	return []string{def}
}

func (c *conv) date(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	b := newBlock("date", p.Pos, what)
	c.filterID(o, b)
	applies := ""
	o.require("match")
	if vals, a, ok := o.list("match"); ok {
		if len(vals) < 2 {
			c.errorf(a.Pos, "%s: match needs a field and at least one format", what)
		} else if ref, ok := c.fieldRef(vals[0], a.Value.Position(), what+": match"); ok {
			for _, f := range vals[1:] {
				if f == "TAI64N" {
					c.errorf(a.Value.Position(), "%s: format TAI64N is not supported by ingestd's date filter", what)
				}
			}
			me := b.opts.set("match", strSeq(append([]string{ref}, vals[1:]...)))
			me.at, me.label = a.Pos, what
			// Logstash's date does nothing (no tag, no common options)
			// when the field is missing; ingestd's date neither.
			applies = present(ref)
		}
	}
	if t, a, ok := o.str("target"); ok {
		if ref, ok := c.fieldRef(t, a.Value.Position(), what+": target"); ok {
			b.opts.set("target", str(ref))
		}
	}
	if tz, a, ok := o.str("timezone"); ok {
		if strings.Contains(tz, "%{") {
			c.errorf(a.Value.Position(), "%s: a timezone from a sprintf template is not supported", what)
		} else {
			b.opts.set("timezone", str(tz))
		}
	} else {
		b.comments = append(b.comments, "no timezone: Logstash reads times without an offset in the JVM's default zone; ingestd uses the pipeline's timezone (UTC)")
	}
	if loc, a, ok := o.str("locale"); ok && !strings.HasPrefix(strings.ToLower(loc), "en") {
		c.errorf(a.Value.Position(), "%s: locale %q is not supported (ingestd reads English month and day names)", what, loc)
	}
	failTags := c.failTags(o, "_dateparsefailure")
	common := c.commonSteps(o)
	o.finish(nil)
	if applies == present("[@timestamp]") {
		// Logstash's @timestamp is a Timestamp, not a string: the date
		// filter's parsers refuse it (TextParserExecutor), so the event is
		// always tagged and left as it was.
		c.warnf(p.Pos, "%s: match on @timestamp always fails in Logstash (the field is a timestamp, not text): the converted filter only adds the failure tags", what)
		fail := newBlock("mutate", p.Pos, what+" (always fails on @timestamp)")
		fail.when = applies
		fail.opts.set("add_tag", strSeq(failTags))
		if len(failTags) == 0 {
			return nil
		}
		return []*block{fail}
	}
	return c.success([]*block{b}, what, failTags, common, applies)
}

func (c *conv) json(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	b := newBlock("json", p.Pos, what)
	c.filterID(o, b)
	applies := ""
	o.require("source")
	if src, a, ok := o.str("source"); ok {
		if ref, ok := c.fieldRef(src, a.Value.Position(), what+": source"); ok {
			b.opts.set("source", str(ref))
			// Logstash's json does nothing when the source is missing,
			// null or false (return unless source).
			applies = truthy(refExpr(ref))
			b.when = applies
		}
	}
	hasTarget := false
	if t, a, ok := o.str("target"); ok {
		if ref, ok := c.fieldRef(t, a.Value.Position(), what+": target"); ok {
			b.opts.set("target", str(ref))
			hasTarget = true
		}
	}
	failTags := c.failTags(o, "_jsonparsefailure")
	skip, _ := o.boolean("skip_on_invalid_json")
	common := c.commonSteps(o)
	o.finish(nil)
	if !skip {
		return c.success([]*block{b}, what, failTags, common, applies)
	}
	// Invalid JSON is skipped: no tag, no common options. Without a
	// target, a valid JSON text that is not an object is still a failure
	// in Logstash (tagged). ingestd's error_field tells the cases apart;
	// the common options run when it is not set.
	b.opts.set("tag_on_failure", strSeq(nil))
	errField := c.privateField("json")
	b.opts.set("error_field", str(errField))
	out := []*block{b}
	if !hasTarget {
		tag := newBlock("mutate", p.Pos, what+" (not an object)")
		tag.when = and(applies, refExpr(errField)+` == "not_object"`)
		tag.opts.set("add_tag", strSeq(failTags))
		out = append(out, tag)
	}
	for _, cb := range packSteps(common, p.Pos, what+" (on success)") {
		cb.when = and(applies, refExpr(errField)+" == nil")
		out = append(out, cb)
	}
	rm := newBlock("mutate", p.Pos, what+" (error field removed)")
	rm.when = present(errField)
	rm.opts.set("remove_field", strSeq([]string{errField}))
	return append(out, rm)
}

// dissect converts the dissect filter. Logstash's (JavaDissectorLibrary)
// skips a mapping whose field is missing without a tag and calls
// filter_matched unless a mapping failed; ingestd's tags a missing field,
// so each mapping becomes a dissect block that runs only when its field
// is there.
func (c *conv) dissect(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	var mains []*block
	o.require("mapping")
	entries, _, _ := o.hash("mapping")
	var convert *ymap
	if conv, _, ok := o.hash("convert_datatype"); ok {
		convert = &ymap{}
		for _, e := range conv {
			ref, okRef := c.fieldRef(e.key, e.at, what+": convert_datatype")
			typ, _ := scalar(e.val)
			switch typ {
			case "int", "float":
			default:
				c.errorf(e.val.Position(), "%s: convert_datatype %s: %q is not a dissect type (int, float)", what, e.key, typ)
				okRef = false
			}
			if okRef {
				convert.set(ref, str(typ))
			}
		}
	}
	for _, e := range entries {
		ref, okRef := c.fieldRef(e.key, e.at, what+": mapping")
		pat, okPat := scalar(e.val)
		if !okPat {
			c.errorf(e.val.Position(), "%s: mapping %s: expected a pattern string", what, e.key)
		}
		if !okRef || !okPat {
			continue
		}
		b := newBlock("dissect", e.at, what)
		m := &ymap{}
		m.set(ref, str(pat))
		me := b.opts.set("mapping", m)
		me.at, me.label = e.at, what
		b.when = present(ref)
		mains = append(mains, b)
	}
	if convert != nil && len(mains) > 0 {
		// Logstash converts after every mapping: with the last block.
		last := mains[len(mains)-1]
		last.opts.set("convert_datatype", convert)
		last.comments = append(last.comments, "convert_datatype: a value that does not convert is tagged _dataconversionuncoercible_<field>_<type> by Logstash (which still applies the common options); ingestd tags the dissect failure")
	}
	if len(mains) > 0 {
		c.filterID(o, mains[0])
	} else {
		o.get("id")
	}
	failTags := c.failTags(o, "_dissectfailure")
	common := c.commonSteps(o)
	o.finish(nil)
	return c.success(mains, what, failTags, common, "")
}

// translate converts the translate filter: an inline dictionary, exact
// (the default) or regex keys.
func (c *conv) translate(p *lsconf.Plugin) []*block {
	o := c.options(p, "filter")
	what := o.what()
	b := newBlock("translate", p.Pos, what)
	c.filterID(o, b)
	var src string
	srcAttr := o.get("source")
	if srcAttr == nil {
		srcAttr = o.get("field")
	}
	if srcAttr == nil {
		c.errorf(p.Pos, "%s: option source is required", what)
	} else if s, ok := scalar(srcAttr.Value); ok {
		if ref, ok := c.fieldRef(s, srcAttr.Value.Position(), what+": source"); ok {
			src = ref
			b.opts.set("source", str(ref))
			// Logstash skips an event without the source field (no
			// fallback either); ingestd's translate would apply the
			// fallback.
			b.when = present(ref)
		}
	}
	tgtAttr := o.get("target")
	if tgtAttr == nil {
		tgtAttr = o.get("destination")
	}
	var target string
	if tgtAttr == nil {
		c.errorf(p.Pos, "%s: give target explicitly: Logstash's default depends on ecs_compatibility (the source field itself, or \"translation\")", what)
	} else if s, ok := scalar(tgtAttr.Value); ok {
		if ref, ok := c.fieldRef(s, tgtAttr.Value.Position(), what+": target"); ok {
			target = ref
			b.opts.set("target", str(ref))
		}
	}
	override, given := o.boolean("override")
	if !given && target != "" && target == src {
		c.errorf(tgtAttr.Pos, "%s: target is the source field: give override explicitly (its default for an in-place translation depends on the Logstash version)", what)
	}
	b.opts.set("override", boolLit(override))
	exact, exactGiven := o.boolean("exact")
	if exactGiven && !exact {
		c.errorf(o.attrs["exact"].Pos, "%s: exact => false (replacing the keys found inside the value) is not supported", what)
	}
	regex, _ := o.boolean("regex")
	if path, a, ok := o.str("dictionary_path"); ok {
		if regex {
			c.errorf(a.Pos, "%s: dictionary_path with regex => true is not supported (the file's keys are matched exactly)", what)
		} else {
			b.opts.set("dictionary_path", str(path))
		}
		if secs, ra, ok := o.str("refresh_interval"); ok {
			if n, err := strconv.Atoi(secs); err == nil && n >= 0 {
				b.opts.set("refresh_interval", str(fmt.Sprintf("%ds", n)))
			} else {
				c.errorf(ra.Value.Position(), "%s: refresh_interval %q: expected seconds", what, secs)
			}
		}
	}
	if entries, _, ok := o.hash("dictionary"); ok {
		if regex {
			rules := &yseq{}
			for _, e := range entries {
				val, ok := scalar(e.val)
				if !ok {
					c.errorf(e.val.Position(), "%s: dictionary %s: expected a string value", what, e.key)
					continue
				}
				re, ok := c.regex(e.key, e.at, what+": dictionary")
				if !ok || target == "" {
					continue
				}
				rule := &ymap{}
				rule.set("regex", str(re))
				set := &ymap{}
				// ingestd expands $1 in rule values; Logstash's are plain.
				set.set(target, str(strings.ReplaceAll(val, "$", "$$")))
				rule.set("set", set)
				rules.add(rule)
			}
			b.opts.set("rules", rules)
		} else {
			dict := &ymap{}
			for _, e := range entries {
				val, ok := scalar(e.val)
				if !ok {
					if _, isArr := e.val.(*lsconf.Array); isArr {
						c.errorf(e.val.Position(), "%s: dictionary key %q is given twice with different values (Logstash would translate it to an array of both); keep one", what, e.key)
					} else {
						c.errorf(e.val.Position(), "%s: dictionary %s: expected a string value", what, e.key)
					}
					continue
				}
				dict.set(e.key, str(val))
			}
			b.opts.set("dictionary", dict)
		}
	}
	if fb, a, ok := o.str("fallback"); ok && target != "" {
		// translate.rb: event.sprintf(@fallback); ingestd's translate
		// renders a fallback's references the same way.
		if t, ok := c.mutateTemplate(fb, a.Value.Position(), what+": fallback"); ok {
			m := &ymap{}
			m.set(target, str(t))
			b.opts.set("fallback", m)
		}
	}
	if a := o.get("iterate_on"); a != nil {
		c.errorf(a.Pos, "%s: option iterate_on is not supported", what)
	}
	common := c.commonSteps(o)
	o.finish(map[string]string{
		"refresh_interval":                 "no dictionary file",
		"refresh_behaviour":                "ingestd replaces the whole dictionary when the file changes",
		"yaml_dictionary_code_point_limit": "no dictionary file",
	})
	b.comments = append(b.comments, "Logstash reads the first element of an array source; ingestd its JSON text")
	// Logstash's translate calls filter_matched when a dictionary entry or
	// the fallback wrote the target.
	return c.onMark(b, common, "translated", "a translation", "Logstash applies add_field, remove_field, add_tag and remove_tag when the filter translated (or applied its fallback)")
}

// usesComposite reports whether a grok pattern uses a pattern whose
// captures differ between the legacy and the ECS sets.
func usesComposite(pattern string) bool {
	for _, ref := range grokRef.FindAllStringSubmatch(pattern, -1) {
		if ecsPatterns[ref[1]] {
			return true
		}
	}
	return false
}
