package http

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ingestd/ingestd/internal/pemfile"

	"github.com/ingestd/ingestd/spec"
	"github.com/ingestd/ingestd/template"
)

// Config is the http output's config. The keys are Logstash's
// (logstash-output-http), so a converted logstash.conf keeps them.
type Config struct {
	URL            string            `yaml:"url" required:"true" doc:"where to send; Logstash sprintf references (%{[field]}, %{+yyyy.MM.dd}) are rendered per event (not with json_batch). user:password in it is never logged"`
	HTTPMethod     string            `yaml:"http_method" default:"post" enum:"post,put,patch,delete,get,head" doc:"the request method"`
	Format         string            `yaml:"format" default:"json" enum:"json,json_batch,message" doc:"json: one request per event, its document as JSON (or mapping); json_batch: one request per batch, a JSON array of them; message: one request per event, the message template as the body"`
	Message        string            `yaml:"message" doc:"the body with format message (a sprintf template)"`
	Mapping        map[string]string `yaml:"mapping" doc:"send this object instead of the document: keys to sprintf templates"`
	ContentType    string            `yaml:"content_type" doc:"Content-Type; by default application/json (json, json_batch) or text/plain (message)"`
	Headers        map[string]string `yaml:"headers" doc:"extra request headers; values are sprintf templates rendered per event (with json_batch, for the batch's first event)"`
	User           string            `yaml:"user" doc:"basic authentication user"`
	Password       string            `yaml:"password" doc:"basic authentication password (write it as ${VAR} to keep it out of the file)"`
	CACert         string            `yaml:"cacert" doc:"PEM file of the CA certificates that sign the server's certificate (Logstash's cacert, ssl_certificate_authorities)"`
	SkipVerify     bool              `yaml:"insecure_skip_verify" doc:"do not verify the server's certificate (Logstash's ssl_verification_mode => none)"`
	RetryFailed    bool              `yaml:"retry_failed" default:"true" doc:"retry retryable answers and failed requests until they succeed (Logstash's default); false dead-letters them at once"`
	RetryableCodes []int             `yaml:"retryable_codes" default:"[429,500,502,503,504]" doc:"answers retried"`
	IgnorableCodes []int             `yaml:"ignorable_codes" doc:"answers taken as success"`
	RequestTimeout time.Duration     `yaml:"request_timeout" default:"60s" doc:"a request that takes longer failed (and is retried)"`
	PoolMax        int               `yaml:"pool_max" default:"50" doc:"requests in flight at most (format json and message)"`
	InitialBackoff time.Duration     `yaml:"initial_backoff" default:"100ms" doc:"first retry delay; doubles up to max_backoff"`
	MaxBackoff     time.Duration     `yaml:"max_backoff" default:"30s" doc:"longest retry delay"`
	DeadLetterDir  string            `yaml:"dead_letter_dir" doc:"where events refused for good go (any other non-2xx answer); <data_dir>/dead-letters when empty"`
}

// Check validates the values beyond their types.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	head, _, _ := strings.Cut(c.URL, "%{") // the scheme comes before any reference
	if u, err := url.Parse(head); err != nil || u.Scheme != "http" && u.Scheme != "https" {
		errs = append(errs, spec.FieldError{Field: "url", Msg: fmt.Sprintf("%s: want an http:// or https:// URL", redact(c.URL))})
	}
	if c.Format == "json_batch" && !template.ParseLogstash(c.URL).IsLiteral() {
		errs = append(errs, spec.FieldError{Field: "url", Msg: "format json_batch sends many events in one request: the url cannot depend on one event"})
	}
	if c.Format == "message" && c.Message == "" {
		errs = append(errs, spec.FieldError{Field: "message", Msg: "format message needs a message template"})
	}
	if c.Format == "message" && len(c.Mapping) > 0 {
		errs = append(errs, spec.FieldError{Field: "mapping", Msg: "format message sends the message template; mapping is for json and json_batch"})
	}
	if c.PoolMax < 1 {
		errs = append(errs, spec.FieldError{Field: "pool_max", Msg: "must be at least 1"})
	}
	if c.RequestTimeout <= 0 || c.InitialBackoff <= 0 || c.MaxBackoff < c.InitialBackoff {
		errs = append(errs, spec.FieldError{Msg: "request_timeout and initial_backoff must be positive, max_backoff at least initial_backoff"})
	}
	if _, err := c.tlsConfig(); err != nil { // as New builds it: a cacert that cannot be read fails validate
		errs = append(errs, spec.FieldError{Field: "cacert", Msg: err.Error()})
	}
	return errs
}

func (c *Config) contentType() string {
	switch {
	case c.ContentType != "":
		return c.ContentType
	case c.Format == "message":
		return "text/plain"
	}
	return "application/json"
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.SkipVerify} //nolint:gosec // an explicit opt-out
	if c.CACert != "" {
		pool, err := pemfile.CertPool(c.CACert)
		if err != nil {
			return nil, fmt.Errorf("cacert: %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// redact hides the user information of a URL (user:secret@host, or a
// token given as the user), also in a URL that does not parse, for errors
// and logs.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("xxxxx")
		return u.String()
	}
	if at := strings.LastIndex(raw, "@"); at > 0 {
		if scheme := strings.Index(raw, "://"); scheme >= 0 && scheme+3 < at {
			return raw[:scheme+3] + "xxxxx" + raw[at:]
		}
	}
	return raw
}
