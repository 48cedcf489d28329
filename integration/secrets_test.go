package integration

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecretsNeverShow plants a password in an Elasticsearch hosts URL
// (and in password:) and greps every output of the CLI and the server for
// it: validate (a valid config, a malformed URL, --online against a
// cluster that refuses the credentials and one that does not answer), the
// server's log from start to stop, /_node/stats, /metrics, and docs.
func TestSecretsNeverShow(t *testing.T) {
	const secret = "PLANTED-s3cr3t-9f27"
	es := startES(t)
	es.RequireBasicAuth("elastic", secret)
	withCreds := strings.Replace(es.URL, "://", "://elastic:"+secret+"@", 1)
	dir := t.TempDir()
	beats, httpAddr := freePort(t), freePort(t)
	write := func(name, hosts string) string {
		path := filepath.Join(dir, name)
		cfg := `data_dir: ` + filepath.Join(dir, "data") + `
http: {listen: "` + httpAddr + `"}
inputs:
  - beats: {listen: "` + beats + `"}
pipelines:
  - name: pt
    data_stream: {dataset: app, namespace: pt}
outputs:
  - elasticsearch:
      hosts: ` + hosts + `
      password: "` + secret + `-field"
`
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var outputs []string
	record := func(what, out string) { outputs = append(outputs, what+":\n"+out) }

	good := write("good.yml", withCreds)
	out, code := runCLI(t, "validate", "-c", good)
	record("validate", out)
	if code != 0 {
		t.Errorf("validate: exit %d\n%s", code, out)
	}
	out, _ = runCLI(t, "validate", "-c", write("malformed.yml", `"ftp://elastic:`+secret+`@es:9200"`))
	record("validate malformed", out)
	out, _ = runCLI(t, "validate", "--online", "-c", write("wrong.yml", strings.Replace(es.URL, "://", "://elastic:wrong"+secret+"@", 1)))
	record("validate --online refused", out)
	out, _ = runCLI(t, "validate", "--online", "-c", write("down.yml", "http://elastic:"+secret+"@127.0.0.1:1"))
	record("validate --online down", out)
	out, _ = runCLI(t, "docs")
	record("docs", out)

	p := startProc(t, []string{"INGESTD_LOG_LEVEL=debug"}, nil, "run", "-c", good)
	p.waitListening(t, beats)
	waitFor(t, 10*time.Second, "the cluster to answer", func() bool { return strings.Contains(p.logs.String(), "cluster answers") })
	for _, path := range []string{"/_node/stats", "/metrics", "/"} {
		res, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		record(path, string(body))
	}
	p.kill(t)
	record("server log", p.logs.String())

	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("the planted secret shows in %s", o)
		}
	}
	if !strings.Contains(strings.Join(outputs, "\n"), "elastic:xxxxx@") {
		t.Error("no output shows the redacted host at all: the test checks nothing")
	}
}
