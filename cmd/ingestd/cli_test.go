package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/deadletter"
)

// TestBadLogFlags: every command refuses a log level or format it does
// not know, flag or environment, as run does (validate used to pass a
// container whose INGESTD_LOG_LEVEL then stopped run).
func TestBadLogFlags(t *testing.T) {
	path := writeConf(t, convConf)
	if code, _, errOut := run("--log-level", "bogus", "validate", "-c", path); code != 1 || !strings.Contains(errOut, `--log-level "bogus"`) {
		t.Errorf("--log-level bogus: exit %d, stderr %q", code, errOut)
	}
	t.Setenv("INGESTD_LOG_FORMAT", "xml")
	if code, _, errOut := run("validate", "-c", path); code != 1 || !strings.Contains(errOut, `--log-format "xml"`) {
		t.Errorf("INGESTD_LOG_FORMAT=xml: exit %d, stderr %q", code, errOut)
	}
}

// TestReplaySaysWhatWasRefusedAgain: replay counts what the outputs refused
// again (back in the dead letters) and exits 1 then; it said "replayed"
// and exited 0.
func TestReplaySaysWhatWasRefusedAgain(t *testing.T) {
	for _, status := range []int{200, 400} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
		data := t.TempDir()
		store, err := deadletter.Open(filepath.Join(data, "dead-letters"))
		if err != nil {
			t.Fatal(err)
		}
		var recs []deadletter.Record
		for i := range 3 {
			recs = append(recs, deadletter.Record{Time: time.Now(), Pipeline: "main", Output: "old", Error: deadletter.Error{Status: 400},
				Event: []byte(fmt.Sprintf(`{"message":"m%d"}`, i))})
		}
		if err := store.Write(recs); err != nil {
			t.Fatal(err)
		}
		store.Close()
		cfg := filepath.Join(t.TempDir(), "replay.yml")
		os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nhttp: {listen: \"\"}\ninputs: [{beats: {listen: \"127.0.0.1:0\"}}]\npipelines: [{name: main}]\noutputs:\n  - http: {url: %q}\n", data, srv.URL)), 0o600)
		code, out, errOut := run("replay", "-c", cfg, "--log-level", "error")
		srv.Close()
		want, wantCode := "replayed 3 events", 0
		if status == 400 {
			want, wantCode = "replayed 3 events from "+filepath.Join(data, "dead-letters")+"; 3 refused again, back in the dead letters", 1
		}
		if code != wantCode || !strings.Contains(out, want) {
			t.Errorf("status %d: exit %d, stdout %q, stderr %q", status, code, out, errOut)
		}
	}
}
