package logstash

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

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
			c.errorf(it.Pos, "conditionals are not allowed in an input section")
		case *lsconf.Plugin:
			var d *decoration
			switch it.Name {
			case "beats":
				d = c.beatsInput(it)
			case "tcp", "udp":
				d = c.streamInput(it)
			case "pipeline":
				d = c.pipelineInput(it)
			default:
				c.errorf(it.Pos, "input %q is not supported: ingestd receives events over the Beats protocol, TCP and UDP, and from its other pipelines (inputs beats, tcp, udp, pipeline); ship the others with Filebeat", it.Name)
			}
			if d != nil {
				c.decorations = append(c.decorations, d)
			}
		}
	}
	if len(items) == 0 {
		c.errorf(at, "no input: ingestd receives events over the Beats protocol, TCP or UDP, or from another pipeline (input beats, tcp, udp, pipeline)")
	}
}

// inputID gives an input a unique id across the conversion (every pipeline
// of a pipelines.yml): its id option, else the plugin's name, with a
// number from the second one on. Pipelines take events by these ids.
func (c *conv) inputID(o *opts) string {
	id := uniqueID(c.shared.inputIDs, o, o.p.Name)
	c.inputIDs = append(c.inputIDs, id)
	return id
}

// uniqueID is a plugin's id option, else name, numbered from the second
// time taken counts it.
func uniqueID(taken map[string]int, o *opts, name string) string {
	id := name
	if s, _, ok := o.str("id"); ok && s != "" {
		id = s
	}
	taken[id]++
	if n := taken[id]; n > 1 {
		id = id + "_" + strconv.Itoa(n)
	}
	return id
}

// decorationBlocks are the decorations of every input, in input order,
// after the @version every event gets. With several inputs, each
// decoration is guarded by its input's id, unless all are the same.
func (c *conv) decorationBlocks() []*block {
	if len(c.decorations) == 0 {
		return nil
	}
	first := c.decorations[0]
	v := replaceBlock(first.at, "input \""+first.plugin+"\"", `field("[@version]") == nil`, "[@version]", rawStr("1"))
	v.comments = append(v.comments, "what Logstash's inputs add to every event: @version, their decorations (type, add_field, tags), the beats codec tag")
	out := []*block{v}
	same := len(c.decorations) == len(c.inputIDs)
	for _, d := range c.decorations[1:] {
		same = same && d.same(first)
	}
	if same {
		return append(out, first.blocks()...)
	}
	for _, d := range c.decorations {
		for _, b := range d.blocks() {
			b.when = and("input() == "+strconv.Quote(d.id), b.when)
			out = append(out, b)
		}
	}
	return out
}

// decoration is what an input adds to every event.
type decoration struct {
	at       lsconf.Pos
	id       string // the input's id
	plugin   string
	typ      string
	addField *step // nil without add_field
	tags     []string
	beats    bool // the beats input's codec tags
	codecTag bool
}

// same reports whether d and o decorate events alike: then one set of
// blocks serves every input, without a guard per input.
func (d *decoration) same(o *decoration) bool {
	if d.typ != o.typ || !slices.Equal(d.tags, o.tags) || d.beats != o.beats || d.codecTag != o.codecTag || (d.addField == nil) != (o.addField == nil) {
		return false
	}
	return d.addField == nil || slices.EqualFunc(d.addField.entries, o.addField.entries, func(a, b mentry) bool {
		return a.key == b.key && nodeText(a.val) == nodeText(b.val)
	})
}

// blocks are the mutate blocks that reproduce the decoration, in the
// order Logstash applies it: decorate (type when absent, add_field, tags),
// then, for beats with include_codec_tag (codec_metadata), the codec tag:
// beats_input_codec_plain_applied for an event with a message (decoded by
// the plain codec), beats_input_raw_event without one.
func (d *decoration) blocks() []*block {
	label := "input \"" + d.plugin + "\""
	var out []*block
	if d.typ != "" {
		out = append(out, replaceBlock(d.at, label+" type", `field("[type]") == nil`, "[type]", rawStr(d.typ)))
	}
	if d.addField != nil || len(d.tags) > 0 {
		steps := []*step{}
		if d.addField != nil {
			steps = append(steps, d.addField)
		}
		if len(d.tags) > 0 {
			steps = append(steps, &step{op: "add_tag", list: d.tags})
		}
		out = append(out, packSteps(steps, d.at, label+" decoration")...)
	}
	if !d.beats || !d.codecTag {
		return out
	}
	// Both tags only with include_codec_tag (codec_metadata): raw_event_
	// transform.rb tags "if include_codec_tag?" too.
	with := newBlock("mutate", d.at, label+" codec tag")
	with.when = `field("[message]") != nil`
	with.opts.set("add_tag", strSeq([]string{"beats_input_codec_plain_applied"}))
	raw := newBlock("mutate", d.at, label+" raw event tag")
	raw.when = `field("[message]") == nil`
	raw.opts.set("add_tag", strSeq([]string{"beats_input_raw_event"}))
	return append(out, with, raw)
}

// readDecoration reads the options every Logstash input has that change
// its events: type, tags and add_field.
func (c *conv) readDecoration(o *opts, id string) *decoration {
	d := &decoration{at: o.p.Pos, id: id, plugin: o.p.Name}
	if t, _, ok := o.str("type"); ok {
		d.typ = t
	}
	if tags, _, ok := o.list("tags"); ok {
		d.tags = tags // sprintf templates, as Decorators.add_tags renders them
	}
	d.addField = c.addFieldStep(o) // an input's, as a filter's: Decorators.add_fields
	return d
}

// pipelineInput converts a pipeline input (pipeline-to-pipeline).
func (c *conv) pipelineInput(p *lsconf.Plugin) *decoration {
	o := c.options(p, "input")
	what := o.what()
	id := c.inputID(o)
	in := &ymap{}
	in.set("id", str(id))
	o.require("address")
	addr, a, ok := o.str("address")
	if !ok {
		return nil
	}
	at(in.set("address", str(addr)), a, what)
	c.listens = append(c.listens, busAddr{addr: addr, at: a.Value.Position()})
	d := c.readDecoration(o, id)
	o.finish(nil)
	c.addInput(p, what, "pipeline", in)
	return d
}

// addInput adds an input block to the YAML.
func (c *conv) addInput(p *lsconf.Plugin, what, plugin string, in *ymap) {
	item := &ymap{}
	e := item.set(plugin, in)
	e.at, e.label = p.Pos, what
	c.inputs.items = append(c.inputs.items, &yitem{val: item, at: p.Pos, label: what, comments: []string{posText(p.Pos) + " " + what}})
}

// beatsInput converts one beats input and returns its decoration.
func (c *conv) beatsInput(p *lsconf.Plugin) *decoration {
	o := c.options(p, "input")
	what := o.what()
	id := c.inputID(o)
	in := c.listenOptions(o, p, id)
	tls := &ymap{}
	enabled, given := o.boolean("ssl_enabled")
	if !given {
		enabled, given = o.boolean("ssl")
	}
	if given {
		tls.set("enabled", boolLit(enabled))
	}
	for _, opt := range []struct{ ls, ours string }{{"ssl_certificate", "certificate"}, {"ssl_key", "key"}} {
		if v, _, ok := o.str(opt.ls); ok {
			tls.set(opt.ours, str(v))
		}
	}
	if cas, _, ok := o.list("ssl_certificate_authorities"); ok {
		tls.set("certificate_authorities", strSeq(cas))
	}
	if mode, a, ok := o.str("ssl_client_authentication"); ok {
		switch mode {
		case "none", "optional", "required":
			tls.set("client_auth", str(mode))
		default:
			c.errorf(a.Value.Position(), "%s: ssl_client_authentication %q: use none, optional or required", what, mode)
		}
	} else if mode, a, ok := o.str("ssl_verify_mode"); ok {
		m := map[string]string{"none": "none", "peer": "optional", "force_peer": "required"}[strings.ToLower(mode)]
		if m == "" {
			c.errorf(a.Value.Position(), "%s: ssl_verify_mode %q: use none, peer or force_peer", what, mode)
		} else {
			tls.set("client_auth", str(m))
		}
	}
	if protos, a, ok := o.list("ssl_supported_protocols"); ok {
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
				c.errorf(a.Value.Position(), "%s: ssl_supported_protocols: %s is not supported (TLSv1.2, TLSv1.3)", what, p)
			}
		}
		if lowest != "" {
			tls.set("min_version", str(lowest))
		}
	}
	if ms, a, ok := o.str("ssl_handshake_timeout"); ok {
		if n, err := strconv.Atoi(ms); err == nil {
			in.set("handshake_timeout", str(fmt.Sprintf("%dms", n)))
		} else {
			c.errorf(a.Value.Position(), "%s: ssl_handshake_timeout %q: expected milliseconds", what, ms)
		}
	}
	// enrich (beats input 6.5+): what the input adds; by default the codec
	// tag and the source metadata.
	enrich := map[string]bool{"codec_metadata": true, "source_metadata": true}
	if list, a, ok := o.list("enrich"); ok {
		enrich = map[string]bool{}
		for _, v := range list {
			switch v {
			case "none":
			case "all":
				enrich["codec_metadata"], enrich["source_metadata"] = true, true
			case "codec_metadata", "source_metadata", "ssl_peer_metadata", "include_codec_tag":
				enrich[v] = true
			default:
				c.errorf(a.Value.Position(), "%s: enrich %q is not supported (codec_metadata, source_metadata, ssl_peer_metadata, all, none)", what, v)
			}
		}
	}
	if enrich["source_metadata"] {
		// The client's address, where Logstash's beats input puts it
		// (message_listener.rb's @field_hostip).
		ipField := "[@metadata][input][beats][host][ip]"
		if c.ecsMode(o) == "disabled" {
			ipField = "[@metadata][ip_address]"
		}
		in.set("client_ip_field", str(ipField))
	} else {
		c.ecsMode(o) // read: it only names the source metadata
	}
	const peerWarning = "%s: ssl_peer_metadata: ingestd always sets [@metadata][tls_peer][status] and [subject] on TLS connections; a client without a certificate is no_client_cert there, unverified in Logstash"
	if v, ok := o.boolean("ssl_peer_metadata"); ok && v {
		c.warnf(o.attrs["ssl_peer_metadata"].Pos, peerWarning, what)
	} else if a := o.attrs["enrich"]; a != nil && enrich["ssl_peer_metadata"] {
		c.warnf(a.Pos, peerWarning, what)
	}
	if len(tls.entries) > 0 {
		in.set("tls", tls)
	}
	if s, a, ok := o.str("client_inactivity_timeout"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			in.set("idle_timeout", str(fmt.Sprintf("%ds", n)))
		} else {
			c.errorf(a.Value.Position(), "%s: client_inactivity_timeout %q: expected seconds", what, s)
		}
	}
	if v, ok := o.boolean("add_hostname"); ok && v {
		c.errorf(o.attrs["add_hostname"].Pos, "%s: add_hostname => true is not supported", what)
	}
	if a := o.get("codec"); a != nil && !plainCodec(a.Value) {
		c.errorf(a.Value.Position(), "%s: only the plain codec is supported", what)
	}
	d := c.readDecoration(o, id)
	d.beats, d.codecTag = true, enrich["codec_metadata"] || enrich["include_codec_tag"]
	if v, ok := o.boolean("include_codec_tag"); ok {
		d.codecTag = v
	}
	o.finish(map[string]string{
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
	name, p, _ := codecPlugin(v)
	return name == "plain" && len(pluginAttrs(p)) == 0
}
