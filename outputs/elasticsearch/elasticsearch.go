// Package elasticsearch is the output users trust with their data: events
// are bulk-indexed with "create" into their data streams, and an event is
// done (its Filebeat batch may be acknowledged) only when Elasticsearch has
// it (201/200, or 409 because a resent batch's deterministic _id already
// exists) or it is in the dead-letter store (400/404). 429 and 5xx items
// and failed requests are retried with exponential backoff and jitter,
// forever by default: while Elasticsearch is down the queue fills and
// back-pressure reaches Filebeat, which keeps its data.
package elasticsearch

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the elasticsearch output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "elasticsearch", "Bulk-indexes into data streams with end-to-end acknowledgement, retries and dead letters.", New)
}

// Stats are the output's counters.
type Stats struct {
	Indexed      int64 // 200/201
	Duplicates   int64 // 409: already indexed (a resent batch)
	Retried      int64 // 429/5xx items and failed requests, per item
	DeadLettered int64 // 400/404 (or retries exhausted)
	Requests     int64
	Failures     int64 // failed requests (connection, timeout, 429/5xx)
}

// Output is an elasticsearch output. New builds it; Start runs its
// batcher, workers and health check.
type Output struct {
	id        string
	cfg       Config
	client    *es.Client
	transport *http.Transport
	dlq       *deadletter.Store
	log       zerolog.Logger
	shipped   fs.FS // the shipped files (templates under elasticsearch/), may be nil

	in      chan []item
	work    chan []item
	bodies  chan []byte // request bodies kept for reuse, one per worker
	answers chan []byte // response bodies kept for reuse, one per worker
	// compressors gzip request bodies (compress.go), one per worker.
	compressors chan *compressor
	ready       atomic.Bool
	readyCh     chan struct{}

	ctx    context.Context // ends at Close's deadline: stops retries
	cancel context.CancelFunc
	wg     sync.WaitGroup

	lifecycle plugin.Lifecycle
	closeOnce sync.Once

	pipelines pipelineNames // of the items' pipeline indexes
	counts    plugin.DeliveryCounters
	requests  atomic.Int64
}

// New builds the output: it checks the config, builds the client, opens
// the dead-letter store and registers the metrics. Nothing runs (and no
// request is sent) before Start.
func New(cfg *Config, env plugin.Env) (plugin.Output, error) {
	if !cfg.Enabled() {
		return nil, fmt.Errorf("elasticsearch: no hosts (set hosts or INGESTD_ES_HOSTS)")
	}
	tlsCfg, err := cfg.TLS.build()
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: tls: %w", err)
	}
	transport := transportFor(tlsCfg, cfg.Workers)
	client, err := es.NewClient(es.Config{
		Addresses: cfg.Hosts,
		Username:  cfg.Username,
		Password:  cfg.Password,
		APIKey:    cfg.APIKey,
		Transport: transport,
		// Bodies are gzipped by the output (compress.go).
		CompressRequestBody: false,
		// Retries are ours: per item, with backoff, and never giving up
		// by default, which the client's own retry cannot do.
		DisableRetry: true,
	})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: client: %w", cfg.clean(err))
	}
	dir := cfg.DeadLetterDir
	if dir == "" {
		dir = filepath.Join(env.DataDir, "dead-letters")
	}
	dlq, err := deadletter.Open(dir)
	if err != nil {
		transport.CloseIdleConnections()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &Output{
		id: env.ID, cfg: *cfg, client: client, transport: transport, dlq: dlq, log: env.Logger, shipped: env.Shipped,
		in: make(chan []item, cfg.QueueSize), work: make(chan []item), bodies: make(chan []byte, cfg.Workers), answers: make(chan []byte, cfg.Workers),
		compressors: make(chan *compressor, cfg.Workers),
		readyCh:     make(chan struct{}), ctx: ctx, cancel: cancel,
	}
	o.counts.Register(env.Metrics)
	return o, nil
}

// Start runs the health check (which pings the cluster and installs the
// templates if asked to), the batcher and the workers, until Close.
func (o *Output) Start() error {
	err := o.lifecycle.Start(func() {
		o.wg.Add(2 + o.cfg.Workers)
		go o.healthCheck()
		go o.batcher()
		for range o.cfg.Workers {
			go o.worker()
		}
	})
	if err != nil {
		return fmt.Errorf("elasticsearch: start: %w", err)
	}
	return nil
}

func transportFor(tlsCfg *tls.Config, workers int) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		MaxIdleConnsPerHost: workers * 2,
		IdleConnTimeout:     90 * time.Second,
	}
}

// Reachable reports whether the cluster answered (implements
// plugin.ReachabilityReporter).
func (o *Output) Reachable() bool { return o.ready.Load() }

// Stats returns the counters.
func (o *Output) Stats() Stats {
	return Stats{o.counts.Written.Load(), o.counts.Duplicates.Load(), o.counts.Retried.Load(), o.counts.DeadLettered.Load(), o.requests.Load(), o.counts.Failures.Load()}
}

// DeadLetters is the dead-letter store's directory.
func (o *Output) DeadLetters() string { return o.dlq.Dir() }

// Send queues the events of pipeline (the workers encode them into each
// request's body); it blocks while the output is full.
func (o *Output) Send(ctx context.Context, pipeline string, events []*event.Event) error {
	items := newItems(o.pipelines.indexOf(pipeline), events)
	select {
	case o.in <- items:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("elasticsearch: %w", ctx.Err())
	case <-o.ctx.Done():
		return fmt.Errorf("elasticsearch: output closed")
	}
}

// Close flushes what was sent, waiting for it to be indexed until ctx
// ends; then it gives up (those events stay unacknowledged and their
// client resends them). On an output never started it only releases the
// dead-letter store and the client's connections.
func (o *Output) Close(ctx context.Context) error {
	o.lifecycle.Close() // no Start from now on: wg holds every goroutine
	o.closeOnce.Do(func() { close(o.in) })
	done := make(chan struct{})
	go func() {
		o.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("elasticsearch: close: %w: events still waiting for the cluster stay unacknowledged", ctx.Err())
		o.cancel()
		<-done
	}
	o.cancel()
	o.transport.CloseIdleConnections()
	if cerr := o.dlq.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// healthCheck waits until the cluster answers, installs the templates if
// asked to, and only then lets the workers send.
func (o *Output) healthCheck() {
	defer o.wg.Done()
	for attempt := 0; ; attempt++ {
		err := o.ping()
		if err == nil && o.cfg.SetupTemplates {
			err = o.installTemplates()
		}
		if err == nil {
			o.ready.Store(true)
			close(o.readyCh)
			o.log.Info().Strs("hosts", o.cfg.redactedHosts()).Msg("elasticsearch: cluster answers; ready")
			return
		}
		wait := o.backoff(attempt)
		o.log.Warn().Err(o.cfg.clean(err)).Dur("retry_in", wait).Msg("elasticsearch: cluster not ready; events wait (back-pressure)")
		if !o.sleep(wait) {
			return
		}
	}
}

func (o *Output) ping() error {
	ctx, cancel := context.WithTimeout(o.ctx, 10*time.Second)
	defer cancel()
	res, err := o.client.Info(o.client.Info.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return fmt.Errorf("ping: %s", res.Status())
	}
	return nil
}

// installTemplates puts every template (<name>.json) as
// _index_template/<name>.
func (o *Output) installTemplates() error {
	templates, err := o.templates()
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(templates)) {
		ctx, cancel := context.WithTimeout(o.ctx, 30*time.Second)
		res, err := o.client.Indices.PutIndexTemplate(name, bytes.NewReader(templates[name]), o.client.Indices.PutIndexTemplate.WithContext(ctx))
		cancel()
		if err != nil {
			return fmt.Errorf("install template %s: %w", name, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.IsError() {
			return fmt.Errorf("install template %s: %s: %s", name, res.Status(), body)
		}
		o.log.Info().Str("template", name).Msg("elasticsearch: index template installed")
	}
	return nil
}

func (o *Output) templates() (map[string][]byte, error) {
	out := map[string][]byte{}
	if o.cfg.TemplatesDir != "" {
		files, err := filepath.Glob(filepath.Join(o.cfg.TemplatesDir, "*.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("templates: %w", err)
			}
			out[strings.TrimSuffix(filepath.Base(f), ".json")] = data
		}
		return out, nil
	}
	return shippedTemplates(o.shipped)
}

// shippedTemplates reads the shipped templates, elasticsearch/<name>.json
// in shipped (none when shipped is nil).
func shippedTemplates(shipped fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	if shipped == nil {
		return out, nil
	}
	files, err := fs.Glob(shipped, "elasticsearch/*.json")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(shipped, f)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		out[strings.TrimSuffix(path.Base(f), ".json")] = data
	}
	return out, nil
}

// batcher gathers queued items into bulk requests of at most
// bulk_max_events events and bulk_max_bytes bytes, flushing a partial one
// after flush_interval.
func (o *Output) batcher() {
	defer o.wg.Done()
	defer close(o.work)
	var pending []item
	size := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() bool {
		if len(pending) == 0 {
			return true
		}
		select {
		case o.work <- pending:
		case <-o.ctx.Done():
			return false
		}
		pending, size = nil, 0
		timer.Stop()
		return true
	}
	for {
		select {
		case items, ok := <-o.in:
			if !ok {
				flush()
				return
			}
			for _, it := range items {
				if len(pending) == 0 {
					timer.Reset(o.cfg.FlushInterval)
				}
				pending = append(pending, it)
				size += int(it.size)
				if len(pending) >= o.cfg.BulkMaxEvents || size >= int(o.cfg.BulkMaxBytes) {
					if !flush() {
						return
					}
				}
			}
		case <-timer.C:
			if !flush() {
				return
			}
		case <-o.ctx.Done():
			return
		}
	}
}

func (o *Output) worker() {
	defer o.wg.Done()
	select {
	case <-o.readyCh:
	case <-o.ctx.Done():
		return
	}
	for items := range o.work {
		o.deliver(items)
	}
}

// deliver sends items until each is indexed, a duplicate, or dead-lettered
// (or the output is closed for good).
func (o *Output) deliver(items []item) {
	for attempt := 0; len(items) > 0; attempt++ {
		if attempt > 0 && !o.sleep(o.backoff(attempt-1)) {
			return
		}
		retry, err := o.bulk(items)
		if err != nil {
			o.counts.Failures.Add(1)
			o.counts.Retried.Add(int64(len(items)))
			err = o.cfg.clean(err)
			o.log.Warn().Err(err).Int("events", len(items)).Int("attempt", attempt+1).Msg("elasticsearch: bulk request failed; retrying")
			for i := range items {
				items[i].attempts++
			}
			items = o.exhausted(items, err.Error())
			continue
		}
		if len(retry) > 0 {
			o.counts.Retried.Add(int64(len(retry)))
			o.log.Debug().Int("events", len(retry)).Msg("elasticsearch: items answered 429/5xx; retrying them")
		}
		items = o.exhausted(retry, "retries exhausted")
	}
}

// exhausted dead-letters items past max_retries and returns the rest.
func (o *Output) exhausted(items []item, reason string) []item {
	if o.cfg.MaxRetries == 0 {
		return items
	}
	keep := items[:0]
	var dead []item
	var errs []deadletter.Error
	for _, it := range items {
		if int(it.attempts) > o.cfg.MaxRetries {
			dead = append(dead, it)
			errs = append(errs, deadletter.Error{Status: 429, Type: "retries_exhausted", Reason: reason})
		} else {
			keep = append(keep, it)
		}
	}
	o.deadLetter(dead, errs)
	return keep
}

// bulkError is a whole-request failure.
type bulkError struct {
	status int
	body   string
}

func (e *bulkError) Error() string { return fmt.Sprintf("bulk: %d %s", e.status, e.body) }

var gzipHeader = map[string]string{"Content-Encoding": "gzip"}

// bulk sends one request. It returns the items to retry, or an error when
// the whole request must be retried.
func (o *Output) bulk(items []item) ([]item, error) {
	body := o.body(items)
	defer func() { o.recycle(body) }() // the client is done with the body when Bulk returns
	autoID := o.cfg.DocumentID == "auto"
	var ids idState
	for _, it := range items {
		body = appendLines(body, it.ev, autoID, &ids)
	}
	ctx, cancel := context.WithTimeout(o.ctx, o.cfg.Timeout)
	defer cancel()
	opts := []func(*esapi.BulkRequest){o.client.Bulk.WithContext(ctx)}
	payload := body
	if o.cfg.Compression {
		c, gz, err := o.gzipped(body)
		if err != nil {
			return nil, fmt.Errorf("bulk: gzip: %w", err)
		}
		defer o.recycleCompressor(c) // the client is done with it when Bulk returns
		payload = gz
		opts = append(opts, o.client.Bulk.WithHeader(gzipHeader))
	}
	o.requests.Add(1)
	res, err := o.client.Bulk(bytes.NewReader(payload), opts...)
	if err != nil {
		return nil, fmt.Errorf("bulk: %w", err)
	}
	defer res.Body.Close()
	data, err := o.readResponse(res.Body, contentLength(res.Header))
	if err != nil {
		return nil, fmt.Errorf("bulk: read response: %w", err)
	}
	defer func() { o.recycleResponse(data) }() // nothing below keeps a reference into it
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, &bulkError{res.StatusCode, truncate(data)}
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		// Credentials are fixed by ops; the events wait meanwhile.
		return nil, &bulkError{res.StatusCode, truncate(data)}
	case res.StatusCode == http.StatusRequestEntityTooLarge && len(items) > 1:
		half := len(items) / 2
		r1, err1 := o.bulk(items[:half])
		r2, err2 := o.bulk(items[half:])
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		return append(r1, r2...), nil
	case res.StatusCode >= 400:
		// The request itself is refused for good: no item will be
		// accepted as it is.
		errs := make([]deadletter.Error, len(items))
		for i := range errs {
			errs[i] = deadletter.Error{Status: res.StatusCode, Type: "request_rejected", Reason: truncate(data)}
		}
		o.deadLetter(items, errs)
		return nil, nil
	}
	return o.items(items, data)
}

// contentLength is the Content-Length header's value, or -1.
func contentLength(h http.Header) int64 {
	n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func truncate(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

type bulkResponse struct {
	Errors bool                        `json:"errors"`
	Items  []map[string]bulkItemResult `json:"items"`
}

type bulkItemResult struct {
	Status int `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// items handles a 200 bulk response item by item.
func (o *Output) items(items []item, data []byte) ([]item, error) {
	if !errorsTrue(data) {
		// The common case: every item was created. Skip decoding them.
		o.counts.Written.Add(int64(len(items)))
		for _, it := range items {
			it.ev.Done()
		}
		return nil, nil
	}
	var resp bulkResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("bulk: decode response: %w", err)
	}
	if len(resp.Items) != len(items) {
		return nil, fmt.Errorf("bulk: %d items answered for %d sent", len(resp.Items), len(items))
	}
	var retry, dead []item
	var deadErrs []deadletter.Error
	for i, r := range resp.Items {
		var res bulkItemResult
		for _, v := range r {
			res = v
		}
		it := items[i]
		switch {
		case res.Status == 200 || res.Status == 201:
			o.counts.Written.Add(1)
			it.ev.Done()
		case res.Status == http.StatusConflict:
			o.counts.Duplicates.Add(1)
			it.ev.Done()
		case res.Status == http.StatusTooManyRequests || res.Status >= 500:
			it.attempts++
			retry = append(retry, it)
		default:
			e := deadletter.Error{Status: res.Status}
			if res.Error != nil {
				e.Type, e.Reason = res.Error.Type, res.Error.Reason
			}
			dead = append(dead, it)
			deadErrs = append(deadErrs, e)
		}
	}
	o.deadLetter(dead, deadErrs)
	return retry, nil
}

// errorsTrue reads the top-level "errors" flag without decoding the
// items (Elasticsearch writes it before them).
func errorsTrue(data []byte) bool {
	i := bytes.Index(data, []byte(`"errors":`))
	if i < 0 {
		return true // unknown shape: decode it all
	}
	rest := bytes.TrimLeft(data[i+len(`"errors":`):], " ")
	return !bytes.HasPrefix(rest, []byte("false"))
}

// deadLetter writes refused events to the store, retrying until the disk
// takes them (an event is never done unwritten), then marks them done.
func (o *Output) deadLetter(items []item, errs []deadletter.Error) {
	if len(items) == 0 {
		return
	}
	now := time.Now().UTC()
	records := make([]deadletter.Record, len(items))
	for i, it := range items {
		records[i] = deadletter.Record{
			Time: now, Pipeline: o.pipelines.name(it.pipeline), Output: o.id, DataStream: it.ev.DataStream,
			Error: errs[i], Event: eventJSON(it), Document: json.RawMessage(it.ev.AppendJSON(nil)),
		}
	}
	for attempt := 0; ; attempt++ {
		err := o.dlq.Write(records)
		if err == nil {
			break
		}
		o.log.Error().Err(o.cfg.clean(err)).Msg("elasticsearch: cannot write dead letters; events stay unacknowledged")
		if !o.sleep(o.backoff(attempt)) {
			return
		}
	}
	o.counts.DeadLettered.Add(int64(len(items)))
	o.log.Warn().Int("events", len(items)).Str("reason", errs[0].Type+": "+errs[0].Reason).Str("dir", o.dlq.Dir()).Msg("elasticsearch: events refused; written to the dead-letter store")
	for _, it := range items {
		it.ev.Done()
	}
}

func eventJSON(it item) json.RawMessage {
	if raw := it.ev.Raw(); raw != nil {
		return raw
	}
	return json.RawMessage(it.ev.AppendJSON(nil))
}

// backoff is exponential from initial_backoff to max_backoff, with jitter
// (50–100% of the step) so that many workers do not retry in step.
func (o *Output) backoff(attempt int) time.Duration {
	d := o.cfg.InitialBackoff
	for i := 0; i < attempt && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.cfg.MaxBackoff)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// sleep waits d unless the output is closed for good.
func (o *Output) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-o.ctx.Done():
		return false
	}
}
