package integration

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestListenAddressesAreCheckedOffline: validate refuses a listen address
// run would refuse (DESIGN.md: validate checks everything that can be
// checked offline), for the Beats input and the monitoring API alike.
func TestListenAddressesAreCheckedOffline(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"INGESTD_BEATS_LISTEN=127.0.0.1:99999", `beats.listen: port "99999"`},
		{"INGESTD_HTTP_LISTEN=127.0.0.1:99999", `http.listen: port "99999"`},
		{"INGESTD_HTTP_LISTEN=bad", "http.listen: want host:port"},
	} {
		out, code := runCLIEnv(t, []string{tc.env, "INGESTD_DATA_DIR=" + t.TempDir()}, "validate")
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d\n%s", tc.env, code, out)
		}
	}
}

// TestRunFailsWhenTheAPICannotListen: a monitoring API that cannot bind
// stops run at start with exit 1, as a Beats port that cannot does; it
// used to serve on without health or metrics and fail only at shutdown.
func TestRunFailsWhenTheAPICannotListen(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cmd := exec.Command(ingestdBin(t), "run")
	cmd.Env = append(os.Environ(), "INGESTD_HTTP_LISTEN="+taken.Addr().String(), "INGESTD_BEATS_LISTEN="+freePort(t),
		"INGESTD_DATA_DIR="+t.TempDir(), "INGESTD_ES_HOSTS=")
	done := make(chan error, 1)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(out.String(), "monitor: listen") {
			t.Fatalf("exit %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("run kept running without its monitoring API\n%s", out.String())
	}
}
