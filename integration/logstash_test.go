package integration

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
	"github.com/ingestd/ingestd/internal/estest"
)

// TestLogstashConfBinary runs the real binary on the PT group's
// logstash.conf (lsconf/testdata/pt), converted in memory by `ingestd run
// -c logstash.conf`, against the Elasticsearch test double, and sends PT
// events over Beats with go-lumber. The test copy reads the port and the
// cluster from ${VAR}s (Logstash's substitution), and the password from
// ${LOGSTASH_WRITER_PASSWORD} as the original does. The documents in
// logs-django-pt are checked field by field against what Logstash makes of
// the events (see logstash.TestPTDocuments for the derivation); the event
// of another group goes to the stdout output, not to Elasticsearch.
func TestLogstashConfBinary(t *testing.T) {
	src, err := os.ReadFile("../lsconf/testdata/pt/logstash.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(src), "port => 5044", `host => "127.0.0.1" port => "${BEATS_PORT}"`, 1)
	conf = strings.Replace(conf, `hosts                  => ["elasticsearch:9200"]`, `hosts                  => ["${ES_URL}"]`, 1)
	if conf == string(src) || !strings.Contains(conf, "${ES_URL}") {
		t.Fatal("the PT configuration changed: update the substitutions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "logstash.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	es := startES(t)
	es.RequireBasicAuth("logstash_writer", "s3cret")
	beats, httpAddr := freePort(t), freePort(t)
	_, port, _ := net.SplitHostPort(beats)
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p := startProc(t, []string{"BEATS_PORT=" + port, "ES_URL=" + es.URL, "LOGSTASH_WRITER_PASSWORD=s3cret",
		"INGESTD_HTTP_LISTEN=" + httpAddr, "INGESTD_DATA_DIR=" + t.TempDir()}, out, "run", "-c", path, "--log-level", "warn")
	p.waitListening(t, beats)
	c, err := dial(t, beats, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	event := func(offset int, group, line string) []byte {
		return []byte(fmt.Sprintf(`{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.10.3"},`+
			`"agent":{"name":"vm1","type":"filebeat","version":"8.10.3"},"input":{"type":"filestream"},`+
			`"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":%d},"fields":{"group":%q,"service":"django"},"message":%q}`,
			offset, group, line))
	}
	batch := []any{
		event(0, "pt", "INFO|apps.parcels.views|2025-12-30T21:16:01.340|Created parcel 17"),
		event(80, "pt", "ERROR|django.request|2025-12-30T21:16:02|Internal Server Error: /api/parcels/"),
		event(160, "pt", "Traceback (most recent call last):"),
		event(240, "ops", "INFO|apps.parcels.views|2025-12-30T21:16:03|elsewhere"),
	}
	if n, err := c.Send(batch); err != nil || n != len(batch) {
		t.Fatalf("send: %d of %d ACKed: %v\n%s", n, len(batch), err, p.logs)
	}
	// The ACK came once every event was done: in Elasticsearch, or
	// printed (the else branch: stdout { codec => rubydebug { metadata =>
	// true } }, a Ruby-style hash with @metadata, none of the
	// conversion's own flags).
	printed, _ := os.ReadFile(filepath.Join(dir, "stdout"))
	text := string(printed)
	if strings.Count(text, "\n}\n") != 1 || !strings.HasPrefix(text, "{\n") ||
		!strings.Contains(text, `"message" => "INFO|apps.parcels.views|2025-12-30T21:16:03|elsewhere"`) ||
		!strings.Contains(text, `"group" => "ops"`) || !strings.Contains(text, `"@timestamp" => 2026-01-02T10:00:00.000Z`) ||
		!strings.Contains(text, `"beat" => "filebeat"`) || strings.Contains(text, "_ls") {
		t.Errorf("stdout: %s", printed)
	}
	for _, it := range es.Items() {
		if it.Index != "logs-django-pt" || it.Action != "create" || it.Status != 201 || it.Pipeline != "" {
			t.Errorf("bulk item %+v", it)
		}
	}
	docs := map[string]map[string]any{}
	for _, raw := range es.Docs("logs-django-pt") {
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprint(d["message"])] = d
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents in logs-django-pt, want 3 (the ops event goes to stdout): %v\n%s", len(docs), docs, p.logs)
	}
	stream := map[string]any{"type": "logs", "dataset": "django", "namespace": "pt"}
	common := map[string]any{
		"@version": "1", "group": "pt", "service": "django", "event": map[string]any{"module": "pt"}, "data_stream": stream,
		"fields": map[string]any{"group": "pt", "service": "django"},
		"agent":  map[string]any{"name": "vm1", "type": "filebeat", "version": "8.10.3"},
		"input":  map[string]any{"type": "filestream"},
	}
	want := map[string]map[string]any{
		"INFO|apps.parcels.views|2025-12-30T21:16:01.340|Created parcel 17": {
			"@timestamp": "2025-12-30T21:16:01.000Z", "log_level": "INFO", "logger_name": "apps.parcels.views",
			"log_timestamp": "2025-12-30T21:16:01", "log_ms": "340", "log_message": "Created parcel 17",
			"stream": "app", "app_module": "parcels", "tags": []any{"beats_input_codec_plain_applied"},
			"log": map[string]any{"file": map[string]any{"path": "/var/log/parcels/django.log"}, "offset": float64(0)},
		},
		"ERROR|django.request|2025-12-30T21:16:02|Internal Server Error: /api/parcels/": {
			"@timestamp": "2025-12-30T21:16:02.000Z", "log_level": "ERROR", "logger_name": "django.request",
			"log_timestamp": "2025-12-30T21:16:02", "log_message": "Internal Server Error: /api/parcels/",
			"stream": "django", "tags": []any{"beats_input_codec_plain_applied"},
			"log": map[string]any{"file": map[string]any{"path": "/var/log/parcels/django.log"}, "offset": float64(80)},
		},
		"Traceback (most recent call last):": {
			"@timestamp": "2026-01-02T10:00:00.000Z", "stream": "unknown", "app_module": "unknown",
			"tags": []any{"beats_input_codec_plain_applied", "_grokparsefailure_pt"},
			"log":  map[string]any{"file": map[string]any{"path": "/var/log/parcels/django.log"}, "offset": float64(160)},
		},
	}
	for msg, fields := range want {
		d := docs[msg]
		if d == nil {
			t.Errorf("no document for %q", msg)
			continue
		}
		expect := map[string]any{"message": msg}
		for k, v := range common {
			expect[k] = v
		}
		for k, v := range fields {
			expect[k] = v
		}
		for k, v := range expect {
			if g, w := jsonOf(d[k]), jsonOf(v); g != w {
				t.Errorf("%q: %s = %s, want %s", msg, k, g, w)
			}
		}
		// Nothing else: no metadata, no branch flags, no private tags.
		for k := range d {
			if _, ok := expect[k]; !ok {
				t.Errorf("%q: unexpected field %s = %s", msg, k, jsonOf(d[k]))
			}
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDockerELKConfBinary runs the docker-elk starter's logstash.conf
// (deviantony/docker-elk logstash/pipeline/logstash.conf, in
// lsconf/testdata/docker-elk): a beats input and a tcp input into an
// elasticsearch output with nothing else, which Logstash 8 writes to the
// logs-generic-default data stream. A line over TCP and an event over Beats
// both land there; only the Beats one has the beats input's codec tag, only
// the TCP one event.original (Logstash 8's ECS mode).
func TestDockerELKConfBinary(t *testing.T) {
	src, err := os.ReadFile("../lsconf/testdata/docker-elk/logstash.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(src), "port => 5044", `host => "127.0.0.1" port => "${BEATS_PORT}"`, 1)
	conf = strings.Replace(conf, "port => 50000", `host => "127.0.0.1" port => "${TCP_PORT}"`, 1)
	conf = strings.Replace(conf, `hosts => "elasticsearch:9200"`, `hosts => "${ES_URL}"`, 1)
	if strings.Count(conf, "${") != 4 {
		t.Fatalf("the docker-elk configuration changed: update the substitutions\n%s", conf)
	}
	path := filepath.Join(t.TempDir(), "logstash.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	es := startES(t)
	beats, tcpAddr := freePort(t), freePort(t)
	_, beatsPort, _ := net.SplitHostPort(beats)
	_, tcpPort, _ := net.SplitHostPort(tcpAddr)
	p := startProc(t, []string{"BEATS_PORT=" + beatsPort, "TCP_PORT=" + tcpPort, "ES_URL=" + es.URL, "LOGSTASH_INTERNAL_PASSWORD=changeme",
		"INGESTD_HTTP_LISTEN=" + freePort(t), "INGESTD_DATA_DIR=" + t.TempDir()}, nil, "run", "-c", path, "--log-level", "warn")
	p.waitListening(t, beats)
	p.waitListening(t, tcpAddr)

	conn, err := net.Dial("tcp", tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("hello over tcp\n")); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	c, err := dial(t, beats, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := c.Send([]any{[]byte(`{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","version":"8.10.3"},"message":"hello over beats"}`)}); err != nil || n != 1 {
		t.Fatalf("beats: %d ACKed: %v\n%s", n, err, p.logs)
	}
	waitFor(t, 10*time.Second, "both documents in logs-generic-default", func() bool { return len(es.Docs("logs-generic-default")) == 2 })
	byMessage := map[string]map[string]any{}
	for _, d := range es.Docs("logs-generic-default") {
		var doc map[string]any
		json.Unmarshal(d, &doc)
		byMessage[fmt.Sprint(doc["message"])] = doc
	}
	tcpDoc, beatsDoc := byMessage["hello over tcp"], byMessage["hello over beats"]
	if tcpDoc == nil || beatsDoc == nil {
		t.Fatalf("documents: %v", byMessage)
	}
	// Logstash 8 runs the tcp input and its line codec in ECS mode: the
	// client only in @metadata, the line in event.original.
	if tcpDoc["@version"] != "1" || tcpDoc["host"] != nil || tcpDoc["port"] != nil || tcpDoc["tags"] != nil || fmt.Sprint(tcpDoc["event"]) != "map[original:hello over tcp]" {
		t.Errorf("tcp document %v", tcpDoc)
	}
	if beatsDoc["@version"] != "1" || fmt.Sprint(beatsDoc["tags"]) != "[beats_input_codec_plain_applied]" {
		t.Errorf("beats document %v", beatsDoc)
	}
	ds, _ := json.Marshal(tcpDoc["data_stream"])
	if string(ds) != `{"dataset":"generic","namespace":"default","type":"logs"}` {
		t.Errorf("tcp data_stream %s", ds)
	}
}

// TestBeatsIndexConfBinary runs the Logstash docs' Beats example
// ("Configuring Logstash for Filebeat", logstash-reference): a beats input
// and an elasticsearch output writing to the index
// %{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}, not a data
// stream.
func TestBeatsIndexConfBinary(t *testing.T) {
	conf := `input {
  beats { host => "127.0.0.1" port => "${BEATS_PORT}" }
}
output {
  elasticsearch {
    hosts => ["${ES_URL}"]
    index => "%{[@metadata][beat]}-%{[@metadata][version]}-%{+YYYY.MM.dd}"
  }
}
`
	es, c, p := runConf(t, "beats.conf", conf, nil)
	ev := []byte(`{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.10.3"},"message":"hello"}`)
	if n, err := c.Send([]any{ev}); err != nil || n != 1 {
		t.Fatalf("%d ACKed: %v\n%s", n, err, p.logs)
	}
	docs := es.Docs("filebeat-8.10.3-2026.01.02")
	if len(docs) != 1 {
		t.Fatalf("%d documents in filebeat-8.10.3-2026.01.02; items %+v", len(docs), es.Items())
	}
	var doc map[string]any
	json.Unmarshal(docs[0], &doc)
	if doc["message"] != "hello" || doc["data_stream"] != nil || doc["@version"] != "1" || fmt.Sprint(doc["tags"]) != "[beats_input_codec_plain_applied]" {
		t.Errorf("document %s", docs[0])
	}
}

// TestPipelinesYMLBinary runs a pipelines.yml in the distributor pattern of
// Logstash's pipeline-to-pipeline documentation ("The distributor
// pattern", logstash-reference pipeline-to-pipeline.html): one pipeline
// receives Beats events and sends each to the pipeline for its type, which
// filter and index them. The Beats batch is acknowledged once every event
// is indexed by its downstream pipeline; @metadata crosses pipelines (the
// weblog index is named from it), as the pipeline output's event clone
// keeps it.
func TestPipelinesYMLBinary(t *testing.T) {
	weblog := `input { pipeline { address => weblogs } }
filter {
  dissect { mapping => { "message" => "%{[source][ip]} %{verb} %{path}" } }
}
output { elasticsearch { hosts => ["${ES_URL}"] index => "weblogs-%{[@metadata][beat]}" } }
`
	pipelines := `- pipeline.id: beats-server
  config.string: |
    input { beats { host => "127.0.0.1" port => "${BEATS_PORT}" } }
    output {
        if [type] == "apache" {
          pipeline { send_to => weblogs }
        } else if [type] == "system" {
          pipeline { send_to => syslog }
        } else {
          pipeline { send_to => fallback }
        }
    }
- pipeline.id: weblog-processing
  path.config: "conf.d/weblog.conf"
- pipeline.id: syslog-processing
  config.string: |
    input { pipeline { address => syslog tags => ["via_syslog"] } }
    output { elasticsearch { hosts => ["${ES_URL}"] index => "syslog" } }
- pipeline.id: fallback-processing
  config.string: |
    input { pipeline { address => fallback } }
    output { elasticsearch { hosts => ["${ES_URL}"] index => "other" } }
`
	es, c, p := runConf(t, "pipelines.yml", pipelines, map[string]string{"conf.d/weblog.conf": weblog})
	meta := `"@metadata":{"beat":"filebeat","version":"8.10.3"}`
	batch := []any{
		[]byte(`{"@timestamp":"2026-01-02T10:00:00.000Z",` + meta + `,"type":"apache","message":"10.0.0.1 GET /index.html"}`),
		[]byte(`{"@timestamp":"2026-01-02T10:00:01.000Z",` + meta + `,"type":"system","message":"sshd started"}`),
		[]byte(`{"@timestamp":"2026-01-02T10:00:02.000Z",` + meta + `,"message":"something else"}`),
	}
	if n, err := c.Send(batch); err != nil || n != 3 {
		t.Fatalf("%d ACKed: %v\n%s", n, err, p.logs)
	}
	// The ACK came after every downstream pipeline wrote its event.
	one := func(index string) map[string]any {
		t.Helper()
		docs := es.Docs(index)
		if len(docs) != 1 {
			t.Fatalf("%d documents in %s after the ACK; items %+v", len(docs), index, es.Items())
		}
		var doc map[string]any
		json.Unmarshal(docs[0], &doc)
		return doc
	}
	web := one("weblogs-filebeat")
	if web["verb"] != "GET" || web["path"] != "/index.html" || fmt.Sprint(web["source"]) != "map[ip:10.0.0.1]" || web["@version"] != "1" {
		t.Errorf("weblog document %v", web)
	}
	if fmt.Sprint(web["tags"]) != "[beats_input_codec_plain_applied]" {
		t.Errorf("weblog tags %v: want the beats input's codec tag, set upstream", web["tags"])
	}
	sys := one("syslog")
	if fmt.Sprint(sys["tags"]) != "[beats_input_codec_plain_applied via_syslog]" {
		t.Errorf("syslog tags %v", sys["tags"])
	}
	if other := one("other"); other["message"] != "something else" {
		t.Errorf("fallback document %v", other)
	}
}

// TestSplitIndexesEveryPiece: the pieces a split filter makes of one
// Filebeat line share its origin (agent, file, offset); each is indexed as
// its own document (ingestd's origin-derived _id mixes in the piece), and
// the Beats batch is acknowledged once all are.
func TestSplitIndexesEveryPiece(t *testing.T) {
	conf := `input { beats { host => "127.0.0.1" port => "${BEATS_PORT}" } }
filter { split { field => "message" } }
output { elasticsearch { hosts => ["${ES_URL}"] index => "pieces" } }
`
	es, c, p := runConf(t, "split.conf", conf, nil)
	ev := []byte(`{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","version":"8.10.3"},"agent":{"id":"a1"},` +
		`"log":{"file":{"path":"/var/log/app.log"},"offset":0},"message":"first\nsecond\nthird"}`)
	if n, err := c.Send([]any{ev}); err != nil || n != 1 {
		t.Fatalf("%d ACKed: %v\n%s", n, err, p.logs)
	}
	var got []string
	for _, d := range es.Docs("pieces") {
		var doc map[string]any
		json.Unmarshal(d, &doc)
		got = append(got, fmt.Sprint(doc["message"]))
	}
	if strings.Join(got, ",") != "first,second,third" {
		t.Errorf("documents %v; items %+v", got, es.Items())
	}
}

// runConf runs the real binary on a Logstash configuration written to a
// file named name in its own directory (with files, relative paths to
// it), its beats input on ${BEATS_PORT} and its elasticsearch output at
// ${ES_URL}, and returns the Elasticsearch double, a Beats client
// connected to it and the process.
func runConf(t *testing.T, name, conf string, files map[string]string) (*estest.Server, *client.SyncClient, *proc) {
	t.Helper()
	dir := t.TempDir()
	files = maps.Clone(files)
	if files == nil {
		files = map[string]string{}
	}
	files[name] = conf
	for rel, text := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	es := startES(t)
	beats := freePort(t)
	_, port, _ := net.SplitHostPort(beats)
	p := startProc(t, []string{"BEATS_PORT=" + port, "ES_URL=" + es.URL, "INGESTD_HTTP_LISTEN=" + freePort(t), "INGESTD_DATA_DIR=" + t.TempDir()},
		nil, "run", "-c", filepath.Join(dir, name), "--log-level", "warn")
	p.waitListening(t, beats)
	c, err := dial(t, beats, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return es, c, p
}
