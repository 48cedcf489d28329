package prune

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// The examples of logstash-filter-prune spec/filters/prune_spec.rb; the
// describe/context/it path of each is its name.
const borat = `{"firstname":"Borat","lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan","hobby":"Cloud","status":"200","Borat_saying":"Cloud is not ready for enterprise if is not integrate with single server running Active Directory."}`

const arrays = `{"blah":"foo","xxx":["1 2 3","3 4 5"],"status":["100","200","300","400","500"],"error":["This is foolish","Need smthing smart too"]}`

// with returns borat with extra members.
func with(extra string) string { return strings.TrimSuffix(borat, "}") + "," + extra + "}" }

func TestSpec(t *testing.T) {
	const saying = `"Borat_saying":"Cloud is not ready for enterprise if is not integrate with single server running Active Directory."`
	const wlValues = "whitelist_values: {firstname: '^Borat$', fullname: '%{firstname} Sagdiyev', location: 'no no no', status: '^2', '%{firstname}_saying': '%{hobby}.*Active'}\n"
	const blValues = "blacklist_values: {firstname: '^Borat$', fullname: '%{firstname} Sagdiyev', location: 'no no no', status: '^2', '%{firstname}_saying': '%{hobby}.*Active'}\n"
	const arrWl = "whitelist_values: {status: '^(1|2|3)', xxx: '3', error: '%{blah}'}\n"
	const arrBl = "blacklist_values: {status: '^(1|2|3)', xxx: '3', error: '%{blah}'}\n"
	cases := []struct{ name, cfg, event, want string }{
		{"default behaviour/retains all fields since whiteliste_names is empty", "", borat, borat},
		{"default behaviour/blacklist_names/drops unresolved field references", "", with(`"%{hmm}":"doh"`), borat},
		{"whitelist_names/keeps fields in the list; drops fields not described in the whitelist",
			"whitelist_names: [firstname, '(hobby|status)', '%{firstname}_saying']", with(`"%{hmm}":"doh"`),
			`{"firstname":"Borat","hobby":"Cloud","status":"200"}`},
		{"whitelist_names/with interpolation/retains fields that match after interpolation",
			"whitelist_names: [firstname, '%{firstname}_saying']\ninterpolate: true", borat,
			`{"firstname":"Borat",` + saying + `}`},
		{"blacklist_names/drops fields in the list; keeps the remaining fields",
			"blacklist_names: [firstname, '(hobby|status)', '%{firstname}_saying']", borat,
			`{"lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan",` + saying + `}`},
		{"blacklist_names/if there are non resolved field references/also drops them (keeps: the default is overridden)",
			"blacklist_names: [firstname, '(hobby|status)', '%{firstname}_saying']", with(`"%{hmm}":"doh"`),
			`{"lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan",` + saying + `,"%{hmm}":"doh"}`},
		{"blacklist_names/with interpolation/drops fields after interpolation",
			"blacklist_names: [firstname, '(hobby|status)', '%{firstname}_saying']\ninterpolate: true", borat,
			`{"lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan"}`},
		{"whitelist_values/keeps fields in the whitelist if the value matches; drops ... doesn't match; include all other fields",
			wlValues, borat,
			`{"firstname":"Borat","lastname":"Sagdiyev","country":"Kazakhstan","hobby":"Cloud","status":"200",` + saying + `}`},
		{"whitelist_values/with interpolation/keeps field values after interpolation",
			wlValues + "interpolate: true", with(`"%{hmm}":"doh"`),
			`{"firstname":"Borat","lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","hobby":"Cloud","status":"200",` + saying + `}`},
		{"whitelist_values/with array values/drops fields if no value matches; keeps only elements that match; keeps values intact if they all match",
			arrWl, arrays, `{"blah":"foo","xxx":["1 2 3","3 4 5"],"status":["100","200","300"]}`},
		{"whitelist_values/with array values/with interpolation/keeps values that match after interpolation",
			arrWl + "interpolate: true", arrays, `{"blah":"foo","xxx":["1 2 3","3 4 5"],"status":["100","200","300"],"error":["This is foolish"]}`},
		{"blacklist_values/drops fields that match the values; keeps fields that don't match the values",
			blValues, borat,
			`{"lastname":"Sagdiyev","fullname":"Borat Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan","hobby":"Cloud",` + saying + `}`},
		{"blacklist_values/with interpolation/drops fields that match after interpolation",
			blValues + "interpolate: true", borat,
			`{"lastname":"Sagdiyev","country":"Kazakhstan","location":"Somethere in Kazakhstan","hobby":"Cloud"}`},
		{"blacklist_values/with array values/drops fields if no elements match; keeps values that don't match",
			arrBl, arrays, `{"blah":"foo","status":["400","500"],"error":["This is foolish","Need smthing smart too"]}`},
		{"blacklist_values/with array values/with interpolation/drops values that match after interpolation",
			arrBl + "interpolate: true", arrays, `{"blah":"foo","status":["400","500"],"error":["Need smthing smart too"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Apply(t, pt.Filter(t, New, c.cfg), c.event)
			pt.SameDoc(t, e, c.want)
		})
	}
}

func TestEdgeCases(t *testing.T) {
	cases := []struct{ name, cfg, event, want string }{
		// README: "msg" keeps msg_short too, "^msg$" only msg.
		{"unanchored", "whitelist_names: [msg]", `{"msg":"hello world","msg_short":"hw","x":1}`, `{"msg":"hello world","msg_short":"hw"}`},
		{"anchored", "whitelist_names: ['^msg$']", `{"msg":"hello world","msg_short":"hw"}`, `{"msg":"hello world"}`},
		// Top-level only; tags is a field like any other; @metadata is never pruned.
		{"tags pruned", "whitelist_names: ['^a$']", `{"a":{"b":1,"c":2},"tags":["t"],"@metadata":{"m":1}}`, `{"a":{"b":1,"c":2}}`},
		{"tag value", "blacklist_values: {tags: '^drop$'}", `{"tags":["keep","drop"]}`, `{"tags":["keep"]}`},
		// Ruby's ^ and $ match at line boundaries.
		{"multiline anchor", "blacklist_values: {m: '^b$'}", `{"m":"a\nb\nc"}`, `{}`},
		// Numbers and booleans match on their text; false and null are skipped as in Logstash; objects are left alone.
		{"number", "blacklist_values: {n: '^2'}", `{"n":200}`, `{}`},
		{"false skipped", "whitelist_values: {b: 'true'}", `{"b":false}`, `{"b":false}`},
		{"object skipped", "whitelist_values: {o: 'x'}", `{"o":{"a":1}}`, `{"o":{"a":1}}`},
		// Two rules on one array: an element stays only if both keep it.
		{"rules combine", "whitelist_values: {a: '[0-9]'}\nblacklist_values: {a: '^1'}", `{"a":["1","2","x"]}`, `{"a":["2"]}`},
		// Names and values combined: the name rule removes the field.
		{"name wins", "whitelist_names: ['^b$']\nwhitelist_values: {a: '1'}", `{"a":["1","2"],"b":1}`, `{"b":1}`},
		// An interpolated pattern that does not compile is ignored.
		{"bad rendered regex", "whitelist_values: {a: '%{p}'}\ninterpolate: true", `{"a":"x","p":"("}`, `{"a":"x","p":"("}`},
		// An empty blacklist_names turns the default off.
		{"no default blacklist", "blacklist_names: []", `{"%{x}":1}`, `{"%{x}":1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Apply(t, pt.Filter(t, New, c.cfg), c.event)
			pt.SameDoc(t, e, c.want)
		})
	}
	if msg := pt.ConfigError[Config]("whitelist_names: ['(']"); !strings.Contains(msg, "whitelist_names") {
		t.Errorf("bad regex accepted: %q", msg)
	}
	if msg := pt.ConfigError[Config]("blacklist_values: {a: '(?<=x)'}"); !strings.Contains(msg, "blacklist_values a") {
		t.Errorf("lookbehind accepted: %q", msg)
	}
}

// benchPrune applies f to b.N fresh events (prune changes them), made
// before the timer starts.
func benchPrune(b *testing.B, f plugin.Filter, js string) {
	events := make([]*event.Event, b.N)
	for i := range events {
		events[i] = pt.Event(b, js)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		f.Apply(events[i])
	}
}

func BenchmarkWhitelistNames(b *testing.B) {
	f := pt.Filter(b, New, "whitelist_names: ['^@timestamp$', '^message$', '^host$', '^tags$']")
	benchPrune(b, f, `{"@timestamp":"2025-01-01T00:00:00Z","message":"m","host":{"name":"h"},"a":1,"b":2,"c":3,"tags":["x"],"extra":"y"}`)
}

func BenchmarkValuesInterpolated(b *testing.B) {
	f := pt.Filter(b, New, "whitelist_values: {status: '^(1|2|3)', error: '%{blah}'}\ninterpolate: true")
	benchPrune(b, f, arrays)
}
