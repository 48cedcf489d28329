package elasticsearch

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

const planted = "s3cr3t-PLANTED-pw"

// A password in a hosts URL shows in no log line, validate message or
// error: the ready line, a cluster that refuses the credentials, one that
// does not answer, and a malformed URL.
func TestCredentialsInURLsNeverShow(t *testing.T) {
	es := testDouble(t)
	es.RequireBasicAuth("elastic", planted)
	withCreds := strings.Replace(es.URL, "://", "://elastic:"+planted+"@", 1)

	var logs lockedBuffer
	cfg := new(Config)
	if err := spec.DecodeYAML("t.yml", "hosts: "+withCreds+"\nflush_interval: 10ms\ndead_letter_dir: "+t.TempDir(), cfg); err != nil {
		t.Fatal(err)
	}
	out, err := New(cfg, plugin.Env{Logger: zerolog.New(&logs), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ready line", func() bool { return strings.Contains(logs.String(), "cluster answers") })
	if err := closeOutput(t, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "elastic:xxxxx@") {
		t.Errorf("the ready line does not show the redacted host:\n%s", logs.String())
	}

	var texts []string
	texts = append(texts, cfg.CheckOnline(context.Background(), nil)...) // accepted: no problem
	wrong := new(Config)
	_ = spec.DecodeYAML("t.yml", "hosts: "+strings.Replace(es.URL, "://", "://elastic:wrong-"+planted+"@", 1), wrong)
	texts = append(texts, wrong.CheckOnline(context.Background(), nil)...)
	down := new(Config)
	_ = spec.DecodeYAML("t.yml", "hosts: http://elastic:"+planted+"@127.0.0.1:1", down)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	texts = append(texts, down.CheckOnline(ctx, nil)...)
	bad := &Config{Hosts: HostList{"ftp://elastic:" + planted + "@host:9200"}}
	for _, fe := range bad.Check() {
		texts = append(texts, fe.Msg)
	}
	if len(texts) < 3 {
		t.Fatalf("expected problems from the refused, the unreachable and the malformed host, got %q", texts)
	}
	texts = append(texts, logs.String())
	for _, s := range texts {
		if strings.Contains(s, planted) {
			t.Errorf("the planted password shows: %s", s)
		}
	}
}

// lockedBuffer is a log sink the output's goroutines write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestScrub(t *testing.T) {
	c := &Config{Hosts: HostList{"https://u:p%40ss@h:9200"}, Password: "pw-123", APIKey: "key-456"}
	in := `Get "https://u:p%40ss@h:9200/": x; password pw-123, key key-456; other http://a:b@c/`
	got := c.scrub(in)
	for _, s := range []string{"p%40ss", "p@ss", "pw-123", "key-456", ":b@"} {
		if strings.Contains(got, s) {
			t.Errorf("%q left in %q", s, got)
		}
	}
}

// A hosts entry url.Parse cannot read (a "/" left unencoded in the
// password, no scheme) is shown without its password too: validate
// printed it whole in its "not an http(s) URL" message (a review).
func TestMalformedHostNeverShowsItsPassword(t *testing.T) {
	for _, h := range []string{"http://user:sec/retX@127.0.0.1:9", "user:secretX@127.0.0.1:9", "https://u:a:b/c@h:9200/x"} {
		c := &Config{Hosts: HostList{h}}
		pass := h[strings.Index(h, "//")+2:]
		if !strings.Contains(h, "//") {
			pass = h
		}
		pass = pass[strings.IndexByte(pass, ':')+1 : strings.LastIndexByte(pass, '@')]
		for _, out := range []string{redactURL(h), c.scrub("hosts: " + h + " is bad"), strings.Join(c.redactedHosts(), ",")} {
			if strings.Contains(out, pass) {
				t.Errorf("%s: password %q shows in %q", h, pass, out)
			}
		}
		var msgs []string
		for _, fe := range c.Check() {
			msgs = append(msgs, fe.Msg)
		}
		if all := strings.Join(msgs, "; "); strings.Contains(all, pass) {
			t.Errorf("%s: password %q shows in %q", h, pass, all)
		}
	}
}
