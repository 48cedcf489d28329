package logstash

import (
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/sprintf"
)

// outputItem converts an output plugin or conditional. Outputs have no
// branch flags: each output's when is the conjunction of its enclosing
// conditions, an else (or else if) the negation of every case before it.
func (c *conv) outputItem(it lsconf.Item, ctx string) {
	switch it := it.(type) {
	case *lsconf.Plugin:
		c.output(it, ctx)
	case *lsconf.Branch:
		var before []string
		for i, cs := range it.Cases {
			x, good := c.cond(cs.Cond)
			if !good {
				x = "false" // reported; the outputs are still checked
			}
			neg := make([]string, 0, len(before)+2)
			neg = append(neg, ctx)
			for _, b := range before {
				neg = append(neg, not(b))
			}
			c.outPath = append(c.outPath, arm{it, i})
			for _, sub := range cs.Items {
				c.outputItem(sub, and(append(neg, x)...))
			}
			c.outPath = c.outPath[:len(c.outPath)-1]
			before = append(before, x)
		}
		neg := []string{ctx}
		for _, b := range before {
			neg = append(neg, not(b))
		}
		c.outPath = append(c.outPath, arm{it, len(it.Cases)})
		for _, sub := range it.Else {
			c.outputItem(sub, and(neg...))
		}
		c.outPath = c.outPath[:len(c.outPath)-1]
	}
}

// arm is a case of a branch (len(Cases): its else).
type arm struct {
	branch *lsconf.Branch
	n      int
}

// exclusive reports whether outputs at the arms a and b can never take
// one event: they are in different arms of one branch.
func exclusive(a, b []arm) bool {
	for _, x := range a {
		for _, y := range b {
			if x.branch == y.branch && x.n != y.n {
				return true
			}
		}
	}
	return false
}

func (c *conv) output(p *lsconf.Plugin, when string) {
	var b *block
	switch p.Name {
	case "elasticsearch":
		b = c.elasticsearch(p)
	case "stdout":
		b = c.stdout(p)
	case "file":
		b = c.fileOutput(p)
	case "pipeline":
		b = c.pipelineOutput(p)
	case "http":
		b = c.httpOutput(p)
	default:
		c.errorf(p.Pos, "output %q is not supported by the conversion (supported: elasticsearch, stdout, file, http, pipeline)", p.Name)
		return
	}
	if b == nil {
		return
	}
	b.when = when
	c.outputs = append(c.outputs, b)
}

// outputID gives the block a unique id: the plugin's id, else its name
// (with a number from the second one on).
func (c *conv) outputID(o *opts, b *block) {
	b.id = uniqueID(c.shared.outputIDs, o, b.plugin)
}

func (c *conv) stdout(p *lsconf.Plugin) *block {
	o := c.options(p, "output")
	what := o.what()
	b := newBlock("stdout", p.Pos, what)
	c.outputID(o, b)
	codec, metadata := "rubydebug", false // Logstash's stdout default codec
	if a := o.get("codec"); a != nil {
		if name, pl, ok := codecPlugin(a.Value); ok {
			codec = name
			for _, at := range pluginAttrs(pl) {
				if at.Name == "metadata" && codec == "rubydebug" {
					if v, ok := scalar(at.Value); ok && (v == "true" || v == "false") {
						metadata = v == "true"
						continue
					}
				}
				c.errorf(at.Pos, "%s: codec %s: option %s is not supported", what, codec, at.Name)
			}
		}
	}
	switch codec {
	case "json_lines", "json":
		b.opts.set("codec", str("json_lines"))
		b.opts.set("with_data_stream", boolLit(false))
	case "rubydebug":
		b.opts.set("codec", str("rubydebug"))
		if metadata {
			b.opts.set("metadata", boolLit(true))
			c.printsMetadata = true
		}
	default:
		c.errorf(p.Pos, "%s: codec %q is not supported (rubydebug, json_lines, json)", what, codec)
	}
	c.streams().nonES = append(c.streams().nonES, p.Pos)
	o.finish(nil)
	return b
}

func (c *conv) fileOutput(p *lsconf.Plugin) *block {
	o := c.options(p, "output")
	what := o.what()
	b := newBlock("file", p.Pos, what)
	c.outputID(o, b)
	o.require("path")
	path, a, ok := o.str("path")
	if !ok {
		return nil
	}
	if t, err := sprintf.Parse(path); err == nil && !c.datesRender(t, a.Value.Position(), what+": path") {
		return nil
	}
	b.opts.set("path", str(path))
	if a := o.get("codec"); a != nil { // json_lines, the file output's default, when absent
		name, pl, _ := codecPlugin(a.Value)
		switch name {
		case "json_lines":
			for _, at := range pluginAttrs(pl) {
				c.errorf(at.Pos, "%s: codec json_lines: option %s is not supported", what, at.Name)
			}
		case "line":
			b.opts.set("codec", str("line"))
			for _, at := range pluginAttrs(pl) {
				if f, ok := scalar(at.Value); ok && at.Name == "format" {
					b.opts.set("format", str(f))
					continue
				}
				c.errorf(at.Pos, "%s: codec line: option %s is not supported (format is)", what, at.Name)
			}
		default:
			c.errorf(a.Value.Position(), "%s: codec %q is not supported (json_lines, line)", what, name)
		}
	}
	if f, _, ok := o.str("filename_failure"); ok {
		b.opts.set("filename_failure", str(f))
	}
	if v, ok := o.boolean("gzip"); ok && v {
		c.errorf(o.attrs["gzip"].Pos, "%s: gzip is not supported", what)
	}
	if m, a, ok := o.str("write_behavior"); ok && m != "append" {
		c.errorf(a.Value.Position(), "%s: write_behavior %q is not supported (ingestd appends)", what, m)
	}
	c.streams().nonES = append(c.streams().nonES, p.Pos)
	o.finish(map[string]string{
		"flush_interval":         "ingestd writes and syncs before acknowledging",
		"create_if_deleted":      "ingestd creates the files it needs",
		"dir_mode":               "file modes are ingestd's",
		"file_mode":              "file modes are ingestd's",
		"stale_cleanup_interval": "ingestd closes a file unused for 10s",
	})
	return b
}

// pipelineOutput converts a pipeline output (pipeline-to-pipeline): each
// address of send_to gets a copy of every event, acknowledged once every
// copy is written.
func (c *conv) pipelineOutput(p *lsconf.Plugin) *block {
	o := c.options(p, "output")
	what := o.what()
	b := newBlock("pipeline", p.Pos, what)
	c.outputID(o, b)
	o.require("send_to")
	addrs, a, ok := o.list("send_to")
	if !ok {
		return nil
	}
	if len(addrs) == 0 {
		c.errorf(a.Value.Position(), "%s: send_to names no address", what)
		return nil
	}
	at(b.opts.set("send_to", strSeq(addrs)), a, what)
	for _, addr := range addrs {
		c.sends = append(c.sends, busAddr{addr: addr, at: a.Value.Position()})
	}
	if v, given := o.boolean("ensure_delivery"); given {
		b.opts.set("ensure_delivery", boolLit(v))
	}
	c.streams().nonES = append(c.streams().nonES, p.Pos)
	o.finish(nil)
	return b
}

// httpOutput converts an http output (logstash-output-http). Its url,
// message, mapping and headers keep Logstash's sprintf text: ingestd's
// http output renders them with Logstash's semantics.
func (c *conv) httpOutput(p *lsconf.Plugin) *block {
	o := c.options(p, "output")
	what := o.what()
	b := newBlock("http", p.Pos, what)
	c.outputID(o, b)
	o.require("url", "http_method")
	u, a, ok := o.str("url")
	if !ok {
		return nil
	}
	at(b.opts.set("url", str(u)), a, what)
	if m, a, ok := o.str("http_method"); ok {
		switch m = strings.ToLower(m); m {
		case "put", "post", "patch", "delete", "get", "head":
			b.opts.set("http_method", str(m))
		default:
			c.errorf(a.Value.Position(), "%s: http_method %q: use put, post, patch, delete, get or head", what, m)
		}
	}
	format := "json"
	if f, a, ok := o.str("format"); ok {
		switch f {
		case "json", "json_batch", "message":
			format = f
			b.opts.set("format", str(f))
		default:
			c.errorf(a.Value.Position(), "%s: format %q is not supported (json, json_batch, message)", what, f)
		}
	}
	for _, name := range []string{"message", "content_type", "cacert"} {
		if s, _, ok := o.str(name); ok {
			b.opts.set(name, str(s))
		}
	}
	for _, name := range []string{"user", "password"} {
		if s, _, ok := o.str(name); ok {
			b.opts.set(name, c.secret(o, name, s))
		}
	}
	if cas, a, ok := o.list("ssl_certificate_authorities"); ok {
		if len(cas) != 1 || o.has("cacert") {
			c.errorf(a.Value.Position(), "%s: ssl_certificate_authorities: give one PEM file (it may hold several certificates)", what)
		} else {
			b.opts.set("cacert", str(cas[0]))
		}
	}
	if m, a, ok := o.str("ssl_verification_mode"); ok {
		switch m {
		case "full":
		case "none":
			b.opts.set("insecure_skip_verify", boolLit(true))
		default:
			c.errorf(a.Value.Position(), "%s: ssl_verification_mode %q: use full or none", what, m)
		}
	}
	for _, name := range []string{"mapping", "headers"} {
		entries, _, ok := o.hash(name)
		if !ok {
			continue
		}
		m := &ymap{}
		for _, e := range entries {
			s, ok := scalar(e.val)
			if !ok {
				c.errorf(e.val.Position(), "%s: %s %s: only string values are supported (no nested hashes or arrays)", what, name, e.key)
				continue
			}
			m.set(e.key, str(s))
		}
		b.opts.set(name, m)
	}
	if format == "json_batch" && hasRefs(u) {
		c.errorf(a.Value.Position(), "%s: url %q: with format json_batch Logstash sends the url as written, its references unrendered; ingestd refuses that url", what, u)
	}
	if v, given := o.boolean("retry_failed"); given {
		b.opts.set("retry_failed", boolLit(v))
	}
	for _, name := range []string{"retryable_codes", "ignorable_codes"} {
		codes, a, ok := o.list(name)
		if !ok {
			continue
		}
		seq := &yseq{flow: true}
		for _, code := range codes {
			if n, err := strconv.Atoi(code); err != nil || n < 100 || n > 599 {
				c.errorf(a.Value.Position(), "%s: %s: %q is not an HTTP status code", what, name, code)
				continue
			}
			seq.add(lit(code))
		}
		b.opts.set(name, seq)
	}
	if a := o.get("request_timeout"); a != nil {
		if text, whole, ok := numberOpt(a.Value); ok && whole {
			b.opts.set("request_timeout", str(text+"s"))
		} else {
			c.errorf(a.Value.Position(), "%s: request_timeout: expected a whole number of seconds", what)
		}
	}
	if a := o.get("pool_max"); a != nil {
		if text, whole, ok := numberOpt(a.Value); ok && whole {
			b.opts.set("pool_max", lit(text))
		} else {
			c.errorf(a.Value.Position(), "%s: pool_max: expected a whole number", what)
		}
	}
	c.streams().nonES = append(c.streams().nonES, p.Pos)
	o.finish(map[string]string{
		"automatic_retries":         "ingestd retries by retry_failed and retryable_codes, with backoff",
		"retry_non_idempotent":      "ingestd retries every failed request (an event is acknowledged only once the server took it)",
		"connect_timeout":           "request_timeout bounds the whole request",
		"socket_timeout":            "request_timeout bounds the whole request",
		"pool_max_per_route":        "pool_max bounds the requests in flight",
		"keepalive":                 "connections are kept alive",
		"cookies":                   "no cookies are kept",
		"follow_redirects":          "redirects are followed",
		"validate_after_inactivity": "connections are checked by Go's transport",
	})
	return b
}
