package logstash

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUserAgentConverted: the useragent filter keeps its options, and its
// common options apply when the source field is there (the plugin returns
// early without it: logstash-filter-useragent's filter method).
func TestUserAgentConverted(t *testing.T) {
	p := build(t, beatsIn+`filter {
  useragent { source => "agent" target => "ua" add_tag => ["ua_parsed"] }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}`)
	// Logstash 8's default, ECS: name, version, os.name under the target,
	// the version parts in @metadata.
	ua, _ := doc["ua"].(map[string]any)
	if ua["name"] != "Chrome" || ua["version"] != "120.0.0.0" || ua["major"] != nil || get(doc, "ua.os.name") != "Linux" || asJSON(doc["tags"]) != `["ua_parsed"]` {
		t.Errorf("ua %v, tags %s\n%s", ua, asJSON(doc["tags"]), p.yaml)
	}
	legacy := build(t, beatsIn+`filter {
  useragent { source => "agent" target => "ua" ecs_compatibility => disabled }
}
output { stdout { codec => json_lines } }`)
	doc, _ = legacy.run(`{"message":"m","agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}`)
	if get(doc, "ua.major") != "120" || get(doc, "ua.os_name") != "Linux" {
		t.Errorf("legacy: %v", doc["ua"])
	}
	doc, _ = p.run(`{"message":"m"}`)
	if doc["ua"] != nil || doc["tags"] != nil {
		t.Errorf("without the source: %v", doc)
	}
}

// TestGeoIPConverted: geoip's options pass through with Logstash's failure
// tag; without database (Logstash's bundled GeoLite2) the conversion says
// a path is needed.
func TestGeoIPConverted(t *testing.T) {
	yaml, ps := Convert(parse(t, beatsIn+`filter {
  geoip { source => "[client][ip]" target => "geo" database => "/var/lib/GeoLite2-City.mmdb" fields => ["city_name", "location"] }
}
output { stdout { codec => json_lines } }`), Options{Lookup: env})
	for _, p := range ps {
		if !p.Warning {
			t.Errorf("problem: %s", p)
		}
	}
	for _, want := range []string{"- geoip:", "source: '[client][ip]'", "target: '[geo]'", "database: '/var/lib/GeoLite2-City.mmdb'", "fields: ['city_name', 'location']", "tag_on_failure: ['_geoip_lookup_failure']", "ecs_compatibility: 'v8'"} {
		if !strings.Contains(string(yaml), want) {
			t.Errorf("no %q in\n%s", want, yaml)
		}
	}
}

// TestMoreFiltersConverted: kv, csv, fingerprint, prune and cidr keep
// their Logstash options, and their common options apply as Logstash's
// filter_matched does: kv and csv when they parsed, cidr on a match,
// fingerprint and prune always.
func TestMoreFiltersConverted(t *testing.T) {
	p := build(t, beatsIn+`filter {
  kv { source => "kvs" target => "kv" add_tag => ["kv_ok"] }
  csv { source => "row" columns => ["name", "n"] convert => { "n" => "integer" } }
  fingerprint { source => ["name"] method => "SHA256" target => "fp" }
  cidr { address => ["%{ip}"] network => ["10.0.0.0/8"] add_tag => ["internal"] }
  prune { blacklist_names => ["^row$", "^kvs$"] }
}
output { stdout { codec => json_lines } }`)
	doc, _ := p.run(`{"message":"m","kvs":"a=1 b=two","row":"web1,5","ip":"10.1.2.3"}`)
	kv, _ := doc["kv"].(map[string]any)
	fp, _ := doc["fp"].(string)
	if kv["a"] != "1" || kv["b"] != "two" || doc["name"] != "web1" || asJSON(doc["n"]) != "5" || len(fp) != 64 ||
		asJSON(doc["tags"]) != `["kv_ok","internal"]` || doc["row"] != nil || doc["kvs"] != nil {
		t.Errorf("document %s\n%s", asJSON(doc), p.yaml)
	}
	// No source for kv and csv, an address outside the network: no tags
	// at all (the conversion's private failure tag is gone too).
	doc, _ = p.run(`{"message":"m","ip":"8.8.8.8"}`)
	if doc["tags"] != nil || doc["kv"] != nil || doc["name"] != nil {
		t.Errorf("document %s", asJSON(doc))
	}
}

// TestTranslateDictionaryPath: dictionary_path and refresh_interval (in
// seconds) pass to ingestd's translate, which reads the file as the plugin
// does (YAML here).
func TestTranslateDictionaryPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "codes.yml")
	if err := os.WriteFile(path, []byte("\"404\": Not Found\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := build(t, beatsIn+`filter {
  translate { source => "status" target => "status_text" dictionary_path => "`+path+`" refresh_interval => 60 }
}
output { stdout { codec => json_lines } }`)
	if !strings.Contains(p.yaml, "refresh_interval: '60s'") {
		t.Errorf("yaml:\n%s", p.yaml)
	}
	doc, _ := p.run(`{"message":"m","status":"404"}`)
	if doc["status_text"] != "Not Found" {
		t.Errorf("document %s", asJSON(doc))
	}
}

// TestSplitConverted checks split through the conversion: the pieces go
// through the filters after it, and its common options apply to each piece
// (filter_matched on each clone in logstash-filter-split's filter), not to
// an event left whole.
func TestSplitConverted(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
filter {
  split { field => "results" add_tag => ["piece"] add_field => { "from" => "split" } }
  mutate { add_field => { "seen" => "%{results}" } }
}
output { stdout { codec => json_lines } }
`)
	docs := p.runAll(`{"results":["a","b"],"message":"m"}`)
	if len(docs) != 2 {
		t.Fatalf("%d documents", len(docs))
	}
	for i, want := range []string{"a", "b"} {
		d := docs[i]
		if d["results"] != want || d["seen"] != want || d["from"] != "split" || asJSON(d["tags"]) != `["beats_input_codec_plain_applied","piece"]` {
			t.Errorf("piece %d: %v", i, asJSON(d))
		}
		if meta, _ := d["@metadata"].(map[string]any); len(meta) != 0 {
			t.Errorf("piece %d keeps metadata %v", i, meta)
		}
	}
	whole := p.runAll(`{"results":"one","message":"m"}`)
	if len(whole) != 1 || whole[0]["from"] != nil || asJSON(whole[0]["tags"]) != `["beats_input_codec_plain_applied"]` {
		t.Errorf("an event left whole: %v", asJSON(whole))
	}
}

// TestHTTPOutputConverted checks the http output's options (the
// logstash-output-http documentation's names) and what is refused.
func TestHTTPOutputConverted(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
output {
  http {
    url => "https://hooks.example.com/%{[service]}"
    http_method => "post"
    format => "json"
    headers => { "X-Source" => "%{host}" }
    mapping => { "text" => "%{message}" }
    retryable_codes => [429, 503]
    request_timeout => 10
    automatic_retries => 3
  }
}
`)
	for _, want := range []string{"url: 'https://hooks.example.com/%{[service]}'", "http_method: 'post'", "'X-Source': '%{host}'", "text: '%{message}'", "retryable_codes: [429, 503]", "request_timeout: '10s'"} {
		if !strings.Contains(p.yaml, want) {
			t.Errorf("the YAML lacks %q:\n%s", want, p.yaml)
		}
	}
	got := problems(t, `
input { beats { port => 5044 } }
output {
  http { url => "http://x/%{a}" http_method => "post" format => "json_batch" }
  http { url => "http://x" format => "form" http_method => "post" }
  http { url => "http://x" }
}
`)
	for _, want := range []string{
		`test.conf:4:17: output "http": url "http://x/%{a}": with format json_batch`,
		`test.conf:5:38: output "http": format "form" is not supported`,
		`test.conf:6:3: output "http": option http_method is required`,
	} {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, want) }) {
			t.Errorf("missing %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

// TestFileOutputConverted checks the file output's path template and line
// codec (logstash-output-file: path with sprintf, codec line { format }).
func TestFileOutputConverted(t *testing.T) {
	p := build(t, `
input { beats { port => 5044 } }
output { file { path => "/var/log/archive/%{[fields][service]}-%{+YYYY-MM-dd}.log" codec => line { format => "%{message}" } } }
`)
	for _, want := range []string{"path: '/var/log/archive/%{[fields][service]}-%{+YYYY-MM-dd}.log'", "codec: 'line'", "format: '%{message}'"} {
		if !strings.Contains(p.yaml, want) {
			t.Errorf("the YAML lacks %q:\n%s", want, p.yaml)
		}
	}
}

// TestFingerprintTarget: without target, logstash-filter-fingerprint writes
// [event][hash] under ECS (Logstash 8's default) and fingerprint in legacy
// mode.
func TestFingerprintTarget(t *testing.T) {
	for mode, field := range map[string]string{"": "event.hash", "ecs_compatibility => disabled": "fingerprint"} {
		p := build(t, beatsIn+`filter { fingerprint { source => ["message"] method => "SHA256" `+mode+` } }
output { stdout { codec => json_lines } }`)
		doc, _ := p.run(`{"message":"m"}`)
		if s, _ := get(doc, field).(string); len(s) != 64 {
			t.Errorf("%q: %s = %v\n%s", mode, field, get(doc, field), p.yaml)
		}
	}
}
