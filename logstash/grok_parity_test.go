package logstash

import (
	"strings"
	"testing"
)

// TestGrokParity runs cases of logstash-filter-grok's spec
// (spec/filters/grok_spec.rb, written for the legacy pattern set: the
// filters say ecs_compatibility => disabled) through a converted grok
// filter; each case names the spec's describe block. The last case is the
// same syslog line under Logstash 8's default, the ECS set
// (logstash-patterns-core patterns/ecs-v1 grok-patterns: SYSLOGBASE and
// SYSLOGPROG capture [host][hostname], [process][name], [process][pid]).
func TestGrokParity(t *testing.T) {
	cases := []struct {
		name, filter, event string
		want                map[string]string // field → JSON value; "absent" for none
	}{
		{"simple syslog line", `grok { ecs_compatibility => disabled match => { "message" => "%{SYSLOGLINE}" } overwrite => [ "message" ] }`,
			`{"message":"Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]"}`,
			map[string]string{"tags": "absent", "logsource": `"evita"`, "timestamp": `"Mar 16 00:01:25"`,
				"message": `"connect from camomile.cloud9.net[168.100.1.3]"`, "program": `"postfix/smtpd"`, "pid": `"1713"`}},
		{"ietf 5424 syslog line", `grok { ecs_compatibility => disabled match => { "message" => "%{SYSLOG5424LINE}" } }`,
			`{"message":"<191>1 2009-06-30T18:30:00+02:00 paxton.local grokdebug 4123 - [id1 foo=\"bar\"][id2 baz=\"something\"] Hello, syslog."}`,
			map[string]string{"tags": "absent", "syslog5424_pri": `"191"`, "syslog5424_ver": `"1"`, "syslog5424_ts": `"2009-06-30T18:30:00+02:00"`,
				"syslog5424_host": `"paxton.local"`, "syslog5424_app": `"grokdebug"`, "syslog5424_proc": `"4123"`, "syslog5424_msgid": "absent",
				"syslog5424_sd": `"[id1 foo=\"bar\"][id2 baz=\"something\"]"`, "syslog5424_msg": `"Hello, syslog."`}},
		{"ietf 5424 syslog line, no PID or SD", `grok { ecs_compatibility => disabled match => { "message" => "%{SYSLOG5424LINE}" } }`,
			`{"message":"<191>1 2009-06-30T18:30:00+02:00 paxton.local grokdebug - - - No PID or SD."}`,
			map[string]string{"tags": "absent", "syslog5424_proc": "absent", "syslog5424_sd": "absent", "syslog5424_msg": `"No PID or SD."`}},
		{"coercing matched values", `grok { ecs_compatibility => disabled match => { "message" => "%{NUMBER:foo:int} %{NUMBER:bar:float}" } }`,
			`{"message":"400 454.33"}`, map[string]string{"foo": "400", "bar": "454.33"}},
		{"adding fields on match", `grok { ecs_compatibility => disabled match => { "message" => "matchme %{NUMBER:fancy}" } add_field => [ "new_field", "%{fancy}" ] }`,
			`{"message":"matchme 1234"}`, map[string]string{"tags": "absent", "new_field": `"1234"`}},
		{"adding fields on match, not matched", `grok { ecs_compatibility => disabled match => { "message" => "matchme %{NUMBER:fancy}" } add_field => [ "new_field", "%{fancy}" ] }`,
			`{"message":"this will not be matched"}`, map[string]string{"tags": `["_grokparsefailure"]`, "new_field": "absent"}},
		{"empty fields: drop by default", `grok { ecs_compatibility => disabled match => { "message" => "1=%{WORD:foo1} *(2=%{WORD:foo2})?" } }`,
			`{"message":"1=test"}`, map[string]string{"tags": "absent", "foo1": `"test"`, "foo2": "absent"}},
		{"oniguruma named captures", `grok { ecs_compatibility => disabled match => { "message" => "(?<foo>\w+)" } }`,
			`{"message":"hello world"}`, map[string]string{"tags": "absent", "foo": `"hello"`}},
		{"oniguruma named captures with grok patterns", `grok { ecs_compatibility => disabled match => { "message" => "(?<timestamp>%{DATE_EU} %{TIME})" } }`,
			`{"message":"fancy 12-12-12 12:12:12"}`, map[string]string{"tags": "absent", "timestamp": `"12-12-12 12:12:12"`}},
		{"grok on integer types", `grok { ecs_compatibility => disabled match => { "status" => "^403$" } add_tag => "four_oh_three" }`,
			`{"message":"m","status":403}`, map[string]string{"tags": `["four_oh_three"]`}},
		{"tagging on failure", `grok { ecs_compatibility => disabled match => { "message" => "matchme %{NUMBER:fancy}" } tag_on_failure => false }`,
			`{"message":"this will not be matched"}`, map[string]string{"tags": `["false"]`}},
		{"captures named fields even if the whole text matches", `grok { ecs_compatibility => disabled match => { "message" => "%{DATE_EU:stimestamp}" } }`,
			`{"message":"11/01/01"}`, map[string]string{"stimestamp": `"11/01/01"`}},
		{"break_on_match default should be true", `grok { ecs_compatibility => disabled match => { "message" => "%{INT:foo}" "somefield" => "%{INT:bar}" } }`,
			`{"message":"hello world 123","somefield":"testme abc 999"}`, map[string]string{"foo": `"123"`, "bar": "absent", "tags": "absent"}},
		{"break_on_match when set to false", `grok { ecs_compatibility => disabled match => { "message" => "%{INT:foo}" "somefield" => "%{INT:bar}" } break_on_match => false }`,
			`{"message":"hello world 123","somefield":"testme abc 999"}`, map[string]string{"foo": `"123"`, "bar": `"999"`, "tags": "absent"}},
		// grok.rb's filter: one failure tag when no field matched; the
		// second field is tried when the first did not match.
		{"several fields, the second matches", `grok { ecs_compatibility => disabled match => { "message" => "^%{INT:foo}$" "somefield" => "%{INT:bar}" } }`,
			`{"message":"hello","somefield":"abc 999"}`, map[string]string{"foo": "absent", "bar": `"999"`, "tags": "absent"}},
		{"several fields, none matches", `grok { ecs_compatibility => disabled match => { "message" => "^%{INT:foo}$" "somefield" => "^%{INT:bar}$" } }`,
			`{"message":"hello","somefield":"abc"}`, map[string]string{"tags": `["_grokparsefailure"]`}},
		// grok.rb's match: an array field is matched element by element.
		{"an array field", `grok { ecs_compatibility => disabled match => { "message" => "%{INT:n}" } }`,
			`{"message":["a 1","b 2"]}`, map[string]string{"n": `["1","2"]`, "tags": "absent"}},
		// grok's target option (logstash-filter-grok 4.4: "Define target
		// namespace for placing matches").
		{"target", `grok { ecs_compatibility => disabled match => { "message" => "%{WORD:verb} %{INT:code:int}" } target => "[parsed]" }`,
			`{"message":"GET 200"}`, map[string]string{"parsed": `{"code":200,"verb":"GET"}`, "verb": "absent"}},
		{"allow dashes in capture names", `grok { ecs_compatibility => disabled match => { "message" => "%{WORD:foo-bar}" } }`,
			`{"message":"hello world"}`, map[string]string{"foo-bar": `"hello"`}},
	}
	cases = append(cases, struct {
		name, filter, event string
		want                map[string]string
	}{"simple syslog line, ECS (Logstash 8's default)", `grok { match => { "message" => "%{SYSLOGLINE}" } overwrite => [ "message" ] }`,
		`{"message":"Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]"}`,
		map[string]string{"tags": "absent", "host": `{"hostname":"evita"}`, "timestamp": `"Mar 16 00:01:25"`,
			"message": `"connect from camomile.cloud9.net[168.100.1.3]"`, "process": `{"name":"postfix/smtpd","pid":1713}`, "logsource": "absent"}})
	for _, level := range strings.Fields("trace Trace TRACE debug Debug DEBUG notice Notice info Info INFO warn warning Warn Warning WARN WARNING err error Err Error ERR ERROR crit critical Crit Critical CRIT CRITICAL fatal Fatal FATAL severe Severe SEVERE emerg emergency Emerg Emergency EMERG EMERGENCY") {
		cases = append(cases, struct {
			name, filter, event string
			want                map[string]string
		}{"grok on %{LOGLEVEL} " + level, `grok { ecs_compatibility => disabled match => { "message" => "%{LOGLEVEL:level}: error!" } }`,
			`{"message":"` + level + `: error!"}`, map[string]string{"level": `"` + level + `"`}})
	}
	for _, c := range cases {
		p := build(t, beatsIn+"filter { "+c.filter+" }\noutput { stdout { codec => json_lines } }")
		doc, _ := p.run(c.event)
		for field, want := range c.want {
			got, ok := doc[field]
			if want == "absent" {
				if ok {
					t.Errorf("%s: %s = %s, want none", c.name, field, asJSON(got))
				}
				continue
			}
			if !ok || asJSON(got) != want {
				t.Errorf("%s: %s = %s, want %s", c.name, field, asJSON(got), want)
			}
		}
	}
}
