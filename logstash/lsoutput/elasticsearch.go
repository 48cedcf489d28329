package lsoutput

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// Options of the elasticsearch output that cannot change a document.
var esIgnored = map[string]string{
	"manage_template":                       "ingestd installs no template unless setup_templates is set; note that Logstash's output refuses manage_template together with data_stream => true",
	"template":                              "templates are not managed by the conversion",
	"template_name":                         "templates are not managed by the conversion",
	"template_overwrite":                    "templates are not managed by the conversion",
	"template_api":                          "templates are not managed by the conversion",
	"ilm_enabled":                           "data streams have their own lifecycle",
	"ilm_rollover_alias":                    "data streams have their own lifecycle",
	"ilm_pattern":                           "data streams have their own lifecycle",
	"ilm_policy":                            "data streams have their own lifecycle",
	"timeout":                               "ingestd's timeout is per bulk request (90s)",
	"pool_max":                              "connection pooling",
	"pool_max_per_route":                    "connection pooling",
	"resurrect_delay":                       "connection handling",
	"validate_after_inactivity":             "connection handling",
	"sniffing":                              "ingestd does not sniff; list the nodes in hosts",
	"sniffing_delay":                        "ingestd does not sniff",
	"healthcheck_path":                      "connection handling",
	"silence_errors_in_log":                 "logging",
	"failure_type_logging_whitelist":        "logging",
	"dlq_custom_codes":                      "ingestd dead-letters 400/404 items",
	"dlq_on_failed_indexname_interpolation": "ingestd dead-letters refused items",
	"http_compression":                      "see compression_level",
	"ssl_supported_protocols":               "ingestd uses TLS 1.2 or later",
	"ssl_cipher_suites":                     "ingestd uses Go's default cipher suites",
	"codec":                                 "the elasticsearch output writes JSON documents",
	"workers":                               "ingestd's output has its own workers",
}

// esRefusesDataStream are options with which data_stream => auto resolves
// to false in Logstash 8 (invalid_data_stream_params in
// logstash-output-elasticsearch data_stream_support.rb): the output then
// writes to an index.
var esRefusesDataStream = []string{"index", "document_type", "manage_template", "template", "template_name", "template_overwrite", "template_api",
	"ilm_enabled", "ilm_rollover_alias", "ilm_pattern", "ilm_policy", "routing_field", "parent", "join_field", "upsert", "doc_as_upsert", "script", "script_type", "script_lang", "script_var_name", "scripted_upsert", "retry_on_conflict", "version", "version_type"}

func (c *conv) elasticsearch(p *lsconf.Plugin) *lsconv.Block {
	o, what, b := c.outputBlock(p, "elasticsearch")

	ds := "auto"
	if a := o.Get("data_stream"); a != nil {
		v, _ := lsconv.Scalar(a.Value)
		switch strings.ToLower(v) {
		case "true", "false", "auto":
			ds = strings.ToLower(v)
		default:
			c.Errorf(a.Value.Position(), "%s: data_stream %q: use true, false or auto", what, v)
		}
	}
	ecs := c.ECSMode(o)
	indexMode := ds == "false"
	if ds == "auto" {
		for _, name := range esRefusesDataStream {
			if o.Has(name) {
				indexMode = true // data_stream => auto resolves to false
			}
		}
		// data_stream_support.rb: "Not eligible for data streams because
		// ecs_compatibility is not enabled".
		indexMode = indexMode || ecs == "disabled"
	}
	if indexMode {
		if !c.indexMode(o, ecs, b) {
			return nil
		}
	} else if a := o.Get("index"); a != nil {
		c.Errorf(a.Pos, "%s: option index is not supported with data streams (ingestd names the stream from data_stream_type, _dataset and _namespace)", what)
	}
	act, a, given := o.Str("action")
	if given && act != "create" && !(indexMode && act == "index") {
		c.Errorf(a.Value.Position(), "%s: action %q is not supported (create; index on an index)", what, act)
	}
	if indexMode {
		// elasticsearch.rb: action defaults to create for data streams
		// and to index otherwise.
		index := !given || act == "index"
		at := p.Pos
		if given {
			at = a.Value.Position()
		}
		s := c.streams()
		if len(s.ActionOuts) > 0 && s.IndexAction != index {
			c.Errorf(at, "%s: action %q differs from the elasticsearch output's at %s; ingestd sets the action of a pipeline's outputs once", what, map[bool]string{true: "index", false: "create"}[index], s.ActionAt)
		} else {
			if len(s.ActionOuts) == 0 {
				s.IndexAction, s.ActionAt = index, at
			}
			s.ActionOuts = append(s.ActionOuts, b)
		}
	}

	// Connection.
	tlsOn, tlsGiven := o.Boolean("ssl_enabled")
	if !tlsGiven {
		tlsOn, _ = o.Boolean("ssl")
	}
	hosts := []string{"//127.0.0.1"}
	hs, hostsAttr, ok := o.List("hosts")
	if ok {
		hosts = hs
	}
	var urls []string
	for _, h := range hosts {
		urls = append(urls, esURL(h, tlsOn))
	}
	lsconv.At(b.Opts.Set("hosts", lsconv.StrSeq(urls)), hostsAttr, what)
	if u, a, ok := o.Str("user"); ok {
		lsconv.At(b.Opts.Set("username", c.secret(o, "user", u)), a, what)
	}
	if pw, a, ok := o.Str("password"); ok {
		lsconv.At(b.Opts.Set("password", c.secret(o, "password", pw)), a, what)
	}
	if key, a, ok := o.Str("api_key"); ok {
		// Logstash takes id:api_key; ingestd the base64 of it, which is
		// what Elasticsearch's Authorization: ApiKey header carries.
		b.Opts.Set("api_key", lsconv.Str(base64.StdEncoding.EncodeToString([]byte(key))))
		if _, kept := c.Kept[lsconv.KeyOf(a.Value.Position())]; kept {
			c.Warnf(a.Value.Position(), "%s: api_key: the converted YAML holds the key itself (base64), not the ${...} placeholder; keep it private", what)
		}
	}
	tls := &lsconv.YMap{}
	if ca, _, ok := o.Str("cacert"); ok {
		tls.Set("certificate_authorities", lsconv.StrSeq([]string{ca}))
	}
	if cas, _, ok := o.List("ssl_certificate_authorities"); ok {
		tls.Set("certificate_authorities", lsconv.StrSeq(cas))
	}
	if mode, a, ok := o.Str("ssl_verification_mode"); ok {
		switch mode {
		case "full":
		case "none":
			tls.Set("verify", lsconv.BoolLit(false))
		default:
			c.Errorf(a.Value.Position(), "%s: ssl_verification_mode %q: use full or none", what, mode)
		}
	}
	if v, ok := o.Boolean("ssl_certificate_verification"); ok && !v {
		tls.Set("verify", lsconv.BoolLit(false))
	}
	for _, opt := range []struct{ ls, ours string }{{"ssl_certificate", "certificate"}, {"ssl_key", "key"}} {
		if v, _, ok := o.Str(opt.ls); ok {
			tls.Set(opt.ours, lsconv.Str(v))
		}
	}
	if len(tls.Entries) > 0 {
		b.Opts.Set("tls", tls)
	}
	if lvl, a, ok := o.Str("compression_level"); ok {
		switch n, err := strconv.Atoi(lvl); {
		case err != nil || n < 0 || n > 9:
			c.Errorf(a.Value.Position(), "%s: compression_level %q: use 0 to 9", what, lvl)
		case n == 0:
			b.Opts.Set("compression", lsconv.BoolLit(false))
		default:
			b.Opts.Set("compression_level", lsconv.Lit(strconv.Itoa(n)))
		}
	}
	for _, opt := range []struct{ ls, ours string }{{"retry_initial_interval", "initial_backoff"}, {"retry_max_interval", "max_backoff"}} {
		if v, a, ok := o.Str(opt.ls); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				b.Opts.Set(opt.ours, lsconv.Str(fmt.Sprintf("%ds", n)))
			} else {
				c.Errorf(a.Value.Position(), "%s: %s %q: expected seconds", what, opt.ls, v)
			}
		}
	}

	// Per document.
	s := c.streams()
	s.ESOutputs++
	if pl, a, ok := o.Str("pipeline"); ok {
		if t, ok := c.Template(pl, a.Value.Position(), what+": pipeline"); ok {
			lsconv.At(b.Opts.Set("pipeline", lsconv.Str(t)), a, what)
			s.PipelineOption = true
		}
	}
	if id, a, ok := o.Str("document_id"); ok {
		if t, ok := c.MutateTemplate(id, a.Value.Position(), what+": document_id"); ok {
			if s.DocumentID != "" && s.DocumentID != t {
				c.Errorf(a.Value.Position(), "%s: a second document_id (%q, the first is %q at %s) is not supported: ingestd reads the _id of every elasticsearch output from [@metadata][_id]", what, id, s.DocumentID, s.DocumentIDAt)
			} else {
				if s.DocumentID == "" {
					s.DocumentID, s.DocumentIDAt = t, a.Value.Position()
				}
				s.DocumentIDOuts = append(s.DocumentIDOuts, b)
				b.Comments = append(b.Comments, "document_id: set in [@metadata][_id] by the last filters")
			}
		}
	} else {
		b.Comments = append(b.Comments, "no document_id: Elasticsearch assigns ids in Logstash; ingestd derives them from the Filebeat origin (document_id auto), so a batch sent again is not indexed twice")
	}
	if !indexMode {
		c.dataStreamOptions(o, b)
	}
	o.Finish(esIgnored)
	return b
}

// esURL is a Logstash host as a URL: http (https with ssl) when no scheme
// is given, port 9200 when none is.
func esURL(h string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	rest := h
	if i := strings.Index(h, "://"); i >= 0 {
		scheme, rest = h[:i], h[i+3:]
	}
	rest = strings.TrimPrefix(rest, "//")
	hostPort, path, _ := strings.Cut(rest, "/")
	host := hostPort
	if i := strings.LastIndex(host, "]"); i >= 0 {
		host = host[i+1:] // after an IPv6 address
	}
	if !strings.Contains(host, ":") {
		hostPort += ":9200"
	}
	u := scheme + "://" + hostPort
	if path != "" {
		u += "/" + path
	}
	return u
}

// secret writes a credential: the ${VAR} placeholder it was given as,
// when it was one (ingestd expands it the same way), else its value.
func (c *conv) secret(o *lsconv.Opts, name, value string) *lsconv.YScalar {
	a := o.Attrs[name]
	if ph, ok := c.Kept[lsconv.KeyOf(a.Value.Position())]; ok {
		return lsconv.RawStr(ph)
	}
	return lsconv.Str(value)
}

// dataStreamOptions reads data_stream_* into the pipeline's data_stream
// settings; every elasticsearch output must name streams the same way.
func (c *conv) dataStreamOptions(o *lsconv.Opts, b *lsconv.Block) {
	what := o.What()
	typ, dataset, ns := "logs", "generic", "default"
	auto, sync := true, true
	if v, a, ok := o.Str("data_stream_type"); ok {
		switch v {
		case "logs", "metrics", "synthetics", "traces":
			typ = v
		default:
			c.Errorf(a.Value.Position(), "%s: data_stream_type %q: use logs, metrics, synthetics or traces", what, v)
		}
	}
	for _, part := range []struct {
		name string
		val  *string
	}{{"data_stream_dataset", &dataset}, {"data_stream_namespace", &ns}} {
		v, a, ok := o.Str(part.name)
		if !ok {
			continue
		}
		if strings.Contains(v, "%{") {
			t, good := c.Template(v, a.Value.Position(), what+": "+part.name)
			if !good {
				continue
			}
			c.Warnf(a.Value.Position(), "%s: %s %q: Logstash does not interpolate it (an event without its own [data_stream] part would be refused, the index name keeping %%{...}); ingestd renders the reference", what, part.name, v)
			v = t
		}
		*part.val = v
	}
	if v, ok := o.Boolean("data_stream_auto_routing"); ok {
		auto = v
	}
	if v, ok := o.Boolean("data_stream_sync_fields"); ok {
		sync = v
	}
	s := c.streams()
	if s.ESOutputs > 1 {
		if s.Type != typ || s.Dataset != dataset || s.Ns != ns || s.AutoRouting != auto || s.Sync != sync {
			c.Errorf(o.Plugin.Pos, "%s: it names data streams differently from the elasticsearch output at %s; ingestd names the streams of a pipeline once, for all its outputs", what, s.At)
		}
		return
	}
	s.At, s.Type, s.Dataset, s.Ns, s.AutoRouting, s.Sync = o.Plugin.Pos, typ, dataset, ns, auto, sync
	s.Comments = []string{fmt.Sprintf("%s %s: data_stream_* (auto_routing and sync_fields default to true in Logstash)", lsconv.PosText(o.Plugin.Pos), what)}
}

// indexOnly are the options of index mode the conversion takes; the other
// options of esRefusesDataStream change how a document is written
// (routing, scripts, versions) and are refused.
var indexOnly = map[string]bool{"index": true, "document_type": true, "manage_template": true, "template": true, "template_name": true,
	"template_overwrite": true, "template_api": true, "ilm_enabled": true, "ilm_rollover_alias": true, "ilm_pattern": true, "ilm_policy": true}

// isFalse reports whether a boolean option is given as false.
func isFalse(o *lsconv.Opts, name string) bool {
	v, given := o.Boolean(name)
	return given && !v
}
