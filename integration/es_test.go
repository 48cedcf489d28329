package integration

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/internal/estest"
	"github.com/ingestd/ingestd/internal/race"
	"github.com/ingestd/ingestd/outputs/elasticsearch"
	"github.com/ingestd/ingestd/plugin"
)

func startES(t testing.TB) *estest.Server {
	t.Helper()
	s, err := estest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// esConfig routes everything to logs-<service>-<group> in the test double,
// with short backoffs so recoveries are quick.
func esConfig(esURL string) string {
	return `data_dir: ${DATA}
shutdown_timeout: 20s
inputs:
  - beats:
      listen: 127.0.0.1:0
      keepalive: 500ms
pipelines:
  - name: pt
    data_stream:
      dataset: "%{[fields][service]}"
      namespace: "%{[fields][group]}"
outputs:
  - elasticsearch:
      hosts: ` + esURL + `
      flush_interval: 200ms
      initial_backoff: 50ms
      max_backoff: 1s
`
}

// esOutput returns the node's elasticsearch output.
func esOutput(t testing.TB, n *node) *elasticsearch.Output {
	for _, o := range n.runner.Outputs() {
		if e, ok := o.(*elasticsearch.Output); ok {
			return e
		}
	}
	t.Fatal("no elasticsearch output")
	return nil
}

func checkESExactlyOnce(t *testing.T, es *estest.Server, conns, batches, size int) {
	t.Helper()
	docs := es.Docs("logs-django-pt")
	lines := make([][]byte, len(docs))
	for i, d := range docs {
		lines[i] = d
	}
	checkExactlyOnce(t, lines, conns, batches, size)
}

// TestESCorpusExactlyOnce: 200,000+ corpus events in batches of 2048
// spread over 8 connections land exactly once in the right data streams,
// each document as the fidelity contract expects. Under -race, where every
// event costs eight times as much, the corpus goes four times over
// (25,632 events, 13 batches): TestCorpusFidelity checks every line's
// parse in process; this checks that the server, concurrently, indexes
// each once as parsed.
func TestESCorpusExactlyOnce(t *testing.T) {
	es := startES(t)
	dataDir := t.TempDir()
	env := map[string]string{"INGESTD_ES_HOSTS": es.URL, "INGESTD_DATA_DIR": dataDir, "INGESTD_BEATS_LISTEN": "127.0.0.1:0", "INGESTD_HTTP_LISTEN": ""}
	cfg, err := config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", builtin.Registry(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	n := startLoaded(t, cfg)

	// The corpus, joined events of every family, copied per agent so that
	// each copy is a distinct origin (a distinct _id).
	type sent struct{ ev, want map[string]any }
	var corpus []sent
	dir := corpusDir(t)
	for _, family := range []string{"dcache", "applog", "accounting"} {
		evs := readJSONL(t, filepath.Join(dir, family, "events.jsonl"))
		exp := readJSONL(t, filepath.Join(dir, family, "expected.jsonl"))
		for i := range evs {
			corpus = append(corpus, sent{evs[i], exp[i]})
		}
	}
	const conns = 8
	copies := (200000 + len(corpus) - 1) / len(corpus)
	if race.Enabled {
		copies = 4
	}
	byKey := map[string]sent{}
	var batches [conns][][]any
	total, dropped, next := 0, 0, 0
	var batch []any
	flush := func() {
		batches[next%conns] = append(batches[next%conns], batch)
		batch, next = nil, next+1
	}
	for c := 0; c < copies; c++ {
		for _, s := range corpus {
			// Only host.name differs per copy: clone the two maps on
			// its path and share the rest (nothing writes to it).
			ev := maps.Clone(s.ev)
			host := maps.Clone(ev["host"].(map[string]any))
			host["name"] = fmt.Sprintf("%s-agent%d", host["name"], c)
			ev["host"] = host
			data, _ := json.Marshal(ev)
			batch = append(batch, data)
			byKey[docKey(ev)] = sent{ev, s.want}
			total++
			if s.want["kind"] == "header" {
				dropped++
			}
			if len(batch) == 2048 {
				flush()
			}
		}
	}
	if len(batch) > 0 {
		flush()
	}
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(t, n.addr, nil)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for _, b := range batches[c] {
				if k, err := cl.Send(b); err != nil || k != len(b) {
					errs <- fmt.Errorf("conn %d: %d/%d %v", c, k, len(b), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, want := es.Count(), total-dropped; got != want {
		t.Fatalf("%d documents indexed, want %d (%d sent, %d header lines dropped)", got, want, total, dropped)
	}
	seen := map[string]bool{}
	mismatches := 0
	for _, stream := range es.Streams() {
		for _, raw := range es.Docs(stream) {
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			key := docKey(doc)
			if seen[key] {
				t.Fatalf("duplicate document %s", key)
			}
			seen[key] = true
			s, ok := byKey[key]
			if !ok {
				t.Fatalf("document of no sent event: %.200s", raw)
			}
			if bad := check(s.ev, s.want, result{doc: doc, stream: stream}); len(bad) > 0 {
				if mismatches++; mismatches <= 3 {
					t.Errorf("%s: %s", stream, strings.Join(bad, "; "))
				}
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d documents differ from the expected parse", mismatches)
	}
	t.Logf("%d events sent over %d connections, %d indexed exactly once into %v", total, conns, es.Count(), es.Streams())
}

// docKey identifies an event by its origin and line.
func docKey(m map[string]any) string {
	return fmt.Sprint(mustGet(m, "host.name"), "|", mustGet(m, "log.file.path"), "|", mustGet(m, "log.offset"))
}

// rssKB reads this process's resident set size.
func rssKB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb
		}
	}
	return -1
}

// TestESOutageBackPressure: Elasticsearch goes down for 30 s (10 s under
// -race, still twice the clients' timeout) while clients send. No batch is ACKed during the outage, memory stays bounded, and
// after recovery every event is indexed exactly once.
func TestESOutageBackPressure(t *testing.T) {
	es := startES(t)
	n := startNode(t, esConfig(es.URL), nil)
	const conns, size = 4, 2048
	batches, outage := 30, 30*time.Second
	if race.Enabled {
		// 20 batches: 8 in before the outage, the rest held back during
		// it, which outlasts the clients' 5 s timeout (only keepalives
		// hold them) and several retry backoffs of the output.
		batches, outage = 5, 10*time.Second
	}
	var acked atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := dial(t, n.addr, nil, clientTimeout(5*time.Second))
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for b := 0; b < batches; b++ {
				batch := makeBatch(c, b, size)
				if k, err := cl.Send(batch); err != nil || k != size {
					errs <- fmt.Errorf("conn %d batch %d: %d %v", c, b, k, err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	waitFor(t, 30*time.Second, "some batches before the outage", func() bool { return acked.Load() >= 8 })
	es.Down()
	downAt := time.Now()
	rssAtDown := rssKB()
	time.Sleep(2 * time.Second) // requests already answered may still be acknowledged
	ackedAtStart := acked.Load()
	maxRSS := rssKB()
	for time.Since(downAt) < outage {
		time.Sleep(500 * time.Millisecond)
		maxRSS = max(maxRSS, rssKB())
	}
	ackedAtEnd := acked.Load()
	inflight := n.beats.InflightBytes()
	if err := es.Up(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("outage: %d batches ACKed before, %d during; in-flight bytes at the end of the outage %d; RSS %d KiB when it began, peak %d KiB during it (test process: clients and test double included)",
		ackedAtStart, ackedAtEnd-ackedAtStart, inflight, rssAtDown, maxRSS)
	if ackedAtEnd != ackedAtStart {
		t.Fatalf("%d batches were ACKed while Elasticsearch was down", ackedAtEnd-ackedAtStart)
	}
	// Back-pressure holds memory still: the clients wait, nothing piles up.
	if grew := maxRSS - rssAtDown; grew > 128<<10 {
		t.Fatalf("RSS grew by %d KiB during the outage", grew)
	}
	checkESExactlyOnce(t, es, conns, batches, size)
	if st := esOutput(t, n).Stats(); st.Failures == 0 {
		t.Fatalf("no failed request was seen during the outage: %+v", st)
	}
}

// TestESItem429Retried: 10% of items answered 429 inside 200 responses are
// all retried; none lost, none duplicated.
func TestESItem429Retried(t *testing.T) {
	es := startES(t)
	es.SetItem429Ratio(0.10)
	n := startNode(t, esConfig(es.URL), nil)
	const conns, size = 4, 2048
	batches := 10
	if race.Enabled {
		batches = 3 // still ~2,400 items answered 429
	}
	sendFromConns(t, n.addr, conns, batches, size)
	checkESExactlyOnce(t, es, conns, batches, size)
	st := esOutput(t, n).Stats()
	if es.Stats().Rejected429 == 0 || st.Retried < int64(es.Stats().Rejected429) {
		t.Fatalf("429s: server %d, retried %d", es.Stats().Rejected429, st.Retried)
	}
	t.Logf("server answered %d items 429; the output retried %d", es.Stats().Rejected429, st.Retried)
}

// TestESDeadLettersAndReplay: items answered 400 go to the dead-letter
// file with their reason, counts match exactly, the rest of their batch is
// indexed, and replay re-indexes them once the cause is fixed.
func TestESDeadLettersAndReplay(t *testing.T) {
	es := startES(t)
	poison := func(doc map[string]any) bool {
		id := idOf(mustJSON(doc))
		var c, b, i int
		fmt.Sscanf(id, "%d-%d-%d", &c, &b, &i)
		return i%97 == 3
	}
	es.SetItemHook(func(_ string, doc map[string]any) (int, string, string) {
		if poison(doc) {
			return 400, "document_parsing_exception", "[1:42] failed to parse field [message] of type [date]"
		}
		return 0, "", ""
	})
	n := startNode(t, esConfig(es.URL), nil)
	const batches, size = 5, 2048
	cl, err := dial(t, n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendAll(t, cl, 0, batches, size); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	wantDead := 0
	for b := 0; b < batches; b++ {
		for i := 0; i < size; i++ {
			if i%97 == 3 {
				wantDead++
			}
		}
	}
	out := esOutput(t, n)
	files, _ := deadletter.Files(out.DeadLetters())
	if len(files) != 1 {
		t.Fatalf("dead-letter files: %v", files)
	}
	records, err := deadletter.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != wantDead || out.Stats().DeadLettered != int64(wantDead) {
		t.Fatalf("%d dead letters (counter %d), want %d", len(records), out.Stats().DeadLettered, wantDead)
	}
	for _, r := range records {
		if r.Error.Status != 400 || r.Error.Type != "document_parsing_exception" || !strings.Contains(r.Error.Reason, "failed to parse") || r.Pipeline != "pt" || r.DataStream != "logs-django-pt" {
			t.Fatalf("dead letter without its reason: %+v", r)
		}
		if id := idOf(r.Event); id == "" {
			t.Fatalf("dead letter without the original event: %s", r.Event)
		}
	}
	if got := es.Count(); got != batches*size-wantDead {
		t.Fatalf("%d indexed, want the %d others of their batches", got, batches*size-wantDead)
	}
	n.stop()

	// The cause is fixed (say, the mapping): replay through the config.
	es.SetItemHook(nil)
	cfg, err := config.Load("test.yml", []byte(strings.ReplaceAll(esConfig(es.URL), "${DATA}", n.dataDir)), builtin.Registry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := engine.Build(cfg, nopLogger())
	if err != nil {
		t.Fatal(err)
	}
	replay := &deadletter.Replay{Dir: out.DeadLetters(), Log: nopLogger()}
	r.SetInputs(map[string]plugin.Input{"replay": replay})
	if err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if replay.Replayed() != int64(wantDead) {
		t.Fatalf("replayed %d, want %d", replay.Replayed(), wantDead)
	}
	checkESExactlyOnce(t, es, 1, batches, size)
	if left, _ := filepath.Glob(filepath.Join(out.DeadLetters(), "*")); len(left) != 0 {
		t.Fatalf("dead-letter files left after a successful replay: %v", left)
	}
}

func mustJSON(v any) []byte {
	data, _ := json.Marshal(v)
	return data
}

// TestESKilledMidBulkNoDuplicates: ingestd is SIGKILLed after
// Elasticsearch indexed a bulk but before the answer arrived, so the batch
// is never ACKed. The client resends it to the restarted ingestd; the
// deterministic ids make Elasticsearch answer 409 and nothing is indexed
// twice.
func TestESKilledMidBulkNoDuplicates(t *testing.T) {
	es := startES(t)
	es.SetDelayAfterIndexing(time.Hour)
	addr := freePort(t)
	dir := t.TempDir()
	env := []string{"INGESTD_DATA_DIR=" + dir, "INGESTD_BEATS_LISTEN=" + addr, "INGESTD_HTTP_LISTEN=127.0.0.1:0", "INGESTD_ES_HOSTS=" + es.URL}
	p := startProc(t, env, nil, "run")
	p.waitListening(t, addr)

	const size = 2048
	batch := makeBatch(0, 0, size)
	cl, err := dial(t, addr, nil, clientTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() { _, err := cl.Send(batch); sent <- err }()
	waitFor(t, 30*time.Second, "the bulk to be indexed", func() bool { return es.Count() == size })
	p.kill(t) // SIGKILL: no answer was read, no ACK was sent
	if err := <-sent; err == nil {
		t.Fatal("the batch was ACKed although ingestd never saw the bulk answer")
	}
	cl.Close()

	es.SetDelayAfterIndexing(0)
	p2 := startProc(t, env, nil, "run")
	p2.waitListening(t, addr)
	cl2, err := dial(t, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if k, err := cl2.Send(batch); err != nil || k != size {
		t.Fatalf("resend: %d %v\n%s", k, err, p2.logs)
	}
	if got := es.Count(); got != size {
		t.Fatalf("%d documents after the resend, want %d (no duplicates)", got, size)
	}
	if c := es.Stats().Conflicts; c != size {
		t.Fatalf("%d resent events answered 409, want %d", c, size)
	}
	checkESExactlyOnce(t, es, 1, 1, size)
}

// TestESTemplatesAndAuth: with setup_templates the shipped templates are
// installed before anything is indexed; an API key is sent; wrong
// credentials keep events waiting (401 is retried, never dropped) until
// they are fixed.
func TestESTemplatesAndAuth(t *testing.T) {
	es := startES(t)
	es.RequireAPIKey("c2VjcmV0")
	cfg := strings.Replace(esConfig(es.URL), "      max_backoff: 1s\n", "      max_backoff: 1s\n      setup_templates: true\n      api_key: wrong\n", 1)
	n := startNode(t, cfg, nil)
	cl, err := dial(t, n.addr, nil, clientTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sent := make(chan error, 1)
	go func() { sent <- sendAll(t, cl, 0, 1, 100) }()
	select {
	case err := <-sent:
		t.Fatalf("batch answered with wrong credentials: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	if esOutput(t, n).Reachable() {
		t.Fatal("ready although the cluster refuses the credentials")
	}
	es.RequireAPIKey("") // the cluster's side fixed: any key accepted now
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no ACK after the credentials were fixed\n%s", n.logs)
	}
	for _, name := range []string{"logs-pt", "logs-dcache.billing", "logs-accounting"} {
		raw, ok := es.Template(name)
		if !ok {
			t.Fatalf("template %s not installed", name)
		}
		var tmpl struct {
			IndexPatterns []string       `json:"index_patterns"`
			DataStream    map[string]any `json:"data_stream"`
			Priority      int            `json:"priority"`
		}
		if err := json.Unmarshal(raw, &tmpl); err != nil || tmpl.DataStream == nil || tmpl.Priority <= 100 || len(tmpl.IndexPatterns) == 0 {
			t.Fatalf("template %s: %s", name, raw)
		}
	}
	checkESExactlyOnce(t, es, 1, 1, 100)
}

// TestAPIKeyFromEnvironment: INGESTD_ES_API_KEY (DESIGN.md) reaches the
// cluster as go-elasticsearch sends it ("Authorization: APIKey …", which
// Elasticsearch reads in any case): `validate --online` with the right key
// passes, with a wrong one it fails naming the refusal. (The test double
// compared the scheme case-sensitively and refused every right key.)
func TestAPIKeyFromEnvironment(t *testing.T) {
	es := startES(t)
	es.RequireAPIKey("c2VjcmV0")
	validate := func(key string) (string, int) {
		return runCLIEnv(t, []string{"INGESTD_ES_HOSTS=" + es.URL, "INGESTD_ES_API_KEY=" + key, "INGESTD_DATA_DIR=" + t.TempDir()}, "validate", "--online")
	}
	if out, code := validate("c2VjcmV0"); code != 0 {
		t.Fatalf("the right API key: exit %d\n%s", code, out)
	}
	if out, code := validate("wrong"); code == 0 || !strings.Contains(out, "401") {
		t.Fatalf("a wrong API key: exit %d\n%s", code, out)
	}
}
