package beats

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	client "github.com/elastic/go-lumber/client/v2"
	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/plugin/plugintest"
)

var (
	filebeat01 = pkix.Name{CommonName: "filebeat01", Organization: []string{"NEANIAS"}}
	intruder   = pkix.Name{CommonName: "intruder", Organization: []string{"Elsewhere"}}
)

// peerSeen is what an event arrived with.
type peerSeen struct {
	message, status, subject, beat string
	hasPeer, hasSubject            bool
}

// peerSink completes every event it is given and records its tls_peer.
type peerSink struct {
	mu   sync.Mutex
	seen []peerSeen
}

var (
	statusPath  = event.Path{event.MetadataKey, "tls_peer", "status"}
	subjectPath = event.Path{event.MetadataKey, "tls_peer", "subject"}
	beatPath    = event.Path{event.MetadataKey, "beat"}
)

func (s *peerSink) Publish(_ context.Context, events []*event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		// Copies: an event's bytes are recycled once it is done.
		s.seen = append(s.seen, peerSeen{
			message:    strings.Clone(e.GetString(event.Path{"message"})),
			status:     strings.Clone(e.GetString(statusPath)),
			subject:    strings.Clone(e.GetString(subjectPath)),
			beat:       strings.Clone(e.GetString(beatPath)),
			hasPeer:    e.Has(tlsPeerPath),
			hasSubject: e.Has(subjectPath),
		})
		e.Done()
	}
	return nil
}

func (s *peerSink) events() []peerSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]peerSeen(nil), s.seen...)
}

// logLines collects the input's log lines (zerolog writes one per Write).
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(bytes.TrimSpace(p)))
	l.mu.Unlock()
	return len(p), nil
}

func (l *logLines) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(line, `"level":"warn"`) {
			out = append(out, line)
		}
	}
	return out
}

// tlsInput is a TLS input under test, with what it logged and counted.
type tlsInput struct {
	*Input
	sink    *peerSink
	log     *logLines
	metrics *plugin.Metrics
}

func startTLSInput(t *testing.T, tlsCfg TLSConfig) *tlsInput {
	t.Helper()
	ti := &tlsInput{sink: &peerSink{}, log: &logLines{}, metrics: &plugin.Metrics{}}
	env := plugin.Env{Logger: zerolog.New(ti.log), Metrics: ti.metrics, DrainTimeout: time.Second}
	ti.Input = startWithEnv(t, &plugintest.Sink{Committed: ti.sink.Publish}, func(c *Config) { c.TLS = tlsCfg }, env)
	return ti
}

// metric returns the value of the input's metric key.
func (ti *tlsInput) metric(t *testing.T, key string) int64 {
	t.Helper()
	var v int64 = -1
	ti.metrics.Each(func(m plugin.Metric, value int64) {
		if m.Key == key {
			v = value
		}
	})
	if v < 0 {
		t.Fatalf("metric %s not registered", key)
	}
	return v
}

// send sends events over c with go-lumber's client, as Filebeat does.
func send(c net.Conn, events ...map[string]any) error {
	cl, err := client.NewSyncClientWithConn(c, client.Timeout(5*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()
	batch := make([]any, len(events))
	for i, e := range events {
		batch[i] = e
	}
	_, err = cl.Send(batch)
	return err
}

// TestTLSPeerVerified: events from a client whose certificate
// tls.allowed_subjects names arrive with tls_peer verified and its exact
// subject, keep the @metadata the client sent, and a tls_peer the client
// sent itself is replaced.
func TestTLSPeerVerified(t *testing.T) {
	pki := newTestPKI(t)
	cfg := pki.tlsConfig("required")
	cfg.AllowedSubjects = []string{"CN=filebeat01,O=NEANIAS"}
	in := startTLSInput(t, cfg)

	err := send(pki.dial(t, in.Addr().String(), pki.client(t, filebeat01)),
		map[string]any{"message": "with metadata", "@metadata": map[string]any{"beat": "filebeat", "version": "9.3.0"}},
		map[string]any{"message": "without metadata"},
		map[string]any{"message": "forged", "@metadata": map[string]any{"beat": "filebeat", "tls_peer": map[string]any{"status": "verified", "subject": "CN=admin"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	got := in.sink.events()
	if len(got) != 3 {
		t.Fatalf("%d events arrived, want 3", len(got))
	}
	for _, e := range got {
		if e.status != statusVerified || e.subject != "CN=filebeat01,O=NEANIAS" {
			t.Errorf("%q: tls_peer status %q subject %q, want verified CN=filebeat01,O=NEANIAS", e.message, e.status, e.subject)
		}
		if want := map[bool]string{true: "filebeat"}[e.message != "without metadata"]; e.beat != want {
			t.Errorf("%q: [@metadata][beat] %q, want %q", e.message, e.beat, want)
		}
	}
	if n := in.metric(t, "connections_refused_subject"); n != 0 {
		t.Fatalf("connections_refused_subject %d, want 0", n)
	}
}

// TestAllowedSubjectsRefuse: with client_auth optional and a glob in
// tls.allowed_subjects, a certificate of another subject and a client
// without one are closed after the handshake (the client's send fails,
// none of its events arrive), each counted and logged once with the
// subject and the client's address; filebeat01 matches the glob.
func TestAllowedSubjectsRefuse(t *testing.T) {
	pki := newTestPKI(t)
	cfg := pki.tlsConfig("optional")
	cfg.AllowedSubjects = []string{"CN=elsewhere", "CN=filebeat*,O=NEANIAS"}
	in := startTLSInput(t, cfg)
	addr := in.Addr().String()

	refused := []struct {
		name    string
		certs   []tls.Certificate
		mention string // what the warn line names
	}{
		{"other subject", []tls.Certificate{pki.client(t, intruder)}, "CN=intruder,O=Elsewhere"},
		{"no certificate", nil, "no client certificate"},
	}
	for i, r := range refused {
		c := pki.dial(t, addr, r.certs...)
		if err := send(c, map[string]any{"message": "refused " + r.name}); err == nil {
			t.Fatalf("%s: the batch was acknowledged", r.name)
		}
		// The counter goes up just before the warn line is written: wait
		// for both.
		waitFor(t, r.name+": refusal counted and logged", func() bool {
			return in.metric(t, "connections_refused_subject") == int64(i+1) && len(in.log.warnings()) >= i+1
		})
		warns := in.log.warnings()
		if len(warns) != i+1 {
			t.Fatalf("%s: %d warn lines, want one per refusal: %q", r.name, len(warns), warns)
		}
		if w := warns[i]; !strings.Contains(w, r.mention) || !strings.Contains(w, `"peer":"`+c.LocalAddr().String()+`"`) {
			t.Fatalf("%s: warn line %s names not %q and the peer %s", r.name, w, r.mention, c.LocalAddr())
		}
	}

	if err := send(pki.dial(t, addr, pki.client(t, filebeat01)), map[string]any{"message": "admitted"}); err != nil {
		t.Fatal(err)
	}
	got := in.sink.events()
	if len(got) != 1 || got[0].message != "admitted" || got[0].status != statusVerified || got[0].subject != "CN=filebeat01,O=NEANIAS" {
		t.Fatalf("events %+v, want only filebeat01's, verified", got)
	}
	waitFor(t, "connections closed", func() bool { return in.Connections() == 0 })
	if n := in.metric(t, "connections_refused_subject"); n != 2 {
		t.Fatalf("connections_refused_subject %d, want 2", n)
	}
}

// TestTLSPeerStatus: without allowed_subjects, what each client_auth
// mode makes of a client with and without a certificate.
func TestTLSPeerStatus(t *testing.T) {
	pki := newTestPKI(t)
	cases := []struct {
		clientAuth  string
		cert        bool
		status      string
		withSubject bool
	}{
		{"optional", false, statusNoClientCert, false},
		{"optional", true, statusVerified, true},
		{"required", true, statusVerified, true},
		{"none", true, statusNoClientCert, false}, // not asked for
		{"none", false, statusNoClientCert, false},
	}
	for _, tc := range cases {
		t.Run(tc.clientAuth+"/cert="+strconv.FormatBool(tc.cert), func(t *testing.T) {
			cfg := pki.tlsConfig(tc.clientAuth)
			if tc.clientAuth == "none" {
				cfg.CertificateAuthorities = nil
			}
			in := startTLSInput(t, cfg)
			var certs []tls.Certificate
			if tc.cert {
				certs = append(certs, pki.client(t, filebeat01))
			}
			if err := send(pki.dial(t, in.Addr().String(), certs...), map[string]any{"message": "m", "@metadata": map[string]any{"beat": "filebeat"}}); err != nil {
				t.Fatal(err)
			}
			got := in.sink.events()
			if len(got) != 1 {
				t.Fatalf("%d events, want 1", len(got))
			}
			e := got[0]
			if e.status != tc.status || e.hasSubject != tc.withSubject || e.beat != "filebeat" {
				t.Fatalf("status %q, subject %q (present %v), beat %q; want %q, subject present %v, beat filebeat",
					e.status, e.subject, e.hasSubject, e.beat, tc.status, tc.withSubject)
			}
			if tc.withSubject && e.subject != "CN=filebeat01,O=NEANIAS" {
				t.Fatalf("subject %q", e.subject)
			}
		})
	}
}

// TestNoTLSNoPeer: without TLS no tls_peer is added.
func TestNoTLSNoPeer(t *testing.T) {
	sink := &peerSink{}
	in := startSinkInput(t, &plugintest.Sink{Committed: sink.Publish}, time.Second)
	c, err := net.DialTimeout("tcp", in.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := send(c, map[string]any{"message": "plain", "@metadata": map[string]any{"beat": "filebeat"}}); err != nil {
		t.Fatal(err)
	}
	if got := sink.events(); len(got) != 1 || got[0].hasPeer || got[0].beat != "filebeat" {
		t.Fatalf("events %+v, want one without tls_peer", got)
	}
}

// TestPeerOf: the status follows what the handshake established;
// unverified (a certificate presented, not verified) is one no
// client_auth mode produces, so it is shown here.
func TestPeerOf(t *testing.T) {
	cert := &x509.Certificate{Subject: filebeat01}
	cases := []struct {
		state tls.ConnectionState
		want  peer
	}{
		{tls.ConnectionState{}, peer{status: statusNoClientCert}},
		{tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}, peer{statusUnverified, "CN=filebeat01,O=NEANIAS"}},
		{tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}, VerifiedChains: [][]*x509.Certificate{{cert}}}, peer{statusVerified, "CN=filebeat01,O=NEANIAS"}},
	}
	for _, tc := range cases {
		if got := peerOf(tc.state, statusNoClientCert); got != tc.want {
			t.Errorf("peerOf %+v, want %+v", got, tc.want)
		}
	}
	// tls.no_cert_status: unverified, as Logstash's beats input calls a
	// client without a certificate (message_listener.rb, extract_tls_peer).
	if got := peerOf(tls.ConnectionState{}, statusUnverified); got != (peer{status: statusUnverified}) {
		t.Errorf("no certificate with no_cert_status unverified: %+v", got)
	}
	// An unverified certificate is never admitted, whatever its subject.
	rules, err := (&TLSConfig{ClientAuth: "optional", AllowedSubjects: []string{"*"}}).compileSubjects()
	if err != nil {
		t.Fatal(err)
	}
	if rules.admit(peer{statusUnverified, "CN=filebeat01,O=NEANIAS"}) == nil {
		t.Fatal("an unverified certificate was admitted")
	}
}

// TestPeerMetaShared: events share their connection's tls_peer, yet a
// filter writing into one event's changes no other; subjects that need
// escaping come through intact.
func TestPeerMetaShared(t *testing.T) {
	subject := (pkix.Name{CommonName: `say "hi", \ok`, Organization: []string{"Ü"}}).String()
	m := newPeerMeta(peer{statusVerified, subject})
	a, err := event.DecodeEvent([]byte(`{"message":"a","@metadata":{"beat":"filebeat"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := event.DecodeEvent([]byte(`{"message":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	m.set(a)
	m.set(b)
	a.SetString(statusPath, "changed")
	a.SetString(event.Path{event.MetadataKey, "tls_peer", "extra"}, "x")
	if got := b.GetString(statusPath); got != statusVerified {
		t.Fatalf("b's status %q after a filter wrote a's", got)
	}
	if got := b.GetString(subjectPath); got != subject {
		t.Fatalf("subject %q, want %q", got, subject)
	}
	if got := a.GetString(beatPath); got != "filebeat" {
		t.Fatalf("a's beat %q", got)
	}
	c, _ := event.DecodeEvent([]byte(`{"message":"c"}`))
	m.set(c)
	if got := c.GetString(statusPath); got != statusVerified || c.Has(event.Path{event.MetadataKey, "tls_peer", "extra"}) {
		t.Fatalf("a later event got status %q and a's extra member", got)
	}
}

func TestSubjectPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, subject string
		want             bool
	}{
		{"CN=filebeat01,O=NEANIAS", "CN=filebeat01,O=NEANIAS", true},
		{"CN=filebeat01,O=NEANIAS", "CN=filebeat01,O=NEANIAS2", false},
		{"CN=filebeat01,O=NEANIAS", "CN=filebeat011,O=NEANIAS", false},
		{"CN=filebeat*,O=NEANIAS", "CN=filebeat01,O=NEANIAS", true},
		{"CN=filebeat*,O=NEANIAS", "CN=filebeat,O=NEANIAS", true},
		{"CN=filebeat*,O=NEANIAS", "CN=intruder,O=NEANIAS", false},
		{"CN=filebeat*,O=NEANIAS", "CN=filebeat01,O=Elsewhere", false},
		{"CN=filebeat*,O=NEANIAS", "CN=filebeat01,OU=x,O=NEANIAS", true}, // * spans commas
		{"CN=*,O=*", "CN=a,O=b", true},
		{"CN=*,O=*", "CN=a", false},
		{"*,O=NEANIAS", "CN=x,O=NEANIAS", true},
		{"CN=a*b*c", "CN=abc", true},
		{"CN=a*b*c", "CN=acb", false},
		{"CN=ab*ba", "CN=aba", false}, // prefix and suffix may not overlap
		{"*", "", true},
	}
	for _, tc := range cases {
		if got := subjectPattern(strings.Split(tc.pattern, "*")).match(tc.subject); got != tc.want {
			t.Errorf("%q matches %q: %v, want %v", tc.pattern, tc.subject, got, tc.want)
		}
	}
}

// TestCheckAllowedSubjects: allowed_subjects needs a client certificate
// to be asked for, and patterns that could never match are errors.
func TestCheckAllowedSubjects(t *testing.T) {
	pki := newTestPKI(t)
	cases := []struct {
		clientAuth string
		subjects   []string
		err        string // in the error; "" for none
	}{
		{"required", []string{"CN=filebeat01,O=NEANIAS", "CN=filebeat*"}, ""},
		{"optional", []string{`CN=a\, b`, `CN=trailing\ `}, ""},
		{"none", []string{"CN=filebeat01"}, "needs client_auth optional or required"},
		{"required", []string{""}, "empty pattern"},
		{"required", []string{"CN=filebeat01, O=NEANIAS"}, "space after a comma"},
		{"required", []string{"/CN=filebeat01/O=NEANIAS"}, "OpenSSL"},
		{"required", []string{" CN=filebeat01"}, "leading space"},
		{"required", []string{"CN=filebeat01 "}, "trailing space"},
		{"required", []string{`CN=filebeat01\`}, "lone backslash"},
	}
	for _, tc := range cases {
		cfg := checkedConfig(pki, tc.clientAuth, tc.subjects)
		var msgs []string
		for _, fe := range cfg.Check() {
			msgs = append(msgs, fe.Field+": "+fe.Msg)
		}
		got := strings.Join(msgs, "; ")
		if tc.err == "" && got != "" || !strings.Contains(got, tc.err) {
			t.Errorf("client_auth %s, allowed_subjects %q: errors %q, want %q", tc.clientAuth, tc.subjects, got, tc.err)
		}
	}
	// TLS off: allowed_subjects is refused as well.
	off := checkedConfig(pki, "none", []string{"CN=filebeat01"})
	off.TLS = TLSConfig{ClientAuth: "none", MinVersion: "1.2", AllowedSubjects: []string{"CN=filebeat01"}}
	if errs := off.Check(); len(errs) != 1 || !strings.Contains(errs[0].Msg, "allowed_subjects") {
		t.Errorf("TLS off with allowed_subjects: %v", errs)
	}
}

// TestAllowedSubjectsRebind: a reload compares input configs with
// reflect.DeepEqual, so a changed allowed_subjects rebinds the input, and
// an unchanged config does not.
func TestAllowedSubjectsRebind(t *testing.T) {
	pki := newTestPKI(t)
	a := checkedConfig(pki, "required", []string{"CN=filebeat01,O=NEANIAS"})
	same := checkedConfig(pki, "required", []string{"CN=filebeat01,O=NEANIAS"})
	other := checkedConfig(pki, "required", []string{"CN=filebeat*,O=NEANIAS"})
	for _, c := range []*Config{a, same, other} {
		if errs := c.Check(); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	if !reflect.DeepEqual(a, same) {
		t.Fatal("identical configs differ")
	}
	if reflect.DeepEqual(a, other) {
		t.Fatal("configs differing in allowed_subjects compare equal: no rebind")
	}
}

// checkedConfig is a config that passes Check but for its tls section.
func checkedConfig(pki *testPKI, clientAuth string, subjects []string) *Config {
	tlsCfg := pki.tlsConfig(clientAuth)
	tlsCfg.AllowedSubjects = subjects
	return &Config{
		Listen: "127.0.0.1:0", MaxConnections: 10, MaxPerSource: 10, MaxBatchEvents: 4096,
		MaxEventBytes: 1 << 20, MaxBatchBytes: 16 << 20, MaxInflightBytes: 8 << 20,
		IdleTimeout: time.Second, ReadTimeout: time.Second, HeaderTimeout: time.Second,
		HandshakeTimeout: time.Second, RateWindow: time.Second, TLS: tlsCfg,
	}
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestClientIPField: with client_ip_field, every event carries its
// client's IP address there (Logstash's beats input: [@metadata][ip_address],
// or [@metadata][input][beats][host][ip] under ECS), next to what the
// client sent in @metadata; without it, nothing is added.
func TestClientIPField(t *testing.T) {
	var mu sync.Mutex
	var got []string
	sink := &plugintest.Sink{Committed: func(_ context.Context, events []*event.Event) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			got = append(got, strings.Clone(string(e.Metadata().AppendJSON(nil))))
			e.Done()
		}
		return nil
	}}
	in := startWithSink(t, sink, func(c *Config) {
		if err := c.ClientIPField.UnmarshalText([]byte("[@metadata][input][beats][host][ip]")); err != nil {
			t.Fatal(err)
		}
	})
	c, err := net.DialTimeout("tcp", in.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := send(c, map[string]any{"message": "m", "@metadata": map[string]any{"beat": "filebeat"}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != `{"beat":"filebeat","input":{"beats":{"host":{"ip":"127.0.0.1"}}}}` {
		t.Errorf("@metadata %v", got)
	}
}
