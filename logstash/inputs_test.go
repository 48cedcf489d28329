package logstash

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/builtin"
)

// TestInputDecorations checks that each input decorates its own events
// only: Logstash's base input decorate (type when absent, add_field, tags;
// logstash-core lib/logstash/inputs/base.rb) on tcp, udp and beats, and the
// beats codec tags (logstash-input-beats decoded_event_transform.rb) on
// beats events only. Every event gets @version "1" (Event.new).
func TestInputDecorations(t *testing.T) {
	p := build(t, `
input {
  beats { port => 5044 tags => ["from_beats"] }
  beats { id => "tls" port => 5045 type => "secure" }
  tcp { port => 5000 type => "syslog" add_field => { "[source][kind]" => "tcp-%{type}" } tags => ["net"] }
  udp { port => 5001 }
}
output { stdout { codec => json_lines } }
`)
	ids := []string{}
	for _, in := range p.cfg.Inputs {
		ids = append(ids, in.ID)
	}
	if want := []string{"beats", "tls", "tcp", "udp"}; !slices.Equal(ids, want) {
		t.Fatalf("input ids %v, want %v", ids, want)
	}
	cases := []struct {
		input, doc string
		tags       []any
		typ        any
		kind       any
	}{
		{"beats", `{"message":"m"}`, []any{"from_beats", "beats_input_codec_plain_applied"}, nil, nil},
		{"tls", `{"message":"m"}`, []any{"beats_input_codec_plain_applied"}, "secure", nil},
		{"tls", `{"message":"m","type":"own"}`, []any{"beats_input_codec_plain_applied"}, "own", nil},
		{"tcp", `{"message":"m"}`, []any{"net"}, "syslog", "tcp-syslog"},
		{"udp", `{"message":"m"}`, nil, nil, nil},
	}
	for _, c := range cases {
		doc, _ := p.runOn(c.input, c.doc)
		if got := doc["@version"]; got != "1" {
			t.Errorf("%s %s: @version %v", c.input, c.doc, got)
		}
		tags, _ := doc["tags"].([]any)
		if !slices.Equal(tags, c.tags) {
			t.Errorf("%s %s: tags %v, want %v", c.input, c.doc, tags, c.tags)
		}
		if got := doc["type"]; got != c.typ {
			t.Errorf("%s %s: type %v, want %v", c.input, c.doc, got, c.typ)
		}
		if got := get(doc, "source.kind"); got != c.kind {
			t.Errorf("%s %s: source.kind %v, want %v", c.input, c.doc, got, c.kind)
		}
	}
}

// TestPipelineInputOutput checks the conversion of the pipeline input and
// output (logstash-core lib/logstash/plugins/builtin/pipeline): ids,
// address, send_to, ensure_delivery, and the decoration of a pipeline
// input (internalReceive calls decorate).
func TestPipelineInputOutput(t *testing.T) {
	p := build(t, `
input { pipeline { address => "in" tags => ["via_bus"] } }
output {
  if [x] { pipeline { send_to => ["a", "b"] ensure_delivery => false } }
  else { pipeline { id => "other" send_to => "c" } }
}
`)
	if len(p.cfg.Inputs) != 1 || p.cfg.Inputs[0].ID != "pipeline" {
		t.Fatalf("inputs: %+v", p.cfg.Inputs)
	}
	doc, outs := p.run(`{"x":true,"@version":"1"}`)
	if tags, _ := doc["tags"].([]any); !slices.Equal(tags, []any{"via_bus"}) {
		t.Errorf("tags %v", tags)
	}
	if !slices.Equal(outs, []string{"pipeline"}) {
		t.Errorf("outputs %v", outs)
	}
	if _, outs := p.run(`{}`); !slices.Equal(outs, []string{"other"}) {
		t.Errorf("else: outputs %v", outs)
	}
	for _, want := range []string{"send_to: ['a', 'b']", "ensure_delivery: false", "address: 'in'"} {
		if !contains(p.yaml, want) {
			t.Errorf("the YAML lacks %q:\n%s", want, p.yaml)
		}
	}
	got := problems(t, `
input { pipeline { } }
output { pipeline { } }
`)
	want := []string{
		`test.conf:2:9: input "pipeline": option address is required`,
		`test.conf:3:10: output "pipeline": option send_to is required`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%v\nwant\n%v", got, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestTCPAndUDPOnOnePort: a tcp and a udp input may share a port number
// (separate sockets, as Logstash's syslog input itself listens on both);
// two tcp inputs may not, reported at the second one's .conf position.
func TestTCPAndUDPOnOnePort(t *testing.T) {
	build(t, `input { tcp { port => 5514 type => syslog } udp { port => 5514 type => syslog } }
output { stdout { } }`)
	dir := t.TempDir()
	path := dir + "/two.conf"
	if err := os.WriteFile(path, []byte(`input { tcp { port => 5514 } tcp { port => 5514 } }
output { stdout { } }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(path, Options{Lookup: env}, builtin.Registry(), env)
	if err == nil || !strings.Contains(err.Error(), path+`:1:30: input "tcp_2": TCP port 5514 is already bound by input "tcp"`) {
		t.Errorf("two tcp inputs on one port: %v", err)
	}
}

// TestQuotedNumbers: a number option written as a string ("2048", or a
// ${VAR:default} that becomes one) is a number, as Logstash's :number
// validation (config/mixin.rb) takes it; elastiflow's udp input writes
// queue_size => "${ELASTIFLOW_NETFLOW_UDP_QUEUE_SIZE:2048}".
func TestQuotedNumbers(t *testing.T) {
	p := build(t, `input { udp { port => 2055 queue_size => "${UDP_QUEUE_SIZE:2048}" receive_buffer_bytes => "33554432" } }
output { stdout { } }`)
	if !strings.Contains(p.yaml, "queue_size: 2048") || !strings.Contains(p.yaml, "receive_buffer_bytes: 33554432") {
		t.Errorf("YAML:\n%s", p.yaml)
	}
	got := problems(t, `input { udp { port => 2055 queue_size => "lots" } }
output { stdout { } }`)
	if len(got) != 1 || !strings.Contains(got[0], `queue_size: expected a whole number`) {
		t.Errorf("problems %v", got)
	}
}

// TestCodecOptions: a codec option that would change the events is never
// dropped silently: charset other than UTF-8 is refused (Logstash's plain
// codec transcodes by it), delimiter is kept, format (an output option) is
// a warning.
func TestCodecOptions(t *testing.T) {
	got := problems(t, `input {
  tcp { port => 5000 codec => plain { charset => "ISO-8859-1" } }
  udp { port => 5001 codec => line { delimiter => "\r\n" format => "%{message}" charset => "UTF-8" } }
}
output { stdout { } }`)
	want := []string{
		`test.conf:2:39: input "tcp": codec plain: charset "ISO-8859-1" is not supported: ingestd reads UTF-8 (invalid bytes become U+FFFD); convert the source or ship it with Filebeat's encoding option`,
		`test.conf:3:58: warning: input "udp": codec line: option format is ignored (it does not change decoded events)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPeerMetadataWarning: asking for the TLS peer's metadata, by the
// legacy option or by enrich, warns that a client without a certificate
// is no_client_cert in ingestd where Logstash says unverified (a condition
// on "unverified" would never match).
// ssl_peer_metadata asks for Logstash's statuses: a client without a
// certificate is "unverified" (logstash-input-beats message_listener.rb,
// extract_tls_peer), which the converted input keeps with
// tls.no_cert_status; without it the input says no_client_cert.
func TestPeerMetadataStatus(t *testing.T) {
	for _, opt := range []string{`ssl_peer_metadata => true`, `enrich => ["source_metadata", "ssl_peer_metadata"]`} {
		src := `input { beats { port => 5044 ` + opt + ` } }
output { stdout { } }`
		p := build(t, src)
		if !strings.Contains(p.yaml, "no_cert_status: 'unverified'") {
			t.Errorf("%s: no no_cert_status in\n%s", opt, p.yaml)
		}
	}
	p := build(t, `input { beats { port => 5044 } }
output { stdout { } }`)
	if strings.Contains(p.yaml, "no_cert_status") {
		t.Errorf("no_cert_status without ssl_peer_metadata:\n%s", p.yaml)
	}
}

// Inputs that decorate alike share one set of blocks, whatever their
// add_field holds (the comparison once printed add_field's values as
// pointers, so two equal add_fields always differed and every block got
// an input() guard); an input's add_field takes a list of values, as
// Logstash's Decorators.add_fields does (Array(value)).
func TestEqualInputDecorationsShareBlocks(t *testing.T) {
	p := build(t, `
input {
  tcp { port => 5000 add_field => { "site" => "a" "multi" => ["x", "y"] } }
  udp { port => 5001 add_field => { "site" => "a" "multi" => ["x", "y"] } }
}
output { stdout { codec => json_lines } }
`)
	if strings.Contains(p.yaml, "input() ==") {
		t.Fatalf("equal decorations got guards per input:\n%s", p.yaml)
	}
	for _, in := range []string{"tcp", "udp"} {
		doc, _ := p.runOn(in, `{"message":"m"}`)
		if got := asJSON(doc["multi"]); got != `["x","y"]` || doc["site"] != "a" {
			t.Errorf("%s: site %v multi %s", in, doc["site"], got)
		}
	}
	q := build(t, `
input {
  tcp { port => 5000 add_field => { "site" => "a" } }
  udp { port => 5001 add_field => { "site" => "b" } }
}
output { stdout { codec => json_lines } }
`)
	if !strings.Contains(q.yaml, "input() ==") {
		t.Fatalf("different decorations share blocks:\n%s", q.yaml)
	}
	for in, want := range map[string]string{"tcp": "a", "udp": "b"} {
		if doc, _ := q.runOn(in, `{"message":"m"}`); doc["site"] != want {
			t.Errorf("%s: site %v, want %s", in, doc["site"], want)
		}
	}
}
