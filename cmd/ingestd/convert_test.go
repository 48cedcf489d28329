package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const convConf = `input { beats { port => 5044 } }
filter {
  if [fields][service] == "django" {
    grok { match => { "message" => "^%{WORD:level}\|%{GREEDYDATA:rest}$" } enable_metric => false }
  }
}
output { stdout { } }
`

func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = execute(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestConvertCommand: convert prints the YAML (a pipeline named after the
// file, or --pipeline-id), the warnings on stderr.
func TestConvertCommand(t *testing.T) {
	path := writeConf(t, convConf)
	code, out, errOut := run("convert", path, "--pipeline-id", "Django Logs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"name: 'django_logs'", "- grok:", `'field("[fields][service]") == "django"'`, "# app.conf:4:5 filter \"grok\""} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, path+`:4:76: warning: filter "grok": option enable_metric is ignored`) {
		t.Errorf("stderr: %s", errOut)
	}
}

// TestConvertCommandErrors: what cannot be converted is a FILE:LINE:COL
// line and exit 1, without YAML.
func TestConvertCommandErrors(t *testing.T) {
	path := writeConf(t, strings.Replace(convConf, "grok {", "ruby { code => 'x' }\n    grok {", 1))
	code, out, errOut := run("convert", path)
	if code != 1 || out != "" || !strings.Contains(errOut, path+`:4:5: filter "ruby" is not supported: ingestd does not run Ruby`) {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	code, _, errOut = run("convert", filepath.Join(t.TempDir(), "none.conf"))
	if code != 1 || !strings.Contains(errOut, "no configuration files found") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

// TestValidateLogstashConf: validate -c takes a .conf, converts it in
// memory and reports problems at the .conf's positions.
func TestValidateLogstashConf(t *testing.T) {
	path := writeConf(t, convConf)
	code, out, _ := run("validate", "-c", path)
	if code != 0 || !strings.Contains(out, path+": valid (1 inputs, 1 pipelines, ") || !strings.Contains(out, "warning:") {
		t.Errorf("exit %d: %s", code, out)
	}
	bad := writeConf(t, strings.Replace(convConf, "%{WORD:level}", "%{NOSUCH:level}", 1))
	code, out, _ = run("validate", "-c", bad)
	if code != 1 || !strings.Contains(out, bad+`:4:12: filter "grok": `) {
		t.Errorf("exit %d: %s", code, out)
	}
	syntax := writeConf(t, "input { beats { port => 5044 }\n")
	code, out, _ = run("validate", "-c", syntax)
	if code != 1 || !strings.HasPrefix(out, syntax+":") {
		t.Errorf("exit %d: %s", code, out)
	}
}

// TestTestCommandLogstashConf: ingestd test runs pipeline tests against a
// .conf given with -c.
func TestTestCommandLogstashConf(t *testing.T) {
	path := writeConf(t, convConf)
	suite := filepath.Join(t.TempDir(), "t.yml")
	if err := os.WriteFile(suite, []byte(`tests:
  - name: django line
    line: "INFO|all good"
    fields: {service: django}
    expect:
      fields: {level: INFO, rest: all good, "[@version]": "1"}
      tags: [beats_input_codec_plain_applied]
  - name: other service
    line: "INFO|not parsed"
    fields: {service: nginx}
    expect:
      absent: [level]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("test", "-c", path, suite)
	if code != 0 || !strings.Contains(out, "2 passed, 0 failed") {
		t.Errorf("exit %d: %s%s", code, out, errOut)
	}
}
