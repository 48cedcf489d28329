package logstash

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

const ptConf = "../lsconf/testdata/pt/logstash.conf"

func ptConfig(t *testing.T) *lsconf.Config {
	t.Helper()
	cfg, err := load.Path(ptConf, lsconf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ptEnv sets the one variable the PT configuration reads.
func ptEnv(name string) (string, bool) {
	if name == "LOGSTASH_WRITER_PASSWORD" {
		return "s3cret", true
	}
	return "", false
}

// TestPTConverts: the PT reference configuration converts without errors;
// the warnings are the known differences, each at its place.
func TestPTConverts(t *testing.T) {
	yaml, ps := Convert(ptConfig(t), Options{Lookup: ptEnv})
	var warnings []string
	for _, p := range ps {
		if !p.Warning {
			t.Errorf("error: %s", p)
		}
		warnings = append(warnings, strings.TrimPrefix(p.Pos.String(), p.Pos.File)+" "+p.Msg[:min(len(p.Msg), 40)])
	}
	want := []string{
		`:204:7 output "elasticsearch": option manage_te`,
		`:209:33 output "elasticsearch": data_stream_data`,
		`:214:5 ingestd's data_stream sync_fields sets d`,
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	// The password stays a placeholder; ingestd expands it the same way.
	if !strings.Contains(string(yaml), `password: '${LOGSTASH_WRITER_PASSWORD}'`) || strings.Contains(string(yaml), "s3cret") {
		t.Errorf("password not kept as a placeholder:\n%s", yaml)
	}
}

// TestPTCredentialUnset: a variable used only as a whole credential need
// not be set to convert (the YAML keeps the placeholder); loading reports
// it, at the option's position in the .conf.
func TestPTCredentialUnset(t *testing.T) {
	if _, ps := Convert(ptConfig(t), Options{Lookup: env}); HasErrors(ps) {
		t.Errorf("conversion: %v", ps)
	}
	_, _, err := Load(ptConf, Options{}, builtin.Registry(), env)
	if err == nil || !strings.HasSuffix(err.Error(), `logstash.conf:203:7: output "elasticsearch": environment variable LOGSTASH_WRITER_PASSWORD is not set and has no default (write ${LOGSTASH_WRITER_PASSWORD:default})`) {
		t.Errorf("load: %v", err)
	}
}

// ptEvent is a Filebeat event as the PT group's Filebeat sends it: the
// custom fields under [fields] (fields_under_root: false).
func ptEvent(line string, extra string) string {
	return `{"@timestamp":"2026-01-02T10:00:00.000Z","agent":{"name":"vm1","type":"filebeat","version":"8.10.3"},` +
		`"input":{"type":"filestream"},"log":{"file":{"path":"/var/log/parcels/django.log"},"offset":0},` +
		`"fields":{"group":"pt","service":"django"}` + extra + `,"message":` + asJSON(line) + `}`
}

// TestPTDocuments runs sample PT events through the converted reference
// configuration in process and checks the documents against what
// Logstash makes of them, derived from the configuration (line numbers of
// lsconf/testdata/pt/logstash.conf) and Logstash's semantics:
//
//   - the beats input adds @version "1" and the tag
//     beats_input_codec_plain_applied (decoded_event_transform.rb);
//   - lines 34-42: group, service, stream are copied from [fields] when
//     the root has none (add_field: a field already present would become
//     an array);
//   - line 54: grok, the first pattern with milliseconds: TIMESTAMP_ISO8601
//     gives back the fraction (its SECOND part is optional) so that
//     \.%{INT:log_ms} matches; a line neither pattern matches gets
//     _grokparsefailure_pt (tag_on_failure) and no log_* field;
//   - line 66: the data_stream fields and event.module, always within
//     group pt (replace: the dataset from %{[service]});
//   - lines 75-187: the first logger pattern that matches sets stream,
//     and app_module for application loggers (add_field); no logger_name
//     (a failed grok) takes the else;
//   - line 189: the date, parsed as ISO8601 without an offset: UTC (the
//     Logstash image's JVM zone, the pipeline's zone here), into
//     @timestamp, only when grok did not fail;
//   - line 198: group pt with a service goes to Elasticsearch, into
//     logs-<[data_stream][dataset]>-pt (data_stream_auto_routing, the
//     default, takes the event's own data_stream fields); anything else to
//     stdout.
func TestPTDocuments(t *testing.T) {
	p := buildPT(t)
	cases := []struct {
		name   string
		in     string
		stream string // data stream, for events Elasticsearch takes
		outs   string
		want   map[string]any // dotted paths; nil means absent
	}{
		{"app line with milliseconds",
			ptEvent("INFO|apps.parcels.views|2025-12-30T21:16:01.340|Created parcel", ""),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{
				"@timestamp": "2025-12-30T21:16:01.000Z", "@version": "1",
				"message": "INFO|apps.parcels.views|2025-12-30T21:16:01.340|Created parcel",
				"group":   "pt", "service": "django",
				"log_level": "INFO", "logger_name": "apps.parcels.views", "log_timestamp": "2025-12-30T21:16:01",
				"log_ms": "340", "log_message": "Created parcel",
				"data_stream":  map[string]any{"type": "logs", "dataset": "django", "namespace": "pt"},
				"event.module": "pt", "stream": "app", "app_module": "parcels",
				"tags":   []any{"beats_input_codec_plain_applied"},
				"fields": map[string]any{"group": "pt", "service": "django"},
			}},
		{"framework line without milliseconds",
			ptEvent("ERROR|django.request|2025-12-30T21:16:02|Internal Server Error: /api/parcels/", ""),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{
				"@timestamp": "2025-12-30T21:16:02.000Z", "log_level": "ERROR", "logger_name": "django.request",
				"log_timestamp": "2025-12-30T21:16:02", "log_ms": nil, "log_message": "Internal Server Error: /api/parcels/",
				"stream": "django", "app_module": nil, "tags": []any{"beats_input_codec_plain_applied"},
			}},
		{"a line grok does not parse",
			ptEvent("Traceback (most recent call last):", ""),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{
				"@timestamp": "2026-01-02T10:00:00.000Z", "log_level": nil, "logger_name": nil, "log_timestamp": nil,
				"stream": "unknown", "app_module": "unknown", "event.module": "pt",
				"data_stream": map[string]any{"type": "logs", "dataset": "django", "namespace": "pt"},
				"tags":        []any{"beats_input_codec_plain_applied", "_grokparsefailure_pt"},
			}},
		{"first matching logger wins (cron_tasks before .tasks)",
			ptEvent("WARNING|apps.cron_tasks.tasks|2025-12-30T21:16:03.001|Slow run", ""),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{"stream": "app", "app_module": "tasks", "log_ms": "001"}},
		{"Filebeat's stream is replaced by the logger table",
			ptEvent("INFO|werkzeug|2025-12-30T21:16:04|GET / 200", `,"stream":"stderr"`),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{"stream": "server"}},
		{"an app_module already there becomes an array (add_field)",
			ptEvent("INFO|apps.dashboard.views|2025-12-30T21:16:05|Rendered", `,"app_module":"pre"`),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{"app_module": []any{"pre", "dashboard"}, "stream": "app"}},
		{"a root group is not overwritten by [fields][group]",
			strings.Replace(ptEvent("INFO|root|2025-12-30T21:16:06|up", ""), `"fields":{"group":"pt"`, `"group":"pt","fields":{"group":"other"`, 1),
			"logs-django-pt", `["elasticsearch"]`,
			map[string]any{"group": "pt", "stream": "system"}},
		{"another group goes to stdout, untouched but for the copies",
			strings.Replace(ptEvent("INFO|apps.parcels.views|2025-12-30T21:16:07|x", ""), `"group":"pt"`, `"group":"ops"`, 1),
			"", `["stdout"]`,
			map[string]any{"group": "ops", "service": "django", "log_level": nil, "stream": nil, "event": nil,
				"@timestamp": "2026-01-02T10:00:00.000Z", "tags": []any{"beats_input_codec_plain_applied"}}},
	}
	for _, tc := range cases {
		doc, outs := p.run(tc.in)
		if doc == nil {
			t.Errorf("%s: dropped", tc.name)
			continue
		}
		if asJSON(outs) != tc.outs {
			t.Errorf("%s: outputs %v, want %s", tc.name, outs, tc.outs)
		}
		if tc.stream != "" && doc["_data_stream"] != tc.stream {
			t.Errorf("%s: data stream %v, want %s", tc.name, doc["_data_stream"], tc.stream)
		}
		for path, want := range tc.want {
			if got := get(doc, path); asJSON(got) != asJSON(want) {
				t.Errorf("%s: %s = %s, want %s", tc.name, path, asJSON(got), asJSON(want))
			}
		}
	}
}

func buildPT(t *testing.T) *pipeline {
	t.Helper()
	return buildWith(t, ptConfig(t), ptEnv)
}
