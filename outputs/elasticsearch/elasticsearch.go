// Package elasticsearch is the output users trust with their data: events
// are bulk-indexed with "create" into their data streams, and an event is
// done (its Filebeat batch may be acknowledged) only when Elasticsearch has
// it (201/200, or 409 because a resent batch's deterministic _id already
// exists) or it is in the dead-letter store (400/404). 429 and 5xx items
// and failed requests are retried with exponential backoff and jitter,
// forever by default: while Elasticsearch is down the queue fills and
// back-pressure reaches Filebeat, which keeps its data.
//
// As Beats' own output does, an event's @metadata may name its _id, its
// ingest pipeline and its action (op_type: create, index, or delete with
// an _id), for indices that are not data streams (action.go). An event
// whose metadata makes no action is dead-lettered unsent.
package elasticsearch

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/backoff"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the elasticsearch output to r.
func Register(r *plugin.Registry) {
	plugin.RegisterOutput(r, "elasticsearch", "Bulk-indexes into data streams with end-to-end acknowledgement, retries and dead letters.", New)
}

// Stats are the output's counters.
type Stats struct {
	Indexed      int64 // 200/201; deletes done (200, or 404 not_found) too
	Duplicates   int64 // 409 to a create: already indexed (a resent batch)
	Retried      int64 // 429/5xx items and failed requests, per item
	DeadLettered int64 // 400/404 (or retries exhausted, or metadata that makes no action)
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

	pipelines   pipelineNames // of the items' pipeline indexes
	actionBytes int32         // the estimated size of an action line
	counts      plugin.DeliveryCounters
	requests    atomic.Int64
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
		readyCh:     make(chan struct{}), ctx: ctx, cancel: cancel, actionBytes: actionLineBytes(cfg),
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
	items := newItems(o.pipelines.indexOf(pipeline), o.actionBytes, events)
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
// after flush_interval, or once no item has come for flush_idle.
//
// Without the idle flush, a batch smaller than a bulk request waited for
// flush_interval before it was sent, and its client for its ACK: one
// Filebeat with a few events waited a second for each batch, and when the
// in-flight budget let one batch through at a time (many connections,
// entries that take much memory) the whole input moved at a batch a
// second.
func (o *Output) batcher() {
	defer o.wg.Done()
	defer close(o.work)
	var pending []item
	size, last := 0, 0 // last: the length of the request before, to size the next
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	flush := func() bool {
		if len(pending) == 0 {
			return true
		}
		select {
		case o.work <- pending:
		case <-o.ctx.Done():
			return false
		}
		pending, size, last = nil, 0, len(pending)
		timer.Stop()
		idle.Stop()
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
					if pending == nil {
						// Grown by appends it took twice the memory
						// (8% of what the accounting family allocated).
						pending = make([]item, 0, max(last, 64))
					}
				}
				pending = append(pending, it)
				size += int(it.size)
				if len(pending) >= o.cfg.BulkMaxEvents || size >= int(o.cfg.BulkMaxBytes) {
					if !flush() {
						return
					}
				}
			}
			if len(pending) > 0 && o.cfg.FlushIdle > 0 {
				idle.Reset(o.cfg.FlushIdle)
			}
		case <-timer.C:
			if !flush() {
				return
			}
		case <-idle.C:
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

// backoff is exponential from initial_backoff to max_backoff, with jitter
// (50–100% of the step) so that many workers do not retry in step.
func (o *Output) backoff(attempt int) time.Duration {
	return backoff.Jittered(o.cfg.InitialBackoff, o.cfg.MaxBackoff, attempt)
}

// sleep waits d unless the output is closed for good.
func (o *Output) sleep(d time.Duration) bool { return backoff.Sleep(o.ctx, d) }
