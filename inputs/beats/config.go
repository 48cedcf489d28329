package beats

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"os"
	"time"

	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/internal/pemfile"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/spec"
)

// Config is the beats input's config; its tags are its spec.
type Config struct {
	Listen           string         `yaml:"listen" default:"${INGESTD_BEATS_LISTEN:0.0.0.0:5044}" doc:"address to accept lumberjack v2 connections on"`
	TLS              TLSConfig      `yaml:"tls" doc:"TLS and client-certificate authentication"`
	MaxConnections   int            `yaml:"max_connections" default:"1000" doc:"open connections at most; at the limit a new connection takes the slot of the one idle longest, or is refused when none is idle"`
	MaxPerSource     int            `yaml:"max_connections_per_source" default:"250" doc:"open connections at most from one client address, under the same rule"`
	MaxBatchEvents   int            `yaml:"max_batch_events" default:"65536" doc:"largest window (events per batch) a client may announce; Filebeat sends 2048 by default"`
	MaxEventBytes    spec.ByteSize  `yaml:"max_event_bytes" default:"16MiB" doc:"largest single event (JSON bytes, decompressed); Filebeat's default max line is 10MiB"`
	MaxBatchBytes    spec.ByteSize  `yaml:"max_batch_bytes" default:"16MiB" doc:"most of a batch held at once, decompressed: a bigger batch is read and acknowledged in parts of at most this size, or of max_inflight_bytes when that is smaller (partial ACKs, which Filebeat and go-lumber take as progress), so no ordinary batch is refused"`
	MaxInflightBytes spec.ByteSize  `yaml:"max_inflight_bytes" default:"8MiB" doc:"decompressed bytes of batches being read or waiting for their ACK, over all connections: charged as events are decoded, never ahead; reading waits when it is spent (back-pressure). A batch is read in parts no bigger than it; a single event bigger than what is left may take a part over it, alone in flight (one at a time). A decoded app-log event takes about three times its JSON, a filtered dCache billing entry about eight; the auto memory_limit allows four times the budget"`
	ClientIPField    event.FieldRef `yaml:"client_ip_field" doc:"a field every event gets its client's IP address in (none by default); a converted logstash.conf sets Logstash's: [@metadata][ip_address], or [@metadata][input][beats][host][ip] with ECS compatibility"`
	IdleTimeout      time.Duration  `yaml:"idle_timeout" default:"60s" doc:"close a connection that sends nothing for this long while none of its batches is pending"`
	ReadTimeout      time.Duration  `yaml:"read_timeout" default:"30s" doc:"close a connection that stalls this long in the middle of a batch"`
	HeaderTimeout    time.Duration  `yaml:"header_timeout" default:"10s" doc:"time a client has to complete a window frame once its first byte came"`
	MinTransferRate  spec.ByteSize  `yaml:"min_transfer_rate" default:"4KiB" doc:"bytes per second a client must send while a batch is being read, measured over rate_window (a 1 Mbit/s link sends 120 KiB/s); a slower one is closed"`
	RateWindow       time.Duration  `yaml:"rate_window" default:"10s" doc:"the window min_transfer_rate is measured over"`
	Keepalive        time.Duration  `yaml:"keepalive" default:"3s" doc:"interval of keepalive ACKs while a batch is pending, so the client keeps waiting"`
	HandshakeTimeout time.Duration  `yaml:"handshake_timeout" default:"10s" doc:"time a client has to complete the TLS handshake"`

	// tlsDigest covers the contents of the TLS files, so that a reload
	// sees renewed certificates as a changed input and rebinds it. (A
	// reload compares configs with reflect.DeepEqual: a changed setting,
	// tls.allowed_subjects among them, rebinds the input without it.)
	tlsDigest [32]byte
}

// TLSConfig configures TLS and mutual TLS.
type TLSConfig struct {
	Enabled                bool     `yaml:"enabled" default:"false" doc:"serve TLS; each event then carries [@metadata][tls_peer]: status (verified: a client certificate verified against certificate_authorities; no_client_cert: none presented, or client_auth none, unless no_cert_status says unverified) and, with a certificate, its subject (as allowed_subjects matches it)"`
	Certificate            string   `yaml:"certificate" doc:"PEM server certificate (chain) file"`
	Key                    string   `yaml:"key" doc:"PEM private key file of the certificate"`
	CertificateAuthorities []string `yaml:"certificate_authorities" doc:"PEM CA bundles that client certificates are verified against"`
	ClientAuth             string   `yaml:"client_auth" default:"none" enum:"none,optional,required" doc:"none: no client certificate; optional: verified when given; required: a valid client certificate is mandatory"`
	MinVersion             string   `yaml:"min_version" default:"1.2" enum:"1.2,1.3" doc:"lowest TLS version accepted"`
	NoCertStatus           string   `yaml:"no_cert_status" default:"no_client_cert" enum:"no_client_cert,unverified" doc:"[@metadata][tls_peer][status] of a client that presented no certificate (or was not asked for one): no_client_cert, or unverified as Logstash's ssl_peer_metadata writes it (ingestd convert sets unverified for a logstash.conf that asks for the peer metadata)"`
	AllowedSubjects        []string `yaml:"allowed_subjects" doc:"client certificate subjects admitted, each exact or with * matching any run of characters (commas too), compared with the subject written as Go does (RFC 2253, most specific attribute first, no space after the commas: CN=filebeat01,O=NEANIAS), which events also carry as [@metadata][tls_peer][subject]; when set, a connection is closed right after its handshake unless it presented a verified certificate whose subject one matches (without a certificate it is closed too). Needs client_auth optional or required"`
}

// ListenAddrs implements plugin.AddressBinder.
func (c *Config) ListenAddrs() []string { return []string{c.Listen} }

// InflightBudget implements plugin.InflightBudgeter.
func (c *Config) InflightBudget() int64 { return int64(c.MaxInflightBytes) }

// Check validates limits and loads the TLS material, so a missing or bad
// certificate is a validate error rather than a start-up failure.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	positive := []struct {
		key string
		n   int64
	}{
		{"max_connections", int64(c.MaxConnections)}, {"max_batch_events", int64(c.MaxBatchEvents)},
		{"max_event_bytes", int64(c.MaxEventBytes)}, {"max_batch_bytes", int64(c.MaxBatchBytes)},
		{"max_inflight_bytes", int64(c.MaxInflightBytes)}, {"idle_timeout", int64(c.IdleTimeout)},
		{"read_timeout", int64(c.ReadTimeout)}, {"handshake_timeout", int64(c.HandshakeTimeout)},
		{"max_connections_per_source", int64(c.MaxPerSource)}, {"header_timeout", int64(c.HeaderTimeout)},
		{"rate_window", int64(c.RateWindow)},
	}
	for _, p := range positive {
		if p.n <= 0 {
			errs = append(errs, spec.FieldError{Field: p.key, Msg: "must be greater than zero"})
		}
	}
	if c.MaxEventBytes > c.MaxBatchBytes {
		errs = append(errs, spec.FieldError{Field: "max_event_bytes", Msg: "must not exceed max_batch_bytes"})
	}
	if err := listen.Check(c.Listen); err != nil {
		errs = append(errs, spec.FieldError{Field: "listen", Msg: err.Error()})
	}
	if _, err := c.TLS.Build(); err != nil {
		errs = append(errs, spec.FieldError{Field: "tls", Msg: err.Error()})
	}
	if _, err := c.TLS.compileSubjects(); err != nil {
		errs = append(errs, spec.FieldError{Field: "tls", Msg: err.Error()})
	}
	c.tlsDigest = c.TLS.digest()
	return errs
}

func (t *TLSConfig) digest() [32]byte {
	h := sha256.New()
	for _, f := range append([]string{t.Certificate, t.Key}, t.CertificateAuthorities...) {
		if f == "" {
			continue
		}
		data, _ := os.ReadFile(f)
		h.Write(data)
		h.Write([]byte{0})
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// Build returns the server's tls.Config, or nil when TLS is off.
func (t *TLSConfig) Build() (*tls.Config, error) {
	if !t.Enabled {
		if t.Certificate != "" || t.ClientAuth != "none" {
			return nil, fmt.Errorf("certificate or client_auth set but enabled is false")
		}
		return nil, nil
	}
	if t.Certificate == "" || t.Key == "" {
		return nil, fmt.Errorf("enabled needs certificate and key")
	}
	cert, err := tls.LoadX509KeyPair(t.Certificate, t.Key)
	if err != nil {
		return nil, fmt.Errorf("load certificate %s and key %s: %w", t.Certificate, t.Key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.MinVersion == "1.3" {
		cfg.MinVersion = tls.VersionTLS13
	}
	if len(t.CertificateAuthorities) > 0 {
		pool, err := pemfile.CertPool(t.CertificateAuthorities...)
		if err != nil {
			return nil, fmt.Errorf("certificate_authorities: %w", err)
		}
		cfg.ClientCAs = pool
	}
	switch t.ClientAuth {
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if t.ClientAuth != "none" && cfg.ClientCAs == nil {
		return nil, fmt.Errorf("client_auth %s needs certificate_authorities to verify client certificates", t.ClientAuth)
	}
	return cfg, nil
}
