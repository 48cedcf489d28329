package load

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

func TestPipelinesYAML(t *testing.T) {
	pls, err := Pipelines("testdata/pipelines.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pls {
		ids = append(ids, p.ID)
	}
	if want := []string{"test", "another_test", "intake", "buffered-es", "partner", "files"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids %v", ids)
	}
	test := pls[0]
	if *test.Workers != 1 || *test.BatchSize != 1 || test.BatchDelay != nil || test.QueueType != "" || !strings.HasPrefix(test.ConfigString, "input { generator {} }") {
		t.Errorf("test %+v", test)
	}
	if pls[1].QueueType != "persisted" || pls[1].ConfigPath != "/tmp/logstash/*.config" || pls[1].Pos.String() != "testdata/pipelines.yml:9:3" {
		t.Errorf("another_test %+v", pls[1])
	}
	files := pls[5]
	if files.Ordered != "auto" || *files.BatchDelay != 0 || !*files.SupportEscapes {
		t.Errorf("files %+v", files)
	}
	// Other accepted settings are kept raw; config.reload.automatic, which
	// Logstash ignores per pipeline, is dropped.
	if want := map[string]any{"dead_letter_queue.enable": true, "queue.max_bytes": "1024mb"}; !reflect.DeepEqual(files.Extra, want) {
		t.Errorf("extra %v", files.Extra)
	}

	// Each pipeline's configuration loads; config.string pipelines lacking
	// an input or output get Logstash's defaults.
	links := map[string][]lsconf.PipelineLink{}
	for _, p := range pls[2:] {
		cfg, err := p.Load(lsconf.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		links[p.ID] = cfg.PipelineLinks()
		if p.ID == "buffered-es" && pluginNames(cfg.Plugins(lsconf.KindOutput)) != "elasticsearch" {
			t.Errorf("buffered-es outputs %s", pluginNames(cfg.Plugins(lsconf.KindOutput)))
		}
	}
	if l := links["intake"]; len(l) != 1 || l[0].Kind != lsconf.KindOutput || !reflect.DeepEqual(l[0].SendTo, []string{"internal-es", "partner-s3"}) {
		t.Errorf("intake links %+v", l)
	}
	if l := links["buffered-es"]; len(l) != 1 || l[0].Kind != lsconf.KindInput || l[0].Address != "internal-es" {
		t.Errorf("buffered-es links %+v", l)
	}
	if l := links["files"]; len(l) != 1 || !reflect.DeepEqual(l[0].SendTo, []string{"downstream", "archive"}) {
		t.Errorf("files links %+v", l)
	}
}

func TestConfigStringDefaults(t *testing.T) {
	// pipeline-to-pipeline.md's first example: the downstream pipeline has
	// no output, so Logstash adds stdout (ConfigStringLoader).
	cfg, err := ConfigString("downstream", "input { pipeline { address => myVirtualAddress } }", lsconf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pluginNames(cfg.Plugins(lsconf.KindOutput)); got != "stdout" || cfg.Sections[1].Pos.File != "default output" {
		t.Errorf("outputs %s at %v", got, cfg.Sections[1].Pos)
	}
	if l := cfg.PipelineLinks(); len(l) != 1 || l[0].Address != "myVirtualAddress" {
		t.Errorf("links %+v", l)
	}
	cfg, _ = ConfigString("x", "filter { }", lsconf.ParseOptions{})
	if pluginNames(cfg.Plugins(lsconf.KindInput)) != "stdin" || pluginNames(cfg.Plugins(lsconf.KindOutput)) != "stdout" {
		t.Errorf("defaults %s", cfg)
	}
	// The check is on the raw text, comments included, as in Logstash.
	cfg, _ = ConfigString("x", "# input {\noutput { x {} }", lsconf.ParseOptions{})
	if cfg.Plugins(lsconf.KindInput) != nil {
		t.Errorf("no default input expected: %s", cfg)
	}
}

func TestPipelineLinksInBranches(t *testing.T) {
	// The distributor pattern of pipeline-to-pipeline.md, with the quotes
	// elastic/logstash#12810 added (barewords do not work in conditions).
	cfg := mustParse(t, `input { beats { port => 5044 } }
output {
    if [type] == "apache" {
      pipeline { send_to => weblogs }
    } else if [type] == "system" {
      pipeline { send_to => syslog }
    } else {
      pipeline { send_to => fallback }
    }
}`)
	var to []string
	for _, l := range cfg.PipelineLinks() {
		to = append(to, l.SendTo...)
	}
	if want := []string{"weblogs", "syslog", "fallback"}; !reflect.DeepEqual(to, want) {
		t.Errorf("send_to %v", to)
	}
	// The docs' unquoted version does not parse.
	if errs := parseErrors(`output { if [type] == apache { pipeline { send_to => weblogs } } }`, lsconf.ParseOptions{}); len(errs) != 1 {
		t.Errorf("errors %q", errs)
	}
}

func TestPipelinesErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"pipeline.id: x", "p.yml:1:1: pipelines.yml must be a list of pipelines, each a map of settings"},
		{"", "p.yml: no pipelines defined (the file is empty)"},
		{"- [a]", "p.yml:1:3: a pipeline must be a map of settings"},
		{"- pipeline.id: a\n  pipeline.workerz: 2", `p.yml:2:3: unknown pipeline setting "pipeline.workerz"`},
		{"- pipeline: {id: a}", `p.yml:1:3: unknown pipeline setting "pipeline"`}, // keys are flat, never nested
		{"- pipeline.id: a\n- pipeline.id: a", `p.yml:2:3: duplicate pipeline.id "a" (first at line 1)`},
		{"- config.string: 'input {}'\n- path.config: /x", `p.yml:2:3: duplicate pipeline.id "main"`}, // the default id
		{"- pipeline.id: a\n  path.config: /x\n  config.string: 'input {}'", `p.yml:1:3: pipeline "a" sets both path.config and config.string`},
		{"- pipeline.workers: many", `p.yml:1:21: pipeline.workers must be a positive integer, not "many"`},
		{"- pipeline.batch.size: 0", `p.yml:1:24: pipeline.batch.size must be a positive integer`},
		{"- queue.type: disk", `p.yml:1:15: queue.type must be memory or persisted, not "disk"`},
		{"- pipeline.ordered: maybe", `p.yml:1:21: pipeline.ordered must be auto, true or false`},
		{"- config.support_escapes: yes", `p.yml:1:27: config.support_escapes must be true or false`},
		{"- path.config: [a, b]", `p.yml:1:16: path.config must be a single value`},
		{"- a: [", "p.yml: yaml:"},
	} {
		_, err := ParsePipelines("p.yml", []byte(c.yaml), nil)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.yaml, err, c.want)
		}
	}
}

func TestPipelinesSubstitution(t *testing.T) {
	yml := `- pipeline.id: ${ID}
  pipeline.workers: ${WORKERS:2}
  queue.max_bytes: ${MAX}
  config.string: |
    # comments are expanded too: ${COMMENT}
    input { generator { message => "${MSG}" } }
`
	env := lookupIn(map[string]string{"ID": "main2", "MAX": "4gb", "COMMENT": "c", "MSG": "hello"})
	pls, err := ParsePipelines("p.yml", []byte(yml), env)
	if err != nil {
		t.Fatal(err)
	}
	p := pls[0]
	if p.ID != "main2" || *p.Workers != 2 || p.Extra["queue.max_bytes"] != "4gb" || !strings.Contains(p.ConfigString, "expanded too: c\n") {
		t.Errorf("%+v", p)
	}
	cfg, err := p.Load(lsconf.ParseOptions{})
	if err != nil || lsconf.ScalarText(cfg.Plugins(lsconf.KindInput)[0].Attr("message").Value) != "hello" {
		t.Errorf("load %v %s", err, cfg)
	}
	_, err = ParsePipelines("p.yml", []byte("- pipeline.id: a\n  config.string: |\n    # ${UNSET}\n    input {}\n"), env)
	if err == nil || !strings.HasPrefix(err.Error(), "p.yml:2:18: config.string: Cannot evaluate `${UNSET}`") {
		t.Errorf("err %v", err)
	}
	if _, err := (&Pipeline{ID: "x", Pos: lsconf.Pos{File: "p.yml", Line: 3, Col: 3}}).Load(lsconf.ParseOptions{}); err == nil || err.Error() != `p.yml:3:3: pipeline "x" has neither path.config nor config.string` {
		t.Errorf("err %v", err)
	}
}
