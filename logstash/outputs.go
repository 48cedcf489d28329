package logstash

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
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
		for _, cs := range it.Cases {
			x, good := c.cond(cs.Cond)
			if !good {
				x = "false" // reported; the outputs are still checked
			}
			neg := make([]string, 0, len(before)+2)
			neg = append(neg, ctx)
			for _, b := range before {
				neg = append(neg, not(b))
			}
			for _, sub := range cs.Items {
				c.outputItem(sub, and(append(neg, x)...))
			}
			before = append(before, x)
		}
		neg := []string{ctx}
		for _, b := range before {
			neg = append(neg, not(b))
		}
		for _, sub := range it.Else {
			c.outputItem(sub, and(neg...))
		}
	}
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
	default:
		c.errorf(p.Pos, "output %q is not supported by the conversion (supported: elasticsearch, stdout, file, pipeline)", p.Name)
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
	id := b.plugin
	if s, _, ok := o.str("id"); ok && s != "" {
		id = s
	}
	c.shared.outputIDs[id]++
	if n := c.shared.outputIDs[id]; n > 1 {
		id = id + "_" + strconv.Itoa(n)
	}
	b.id = id
}

func (c *conv) stdout(p *lsconf.Plugin) *block {
	o := c.options(p, "output")
	what := o.what()
	b := newBlock("stdout", p.Pos, what)
	c.outputID(o, b)
	b.opts.set("with_data_stream", boolLit(false))
	codec := "rubydebug"
	if a := o.get("codec"); a != nil {
		if name, pl, ok := codecPlugin(a.Value); ok {
			codec = name
			for _, at := range pluginAttrs(pl) {
				if at.Name == "metadata" {
					c.warnf(at.Pos, "%s: codec %s: metadata is ignored (ingestd never prints @metadata)", what, codec)
					continue
				}
				c.errorf(at.Pos, "%s: codec %s: option %s is not supported", what, codec, at.Name)
			}
		}
	}
	switch codec {
	case "json_lines", "json":
	case "rubydebug":
		c.warnf(p.Pos, "%s: the rubydebug codec prints Ruby-style text; ingestd prints one JSON document per line", what)
	default:
		c.errorf(p.Pos, "%s: codec %q is not supported (rubydebug and json_lines print JSON lines)", what, codec)
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
	path, a, ok := o.str("path")
	switch {
	case !ok && a == nil:
		c.errorf(p.Pos, "%s: option path is required", what)
		return nil
	case !ok:
		return nil
	}
	dir := filepath.Dir(path)
	if strings.Contains(dir, "%{") {
		c.errorf(a.Value.Position(), "%s: path %q: a directory made from sprintf references is not supported (ingestd writes <dir>/<data stream>.ndjson)", what, path)
		return nil
	}
	b.opts.set("dir", str(dir))
	c.warnf(a.Value.Position(), "%s: path %q: ingestd writes one file per data stream, %s/<data stream>.ndjson", what, path, dir)
	if a := o.get("codec"); a != nil {
		if name, pl, _ := codecPlugin(a.Value); name != "json_lines" || len(pluginAttrs(pl)) > 0 {
			c.errorf(a.Value.Position(), "%s: only the json_lines codec is supported (ingestd writes NDJSON)", what)
		}
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
		"stale_cleanup_interval": "ingestd keeps its files open",
		"filename_failure":       "no path template",
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
	addrs, a, ok := o.list("send_to")
	switch {
	case !ok && a == nil:
		c.errorf(p.Pos, "%s: option send_to is required", what)
		return nil
	case !ok:
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
