// Package http is the http output, Logstash's logstash-output-http: it
// sends each event (format json or message) or each batch (json_batch) in
// an HTTP request. It keeps ingestd's guarantees: an event is done (and
// its Filebeat batch acknowledged) only once the server answered 2xx (or
// an ignorable code); retryable answers and failed requests are retried
// with backoff until they succeed; any other answer puts the event in the
// dead-letter store (Logstash logs it and drops it), from which `ingestd
// replay` resends it.
package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/backoff"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/template"
	"github.com/rs/zerolog"
)

// Register adds the http output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "http", "Sends events to an HTTP endpoint, one request per event or per batch (Logstash's http output).", New)
}

// Output is an http output.
type Output struct {
	id     string
	cfg    Config
	method string // http_method, upper case
	// contentType is the Content-Type every request says.
	contentType string
	url         template.Template
	message     template.Template
	mapping     []mappedField
	headers     []header
	client      *http.Client
	dlq         *deadletter.Store
	log         zerolog.Logger
	counts      plugin.DeliveryCounters

	ctx    context.Context // ends at Close: retries give up
	cancel context.CancelFunc
	slots  chan struct{} // pool_max requests in flight
}

type mappedField struct {
	key string
	val template.Template
}

type header struct {
	name string
	val  template.Template
}

// New builds an http output.
func New(cfg *Config, env plugin.Env) (plugin.Output, error) {
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	dir := cfg.DeadLetterDir
	if dir == "" {
		dir = filepath.Join(env.DataDir, "dead-letters")
	}
	dlq, err := deadletter.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsCfg
	transport.MaxIdleConnsPerHost = cfg.PoolMax
	o := &Output{
		id: env.ID, cfg: *cfg, method: strings.ToUpper(cfg.HTTPMethod), contentType: cfg.contentType(),
		url: template.ParseLogstash(cfg.URL), message: template.ParseLogstash(cfg.Message),
		client: &http.Client{Transport: transport, Timeout: cfg.RequestTimeout}, dlq: dlq, log: env.Logger,
		slots: make(chan struct{}, cfg.PoolMax),
	}
	for _, k := range sortedKeys(cfg.Mapping) {
		o.mapping = append(o.mapping, mappedField{key: k, val: template.ParseLogstash(cfg.Mapping[k])})
	}
	for _, k := range sortedKeys(cfg.Headers) {
		o.headers = append(o.headers, header{name: k, val: template.ParseLogstash(cfg.Headers[k])})
	}
	o.ctx, o.cancel = context.WithCancel(context.Background())
	o.counts.Register(env.Metrics)
	return o, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Start implements plugin.Output: requests are made by Send.
func (o *Output) Start() error { return nil }

// Close stops retrying; what is unsent stays unacknowledged.
func (o *Output) Close(context.Context) error {
	o.cancel()
	o.client.CloseIdleConnections()
	return o.dlq.Close()
}

// Send sends the events and returns once each is delivered or
// dead-lettered, or when ctx ends or the output closes (the rest then
// stays unacknowledged, and the client resends it).
func (o *Output) Send(ctx context.Context, pipeline string, events []*event.Event) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(o.ctx, cancel)
	defer stop()
	if o.cfg.Format == "json_batch" {
		return o.deliver(ctx, pipeline, events, o.batchRequest(events))
	}
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	for _, e := range events {
		select {
		case o.slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return fmt.Errorf("http: %w", ctx.Err())
		}
		wg.Go(func() {
			defer func() { <-o.slots }()
			if err := o.deliver(ctx, pipeline, []*event.Event{e}, o.eventRequest(e)); err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		})
	}
	wg.Wait()
	return firstErr
}

// request is what one HTTP request carries.
type request struct {
	url     string
	body    []byte
	headers []string // name, value, ...
}

func (o *Output) eventRequest(e *event.Event) request {
	r := request{url: o.url.RenderLogstash(e), headers: o.renderHeaders(e)}
	if o.cfg.Format == "message" {
		r.body = []byte(o.message.RenderLogstash(e))
	} else {
		r.body = o.document(nil, e)
	}
	return r
}

func (o *Output) batchRequest(events []*event.Event) request {
	body := []byte{'['}
	for i, e := range events {
		if i > 0 {
			body = append(body, ',')
		}
		body = o.document(body, e)
	}
	body = append(body, ']')
	var hs []string
	if len(events) > 0 {
		hs = o.renderHeaders(events[0])
	}
	return request{url: o.cfg.URL, body: body, headers: hs}
}

// document appends what format json sends for e: its document, or the
// mapping rendered.
func (o *Output) document(dst []byte, e *event.Event) []byte {
	if o.mapping == nil {
		return e.AppendJSON(dst)
	}
	dst = append(dst, '{')
	for i, m := range o.mapping {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = event.AppendQuoted(dst, m.key)
		dst = append(dst, ':')
		dst = event.AppendQuoted(dst, m.val.RenderLogstash(e))
	}
	return append(dst, '}')
}

func (o *Output) renderHeaders(e *event.Event) []string {
	out := make([]string, 0, 2*len(o.headers))
	for _, h := range o.headers {
		out = append(out, h.name, h.val.RenderLogstash(e))
	}
	return out
}

// deliver makes the request until it is answered for good, and marks the
// events done: written (2xx, ignorable) or dead-lettered.
func (o *Output) deliver(ctx context.Context, pipeline string, events []*event.Event, r request) error {
	for attempt := 0; ; attempt++ {
		status, answer, err := o.do(ctx, r)
		switch {
		case err == nil && (status/100 == 2 || slices.Contains(o.cfg.IgnorableCodes, status)):
			o.counts.Written.Add(int64(len(events)))
			for _, e := range events {
				e.Done()
			}
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("http: %w", ctx.Err())
		case errors.As(err, new(unsendable)):
			// A url rendered from the event that is no URL: no retry
			// will make it one.
			o.counts.Failures.Add(1)
			return o.deadLetter(ctx, pipeline, events, deadletter.Error{Type: "invalid_request", Reason: err.Error()})
		case err == nil && !slices.Contains(o.cfg.RetryableCodes, status):
			o.counts.Failures.Add(1)
			return o.deadLetter(ctx, pipeline, events, deadletter.Error{Status: status, Type: "http_" + strconv.Itoa(status), Reason: answer})
		}
		o.counts.Failures.Add(1)
		reason := answer
		if err != nil {
			reason = err.Error()
		}
		if !o.cfg.RetryFailed {
			return o.deadLetter(ctx, pipeline, events, deadletter.Error{Status: status, Type: "retry_failed_off", Reason: reason})
		}
		o.counts.Retried.Add(int64(len(events)))
		wait := o.backoff(attempt)
		o.log.Warn().Int("status", status).Str("reason", reason).Str("url", redact(r.url)).Dur("retry_in", wait).Msg("http: request failed; retrying")
		if !backoff.Sleep(ctx, wait) {
			return fmt.Errorf("http: %w", ctx.Err())
		}
	}
}

// unsendable is a request that cannot be made (a url rendered from the
// event that does not parse).
type unsendable struct{ error }

// do makes one request; err is a failure to get an answer. answer is the
// start of a non-2xx answer's body, for logs and dead letters.
func (o *Output) do(ctx context.Context, r request) (status int, answer string, err error) {
	req, err := http.NewRequestWithContext(ctx, o.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, "", unsendable{errors.New(strings.ReplaceAll(err.Error(), r.url, redact(r.url)))}
	}
	req.Header.Set("Content-Type", o.contentType)
	for i := 0; i+1 < len(r.headers); i += 2 {
		req.Header.Set(r.headers[i], r.headers[i+1])
	}
	if o.cfg.User != "" || o.cfg.Password != "" {
		req.SetBasicAuth(o.cfg.User, o.cfg.Password)
	}
	res, err := o.client.Do(req)
	if err != nil {
		// url.Error quotes the URL: never with its password.
		return 0, "", errors.New(strings.ReplaceAll(err.Error(), r.url, redact(r.url)))
	}
	defer res.Body.Close()
	if res.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
		return res.StatusCode, "", nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	return res.StatusCode, strings.TrimSpace(string(b)), nil
}

// deadLetter writes events the server refused to the store, retrying
// until the disk takes them, then marks them done.
func (o *Output) deadLetter(ctx context.Context, pipeline string, events []*event.Event, why deadletter.Error) error {
	now := time.Now().UTC()
	records := make([]deadletter.Record, len(events))
	for i, e := range events {
		raw := e.Raw()
		if raw == nil {
			raw = e.AppendJSON(nil)
		}
		records[i] = deadletter.Record{Time: now, Pipeline: pipeline, Input: e.Input, Piece: e.Piece, Output: o.id, DataStream: e.DataStream, Error: why, Event: raw, Document: e.AppendJSON(nil)}
	}
	if err := o.dlq.WriteRetrying(ctx, records, o.backoff, func(err error) {
		o.log.Error().Err(err).Msg("http: cannot write dead letters; events stay unacknowledged")
	}); err != nil {
		return fmt.Errorf("http: %w", err)
	}
	o.counts.DeadLettered.Add(int64(len(events)))
	o.log.Warn().Int("events", len(events)).Int("status", why.Status).Str("reason", why.Reason).Str("dir", o.dlq.Dir()).Msg("http: events refused; written to the dead-letter store")
	for _, e := range events {
		e.Done()
	}
	return nil
}

func (o *Output) backoff(attempt int) time.Duration {
	return backoff.Jittered(o.cfg.InitialBackoff, o.cfg.MaxBackoff, attempt)
}
