package integration

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/internal/estest"
)

// The events of TestAgentAndModulesThroughDefaultConfig, as the clients
// send them over lumberjack (with the @metadata Beats adds).
var (
	// Elastic Agent's system integration, syslog data stream: the shape of
	// elastic/integrations packages/system/data_stream/syslog/
	// sample_event.json before the integration's ingest pipeline ran.
	agentSyslog = `{"@timestamp":"1986-04-25T21:23:45.388Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.10.3","input_id":"logfile-system-1"},"agent":{"id":"85e991cd-d9f2-4b7c-b55b-6c5a9fc1d41d","name":"docker-fleet-agent","type":"filebeat","version":"8.10.3"},"data_stream":{"dataset":"system.syslog","namespace":"ep","type":"logs"},"ecs":{"version":"8.0.0"},"elastic_agent":{"id":"85e991cd-d9f2-4b7c-b55b-6c5a9fc1d41d","snapshot":false,"version":"8.10.3"},"event":{"dataset":"system.syslog"},"input":{"type":"log"},"log":{"file":{"path":"/tmp/service_logs/syslog.log"},"offset":199},"message":"1986-04-26T01:23:45.388424+04:00 rmbkmonitor04 thermald: constraint_0_power_limit_uw exceeded."}`
	// Filebeat's nginx module: event.module/dataset, fileset and service
	// as in elastic/beats filebeat/module/nginx/access/test/
	// test.log-expected.json; @metadata.pipeline is how a module names its
	// ingest pipeline (spelled in mixed case here: Beats lower-cases it).
	moduleNginx = `{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.10.3","pipeline":"Filebeat-8.10.3-nginx-access-pipeline"},"agent":{"name":"web1","type":"filebeat","version":"8.10.3"},"event":{"module":"nginx","dataset":"nginx.access"},"fileset":{"name":"access"},"service":{"type":"nginx"},"input":{"type":"log"},"log":{"file":{"path":"/var/log/nginx/access.log"},"offset":0},"message":"127.0.0.1 - - [02/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8.5.0\""}`
	// A processor that flattens keys (Beats' or a user's) leaves the
	// data_stream parts dotted; an id given in @metadata is kept.
	dottedKeys = `{"@timestamp":"2026-01-02T10:00:01.000Z","@metadata":{"beat":"filebeat","version":"8.10.3","_id":"given-id-1"},"data_stream.type":"logs","data_stream.dataset":"custom.app","data_stream.namespace":"Team-A","message":"hello"}`
	// The PT group's own Filebeat: unaffected.
	ptLine = `{"@timestamp":"2026-01-02T10:00:02.000Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.10.3"},"agent":{"name":"vm","type":"filebeat","version":"8.10.3"},"fields":{"group":"pt","service":"django"},"input":{"type":"filestream"},"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":0},"message":"INFO|apps.parcels.views|2026-01-02T10:00:02.000|Created parcel 1"}`
)

// TestAgentAndModulesThroughDefaultConfig runs the real binary on its
// embedded default config against the Elasticsearch test double and sends
// Elastic Agent, Filebeat module and PT events with go-lumber: each lands
// where Logstash's elasticsearch output (data_stream_auto_routing) would
// put it, with its module's ingest pipeline named in the bulk item.
func TestAgentAndModulesThroughDefaultConfig(t *testing.T) {
	es := startES(t)
	es.AddPipeline("filebeat-8.10.3-nginx-access-pipeline")
	beats, httpAddr := freePort(t), freePort(t)
	p := startProc(t, []string{"INGESTD_ES_HOSTS=" + es.URL, "INGESTD_BEATS_LISTEN=" + beats,
		"INGESTD_HTTP_LISTEN=" + httpAddr, "INGESTD_DATA_DIR=" + t.TempDir()}, nil, "run", "--log-level", "warn")
	p.waitListening(t, beats)
	c, err := dial(t, beats, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	batch := []any{[]byte(agentSyslog), []byte(moduleNginx), []byte(dottedKeys), []byte(ptLine)}
	if n, err := c.Send(batch); err != nil || n != len(batch) {
		t.Fatalf("send: %d of %d ACKed: %v\n%s", n, len(batch), err, p.logs)
	}
	// The ACK comes once every event is in Elasticsearch.
	items := map[string]estest.Item{}
	for _, it := range es.Items() {
		items[it.Index] = it
	}
	want := []struct {
		index, pipeline, id string
		dataStream          string
	}{
		{"logs-system.syslog-ep", "", "", `{"type":"logs","dataset":"system.syslog","namespace":"ep"}`},
		{"logs-nginx.access-default", "filebeat-8.10.3-nginx-access-pipeline", "", `{"type":"logs","dataset":"nginx.access","namespace":"default"}`},
		{"logs-custom.app-team_a", "", "given-id-1", `{"type":"logs","dataset":"custom.app","namespace":"team_a"}`},
		{"logs-django-pt", "", "", `{"type":"logs","dataset":"django","namespace":"pt"}`},
	}
	for _, w := range want {
		it, ok := items[w.index]
		if !ok {
			t.Errorf("nothing written to %s; items: %+v", w.index, es.Items())
			continue
		}
		if it.Action != "create" || it.Pipeline != w.pipeline || it.Status != 201 || (w.id != "" && it.ID != w.id) {
			t.Errorf("%s: item %+v, want create, pipeline %q, id %q", w.index, it, w.pipeline, w.id)
		}
		docs := es.Docs(w.index)
		if len(docs) != 1 {
			t.Errorf("%s: %d documents", w.index, len(docs))
			continue
		}
		var doc map[string]json.RawMessage
		json.Unmarshal(docs[0], &doc)
		if string(doc["data_stream"]) != w.dataStream {
			t.Errorf("%s: data_stream %s, want %s", w.index, doc["data_stream"], w.dataStream)
		}
		for k := range doc {
			if strings.HasPrefix(k, "data_stream.") || k == "@metadata" || k == "tags" {
				t.Errorf("%s: the document has %s: %s", w.index, k, docs[0])
			}
		}
	}
	// The module's ECS service object was left as it came.
	if d := es.Docs("logs-nginx.access-default"); len(d) == 1 && !strings.Contains(string(d[0]), `"service":{"type":"nginx"}`) {
		t.Errorf("module document changed: %s", d[0])
	}
}

// TestTLSPeerIdentityBinary: the real binary with a mutual-TLS beats input
// that admits only "CN=filebeat*,O=NEANIAS" certificates. The admitted
// client's events carry [@metadata][tls_peer], which a condition, a
// template and mutate copy read; a certificate of the same CA with another
// subject and a client without one are refused, logged and counted.
func TestTLSPeerIdentityBinary(t *testing.T) {
	pki := newTestPKI(t)
	ca, caKey := pki.ca, pki.caKey
	good, _ := makeLeafSubject(t, ca, caKey, pkix.Name{CommonName: "filebeat01", Organization: []string{"NEANIAS"}}, x509.ExtKeyUsageClientAuth)
	other, _ := makeLeafSubject(t, ca, caKey, pkix.Name{CommonName: "intruder", Organization: []string{"Elsewhere"}}, x509.ExtKeyUsageClientAuth)
	es := startES(t)
	beats, httpAddr := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`data_dir: %s
http: {listen: %s}
inputs:
  - beats:
      listen: %s
      tls:
        enabled: true
        certificate: %s
        key: %s
        certificate_authorities: [%s]
        client_auth: optional
        allowed_subjects: ["CN=filebeat*,O=NEANIAS"]
pipelines:
  - name: accounting
    filters:
      - mutate:
          when: field("[@metadata][tls_peer][status]") == "verified"
          copy: {"[@metadata][tls_peer][subject]": "[client][certificate_subject]"}
      # What Filebeat puts in @metadata stays readable beside tls_peer.
      - mutate:
          when: field("[@metadata][beat]") == "filebeat"
          copy: {"[@metadata][version]": "[agent][version]"}
    data_stream:
      dataset: accounting
      namespace: "%%{[@metadata][tls_peer][status]}"
outputs:
  - elasticsearch:
      hosts: %s
      flush_interval: 100ms
`, t.TempDir(), httpAddr, beats, pki.serverCert, pki.serverKey, pki.caFile, es.URL)
	path := filepath.Join(t.TempDir(), "ingestd.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, nil, nil, "run", "-c", path, "--log-level", "warn")
	p.waitListening(t, beats)

	tlsFor := func(cert *tls.Certificate) *tls.Config {
		c := &tls.Config{RootCAs: pki.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		if cert != nil {
			c.Certificates = []tls.Certificate{*cert}
		}
		return c
	}
	record := []byte(`{"@timestamp":"2026-01-02T10:00:00.000Z","@metadata":{"beat":"filebeat","version":"8.10.3"},"tags":["accounting"],"message":"{\"serviceid\":\"s\"}"}`)

	c, err := dial(t, beats, tlsFor(&good))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Send([]any{record, record}); err != nil || n != 2 {
		t.Fatalf("admitted client: %d ACKed: %v\n%s", n, err, p.logs)
	}
	c.Close()
	docs := es.Docs("logs-accounting-verified")
	if len(docs) != 2 {
		t.Fatalf("%d documents in logs-accounting-verified; items %+v\n%s", len(docs), es.Items(), p.logs)
	}
	var doc struct {
		Client struct {
			Subject string `json:"certificate_subject"`
		} `json:"client"`
		Agent struct {
			Version string `json:"version"`
		} `json:"agent"`
	}
	json.Unmarshal(docs[0], &doc)
	if doc.Client.Subject != "CN=filebeat01,O=NEANIAS" || doc.Agent.Version != "8.10.3" {
		t.Fatalf("copied subject %q, version %q: %s", doc.Client.Subject, doc.Agent.Version, docs[0])
	}

	for _, refused := range []struct {
		name, subject string
		cert          *tls.Certificate
	}{{"another subject", "CN=intruder,O=Elsewhere", &other}, {"no certificate", "", nil}} {
		c, err := dial(t, beats, tlsFor(refused.cert), clientTimeout(5*time.Second))
		if err == nil {
			_, err = c.Send([]any{record})
			c.Close()
		}
		if err == nil {
			t.Errorf("%s: the batch was acknowledged", refused.name)
		}
		if refused.subject != "" {
			waitFor(t, 5*time.Second, "a warn line naming "+refused.subject, func() bool { return strings.Contains(p.logs.String(), refused.subject) })
		}
	}
	if n := len(es.Items()); n != 2 {
		t.Errorf("%d bulk items, want the admitted client's 2", n)
	}
	waitFor(t, 5*time.Second, "connections_refused_subject 2", func() bool { return refusedSubject(t, httpAddr) == 2 })
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(line, "CN=intruder,O=Elsewhere") && !strings.Contains(line, "127.0.0.1:") {
			t.Errorf("the refusal does not name the client's address: %s", line)
		}
	}
}

// refusedSubject reads the beats input's connections_refused_subject from
// /_node/stats.
func refusedSubject(t *testing.T, httpAddr string) int64 {
	res, err := http.Get("http://" + httpAddr + "/_node/stats")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var s struct {
		Inputs map[string]map[string]any `json:"inputs"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	for _, in := range s.Inputs {
		if v, ok := in["connections_refused_subject"].(float64); ok {
			return int64(v)
		}
	}
	return -1
}
