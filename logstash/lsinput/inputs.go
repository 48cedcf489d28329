package lsinput

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/logstash/lsfilter"
	"github.com/ingestd/ingestd/lsconf"
)

// convertInputs converts the input sections: beats, tcp, udp and
// pipeline. What an input adds to each event (logstash-input-beats'
// DecodedEventTransform and RawEventTransform; every input's decorate: type,
// add_field, tags; Event.new's @version) becomes mutate blocks that run
// before the filters, so the documents are the ones Logstash makes. Every
// input gets an id; with several inputs, each one's decoration applies to
// its own events only (input() == id).
func (c *conv) convertInputs(items []lsconf.Item, at lsconf.Pos) {
	for _, it := range items {
		switch it := it.(type) {
		case *lsconf.Branch:
			c.Errorf(it.Pos, "conditionals are not allowed in an input section")
		case *lsconf.Plugin:
			var d *lsconv.Decoration
			switch it.Name {
			case "beats":
				d = c.beatsInput(it)
			case "tcp", "udp":
				d = c.streamInput(it)
			case "pipeline":
				d = c.pipelineInput(it)
			default:
				c.Errorf(it.Pos, "input %q is not supported: ingestd receives events over the Beats protocol, TCP and UDP, and from its other pipelines (inputs beats, tcp, udp, pipeline); ship the others with Filebeat", it.Name)
			}
			if d != nil {
				c.Decorations = append(c.Decorations, d)
			}
		}
	}
	if len(items) == 0 {
		c.Errorf(at, "no input: ingestd receives events over the Beats protocol, TCP or UDP, or from another pipeline (input beats, tcp, udp, pipeline)")
	}
}

// inputID gives an input a unique id across the conversion (every pipeline
// of a pipelines.yml): its id option, else the plugin's name, with a
// number from the second one on. Pipelines take events by these ids.
func (c *conv) inputID(o *lsconv.Opts) string {
	id := lsconv.UniqueID(c.Shared.InputIDs, o, o.Plugin.Name)
	c.InputIDs = append(c.InputIDs, id)
	return id
}

// decorationBlocks are the decorations of every input, in input order,
// after the @version every event gets. With several inputs, each
// decoration is guarded by its input's id, unless all are the same.
func (c *conv) decorationBlocks() []*lsconv.Block {
	if len(c.Decorations) == 0 {
		return nil
	}
	first := c.Decorations[0]
	v := lsconv.ReplaceBlock(first.At, "input \""+first.Plugin+"\"", `field("[@version]") == nil`, "[@version]", lsconv.RawStr("1"))
	v.Comments = append(v.Comments, "what Logstash's inputs add to every event: @version, their decorations (type, add_field, tags), the beats codec tag")
	out := []*lsconv.Block{v}
	same := len(c.Decorations) == len(c.InputIDs)
	for _, d := range c.Decorations[1:] {
		same = same && d.Same(first)
	}
	if same {
		return append(out, first.Blocks()...)
	}
	for _, d := range c.Decorations {
		for _, b := range d.Blocks() {
			b.When = lsconv.And("input() == "+strconv.Quote(d.ID), b.When)
			out = append(out, b)
		}
	}
	return out
}

// readDecoration reads the options every Logstash input has that change
// its events: type, tags and add_field.
func (c *conv) readDecoration(o *lsconv.Opts, id string) *lsconv.Decoration {
	d := &lsconv.Decoration{At: o.Plugin.Pos, ID: id, Plugin: o.Plugin.Name}
	if t, _, ok := o.Str("type"); ok {
		d.Type = t
	}
	if tags, _, ok := o.List("tags"); ok {
		d.Tags = tags // sprintf templates, as Decorators.add_tags renders them
	}
	d.AddField = lsfilter.AddFieldStep(c.Conv, o) // an input's, as a filter's: Decorators.add_fields
	return d
}

// pipelineInput converts a pipeline input (pipeline-to-pipeline).
func (c *conv) pipelineInput(p *lsconf.Plugin) *lsconv.Decoration {
	o := c.Options(p, "input")
	what := o.What()
	id := c.inputID(o)
	in := &lsconv.YMap{}
	in.Set("id", lsconv.Str(id))
	o.Require("address")
	addr, a, ok := o.Str("address")
	if !ok {
		return nil
	}
	lsconv.At(in.Set("address", lsconv.Str(addr)), a, what)
	c.Listens = append(c.Listens, lsconv.BusAddr{Addr: addr, At: a.Value.Position()})
	d := c.readDecoration(o, id)
	o.Finish(nil)
	c.addInput(p, what, "pipeline", in)
	return d
}

// addInput adds an input block to the YAML.
func (c *conv) addInput(p *lsconf.Plugin, what, plugin string, in *lsconv.YMap) {
	item := &lsconv.YMap{}
	e := item.Set(plugin, in)
	e.At, e.Label = p.Pos, what
	c.Inputs.Items = append(c.Inputs.Items, &lsconv.YItem{Val: item, At: p.Pos, Label: what, Comments: []string{lsconv.PosText(p.Pos) + " " + what}})
}

// beatsInput converts one beats input and returns its decoration.
func (c *conv) beatsInput(p *lsconf.Plugin) *lsconv.Decoration {
	o := c.Options(p, "input")
	what := o.What()
	id := c.inputID(o)
	in := c.listenOptions(o, p, id)
	tls := &lsconv.YMap{}
	enabled, given := o.Boolean("ssl_enabled")
	if !given {
		enabled, given = o.Boolean("ssl")
	}
	if given {
		tls.Set("enabled", lsconv.BoolLit(enabled))
	}
	for _, opt := range []struct{ ls, ours string }{{"ssl_certificate", "certificate"}, {"ssl_key", "key"}} {
		if v, _, ok := o.Str(opt.ls); ok {
			tls.Set(opt.ours, lsconv.Str(v))
		}
	}
	if cas, _, ok := o.List("ssl_certificate_authorities"); ok {
		tls.Set("certificate_authorities", lsconv.StrSeq(cas))
	}
	if mode, a, ok := o.Str("ssl_client_authentication"); ok {
		switch mode {
		case "none", "optional", "required":
			tls.Set("client_auth", lsconv.Str(mode))
		default:
			c.Errorf(a.Value.Position(), "%s: ssl_client_authentication %q: use none, optional or required", what, mode)
		}
	} else if mode, a, ok := o.Str("ssl_verify_mode"); ok {
		m := map[string]string{"none": "none", "peer": "optional", "force_peer": "required"}[strings.ToLower(mode)]
		if m == "" {
			c.Errorf(a.Value.Position(), "%s: ssl_verify_mode %q: use none, peer or force_peer", what, mode)
		} else {
			tls.Set("client_auth", lsconv.Str(m))
		}
	}
	if protos, a, ok := o.List("ssl_supported_protocols"); ok {
		lowest := ""
		for _, p := range protos {
			switch p {
			case "TLSv1.2":
				lowest = "1.2"
			case "TLSv1.3":
				if lowest == "" {
					lowest = "1.3"
				}
			default:
				c.Errorf(a.Value.Position(), "%s: ssl_supported_protocols: %s is not supported (TLSv1.2, TLSv1.3)", what, p)
			}
		}
		if lowest != "" {
			tls.Set("min_version", lsconv.Str(lowest))
		}
	}
	if ms, a, ok := o.Str("ssl_handshake_timeout"); ok {
		if n, err := strconv.Atoi(ms); err == nil {
			in.Set("handshake_timeout", lsconv.Str(fmt.Sprintf("%dms", n)))
		} else {
			c.Errorf(a.Value.Position(), "%s: ssl_handshake_timeout %q: expected milliseconds", what, ms)
		}
	}
	// enrich (beats input 6.5+): what the input adds; by default the codec
	// tag and the source metadata.
	enrich := map[string]bool{"codec_metadata": true, "source_metadata": true}
	if list, a, ok := o.List("enrich"); ok {
		enrich = map[string]bool{}
		for _, v := range list {
			switch v {
			case "none":
			case "all":
				enrich["codec_metadata"], enrich["source_metadata"] = true, true
			case "codec_metadata", "source_metadata", "ssl_peer_metadata", "include_codec_tag":
				enrich[v] = true
			default:
				c.Errorf(a.Value.Position(), "%s: enrich %q is not supported (codec_metadata, source_metadata, ssl_peer_metadata, all, none)", what, v)
			}
		}
	}
	if enrich["source_metadata"] {
		// The client's address, where Logstash's beats input puts it
		// (message_listener.rb's @field_hostip).
		ipField := "[@metadata][input][beats][host][ip]"
		if c.ECSMode(o) == "disabled" {
			ipField = "[@metadata][ip_address]"
		}
		in.Set("client_ip_field", lsconv.Str(ipField))
	} else {
		c.ECSMode(o) // read: it only names the source metadata
	}
	// ingestd always sets [@metadata][tls_peer] on TLS connections; asked
	// for it, a client without a certificate is "unverified", as
	// Logstash's message_listener.rb (extract_tls_peer) writes it.
	if v, ok := o.Boolean("ssl_peer_metadata"); ok && v || o.Attrs["enrich"] != nil && enrich["ssl_peer_metadata"] {
		tls.Set("no_cert_status", lsconv.Str("unverified"))
	}
	if len(tls.Entries) > 0 {
		in.Set("tls", tls)
	}
	if s, a, ok := o.Str("client_inactivity_timeout"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			in.Set("idle_timeout", lsconv.Str(fmt.Sprintf("%ds", n)))
		} else {
			c.Errorf(a.Value.Position(), "%s: client_inactivity_timeout %q: expected seconds", what, s)
		}
	}
	if v, ok := o.Boolean("add_hostname"); ok && v {
		c.Errorf(o.Attrs["add_hostname"].Pos, "%s: add_hostname => true is not supported", what)
	}
	if a := o.Get("codec"); a != nil && !plainCodec(a.Value) {
		c.Errorf(a.Value.Position(), "%s: only the plain codec is supported", what)
	}
	d := c.readDecoration(o, id)
	d.Beats, d.CodecTag = true, enrich["codec_metadata"] || enrich["include_codec_tag"]
	if v, ok := o.Boolean("include_codec_tag"); ok {
		d.CodecTag = v
	}
	o.Finish(map[string]string{
		"threads":                 "ingestd sizes its own workers",
		"executor_threads":        "ingestd sizes its own workers",
		"event_loop_threads":      "ingestd sizes its own workers",
		"ssl_cipher_suites":       "ingestd uses Go's default cipher suites",
		"cipher_suites":           "ingestd uses Go's default cipher suites",
		"client_inactivity_check": "see idle_timeout",
	})
	c.addInput(p, what, "beats", in)
	return d
}

func plainCodec(v lsconf.Value) bool {
	name, p, _ := lsconv.CodecPlugin(v)
	return name == "plain" && len(lsconv.PluginAttrs(p)) == 0
}
