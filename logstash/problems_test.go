package logstash

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/spec"
)

// TestUnsupported: plugins and options the conversion cannot keep are
// errors at the FILE:LINE:COL of the .conf node, never dropped; options
// that cannot change a document are warnings.
func TestUnsupported(t *testing.T) {
	got := problems(t, `input {
  kafka { topics => ["logs"] }
  beats { port => 5044 ssl_key_passphrase => "x" threads => 4 }
}
filter {
  ruby { code => "event.set('a', 1)" }
  if [ip] {
    geoip { source => "ip" }
  }
  grok { match => { "message" => "%{WORD:w}" } target => "parsed" id => "g1" enable_metric => false }
  mutate { add_tag => ["%{type}"] }
  date { match => ["ts", "ISO8601"] locale => "fr" }
  aggregate { task_id => "%{id}" }
}
output {
  elasticsearch { index => "logs-%{+yyyy.MM.dd}" }
  elasticsearch { data_stream => false }
  kafka { topic_id => "x" }
}`)
	want := []string{
		`test.conf:2:3: input "kafka" is not supported: ingestd receives events over the Beats protocol, TCP and UDP, and from its other pipelines (inputs beats, tcp, udp, pipeline); ship the others with Filebeat`,
		`test.conf:3:24: input "beats": option ssl_key_passphrase is not supported by the conversion`,
		`test.conf:3:50: warning: input "beats": option threads is ignored (ingestd sizes its own workers)`,
		`test.conf:6:3: filter "ruby" is not supported: ingestd does not run Ruby (code: "event.set('a', 1)"); in ingestd: setting a to a constant or sprintf text: mutate { add_field => { "a" => "..." } }`,
		`test.conf:8:5: filter "geoip": option database is required here: ingestd does not ship the GeoLite2 databases Logstash bundles; download GeoLite2-City.mmdb (or -ASN) from MaxMind and give its path`,
		`test.conf:10:78: warning: filter "grok": option enable_metric is ignored (metrics only)`,
		`test.conf:12:47: filter "date": locale "fr" is not supported (ingestd reads English month and day names)`,
		`test.conf:13:3: filter "aggregate" is not supported by the conversion (supported: cidr, csv, date, dissect, drop, fingerprint, geoip, grok, json, kv, mutate, prune, split, translate, useragent)`,
		`test.conf:17:3: warning: output "elasticsearch": no index: Logstash writes to its ILM alias ecs-logstash (or ecs-logstash-%{+yyyy.MM.dd} without ILM); ingestd writes to ecs-logstash-%{+yyyy.MM.dd}`,
		`test.conf:17:3: output "elasticsearch": it names its index differently from the elasticsearch output at test.conf:16:3, and both can take one event; ingestd writes an event to one index (outputs in different arms of an if/else may name different ones)`,
		`test.conf:18:3: output "kafka" is not supported by the conversion (supported: elasticsearch, stdout, file, http, pipeline)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGrokRubyRegex: a grok pattern using what only Ruby's regular
// expressions have is an error at the pattern.
func TestGrokRubyRegex(t *testing.T) {
	got := problems(t, `input { beats { port => 5044 } }
filter {
  grok { match => { "message" => ["^%{WORD:w}$", "^(?<word>\w+)(?=x)"] } }
}
output { stdout { codec => json_lines } }`)
	want := `test.conf:3:50: filter "grok": pattern "^(?<word>\\w+)(?=x)" uses lookaround assertions ((?=, (?!, (?<=, (?<!), which Ruby has and Go's RE2 does not`
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestStreamConflicts: ingestd names the data streams of a pipeline once;
// two elasticsearch outputs that name them differently are an error.
func TestStreamConflicts(t *testing.T) {
	got := problems(t, `input { beats { port => 5044 } }
output {
  if [a] { elasticsearch { data_stream => true data_stream_dataset => "one" } }
  else { elasticsearch { data_stream => true data_stream_dataset => "two" } }
}`)
	want := `test.conf:4:10: output "elasticsearch": it names data streams differently from the elasticsearch output at test.conf:3:12; ingestd names the streams of a pipeline once, for all its outputs`
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestLoadErrorsAtConfPositions: what ingestd's loader finds in the
// generated YAML (here a grok pattern naming a pattern that does not
// exist, which only the grok filter knows) is reported at the .conf
// position it came from.
func TestLoadErrorsAtConfPositions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logstash.conf")
	src := `input { beats { port => 5044 } }
filter {
  grok {
    match => { "message" => "^%{NOSUCHPATTERN:x}" }
  }
}
output { stdout { codec => json_lines } }
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(path, Options{}, builtin.Registry(), env)
	var ps spec.Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	if p := ps[0]; p.Pos.File != path || p.Pos.Line != 4 || p.Pos.Col != 5 || !strings.HasPrefix(p.Msg, `filter "grok": `) || !strings.Contains(p.Msg, "NOSUCHPATTERN") {
		t.Errorf("got %s", p)
	}
}

// TestLoadSetsSources: a loaded configuration names the .conf files, for
// reload to watch.
func TestLoadSetsSources(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"10-in.conf":  "input { beats { port => 5044 } }\n",
		"20-out.conf": "output { stdout { codec => json_lines } }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _, err := Load(dir, Options{}, builtin.Registry(), env)
	if err != nil {
		t.Fatal(err)
	}
	// The pipeline is named after the first file when no id is given.
	if len(cfg.Sources) != 2 || cfg.File != dir || cfg.Pipelines[0].Name != "10-in" {
		t.Errorf("sources %v, file %s, pipeline %s", cfg.Sources, cfg.File, cfg.Pipelines[0].Name)
	}
}

// TestQuote: every string survives the YAML writer and, with its ${
// escaped, ingestd's ${VAR} expansion.
func TestQuote(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []rune("ab'\"\\ :#-[]{}%$\n\t\r\x00\x7fé€😀\u2028\ufeff")
	samples := []string{"", "true", "no", "~", "null", "1", "-", "? x", "'", "${HOME}", "$${x}", "a: b", "#c", " lead", "trail "}
	for range 2000 {
		var b strings.Builder
		for range rng.Intn(12) {
			b.WriteRune(alphabet[rng.Intn(len(alphabet))])
		}
		samples = append(samples, b.String())
	}
	for _, s := range samples {
		var back map[string]string
		doc := lsconv.YAMLKey(s) + ": " + lsconv.Str(s).Render() + "\n"
		if err := yaml.Unmarshal([]byte(doc), &back); err != nil {
			t.Errorf("%q: %v\n%s", s, err, doc)
			continue
		}
		if len(back) != 1 {
			t.Errorf("%q: %v", s, back)
			continue
		}
		for k, v := range back {
			if k != s {
				t.Errorf("key %q came back as %q", s, k)
			}
			if got, _ := spec.Interpolate(v, func(string) (string, bool) { return "X", true }); got != s && utf8.ValidString(s) {
				t.Errorf("value %q came back as %q", s, got)
			}
		}
	}
}

// TestElasticsearchOutput: the connection options, and the per-document
// ones that ingestd reads from the event: document_id through
// [@metadata][_id], set by the last filters for the events that output
// takes; Beats' own [@metadata] routing fields removed, as Logstash's
// output ignores them.
func TestElasticsearchOutput(t *testing.T) {
	src := `input { beats { port => 5044 } }
output {
  if [keep] {
    elasticsearch {
      hosts => ["es1", "https://es2:9243/prefix"]
      ssl_enabled => true
      ssl_certificate_authorities => ["/etc/ca.pem"]
      ssl_verification_mode => "none"
      api_key => "id:secret"
      document_id => "%{[doc_id]}"
      data_stream => true
      data_stream_type => "metrics"
      data_stream_dataset => "app"
      data_stream_auto_routing => false
      compression_level => 0
    }
  }
}`
	yaml, ps := Convert(parse(t, src), Options{Lookup: env})
	if HasErrors(ps) {
		t.Fatal(ps)
	}
	for _, want := range []string{
		`hosts: ['https://es1:9200', 'https://es2:9243/prefix']`,
		`api_key: 'aWQ6c2VjcmV0'`,
		"tls:\n        certificate_authorities: ['/etc/ca.pem']\n        verify: false",
		`compression: false`,
		"type: 'metrics'\n      dataset: 'app'\n      namespace: 'default'\n      auto_routing: false\n      sync_fields: true",
	} {
		if !strings.Contains(string(yaml), want) {
			t.Errorf("no %q in\n%s", want, yaml)
		}
	}
	// In process (without the CA file, which loading would open).
	p := build(t, strings.Replace(src, `ssl_certificate_authorities => ["/etc/ca.pem"]`, "", 1))
	doc, outs := p.run(`{"message":"m","keep":"yes","doc_id":"abc","@metadata":{"pipeline":"filebeat-x","op_type":"index"}}`)
	meta, _ := doc["@metadata"].(map[string]any)
	if asJSON(outs) != `["elasticsearch"]` || meta["_id"] != "abc" || meta["pipeline"] != nil || meta["op_type"] != nil ||
		doc["_data_stream"] != "metrics-app-default" {
		t.Errorf("outputs %v, document %s", outs, asJSON(doc))
	}
	doc, outs = p.run(`{"message":"m","doc_id":"abc"}`)
	if meta, _ := doc["@metadata"].(map[string]any); len(outs) != 0 || meta["_id"] != nil {
		t.Errorf("outputs %v, document %s", outs, asJSON(doc))
	}
}

// TestIndexModeAction: writing to an index, Logstash's action defaults to
// index (elasticsearch.rb: create for data streams, index otherwise), so
// a document sent again with the same document_id replaces the first; the
// conversion sets [@metadata][op_type] for the output's events, and action
// => create keeps create. Beats' own op_type is not read either way.
func TestIndexModeAction(t *testing.T) {
	const out = `input { beats { port => 5044 } }
output {
  if [keep] {
    elasticsearch { hosts => ["es1"] index => "app-%{[svc]}" document_id => "%{[id]}" %s }
  }
}`
	for action, want := range map[string]any{"": "index", `action => "index"`: "index", `action => "create"`: nil} {
		p := build(t, strings.Replace(out, "%s", action, 1))
		doc, outs := p.run(`{"message":"m","keep":true,"svc":"web","id":"abc","@metadata":{"op_type":"delete"}}`)
		meta, _ := doc["@metadata"].(map[string]any)
		if asJSON(outs) != `["elasticsearch"]` || meta["_id"] != "abc" || meta["op_type"] != want || doc["_data_stream"] != "app-web" {
			t.Errorf("%q: outputs %v, document %s", action, outs, asJSON(doc))
		}
		if doc, _ := p.run(`{"message":"m"}`); doc["@metadata"] != nil {
			t.Errorf("%q: an event the output does not take got %s", action, asJSON(doc["@metadata"]))
		}
	}
	if got := problems(t, strings.Replace(out, "%s", `action => "update"`, 1)); len(got) != 1 || !strings.Contains(got[0], `action "update" is not supported`) {
		t.Errorf("action update: %v", got)
	}
}

// TestRubyHints checks what validate says of ruby filters seen in real
// pipelines and in Logstash's docs (the ruby filter's "event.cancel if
// rand <= 0.90" example; a lower-cased copy; an index date from
// @timestamp): the code's start and the ingestd filters for its calls.
func TestRubyHints(t *testing.T) {
	got := problems(t, beatsIn+`filter {
  ruby { code => "event.cancel if rand <= 0.90" }
  ruby { code => "event.set('lower', event.get('name').downcase)" }
  ruby { code => "event.set('[@metadata][day]', event.get('@timestamp').time.localtime.strftime('%Y.%m.%d'))" }
  ruby { path => "/etc/logstash/drop_percentage.rb" }
}
output { stdout { codec => json_lines } }`)
	for _, want := range []string{
		`test.conf:3:3: filter "ruby" is not supported: ingestd does not run Ruby (code: "event.cancel if rand <= 0.90"); in ingestd: dropping the event: drop {} (in a conditional)`,
		`test.conf:4:3: filter "ruby" is not supported: ingestd does not run Ruby (code: "event.set('lower', event.get('name').downcase)"); in ingestd: changing the case of name: mutate { lowercase/uppercase => ["name"] }`,
		`test.conf:5:3: filter "ruby" is not supported: ingestd does not run Ruby (code: "event.set('[@metadata][day]', event.get('@timestamp').time.localtime.strftime…"); in ingestd: time handling: the date filter (match, timezone, target), or %{+yyyy.MM.dd} in a sprintf text`,
		`test.conf:6:3: filter "ruby" is not supported: ingestd does not run Ruby (code: "script /etc/logstash/drop_percentage.rb"); express it with mutate, grok, dissect, translate or date, or leave it out`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing\n%s\nin\n%s", want, strings.Join(got, "\n"))
		}
	}
}

// TestESOutputECSDisabled: with ecs_compatibility => disabled the
// elasticsearch output is not eligible for data streams
// (logstash-output-elasticsearch data_stream_support.rb: "Not eligible for
// data streams because ecs_compatibility is not enabled") and writes to
// logstash-%{+yyyy.MM.dd}; under ECS, without data streams, to
// ecs-logstash-%{+yyyy.MM.dd} (elasticsearch.rb's default index).
func TestESOutputECSDisabled(t *testing.T) {
	for conf, want := range map[string]string{
		`elasticsearch { hosts => ["http://es:9200"] ecs_compatibility => disabled }`: "index: 'logstash-%{+yyyy.MM.dd}'",
		`elasticsearch { hosts => ["http://es:9200"] data_stream => false }`:          "index: 'ecs-logstash-%{+yyyy.MM.dd}'",
	} {
		p := build(t, beatsIn+"output { "+conf+" }")
		if !strings.Contains(p.yaml, want) || strings.Contains(p.yaml, "auto_routing: true") {
			t.Errorf("%s: want %s in\n%s", conf, want, p.yaml)
		}
	}
}

// TestESIndexDefaultsAndDates: without index, an ilm_rollover_alias is
// where Logstash writes (ilm.rb's setup_ilm); a Joda letter ingestd does
// not render in an index is an error, the weekly xxxx.ww of the output's
// docs is rendered.
func TestESIndexDefaultsAndDates(t *testing.T) {
	p := build(t, beatsIn+`output { elasticsearch { hosts => ["http://es:9200"] ilm_rollover_alias => "cloudflareaudit" } }`)
	if !strings.Contains(p.yaml, "index: 'cloudflareaudit'") {
		t.Errorf("alias:\n%s", p.yaml)
	}
	build(t, beatsIn+`output { elasticsearch { hosts => ["http://es:9200"] index => "logstash-%{+xxxx.ww}" } }`)
	got := problems(t, beatsIn+`output { elasticsearch { hosts => ["http://es:9200"] index => "logs-%{+QQ}" } }`)
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.Contains(s, `the date format "QQ" uses a Joda letter ingestd does not render`)
	}) {
		t.Errorf("problems %v", got)
	}
}

// TestEscapedBackslashIsNoEscape: "\\\\device\\\\harddiskvolume" (escapes
// off: two backslashes each) is an escaped backslash followed by h in the
// regex, not Ruby's \h: a real Windows-path pattern converts; two equal
// values of a repeated hash option stay one (hash_merge_with_dups).
func TestEscapedBackslashIsNoEscape(t *testing.T) {
	p := build(t, beatsIn+`filter {
  grok { match => { "message" => "\\device\\harddiskvolume%{INT}\\%{GREEDYDATA:ApplicationPath}" } ecs_compatibility => disabled }
  mutate { rename => { "sn" => "serial" } }
  mutate { rename => { "sn" => "serial" } rename => { "sn" => "serial" } }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"\\device\\harddiskvolume3\\Windows\\x.exe","sn":"1"}`)
	if doc["ApplicationPath"] != `Windows\x.exe` || doc["serial"] != "1" {
		t.Errorf("%s", asJSON(doc))
	}
}

// TestMissingFieldKeepsItsReference: Logstash's sprintf leaves a missing
// field's reference as written (StringInterpolation appends the original
// %{...} text): %{method} stays %{method}, not the bracketed form the
// conversion reads it as.
func TestMissingFieldKeepsItsReference(t *testing.T) {
	p := build(t, beatsIn+`filter { mutate { add_field => { "x1" => "%{method}" "x2" => "a-%{[b][c]}-%{d}" } } }
output { stdout { } }`)
	doc, _ := p.run(`{"message":"m"}`)
	for k, want := range map[string]string{"x1": "%{method}", "x2": "a-%{[b][c]}-%{d}"} {
		if doc[k] != want {
			t.Errorf("%s: %v, want %q", k, doc[k], want)
		}
	}
	doc, _ = p.run(`{"message":"m","method":"GET","b":{"c":1},"d":"z"}`)
	if doc["x1"] != "GET" || doc["x2"] != "a-1-z" {
		t.Errorf("present fields: %s", asJSON(doc))
	}
}

// TestIndexPerBranch: the common Logstash pattern of one elasticsearch
// output per branch, each naming its own index, converts: each event
// carries its output's index (dates rendered from its @timestamp), and
// document_id and the index action reach the events of every output that
// names them. Outputs that could take one event still may not differ.
func TestIndexPerBranch(t *testing.T) {
	p := build(t, `input { beats { port => 5044 } }
output {
  if [type] == "nginx" {
    elasticsearch { hosts => ["es1"] index => "nginx-%{+yyyy.MM.dd}" document_id => "%{[id]}" }
  } else if [type] == "app" {
    elasticsearch { hosts => ["es1"] index => "app-%{[svc]}" document_id => "%{[id]}" }
  } else {
    elasticsearch { hosts => ["es1"] index => "other" }
  }
}`)
	for in, want := range map[string][3]any{
		`{"type":"nginx","id":"n1","@timestamp":"2026-03-04T05:06:07.000Z"}`: {"nginx-2026.03.04", "n1", "index"},
		`{"type":"app","svc":"web","id":"a1"}`:                               {"app-web", "a1", "index"},
		`{"type":"db","id":"d1"}`:                                            {"other", nil, "index"},
	} {
		doc, outs := p.run(in)
		meta, _ := doc["@metadata"].(map[string]any)
		if len(outs) != 1 || doc["_data_stream"] != want[0] || meta["_id"] != want[1] || meta["op_type"] != want[2] {
			t.Errorf("%s: outputs %v, document %s", in, outs, asJSON(doc))
		}
	}
	got := problems(t, `input { beats { port => 5044 } }
output {
  if [type] == "nginx" { elasticsearch { index => "nginx" } }
  elasticsearch { index => "all" }
}`)
	if len(got) != 1 || !strings.Contains(got[0], "both can take one event") {
		t.Errorf("overlapping outputs: %v", got)
	}
}

// TestTranslateFallbackSprintf: translate's fallback is sprintf'd, as
// translate.rb does (event.sprintf(@fallback)).
func TestTranslateFallbackSprintf(t *testing.T) {
	p := build(t, beatsIn+`filter { translate { source => "code" target => "label" dictionary => { "200" => "OK" } fallback => "unknown %{code}" } }
output { stdout { codec => json_lines } }`)
	for in, want := range map[string]string{`{"code":"200"}`: "OK", `{"code":"418"}`: "unknown 418"} {
		if doc, _ := p.run(in); doc["label"] != want {
			t.Errorf("%s: %s", in, asJSON(doc))
		}
	}
}

// TestRemoveFieldSprintf: remove_field names may be sprintf'd, as in
// Logstash's own example (remove_field => [ "foo_%{somefield}" ]): the
// rendered name is removed; with the referenced field missing, the name
// renders as written, and a field of that literal name goes (as in
// Logstash), not the others.
func TestRemoveFieldSprintf(t *testing.T) {
	p := build(t, beatsIn+`filter { mutate { remove_field => ["foo_%{somefield}", "[obj][%{key}]"] } }
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"somefield":"hello","foo_hello":1,"foo_other":2,"key":"a","obj":{"a":1,"b":2}}`)
	if _, ok := doc["foo_hello"]; ok || doc["foo_other"] == nil || asJSON(doc["obj"]) != `{"b":2}` {
		t.Errorf("document %s", asJSON(doc))
	}
	doc, _ = p.run(`{"foo_hello":1,"foo_%{somefield}":2}`)
	if _, ok := doc["foo_%{somefield}"]; ok || doc["foo_hello"] == nil {
		t.Errorf("a missing reference: %s", asJSON(doc))
	}
}

// TestDissectIndirect: %{?key}=%{&key} converts and sets the field the
// key's text names, as logstash-filter-dissect does.
func TestDissectIndirect(t *testing.T) {
	p := build(t, beatsIn+`filter { dissect { mapping => { "message" => "%{?k}=%{&k} %{rest}" } } }
output { stdout { codec => json_lines } }`)
	if doc, _ := p.run(`{"message":"user=bob more"}`); doc["user"] != "bob" || doc["rest"] != "more" {
		t.Errorf("document %s", asJSON(doc))
	}
}
