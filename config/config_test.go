package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
)

const validConfig = `data_dir: /tmp/x
inputs:
  - beats:
      listen: 127.0.0.1:5044
pipelines:
  - name: pt
    data_stream:
      dataset: "%{[fields][service]}"
      namespace: pt
outputs:
  - file: {}
`

func load(t *testing.T, src string, env map[string]string) (*config.Config, error) {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return config.Load("test.yml", []byte(src), builtin.Registry(), lookup)
}

func TestLoadValidAppliesDefaults(t *testing.T) {
	cfg, err := load(t, validConfig, map[string]string{"INGESTD_HTTP_LISTEN": "127.0.0.1:9999"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9999" {
		t.Errorf("http.listen = %q: the default must read INGESTD_HTTP_LISTEN", cfg.HTTP.Listen)
	}
	p := cfg.Pipelines[0]
	if p.Workers != 2 || p.DataStream.Type != "logs" || p.DataStream.FallbackDataset != "unknown" {
		t.Errorf("defaults not applied: %+v", p)
	}
	if cfg.Inputs[0].ID != "beats" || cfg.Outputs[0].ID != "file" {
		t.Errorf("plugin ids default to the plugin name: %q %q", cfg.Inputs[0].ID, cfg.Outputs[0].ID)
	}
}

// Each broken config must be reported at the exact position of the
// offending key or value.
func TestLoadProblemsArePositioned(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"unknown key", "      listen: 127.0.0.1:5044\n", "      listen: 127.0.0.1:5044\n      listn: x\n", `test.yml:5:7: unknown key "listn" in beats (did you mean "listen"?)`},
		{"bad type", "    data_stream:\n", "    workers: many\n    data_stream:\n", `test.yml:7:14: pipelines[0].workers: expected an integer, got "many"`},
		{"bad condition", "  - name: pt\n", "  - name: pt\n    when: 'fields.service == '\n", "test.yml:7:29: when: condition does not compile: unexpected token EOF"},
		{"illegal data stream name", "namespace: pt", "namespace: Pt-Prod", `test.yml:9:18: pipelines[0].data_stream.namespace: "Pt-Prod" must be lower case`},
		{"illegal dataset char", `dataset: "%{[fields][service]}"`, `dataset: "web-%{[fields][service]}"`, `test.yml:8:16: pipelines[0].data_stream.dataset: "web-%{[fields][service]}": literal text "web-" contains`},
		{"missing env", "data_dir: /tmp/x", "data_dir: ${NOPE}", "test.yml:1:11: environment variable NOPE is not set"},
		{"unknown plugin", "  - file: {}", "  - fiel: {}", `test.yml:11:5: unknown output plugin "fiel"`},
		{"required", "  - name: pt\n", "  - workers: 1\n", `test.yml:6:5: pipelines[0]: required key "name" is missing`},
		{"enum", "      listen: 127.0.0.1:5044\n", "      listen: 127.0.0.1:5044\n      tls:\n        client_auth: maybe\n", `test.yml:6:22: beats.tls.client_auth: "maybe" is not one of none, optional, required`},
		{"yaml syntax", "pipelines:\n", "pipelines:\n  - name: [\n", "test.yml:7:3: invalid YAML: did not find expected node content"},
		// yaml.v3 alone said 5:1 for both: the line before, from 0.
		{"yaml tab", "    data_stream:\n", "\tdata_stream:\n", "test.yml:7:1: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar that starts at 6:11)"},
		{"yaml unclosed flow mapping", "      namespace: pt\n", "      namespace: {pt, a: b\n  - file: {}\n", "test.yml:10:9: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping that starts at 9:18)"},
		{"impossible field", "  - name: pt\n", "  - name: pt\n    when: 'field(\"[fields][service\") == \"x\"'\n", `test.yml:7:12: when: condition does not compile: field("[fields][service") names no field`},
		{"bad grok", "outputs:\n", "    filters:\n      - grok: {match: {message: ['%{NOPE:x}']}}\noutputs:\n", `test.yml:11:23: grok.match: pattern "%{NOPE:x}": no pattern found for %{NOPE}`},
		{"duplicate key", "data_dir: /tmp/x\n", "data_dir: /tmp/x\ndata_dir: /tmp/y\n", `test.yml:2:1: key "data_dir" given twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(validConfig, c.from, c.to, 1)
			if src == validConfig {
				t.Fatal("edit did not apply")
			}
			_, err := load(t, src, nil)
			if err == nil {
				t.Fatalf("no problem reported for\n%s", src)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got  %s\nwant %s…", err, c.want)
			}
		})
	}
}

func TestLoadCrossChecks(t *testing.T) {
	src := `inputs:
  - beats:
      listen: 127.0.0.1:5044
  - beats:
      id: second
      listen: 0.0.0.0:5044
pipelines:
  - name: all
  - name: never
    when: 'true'
    outputs: [nowhere]
outputs:
  - file: {}
`
	_, err := load(t, src, nil)
	if err == nil {
		t.Fatal("expected problems")
	}
	want := []string{
		`test.yml:4:5: input "second": TCP port 5044 is already bound by input "beats"`,
		`test.yml:9:5: pipeline "never": output "nowhere" does not exist (outputs: file)`,
		`test.yml:9:5: pipeline "never" can never receive an event: pipeline "all" before it matches everything`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestMemoryLimit(t *testing.T) {
	cases := []struct {
		set  string // memory_limit line, or "" for the default
		env  map[string]string
		want int64
	}{
		{"", nil, 48<<20 + 4*(8<<20)},                                    // auto: the beats input's 8MiB default budget
		{"", map[string]string{"INGESTD_MEMORY_LIMIT": "0"}, 0},          // none
		{"memory_limit: 300MiB\n", nil, 300 << 20},                       // as set
		{"memory_limit: auto\n", nil, 48<<20 + 4*(8<<20)},                // explicit auto
		{"", map[string]string{"INGESTD_MEMORY_LIMIT": "1GiB"}, 1 << 30}, // from the environment
	}
	for _, c := range cases {
		cfg, err := load(t, c.set+validConfig, c.env)
		if err != nil {
			t.Fatalf("%q: %v", c.set, err)
		}
		if got := cfg.RuntimeMemoryLimit(); got != c.want {
			t.Errorf("%q %v: limit %d, want %d", c.set, c.env, got, c.want)
		}
	}
	two := strings.Replace(validConfig, "      listen: 127.0.0.1:5044\n", "      listen: 127.0.0.1:5044\n      max_inflight_bytes: 32MiB\n  - beats:\n      listen: 127.0.0.1:5045\n", 1)
	cfg, err := load(t, two, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.RuntimeMemoryLimit(), int64(48<<20+4*(40<<20)); got != want {
		t.Errorf("two inputs: limit %d, want %d (budgets add up)", got, want)
	}
	if _, err := load(t, "memory_limit: lots\n"+validConfig, nil); err == nil || !strings.Contains(err.Error(), `test.yml:1:15: expected auto or a size such as 256MiB, got "lots"`) {
		t.Errorf("bad memory_limit: %v", err)
	}
}

func TestGCPercent(t *testing.T) {
	cases := []struct {
		set              string // gc_percent line, or "" for the default
		env              map[string]string
		limited, unlimit int // RuntimeGCPercent with and without a memory limit
	}{
		{"", nil, 200, 100},                                             // auto
		{"gc_percent: auto\n", nil, 200, 100},                           // explicit auto
		{"gc_percent: 150\n", nil, 150, 150},                            // as set
		{"gc_percent: -1\n", nil, -1, -1},                               // off
		{"", map[string]string{"INGESTD_GC_PERCENT": "50"}, 50, 50},     // from the environment
		{"", map[string]string{"INGESTD_GC_PERCENT": "auto"}, 200, 100}, // auto from the environment
	}
	for _, c := range cases {
		cfg, err := load(t, c.set+validConfig, c.env)
		if err != nil {
			t.Fatalf("%q: %v", c.set, err)
		}
		if got := cfg.RuntimeGCPercent(true); got != c.limited {
			t.Errorf("%q %v: limited %d, want %d", c.set, c.env, got, c.limited)
		}
		if got := cfg.RuntimeGCPercent(false); got != c.unlimit {
			t.Errorf("%q %v: unlimited %d, want %d", c.set, c.env, got, c.unlimit)
		}
	}
	for _, bad := range []string{"lots", "-2", "1.5"} {
		if _, err := load(t, "gc_percent: "+bad+"\n"+validConfig, nil); err == nil || !strings.Contains(err.Error(), `expected auto, -1 (off) or a percentage such as 100, got "`+bad+`"`) {
			t.Errorf("gc_percent %s: %v", bad, err)
		}
	}
}

// ${VAR} works in every value, free-form YAML included (mutate's
// add_field values are `any`): a default, a set variable, nested lists and
// maps; an unset one without a default is a positioned problem.
func TestEnvInFreeFormValues(t *testing.T) {
	src := strings.Replace(validConfig, "    data_stream:\n", `    filters:
      - mutate:
          add_field:
            a: "${X:def}"
            b: ["${Y}", 1, true]
            c: {d: "x-${Y}"}
            n: ${N:42}
            q: "${N:42}"
            t: ${T:true}
            s: !!str ${N:42}
            e: ${E:}
    data_stream:
`, 1)
	cfg, err := load(t, src, map[string]string{"Y": "why"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfg.Pipelines[0].Filters[0].Config)
	for _, want := range []string{"a:def", "b:[why 1 true]", "c:map[d:x-why]", "n:42", "q:42", "t:true"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in %s", want, got)
		}
	}
	// Unquoted, a value keeps the type its text has; quoted, it is text.
	add := fmt.Sprintf("%#v", cfg.Pipelines[0].Filters[0].Config)
	for _, want := range []string{`"n":42`, `"q":"42"`, `"t":true`, `"s":"42"`, `"e":""`} {
		if !strings.Contains(add, want) {
			t.Errorf("no %s in %s", want, add)
		}
	}
	if _, err := load(t, src, nil); err == nil || !strings.Contains(err.Error(), "test.yml:11:17: environment variable Y is not set") {
		t.Errorf("unset variable: %v", err)
	}
}

// A default that does not decode (an environment variable's bad value) is
// reported with the key it is the default of: the key is absent, so the
// position alone (the section's) named nothing.
func TestBadDefaultNamesItsKey(t *testing.T) {
	_, err := load(t, validConfig, map[string]string{"INGESTD_MEMORY_LIMIT": "lots"})
	want := `test.yml:1:1: memory_limit (absent; its default ${INGESTD_MEMORY_LIMIT:auto}): expected auto or a size such as 256MiB, got "lots"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// A config file that is not there is named as the user gave it, with its
// directory (the error named it within its directory only).
func TestMissingFileNamedWhole(t *testing.T) {
	path := t.TempDir() + "/nonexist/ingestd.yml"
	_, err := config.LoadFile(path, builtin.Registry(), func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}
