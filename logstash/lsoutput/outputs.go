package lsoutput

import (
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
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
			x, good := c.Cond(cs.Cond)
			if !good {
				x = "false" // reported; the outputs are still checked
			}
			neg := make([]string, 0, len(before)+2)
			neg = append(neg, ctx)
			for _, b := range before {
				neg = append(neg, lsconv.Not(b))
			}
			c.OutPath = append(c.OutPath, lsconv.Arm{Branch: it, Case: i})
			for _, sub := range cs.Items {
				c.outputItem(sub, lsconv.And(append(neg, x)...))
			}
			c.OutPath = c.OutPath[:len(c.OutPath)-1]
			before = append(before, x)
		}
		neg := []string{ctx}
		for _, b := range before {
			neg = append(neg, lsconv.Not(b))
		}
		c.OutPath = append(c.OutPath, lsconv.Arm{Branch: it, Case: len(it.Cases)})
		for _, sub := range it.Else {
			c.outputItem(sub, lsconv.And(neg...))
		}
		c.OutPath = c.OutPath[:len(c.OutPath)-1]
	}
}

// exclusive reports whether outputs at the arms a and b can never take
// one event: they are in different arms of one branch.
func exclusive(a, b []lsconv.Arm) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Branch == y.Branch && x.Case != y.Case {
				return true
			}
		}
	}
	return false
}

func (c *conv) output(p *lsconf.Plugin, when string) {
	var b *lsconv.Block
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
		c.Errorf(p.Pos, "output %q is not supported by the conversion (supported: elasticsearch, stdout, file, http, pipeline)", p.Name)
		return
	}
	if b == nil {
		return
	}
	b.When = when
	c.Outputs = append(c.Outputs, b)
}

// outputBlock reads an output's options and starts its block, with a
// unique id.
func (c *conv) outputBlock(p *lsconf.Plugin, plugin string) (*lsconv.Opts, string, *lsconv.Block) {
	o := c.Options(p, "output")
	what := o.What()
	b := lsconv.NewBlock(plugin, p.Pos, what)
	c.outputID(o, b)
	return o, what, b
}

// outputID gives the block a unique id: the plugin's id, else its name
// (with a number from the second one on).
func (c *conv) outputID(o *lsconv.Opts, b *lsconv.Block) {
	b.ID = lsconv.UniqueID(c.Shared.OutputIDs, o, b.Plugin)
}

func (c *conv) stdout(p *lsconf.Plugin) *lsconv.Block {
	o, what, b := c.outputBlock(p, "stdout")
	codec, metadata := "rubydebug", false // Logstash's stdout default codec
	if a := o.Get("codec"); a != nil {
		if name, pl, ok := lsconv.CodecPlugin(a.Value); ok {
			codec = name
			for _, at := range lsconv.PluginAttrs(pl) {
				if at.Name == "metadata" && codec == "rubydebug" {
					if v, ok := lsconv.Scalar(at.Value); ok && (v == "true" || v == "false") {
						metadata = v == "true"
						continue
					}
				}
				c.Errorf(at.Pos, "%s: codec %s: option %s is not supported", what, codec, at.Name)
			}
		}
	}
	switch codec {
	case "json_lines", "json":
		b.Opts.Set("codec", lsconv.Str("json_lines"))
		b.Opts.Set("with_data_stream", lsconv.BoolLit(false))
	case "rubydebug":
		b.Opts.Set("codec", lsconv.Str("rubydebug"))
		if metadata {
			b.Opts.Set("metadata", lsconv.BoolLit(true))
			c.PrintsMetadata = true
		}
	default:
		c.Errorf(p.Pos, "%s: codec %q is not supported (rubydebug, json_lines, json)", what, codec)
	}
	c.streams().NonES = append(c.streams().NonES, p.Pos)
	o.Finish(nil)
	return b
}

func (c *conv) fileOutput(p *lsconf.Plugin) *lsconv.Block {
	o, what, b := c.outputBlock(p, "file")
	o.Require("path")
	path, a, ok := o.Str("path")
	if !ok {
		return nil
	}
	if t, err := sprintf.Parse(path); err == nil && !c.DatesRender(t, a.Value.Position(), what+": path") {
		return nil
	}
	b.Opts.Set("path", lsconv.Str(path))
	if a := o.Get("codec"); a != nil { // json_lines, the file output's default, when absent
		name, pl, _ := lsconv.CodecPlugin(a.Value)
		switch name {
		case "json_lines":
			for _, at := range lsconv.PluginAttrs(pl) {
				c.Errorf(at.Pos, "%s: codec json_lines: option %s is not supported", what, at.Name)
			}
		case "line":
			b.Opts.Set("codec", lsconv.Str("line"))
			for _, at := range lsconv.PluginAttrs(pl) {
				if f, ok := lsconv.Scalar(at.Value); ok && at.Name == "format" {
					b.Opts.Set("format", lsconv.Str(f))
					continue
				}
				c.Errorf(at.Pos, "%s: codec line: option %s is not supported (format is)", what, at.Name)
			}
		default:
			c.Errorf(a.Value.Position(), "%s: codec %q is not supported (json_lines, line)", what, name)
		}
	}
	if f, _, ok := o.Str("filename_failure"); ok {
		b.Opts.Set("filename_failure", lsconv.Str(f))
	}
	if v, ok := o.Boolean("gzip"); ok && v {
		c.Errorf(o.Attrs["gzip"].Pos, "%s: gzip is not supported", what)
	}
	if m, a, ok := o.Str("write_behavior"); ok && m != "append" {
		c.Errorf(a.Value.Position(), "%s: write_behavior %q is not supported (ingestd appends)", what, m)
	}
	c.streams().NonES = append(c.streams().NonES, p.Pos)
	o.Finish(map[string]string{
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
func (c *conv) pipelineOutput(p *lsconf.Plugin) *lsconv.Block {
	o, what, b := c.outputBlock(p, "pipeline")
	o.Require("send_to")
	addrs, a, ok := o.List("send_to")
	if !ok {
		return nil
	}
	if len(addrs) == 0 {
		c.Errorf(a.Value.Position(), "%s: send_to names no address", what)
		return nil
	}
	lsconv.At(b.Opts.Set("send_to", lsconv.StrSeq(addrs)), a, what)
	for _, addr := range addrs {
		c.Sends = append(c.Sends, lsconv.BusAddr{Addr: addr, At: a.Value.Position()})
	}
	if v, given := o.Boolean("ensure_delivery"); given {
		b.Opts.Set("ensure_delivery", lsconv.BoolLit(v))
	}
	c.streams().NonES = append(c.streams().NonES, p.Pos)
	o.Finish(nil)
	return b
}

// httpOutput converts an http output (logstash-output-http). Its url,
// message, mapping and headers keep Logstash's sprintf text: ingestd's
// http output renders them with Logstash's semantics.
func (c *conv) httpOutput(p *lsconf.Plugin) *lsconv.Block {
	o, what, b := c.outputBlock(p, "http")
	o.Require("url", "http_method")
	u, a, ok := o.Str("url")
	if !ok {
		return nil
	}
	lsconv.At(b.Opts.Set("url", lsconv.Str(u)), a, what)
	if m, a, ok := o.Str("http_method"); ok {
		switch m = strings.ToLower(m); m {
		case "put", "post", "patch", "delete", "get", "head":
			b.Opts.Set("http_method", lsconv.Str(m))
		default:
			c.Errorf(a.Value.Position(), "%s: http_method %q: use put, post, patch, delete, get or head", what, m)
		}
	}
	format := "json"
	if f, a, ok := o.Str("format"); ok {
		switch f {
		case "json", "json_batch", "message":
			format = f
			b.Opts.Set("format", lsconv.Str(f))
		default:
			c.Errorf(a.Value.Position(), "%s: format %q is not supported (json, json_batch, message)", what, f)
		}
	}
	for _, name := range []string{"message", "content_type", "cacert"} {
		if s, _, ok := o.Str(name); ok {
			b.Opts.Set(name, lsconv.Str(s))
		}
	}
	for _, name := range []string{"user", "password"} {
		if s, _, ok := o.Str(name); ok {
			b.Opts.Set(name, c.secret(o, name, s))
		}
	}
	if cas, a, ok := o.List("ssl_certificate_authorities"); ok {
		if len(cas) != 1 || o.Has("cacert") {
			c.Errorf(a.Value.Position(), "%s: ssl_certificate_authorities: give one PEM file (it may hold several certificates)", what)
		} else {
			b.Opts.Set("cacert", lsconv.Str(cas[0]))
		}
	}
	if m, a, ok := o.Str("ssl_verification_mode"); ok {
		switch m {
		case "full":
		case "none":
			b.Opts.Set("insecure_skip_verify", lsconv.BoolLit(true))
		default:
			c.Errorf(a.Value.Position(), "%s: ssl_verification_mode %q: use full or none", what, m)
		}
	}
	for _, name := range []string{"mapping", "headers"} {
		entries, _, ok := o.Hash(name)
		if !ok {
			continue
		}
		m := &lsconv.YMap{}
		for _, e := range entries {
			s, ok := lsconv.Scalar(e.Val)
			if !ok {
				c.Errorf(e.Val.Position(), "%s: %s %s: only string values are supported (no nested hashes or arrays)", what, name, e.Key)
				continue
			}
			m.Set(e.Key, lsconv.Str(s))
		}
		b.Opts.Set(name, m)
	}
	if format == "json_batch" && lsconv.HasRefs(u) {
		c.Errorf(a.Value.Position(), "%s: url %q: with format json_batch Logstash sends the url as written, its references unrendered; ingestd refuses that url", what, u)
	}
	if v, given := o.Boolean("retry_failed"); given {
		b.Opts.Set("retry_failed", lsconv.BoolLit(v))
	}
	for _, name := range []string{"retryable_codes", "ignorable_codes"} {
		codes, a, ok := o.List(name)
		if !ok {
			continue
		}
		seq := &lsconv.YSeq{Flow: true}
		for _, code := range codes {
			if n, err := strconv.Atoi(code); err != nil || n < 100 || n > 599 {
				c.Errorf(a.Value.Position(), "%s: %s: %q is not an HTTP status code", what, name, code)
				continue
			}
			seq.Add(lsconv.Lit(code))
		}
		b.Opts.Set(name, seq)
	}
	if a := o.Get("request_timeout"); a != nil {
		if text, whole, ok := lsconv.NumberOpt(a.Value); ok && whole {
			b.Opts.Set("request_timeout", lsconv.Str(text+"s"))
		} else {
			c.Errorf(a.Value.Position(), "%s: request_timeout: expected a whole number of seconds", what)
		}
	}
	if a := o.Get("pool_max"); a != nil {
		if text, whole, ok := lsconv.NumberOpt(a.Value); ok && whole {
			b.Opts.Set("pool_max", lsconv.Lit(text))
		} else {
			c.Errorf(a.Value.Position(), "%s: pool_max: expected a whole number", what)
		}
	}
	c.streams().NonES = append(c.streams().NonES, p.Pos)
	o.Finish(map[string]string{
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
