package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

func lsconfTestdata(t *testing.T, name string) *lsconf.Config {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("../testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := lsconf.Parse(name, src, lsconf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Real configurations (lsconf/testdata says where each comes from) take
// their ${VAR}s as Logstash would.
func TestRealConfigsSubstitute(t *testing.T) {
	cfg := lsconfTestdata(t, "docker-elk/logstash.conf")
	out, err := Substitute(cfg, lookupIn(map[string]string{"LOGSTASH_INTERNAL_PASSWORD": "changeme"}))
	if err != nil || lsconf.ScalarText(out.Plugins(lsconf.KindOutput)[0].Attr("password").Value) != "changeme" {
		t.Errorf("substitute: %v %s", err, out)
	}
	if _, err := Substitute(cfg, lookupIn(nil)); err == nil || !strings.HasPrefix(err.Error(), "docker-elk/logstash.conf:19:16: Cannot evaluate `${LOGSTASH_INTERNAL_PASSWORD}`") {
		t.Errorf("err %v", err)
	}

	cfg = lsconfTestdata(t, "elastic-examples/logstash_script_fingerprint.conf")
	out, err = Substitute(cfg, lookupIn(map[string]string{"FINGERPRINT_KEY": "k", "ELASTIC_PASSWORD": "p"}))
	if err != nil || lsconf.ScalarText(out.Plugins(lsconf.KindFilter)[0].Attr("script_params").Value.(*lsconf.Hash).Get("key")) != "k" {
		t.Errorf("substitute %v", err)
	}
}
