package logstash

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/lsconf"
)

// convertInputs converts the input sections: beats only. What the beats
// input itself adds to each event (logstash-input-beats, DecodedEventTransform
// and RawEventTransform; Event.new's @version) becomes mutate blocks that
// run before the filters, so the documents are the ones Logstash makes.
func (c *conv) convertInputs(items []lsconf.Item, at lsconf.Pos) {
	var beats []*lsconf.Plugin
	streams := false
	for _, it := range items {
		switch it := it.(type) {
		case *lsconf.Branch:
			c.errorf(it.Pos, "conditionals are not allowed in an input section")
		case *lsconf.Plugin:
			switch it.Name {
			case "beats":
				beats = append(beats, it)
			case "tcp", "udp":
				c.streamInput(it)
				streams = true
			default:
				c.errorf(it.Pos, "input %q is not supported: ingestd receives events over the Beats protocol, TCP and UDP (inputs beats, tcp, udp); ship the others with Filebeat", it.Name)
			}
		}
	}
	if len(items) == 0 {
		c.errorf(at, "no input: ingestd receives events over the Beats protocol, TCP or UDP (input beats, tcp, udp)")
		return
	}
	if len(beats) == 0 {
		return // the inputs are reported
	}
	var decorations []*decoration
	for _, p := range beats {
		d := c.beatsInput(p)
		if d != nil {
			decorations = append(decorations, d)
		}
	}
	if len(decorations) == 0 {
		return
	}
	first := decorations[0]
	for _, d := range decorations[1:] {
		if !first.same(d) {
			c.errorf(d.at, "input \"beats\": the beats inputs decorate events differently (tags, add_field, type, include_codec_tag); ingestd cannot tell which input an event came from")
			return
		}
	}
	c.decorate = first.blocks()
	if streams {
		// The decoration is the beats input's: events from tcp and udp
		// carry no [@metadata][beat], which every Beat sends.
		for _, b := range c.decorate {
			b.when = and(`field("[@metadata][beat]") != nil`, b.when)
		}
	}
}

// decoration is what a beats input adds to every event.
type decoration struct {
	at       lsconf.Pos
	typ      string
	addField []mentry
	tags     []string
	codecTag bool
	key      string // for comparing inputs
}

func (d *decoration) same(o *decoration) bool { return d.key == o.key }

// blocks are the mutate blocks that reproduce the decoration, in the
// order the beats input applies it: the event is created (@version "1"
// unless the beat sent one), then decorate (type when absent, add_field,
// tags), then the codec tag: beats_input_codec_plain_applied for an event
// with a message (decoded by the plain codec), beats_input_raw_event
// without one.
func (d *decoration) blocks() []*block {
	label := "input \"beats\""
	var out []*block
	v := newBlock("mutate", d.at, label)
	v.when = `field("[@version]") == nil`
	m := &ymap{}
	m.set("[@version]", rawStr("1"))
	v.opts.set("replace", m)
	v.comments = append(v.comments, "what Logstash's beats input adds to every event: @version, its decorations, the codec tag")
	out = append(out, v)
	if d.typ != "" {
		t := newBlock("mutate", d.at, label+" type")
		t.when = `field("[type]") == nil`
		m := &ymap{}
		m.set("[type]", rawStr(d.typ))
		t.opts.set("replace", m)
		out = append(out, t)
	}
	if len(d.addField) > 0 || len(d.tags) > 0 {
		steps := []*step{}
		if len(d.addField) > 0 {
			steps = append(steps, &step{op: "append", entries: d.addField})
		}
		if len(d.tags) > 0 {
			steps = append(steps, &step{op: "add_tag", list: d.tags})
		}
		out = append(out, packSteps(steps, d.at, label+" decoration")...)
	}
	if d.codecTag {
		with := newBlock("mutate", d.at, label+" codec tag")
		with.when = `field("[message]") != nil`
		with.opts.set("add_tag", strSeq([]string{"beats_input_codec_plain_applied"}))
		out = append(out, with)
	}
	raw := newBlock("mutate", d.at, label+" raw event tag")
	raw.when = `field("[message]") == nil`
	raw.opts.set("add_tag", strSeq([]string{"beats_input_raw_event"}))
	return append(out, raw)
}

// beatsInput converts one beats input and returns its decoration.
func (c *conv) beatsInput(p *lsconf.Plugin) *decoration {
	o := c.options(p, "input")
	what := o.what()
	in := c.listenOptions(o, p)
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
	if v, ok := o.boolean("ssl_peer_metadata"); ok && v {
		c.warnf(o.attrs["ssl_peer_metadata"].Pos, "%s: ssl_peer_metadata: ingestd always sets [@metadata][tls_peer][status] and [subject] on TLS connections; a client without a certificate is no_client_cert there, unverified in Logstash", what)
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
	d := &decoration{at: p.Pos, codecTag: true}
	if v, ok := o.boolean("include_codec_tag"); ok {
		d.codecTag = v
	}
	if t, _, ok := o.str("type"); ok {
		d.typ = t
	}
	if tags, a, ok := o.list("tags"); ok {
		for _, t := range tags {
			if hasTemplate(t) {
				c.errorf(a.Value.Position(), "%s: tags made from sprintf templates are not supported", what)
				continue
			}
			d.tags = append(d.tags, t)
		}
	}
	if entries, _, ok := o.hash("add_field"); ok {
		for _, e := range entries {
			ref, ok := c.fieldRef(e.key, e.at, what+": add_field")
			if !ok {
				continue
			}
			v, ok := scalar(e.val)
			if !ok {
				c.errorf(e.val.Position(), "%s: add_field %s: expected a string", what, e.key)
				continue
			}
			t, ok := c.template(v, e.val.Position(), what+": add_field "+e.key)
			if ok {
				d.addField = append(d.addField, mentry{key: ref, val: rawStr(t), writes: []string{ref}})
			}
		}
	}
	d.key = fmt.Sprintf("%v|%v|%v|%v", d.typ, d.tags, d.addField, d.codecTag)
	o.finish(map[string]string{
		"threads":                 "ingestd sizes its own workers",
		"executor_threads":        "ingestd sizes its own workers",
		"event_loop_threads":      "ingestd sizes its own workers",
		"ssl_cipher_suites":       "ingestd uses Go's default cipher suites",
		"cipher_suites":           "ingestd uses Go's default cipher suites",
		"client_inactivity_check": "see idle_timeout",
	})
	item := &ymap{}
	e := item.set("beats", in)
	e.at, e.label = p.Pos, what
	c.inputs.items = append(c.inputs.items, &yitem{val: item, at: p.Pos, label: what, comments: []string{posText(p.Pos) + " " + what}})
	return d
}

func plainCodec(v lsconf.Value) bool {
	name, p, _ := codecPlugin(v)
	return name == "plain" && len(pluginAttrs(p)) == 0
}
