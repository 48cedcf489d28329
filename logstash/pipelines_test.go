package logstash

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/builtin"
)

// distributor is the distributor pattern of Logstash's pipeline-to-pipeline
// documentation (https://www.elastic.co/guide/en/logstash/current/pipeline-to-pipeline.html,
// "The distributor pattern"), with its conditions quoted (the page's
// `[type] == apache` is not valid Logstash syntax: a bareword is no rvalue
// in lscl_grammar.treetop) and one pipeline read from a path.config file
// relative to pipelines.yml.
const distributor = `
- pipeline.id: beats-server
  pipeline.workers: 3
  config.string: |
    input { beats { port => 5044 } }
    output {
        if [type] == "apache" {
          pipeline { send_to => weblogs }
        } else if [type] == "system" {
          pipeline { send_to => syslog }
        } else {
          pipeline { send_to => fallback }
        }
    }
- pipeline.id: weblog-processing
  path.config: "conf.d/weblog.conf"
- pipeline.id: syslog-processing
  queue.type: persisted
  config.string: |
    input { pipeline { address => syslog } }
    filter { mutate { add_tag => ["syslog"] } }
    output { elasticsearch { hosts => ["http://es-b:9200"] index => "syslog" } }
- pipeline.id: fallback-processing
  config.string: |
    input { pipeline { address => fallback } }
    output { elasticsearch { hosts => ["http://es-b:9200"] index => "other" } }
`

func writePipelines(t *testing.T, yml string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "pipelines.yml")
	if err := os.WriteFile(p, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPipelinesFile checks that a pipelines.yml becomes one config whose
// pipelines each take their own inputs and write to their own outputs,
// with the settings ingestd has and warnings for the others.
func TestPipelinesFile(t *testing.T) {
	path := writePipelines(t, distributor, map[string]string{
		"conf.d/weblog.conf": `input { pipeline { address => weblogs } }
filter { mutate { add_field => { "pipeline" => "weblog" } } }
output { elasticsearch { hosts => ["http://es-a:9200"] index => "weblogs" } }
`,
	})
	if !IsLogstashPath(path) {
		t.Fatal("pipelines.yml is not taken as Logstash configuration")
	}
	cfg, warnings, err := Load(path, Options{Lookup: env}, builtin.Registry(), env)
	if err != nil {
		t.Fatal(err)
	}
	var ws []string
	for _, w := range warnings {
		ws = append(ws, w.String())
	}
	if !slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, "queue.type persisted") }) {
		t.Errorf("no warning about queue.type persisted: %v", ws)
	}
	type want struct {
		name    string
		inputs  []string
		outputs []string
		workers int
	}
	wants := []want{
		{"beats-server", []string{"beats"}, []string{"pipeline", "pipeline_2", "pipeline_3"}, 3},
		{"weblog-processing", []string{"pipeline"}, []string{"elasticsearch"}, 2},
		{"syslog-processing", []string{"pipeline_2"}, []string{"elasticsearch_2"}, 2},
		{"fallback-processing", []string{"pipeline_3"}, []string{"elasticsearch_3"}, 2},
	}
	if len(cfg.Pipelines) != len(wants) {
		t.Fatalf("%d pipelines", len(cfg.Pipelines))
	}
	for i, w := range wants {
		p := cfg.Pipelines[i]
		if p.Name != w.name || !slices.Equal(p.Inputs, w.inputs) || !slices.Equal(p.Outputs, w.outputs) || p.Workers != w.workers {
			t.Errorf("pipeline %d: %s inputs %v outputs %v workers %d; want %+v", i, p.Name, p.Inputs, p.Outputs, p.Workers, w)
		}
	}
	if len(cfg.Sources) != 2 || !strings.HasSuffix(cfg.Sources[1], "weblog.conf") {
		t.Errorf("sources %v: want pipelines.yml and weblog.conf", cfg.Sources)
	}
}

// TestPipelinesFileProblems checks what a pipelines.yml cannot be run
// with: an address listened on twice, a cycle, an unknown setting, a
// pipeline without configuration, a missing path.config.
func TestPipelinesFileProblems(t *testing.T) {
	path := writePipelines(t, `
- pipeline.id: a
  config.string: |
    input { pipeline { address => "x" } }
    output { pipeline { send_to => ["y"] } }
- pipeline.id: b
  config.string: |
    input { pipeline { address => "y" } }
    output { pipeline { send_to => ["x"] } }
- pipeline.id: c
  config.string: |
    input { pipeline { address => "x" } }
    output { stdout {} }
- pipeline.id: d
- pipeline.id: e
  path.config: missing/*.conf
- pipeline.id: f
  pipeline.batch.size: 500
  config.string: "input { beats { port => 5044 } } output { stdout {} }"
`, nil)
	_, problems, err := ConvertPath(path, Options{Lookup: env})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, strings.TrimPrefix(p.String(), filepath.Dir(path)+string(filepath.Separator)))
	}
	for _, want := range []string{
		`pipelines.yml[c].config.string:1:31: input "pipeline": address "x" is already listened on by pipeline "a"; addresses must be unique across pipelines`,
		`pipelines.yml[b].config.string:2:32: output "pipeline": sending to "x" makes a cycle through pipeline "a"; events would go round for ever`,
		`pipelines.yml:14:3: pipeline "d" has neither path.config nor config.string`,
		`pipelines.yml:15:3: pipeline "e": path.config`,
		`pipelines.yml:17:3: warning: pipeline "f": pipeline.batch.size and pipeline.batch.delay are ignored`,
	} {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, want) }) {
			t.Errorf("missing problem %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}
