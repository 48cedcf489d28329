package lsfilter

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
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

func (c *conv) grok(p *lsconf.Plugin) []*lsconv.Block {
	o, what, b := c.filterBlock(p, "grok")
	o.Require("match")
	entries, a, ok := o.Hash("match")
	composite := false // a pattern uses one whose captures ecs_compatibility changes
	if ok {
		m := &lsconv.YMap{}
		for _, e := range entries {
			ref, okRef := c.FieldRef(e.Key, e.At, what+": match")
			patterns, okPat := c.StringList(e.Val, what+": match "+e.Key)
			if !okRef || !okPat {
				continue
			}
			seq := &lsconv.YSeq{}
			for i, pat := range patterns {
				it := seq.Add(lsconv.Str(pat))
				if arr, isArr := e.Val.(*lsconf.Array); isArr {
					it.At = arr.Elems[i].Position()
				} else {
					it.At = e.Val.Position()
				}
				it.Label = what + " pattern"
				c.rubyRegexFeatures(pat, it.At, what)
				composite = composite || usesComposite(pat)
			}
			m.Set(ref, seq)
		}
		me := b.Opts.Set("match", m)
		me.At, me.Label = a.Pos, what
	}
	// The pattern set: Logstash 8's default is ECS (pipeline.ecs_compatibility
	// v8), which changes what the composite patterns (COMBINEDAPACHELOG,
	// SYSLOGLINE…) capture into.
	if !o.Has("ecs_compatibility") && c.Opts.ECSCompatibility == "" && composite {
		b.Comments = append(b.Comments, "no ecs_compatibility: Logstash 8's default, v8 (ECS field names); set it to disabled for the legacy names of Logstash 7")
	}
	ecs := c.ECSMode(o)
	b.Opts.Set("ecs_compatibility", lsconv.Str(ecs))
	if dirs, _, ok := o.List("patterns_dir"); ok {
		b.Opts.Set("patterns_dir", lsconv.StrSeq(dirs))
	}
	if glob, a, ok := o.Str("patterns_files_glob"); ok && glob != "*" {
		c.Errorf(a.Pos, "%s: option patterns_files_glob is not supported (ingestd reads every file of patterns_dir)", what)
	}
	if defs, _, ok := o.Hash("pattern_definitions"); ok {
		m := &lsconv.YMap{}
		for _, d := range defs {
			if v, ok := lsconv.Scalar(d.Val); ok {
				c.rubyRegexFeatures(v, d.Val.Position(), what)
				m.Set(d.Key, lsconv.Str(v))
			} else {
				c.Errorf(d.Val.Position(), "%s: pattern_definitions %s: expected a string", what, d.Key)
			}
		}
		b.Opts.Set("pattern_definitions", m)
	}
	if v, ok := o.Boolean("break_on_match"); ok {
		b.Opts.Set("break_on_match", lsconv.BoolLit(v))
	}
	if v, ok := o.Boolean("keep_empty_captures"); ok {
		b.Opts.Set("keep_empty_captures", lsconv.BoolLit(v))
	}
	if v, ok := o.Boolean("named_captures_only"); ok && !v {
		c.Errorf(o.Attrs["named_captures_only"].Pos, "%s: named_captures_only => false is not supported (ingestd stores named captures only)", what)
	}
	if fields, a, ok := o.List("overwrite"); ok {
		var refs []string
		for _, f := range fields {
			if r, ok := c.FieldRef(f, a.Value.Position(), what+": overwrite"); ok {
				refs = append(refs, r)
			}
		}
		b.Opts.Set("overwrite", lsconv.StrSeq(refs))
	}
	if t, a, ok := o.Str("target"); ok {
		if ref, ok := c.FieldRef(t, a.Value.Position(), what+": target"); ok {
			b.Opts.Set("target", lsconv.Str(ref))
		}
	}
	failTags := c.failTags(o, "_grokparsefailure")
	common := c.commonSteps(o)
	o.Finish(map[string]string{
		"timeout_millis": "ingestd's grok has no timeout: RE2 matches in linear time",
		"timeout_scope":  "ingestd's grok has no timeout",
		"tag_on_timeout": "ingestd's grok has no timeout",
	})
	return c.success([]*lsconv.Block{b}, what, failTags, common, "")
}

// rubyRegexFeatures reports the features of Ruby's regular expressions
// that RE2 lacks in a grok pattern, before %{...} expansion (the
// possessive quantifiers are left to the loader: %{NAME}+ is fine).
func (c *conv) rubyRegexFeatures(pat string, at lsconf.Pos, what string) {
	if strings.Contains(pat, `\\[`) || strings.Contains(pat, `\\]`) {
		// Written "\\[" in the .conf: without config.support_escapes the
		// string keeps both backslashes (lscl.rb), and the regex reads an
		// escaped backslash followed by a character class.
		c.Warnf(at, `%s: pattern %q has \\[ or \\]: Logstash keeps both backslashes (config.support_escapes is off), so this is a backslash followed by a character class, not a literal bracket; write \[ for a literal [ (Go's RE2 also refuses a [ nested in a class)`, what, pat)
	}
	plain := lsconv.WithoutEscapedBackslashes(pat)
	for _, f := range lsconv.RubyOnly {
		if strings.HasPrefix(f.Name, "possessive") {
			continue
		}
		if f.Re.MatchString(plain) {
			c.Errorf(at, "%s: pattern %q uses %s, which Ruby has and Go's RE2 does not", what, pat, f.Name)
			return
		}
	}
}

// failTags reads tag_on_failure (default def).
func (c *conv) failTags(o *lsconv.Opts, def string) []string {
	if tags, a, ok := o.List("tag_on_failure"); ok {
		for _, t := range tags {
			if hasTemplate(t) {
				c.Errorf(a.Pos, "%s: tag_on_failure %q: tags made from sprintf templates are not supported", o.What(), t)
			}
		}
		return tags
	}
	return []string{def}
}

func (c *conv) date(p *lsconf.Plugin) []*lsconv.Block {
	o, what, b := c.filterBlock(p, "date")
	applies := ""
	o.Require("match")
	if vals, a, ok := o.List("match"); ok {
		if len(vals) < 2 {
			c.Errorf(a.Pos, "%s: match needs a field and at least one format", what)
		} else if ref, ok := c.FieldRef(vals[0], a.Value.Position(), what+": match"); ok {
			for _, f := range vals[1:] {
				if f == "TAI64N" {
					c.Errorf(a.Value.Position(), "%s: format TAI64N is not supported by ingestd's date filter", what)
				}
			}
			me := b.Opts.Set("match", lsconv.StrSeq(append([]string{ref}, vals[1:]...)))
			me.At, me.Label = a.Pos, what
			// Logstash's date does nothing (no tag, no common options)
			// when the field is missing; ingestd's date neither.
			applies = lsconv.Present(ref)
		}
	}
	if t, a, ok := o.Str("target"); ok {
		if ref, ok := c.FieldRef(t, a.Value.Position(), what+": target"); ok {
			b.Opts.Set("target", lsconv.Str(ref))
		}
	}
	// Joda time: Logstash's date filter keeps milliseconds.
	b.Opts.Set("precision", lsconv.Str("ms"))
	if tz, a, ok := o.Str("timezone"); ok {
		if strings.Contains(tz, "%{") {
			// Logstash's date sprintfs the timezone per event.
			if t, ok := c.Template(tz, a.Value.Position(), what+": timezone"); ok {
				b.Opts.Set("timezone", lsconv.Str(t))
			}
		} else {
			b.Opts.Set("timezone", lsconv.Str(tz))
		}
	} else {
		b.Comments = append(b.Comments, "no timezone: Logstash reads times without an offset in the JVM's default zone; ingestd uses the pipeline's timezone (UTC)")
	}
	if loc, a, ok := o.Str("locale"); ok && !strings.HasPrefix(strings.ToLower(loc), "en") {
		c.Errorf(a.Value.Position(), "%s: locale %q is not supported (ingestd reads English month and day names)", what, loc)
	}
	failTags := c.failTags(o, "_dateparsefailure")
	common := c.commonSteps(o)
	o.Finish(nil)
	if applies == lsconv.Present("[@timestamp]") {
		// Logstash's @timestamp is a Timestamp, not a string: the date
		// filter's parsers refuse it (TextParserExecutor), so the event is
		// always tagged and left as it was.
		c.Warnf(p.Pos, "%s: match on @timestamp always fails in Logstash (the field is a timestamp, not text): the converted filter only adds the failure tags", what)
		fail := lsconv.NewBlock("mutate", p.Pos, what+" (always fails on @timestamp)")
		fail.When = applies
		fail.Opts.Set("add_tag", lsconv.StrSeq(failTags))
		if len(failTags) == 0 {
			return nil
		}
		return []*lsconv.Block{fail}
	}
	return c.success([]*lsconv.Block{b}, what, failTags, common, applies)
}

func (c *conv) json(p *lsconf.Plugin) []*lsconv.Block {
	o, what, b := c.filterBlock(p, "json")
	applies := ""
	o.Require("source")
	if src, a, ok := o.Str("source"); ok {
		if ref, ok := c.FieldRef(src, a.Value.Position(), what+": source"); ok {
			b.Opts.Set("source", lsconv.Str(ref))
			// Logstash's json does nothing when the source is missing,
			// null or false (return unless source).
			applies = lsconv.Truthy(lsconv.RefExpr(ref))
			b.When = applies
		}
	}
	hasTarget := false
	if t, a, ok := o.Str("target"); ok {
		if ref, ok := c.FieldRef(t, a.Value.Position(), what+": target"); ok {
			b.Opts.Set("target", lsconv.Str(ref))
			hasTarget = true
		}
	}
	failTags := c.failTags(o, "_jsonparsefailure")
	skip, _ := o.Boolean("skip_on_invalid_json")
	common := c.commonSteps(o)
	o.Finish(nil)
	if !skip {
		return c.success([]*lsconv.Block{b}, what, failTags, common, applies)
	}
	// Invalid JSON is skipped: no tag, no common options. Without a
	// target, a valid JSON text that is not an object is still a failure
	// in Logstash (tagged). ingestd's error_field tells the cases apart;
	// the common options run when it is not set.
	b.Opts.Set("tag_on_failure", lsconv.StrSeq(nil))
	errField := c.privateField("json")
	b.Opts.Set("error_field", lsconv.Str(errField))
	out := []*lsconv.Block{b}
	if !hasTarget {
		tag := lsconv.NewBlock("mutate", p.Pos, what+" (not an object)")
		tag.When = lsconv.And(applies, lsconv.RefExpr(errField)+` == "not_object"`)
		tag.Opts.Set("add_tag", lsconv.StrSeq(failTags))
		out = append(out, tag)
	}
	for _, cb := range lsconv.PackSteps(common, p.Pos, what+" (on success)") {
		cb.When = lsconv.And(applies, lsconv.RefExpr(errField)+" == nil")
		out = append(out, cb)
	}
	rm := lsconv.NewBlock("mutate", p.Pos, what+" (error field removed)")
	rm.When = lsconv.Present(errField)
	rm.Opts.Set("remove_field", lsconv.StrSeq([]string{errField}))
	return append(out, rm)
}

// dissect converts the dissect filter. Logstash's (JavaDissectorLibrary)
// skips a mapping whose field is missing without a tag and calls
// filter_matched unless a mapping failed; ingestd's tags a missing field,
// so each mapping becomes a dissect block that runs only when its field
// is there.
func (c *conv) dissect(p *lsconf.Plugin) []*lsconv.Block {
	o := c.Options(p, "filter")
	what := o.What()
	var mains []*lsconv.Block
	o.Require("mapping")
	entries, _, _ := o.Hash("mapping")
	var convert *lsconv.YMap
	if conv, _, ok := o.Hash("convert_datatype"); ok {
		convert = &lsconv.YMap{}
		for _, e := range conv {
			ref, okRef := c.FieldRef(e.Key, e.At, what+": convert_datatype")
			typ, _ := lsconv.Scalar(e.Val)
			switch typ {
			case "int", "float":
			default:
				c.Errorf(e.Val.Position(), "%s: convert_datatype %s: %q is not a dissect type (int, float)", what, e.Key, typ)
				okRef = false
			}
			if okRef {
				convert.Set(ref, lsconv.Str(typ))
			}
		}
	}
	for _, e := range entries {
		ref, okRef := c.FieldRef(e.Key, e.At, what+": mapping")
		pat, okPat := lsconv.Scalar(e.Val)
		if !okPat {
			c.Errorf(e.Val.Position(), "%s: mapping %s: expected a pattern string", what, e.Key)
		}
		if !okRef || !okPat {
			continue
		}
		b := lsconv.NewBlock("dissect", e.At, what)
		m := &lsconv.YMap{}
		m.Set(ref, lsconv.Str(pat))
		me := b.Opts.Set("mapping", m)
		me.At, me.Label = e.At, what
		b.When = lsconv.Present(ref)
		mains = append(mains, b)
	}
	if convert != nil && len(mains) > 0 {
		// Logstash converts after every mapping: with the last block.
		last := mains[len(mains)-1]
		last.Opts.Set("convert_datatype", convert)
		last.Comments = append(last.Comments, "convert_datatype: a value that does not convert is tagged _dataconversionuncoercible_<field>_<type> by Logstash (which still applies the common options); ingestd tags the dissect failure")
	}
	if len(mains) > 0 {
		c.filterID(o, mains[0])
	} else {
		o.Get("id")
	}
	failTags := c.failTags(o, "_dissectfailure")
	common := c.commonSteps(o)
	o.Finish(nil)
	return c.success(mains, what, failTags, common, "")
}

// translate converts the translate filter: an inline dictionary, exact
// (the default) or regex keys.
func (c *conv) translate(p *lsconf.Plugin) []*lsconv.Block {
	o, what, b := c.filterBlock(p, "translate")
	var src string
	srcAttr := o.Get("source")
	if srcAttr == nil {
		srcAttr = o.Get("field")
	}
	if srcAttr == nil {
		c.Errorf(p.Pos, "%s: option source is required", what)
	} else if s, ok := lsconv.Scalar(srcAttr.Value); ok {
		if ref, ok := c.FieldRef(s, srcAttr.Value.Position(), what+": source"); ok {
			src = ref
			b.Opts.Set("source", lsconv.Str(ref))
			// Logstash skips an event without the source field (no
			// fallback either); ingestd's translate would apply the
			// fallback.
			b.When = lsconv.Present(ref)
		}
	}
	tgtAttr := o.Get("target")
	if tgtAttr == nil {
		tgtAttr = o.Get("destination")
	}
	var target string
	if tgtAttr == nil {
		// translate.rb: @target ||= ecs_select[disabled: 'translation',
		// v1: @source]; Logstash 8 runs with ECS (v8) unless told not to.
		if c.ECSMode(o) == "disabled" {
			target = "[translation]"
		} else {
			target = src
		}
		if target != "" {
			b.Opts.Set("target", lsconv.Str(target))
		}
	} else if s, ok := lsconv.Scalar(tgtAttr.Value); ok {
		if ref, ok := c.FieldRef(s, tgtAttr.Value.Position(), what+": target"); ok {
			target = ref
			b.Opts.Set("target", lsconv.Str(ref))
		}
	}
	override, given := o.Boolean("override")
	if target != "" && target == src {
		// translate.rb: an in-place translation overrides unless told
		// otherwise, and "override => false" there is a configuration
		// error.
		if given && !override {
			c.Errorf(o.Attrs["override"].Pos, "%s: override => false with an in-place translation has no effect (Logstash refuses it too)", what)
		}
		override = true
	}
	b.Opts.Set("override", lsconv.BoolLit(override))
	exact, exactGiven := o.Boolean("exact")
	if exactGiven && !exact {
		c.Errorf(o.Attrs["exact"].Pos, "%s: exact => false (replacing the keys found inside the value) is not supported", what)
	}
	regex, _ := o.Boolean("regex")
	if path, a, ok := o.Str("dictionary_path"); ok {
		if regex {
			c.Errorf(a.Pos, "%s: dictionary_path with regex => true is not supported (the file's keys are matched exactly)", what)
		} else {
			b.Opts.Set("dictionary_path", lsconv.Str(path))
		}
		if secs, ra, ok := o.Str("refresh_interval"); ok {
			if n, err := strconv.Atoi(secs); err == nil && n >= 0 {
				b.Opts.Set("refresh_interval", lsconv.Str(fmt.Sprintf("%ds", n)))
			} else {
				c.Errorf(ra.Value.Position(), "%s: refresh_interval %q: expected seconds", what, secs)
			}
		}
	}
	if entries, _, ok := o.Hash("dictionary"); ok {
		if regex {
			rules := &lsconv.YSeq{}
			for _, e := range entries {
				val, ok := lsconv.Scalar(e.Val)
				if !ok {
					c.Errorf(e.Val.Position(), "%s: dictionary %s: expected a string value", what, e.Key)
					continue
				}
				re, ok := c.Regex(e.Key, e.At, what+": dictionary")
				if !ok || target == "" {
					continue
				}
				rule := &lsconv.YMap{}
				rule.Set("regex", lsconv.Str(re))
				set := &lsconv.YMap{}
				// ingestd expands $1 in rule values; Logstash's are plain.
				set.Set(target, lsconv.Str(strings.ReplaceAll(val, "$", "$$")))
				rule.Set("set", set)
				rules.Add(rule)
			}
			b.Opts.Set("rules", rules)
		} else {
			dict := &lsconv.YMap{}
			for _, e := range entries {
				val, ok := lsconv.Scalar(e.Val)
				if !ok {
					if _, isArr := e.Val.(*lsconf.Array); isArr {
						c.Errorf(e.Val.Position(), "%s: dictionary key %q is given twice with different values (Logstash would translate it to an array of both); keep one", what, e.Key)
					} else {
						c.Errorf(e.Val.Position(), "%s: dictionary %s: expected a string value", what, e.Key)
					}
					continue
				}
				dict.Set(e.Key, lsconv.Str(val))
			}
			b.Opts.Set("dictionary", dict)
		}
	}
	if fb, a, ok := o.Str("fallback"); ok && target != "" {
		// translate.rb: event.sprintf(@fallback); ingestd's translate
		// renders a fallback's references the same way.
		if t, ok := c.MutateTemplate(fb, a.Value.Position(), what+": fallback"); ok {
			m := &lsconv.YMap{}
			m.Set(target, lsconv.Str(t))
			b.Opts.Set("fallback", m)
		}
	}
	if a := o.Get("iterate_on"); a != nil {
		c.Errorf(a.Pos, "%s: option iterate_on is not supported", what)
	}
	common := c.commonSteps(o)
	o.Finish(map[string]string{
		"refresh_interval":                 "no dictionary file",
		"refresh_behaviour":                "ingestd replaces the whole dictionary when the file changes",
		"yaml_dictionary_code_point_limit": "no dictionary file",
	})
	if target != "" && target == src && override {
		// translate.rb: filter_matched(event) if @updater.update(event) ||
		// @source == @target. Translating in place, the common options
		// apply whenever the filter ran (the source present), translated
		// or not.
		out := []*lsconv.Block{b}
		for _, cb := range lsconv.PackSteps(common, b.At, b.Label+" (it ran)") {
			cb.When = b.When
			out = append(out, cb)
		}
		return out
	}
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
