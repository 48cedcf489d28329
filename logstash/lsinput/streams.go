package lsinput

import (
	"net"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// The tcp and udp inputs (logstash-input-tcp, logstash-input-udp), on
// ingestd's inputs of the same names: the same codecs, the same fields
// (ECS by default, as in Logstash 8, or the legacy host and port), no
// acknowledgement in either.

// streamInput converts a tcp or udp input.
func (c *conv) streamInput(p *lsconf.Plugin) *lsconv.Decoration {
	o := c.Options(p, "input")
	what := o.What()
	id := c.inputID(o)
	in := c.listenOptions(o, p, id)
	if a := o.Get("codec"); a != nil {
		name, delimiter := c.codecOf(a.Value, what)
		switch name {
		case "plain", "line", "json", "json_lines":
			in.Set("codec", lsconv.Str(name))
			if delimiter != "" {
				in.Set("delimiter", lsconv.Str(delimiter))
			}
		default:
			c.Errorf(a.Value.Position(), "%s: codec %q is not supported (plain, line, json, json_lines)", what, name)
		}
	}
	if p.Name == "tcp" {
		if mode, a, ok := o.Str("mode"); ok && mode != "server" {
			c.Errorf(a.Value.Position(), "%s: mode %q is not supported: ingestd's tcp input listens (server)", what, mode)
		}
	} else {
		for _, name := range []string{"buffer_size", "queue_size", "receive_buffer_bytes"} {
			if a := o.Get(name); a != nil {
				if text, whole, ok := lsconv.NumberOpt(a.Value); ok && whole {
					in.Set(name, lsconv.Lit(text))
				} else {
					c.Errorf(a.Value.Position(), "%s: %s: expected a whole number", what, name)
				}
			}
		}
		if f, a, ok := o.Str("source_ip_fieldname"); ok {
			if ref, ok := c.FieldRef(f, a.Value.Position(), what+": source_ip_fieldname"); ok {
				in.Set("source_ip_fieldname", lsconv.Str(ref))
			}
		}
	}
	// Logstash 8 runs its inputs in ECS mode unless told otherwise
	// (pipeline.ecs_compatibility, or the plugin's own option).
	ecs := c.ECSMode(o)
	in.Set("ecs_compatibility", lsconv.Str(ecs))
	d := c.readDecoration(o, id)
	o.Finish(map[string]string{
		"workers":                    "ingestd reads with one goroutine and filters on its pipelines",
		"tcp_keep_alive":             "Go's default TCP keep-alive is on",
		"dns_reverse_lookup_enabled": "host holds the client's address, never a name",
	})
	c.addInput(p, what, p.Name, in)
	return d
}

// codecOf returns a codec's name and its delimiter option, if any. Its
// other options are checked: none may change what the events become
// unnoticed.
func (c *conv) codecOf(v lsconf.Value, what string) (name, delimiter string) {
	name, p, _ := lsconv.CodecPlugin(v)
	switch name {
	case "plain", "line", "json", "json_lines":
	default:
		return name, "" // the codec itself is refused
	}
	for _, a := range lsconv.PluginAttrs(p) {
		val, _ := lsconv.Scalar(a.Value)
		switch {
		case a.Name == "delimiter" && (name == "line" || name == "json_lines"):
			delimiter = val
		case a.Name == "charset" && strings.EqualFold(strings.ReplaceAll(val, "-", ""), "UTF8"):
		case a.Name == "charset":
			c.Errorf(a.Pos, "%s: codec %s: charset %q is not supported: ingestd reads UTF-8 (invalid bytes become U+FFFD); convert the source or ship it with Filebeat's encoding option", what, name, val)
		case a.Name == "ecs_compatibility":
			c.Errorf(a.Pos, "%s: codec %s: ecs_compatibility on the codec alone is not supported: set it on the input (ingestd's codec follows it)", what, name)
		case a.Name == "format" || a.Name == "id" || a.Name == "enable_metric":
			c.Warnf(a.Pos, "%s: codec %s: option %s is ignored (it does not change decoded events)", what, name, a.Name)
		default:
			c.Errorf(a.Pos, "%s: codec %s: option %s is not supported", what, name, a.Name)
		}
	}
	return name, delimiter
}

// listenOptions sets the input's id and reads host and port, which
// every listening input has: listen is host:port (host 0.0.0.0 by
// default, as in Logstash).
func (c *conv) listenOptions(o *lsconv.Opts, p *lsconf.Plugin, id string) *lsconv.YMap {
	what := o.What()
	in := &lsconv.YMap{}
	in.Set("id", lsconv.Str(id))
	host := "0.0.0.0"
	if h, _, ok := o.Str("host"); ok {
		host = h
	}
	if port, a, ok := o.Str("port"); ok {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			c.Errorf(a.Value.Position(), "%s: port %q is not a port number", what, port)
		} else {
			lsconv.At(in.Set("listen", lsconv.Str(net.JoinHostPort(host, port))), a, what)
		}
	}
	o.Require("port")
	return in
}
