package elasticsearch

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/ingestd/ingestd/internal/pemfile"

	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
	"gopkg.in/yaml.v3"
)

// Config is the elasticsearch output's config. With no hosts the output is
// disabled (so the shipped config falls back to files when
// INGESTD_ES_HOSTS is unset).
type Config struct {
	Hosts    HostList `yaml:"hosts" default:"${INGESTD_ES_HOSTS:}" doc:"cluster URLs, a list or comma-separated; a host without scheme is http, and port 9200 when it has none (es:9200, localhost); empty disables the output"`
	Username string   `yaml:"username" default:"${INGESTD_ES_USERNAME:}" doc:"basic auth user"`
	Password string   `yaml:"password" default:"${INGESTD_ES_PASSWORD:}" doc:"basic auth password"`
	APIKey   string   `yaml:"api_key" default:"${INGESTD_ES_API_KEY:}" doc:"base64 API key (overrides basic auth)"`
	TLS      TLS      `yaml:"tls" doc:"TLS to the cluster"`

	Compression      bool          `yaml:"compression" default:"true" doc:"gzip request bodies"`
	CompressionLevel int           `yaml:"compression_level" default:"1" doc:"gzip level, 1 (fastest) to 9 (smallest)"`
	BulkMaxEvents    int           `yaml:"bulk_max_events" default:"2048" doc:"flush a bulk request at this many events"`
	BulkMaxBytes     spec.ByteSize `yaml:"bulk_max_bytes" default:"8MiB" doc:"flush a bulk request at this many (uncompressed) bytes"`
	FlushInterval    time.Duration `yaml:"flush_interval" default:"1s" doc:"flush a partial bulk request after this long"`
	FlushIdle        time.Duration `yaml:"flush_idle" default:"50ms" doc:"flush a partial bulk request once no event has come for this long (Logstash's pipeline.batch.delay); 0 waits for flush_interval"`
	Workers          int           `yaml:"workers" default:"2" doc:"concurrent bulk requests"`
	QueueSize        int           `yaml:"queue_size" default:"8" doc:"encoded chunks waiting for a bulk request before senders block"`
	Timeout          time.Duration `yaml:"timeout" default:"90s" doc:"timeout of one bulk request"`

	InitialBackoff time.Duration `yaml:"initial_backoff" default:"100ms" doc:"first retry delay (doubles, with jitter)"`
	MaxBackoff     time.Duration `yaml:"max_backoff" default:"30s" doc:"longest retry delay"`
	MaxRetries     int           `yaml:"max_retries" default:"0" doc:"retries of a 429/5xx item before it is dead-lettered; 0 retries forever (back-pressure reaches Filebeat)"`

	DocumentID string `yaml:"document_id" default:"auto" enum:"auto,none" doc:"auto: a deterministic _id from the Filebeat origin (agent, file, offset) so a resent batch is answered 409 instead of indexed twice; none: Elasticsearch assigns ids. [@metadata][_id] wins over both"`
	// Pipeline is a template rather than a string so that one output can
	// route events to per-module pipelines from a field.
	Pipeline       template.Template `yaml:"pipeline" doc:"ingest pipeline for create and index actions, sent as it renders (pipeline ids are case-sensitive); may reference fields as %{[fields][pipeline]}. When it renders non-empty it overrides [@metadata][pipeline] (which Filebeat modules set); when empty or a referenced field is missing, [@metadata][pipeline] is used, lower-cased as Beats does; else none"`
	SetupTemplates bool              `yaml:"setup_templates" default:"${INGESTD_ES_SETUP_TEMPLATES:false}" doc:"install the shipped index templates at start"`
	TemplatesDir   string            `yaml:"templates_dir" doc:"directory of index templates (<name>.json) to install instead of the shipped ones"`
	DeadLetterDir  string            `yaml:"dead_letter_dir" doc:"where refused events go; <data_dir>/dead-letters when empty"`
}

// TLS configures TLS to the cluster.
type TLS struct {
	CertificateAuthorities []string `yaml:"certificate_authorities" doc:"PEM CA files that sign the cluster's certificate"`
	Verify                 bool     `yaml:"verify" default:"true" doc:"verify the cluster's certificate"`
	Certificate            string   `yaml:"certificate" doc:"client certificate (PEM) for mutual TLS"`
	Key                    string   `yaml:"key" doc:"client key (PEM)"`
}

// Enabled implements plugin.Switchable.
func (c *Config) Enabled() bool { return len(c.Hosts) > 0 }

// Check validates the config offline.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	for _, h := range c.Hosts {
		u, err := url.Parse(h)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, spec.FieldError{Field: "hosts", Msg: fmt.Sprintf("%q is not an http(s) URL", c.scrub(h))})
		}
	}
	for _, p := range []struct {
		key string
		n   int64
	}{{"bulk_max_events", int64(c.BulkMaxEvents)}, {"bulk_max_bytes", int64(c.BulkMaxBytes)}, {"workers", int64(c.Workers)},
		{"queue_size", int64(c.QueueSize)}, {"flush_interval", int64(c.FlushInterval)}, {"timeout", int64(c.Timeout)},
		{"initial_backoff", int64(c.InitialBackoff)}, {"max_backoff", int64(c.MaxBackoff)}} {
		if p.n <= 0 {
			errs = append(errs, spec.FieldError{Field: p.key, Msg: "must be greater than zero"})
		}
	}
	if c.FlushIdle < 0 {
		errs = append(errs, spec.FieldError{Field: "flush_idle", Msg: "must not be negative"})
	}
	if c.CompressionLevel < 1 || c.CompressionLevel > 9 {
		errs = append(errs, spec.FieldError{Field: "compression_level", Msg: "must be between 1 and 9"})
	}
	if c.MaxRetries < 0 {
		errs = append(errs, spec.FieldError{Field: "max_retries", Msg: "must not be negative"})
	}
	if _, err := c.TLS.build(); err != nil {
		errs = append(errs, spec.FieldError{Field: "tls", Msg: err.Error()})
	}
	return errs
}

func (t *TLS) build() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !t.Verify} //nolint:gosec // an explicit opt-out
	if len(t.CertificateAuthorities) > 0 {
		pool, err := pemfile.CertPool(t.CertificateAuthorities...)
		if err != nil {
			return nil, fmt.Errorf("certificate_authorities: %w", err)
		}
		cfg.RootCAs = pool
	}
	if t.Certificate != "" || t.Key != "" {
		cert, err := tls.LoadX509KeyPair(t.Certificate, t.Key)
		if err != nil {
			return nil, fmt.Errorf("certificate/key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// HostList is a list of URLs, written as a YAML list or a comma-separated
// string (as INGESTD_ES_HOSTS is).
type HostList []string

// DecodeNode accepts both forms.
func (h *HostList) DecodeNode(d *spec.Decoder, n *yaml.Node) {
	var parts []string
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			s, ok := d.Interpolate(item, item.Value)
			if !ok {
				return
			}
			parts = append(parts, strings.Split(s, ",")...)
		}
	case yaml.ScalarNode:
		s, ok := d.Interpolate(n, n.Value)
		if !ok {
			return
		}
		parts = strings.Split(s, ",")
	default:
		d.Report(n, "hosts: expected a list of URLs or a comma-separated string")
		return
	}
	*h = nil
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			*h = append(*h, withScheme(strings.TrimRight(p, "/")))
		}
	}
}

// withScheme reads a host written without a scheme (es:9200, localhost)
// as Logstash's and Filebeat's outputs do: http, port 9200 when none is
// given.
func withScheme(host string) string {
	if strings.Contains(host, "://") {
		return host
	}
	if _, _, err := net.SplitHostPort(host); err != nil && !strings.Contains(host, "/") {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "9200")
	}
	return "http://" + host
}
