package lsconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The configurations under testdata are real ones; each file says where it
// comes from. They must all parse, format and parse back.
func TestRealConfigsParse(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.conf")
	if err != nil || len(files) < 10 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := Parse(f, src, ParseOptions{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		roundTrip(t, f, cfg, ParseOptions{})
	}
}

func loadTestdata(t *testing.T, name string) *Config {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(name, src, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func pluginNames(ps []*Plugin) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, " ")
}

func TestDockerELK(t *testing.T) {
	cfg := loadTestdata(t, "docker-elk/logstash.conf")
	if got := pluginNames(cfg.Plugins(KindInput)); got != "beats tcp" {
		t.Errorf("inputs %s", got)
	}
	if got := pluginNames(cfg.Plugins(KindFilter)); got != "" {
		t.Errorf("filters %s", got)
	}
	es := cfg.Plugins(KindOutput)[0]
	if es.Name != "elasticsearch" || ScalarText(es.Attr("hosts").Value) != "elasticsearch:9200" {
		t.Fatalf("output %s", cfg)
	}
}

func TestLogstashSpecConfigs(t *testing.T) {
	cfg := loadTestdata(t, "logstash-spec/apache_logstash.conf")
	if got := pluginNames(cfg.Plugins(KindFilter)); got != "grok date geoip useragent" {
		t.Errorf("filters %s", got)
	}
	grok := cfg.Plugins(KindFilter)[0].Attr("match").Value.(*Hash).Get("message").(*String)
	if grok.Quote != '\'' || !strings.Contains(grok.Value, `\[%{HTTPDATE:timestamp}\] "%{WORD:verb}`) {
		t.Errorf("grok pattern %q", grok.Value)
	}
	if codec := cfg.Plugins(KindOutput)[0].Attr("codec").Value.(*PluginValue); codec.Plugin.Name != "dots" {
		t.Errorf("codec %s", FormatValue(codec))
	}

	cfg = loadTestdata(t, "logstash-spec/nyc_collision_logstash.conf")
	items := cfg.Sections[1].Items
	if len(items) != 20 || len(cfg.Plugins(KindFilter)) != 22 {
		t.Fatalf("filter items %d, plugins %d", len(items), len(cfg.Plugins(KindFilter)))
	}
	// if [contributing_factor_vehicle_2] and "Unspecified" != [...] and [...] not in [...]
	cond := items[8].(*Branch).Cases[0].Cond
	want := `(and [contributing_factor_vehicle_2] (and (!= "Unspecified" [contributing_factor_vehicle_2]) (not-in [contributing_factor_vehicle_2] [contributing_factor_vehicle])))`
	if got := sexpr(cond); got != want {
		t.Errorf("cond %s", got)
	}
	if got := sexpr(items[1].(*Branch).Cases[0].Cond); got != `(== [date] "DATE")` {
		t.Errorf("cond %s", got)
	}

	cfg = loadTestdata(t, "logstash-spec/usfec_logstash.conf")
	if got := sexpr(cfg.Sections[1].Items[0].(*Branch).Cases[0].Cond); got != `(! (== [transactionDate] ""))` {
		t.Errorf("cond %s", got)
	}
}

func TestElasticExamples(t *testing.T) {
	cfg := loadTestdata(t, "elastic-examples/logstash_script_fingerprint.conf")
	params := cfg.Plugins(KindFilter)[0].Attr("script_params").Value.(*Hash)
	if len(params.Entries) != 4 || FormatValue(params.Get("fields")) != `["username", "ip"]` {
		t.Errorf("script_params %s", FormatValue(params))
	}
	br := cfg.Sections[2].Items[0].(*Branch)
	if sexpr(br.Cases[0].Cond) != `(in "pseudonyms" [tags])` || len(br.Else) != 1 {
		t.Errorf("output %s", cfg)
	}

	cfg = loadTestdata(t, "elastic-examples/ssh_analysis_logstash.conf")
	codec := cfg.Plugins(KindInput)[0].Attr("codec").Value.(*PluginValue).Plugin
	if d := codec.Attr("delimiter").Value.(*String); codec.Name != "cef" || d.Value != `\r\n` {
		t.Errorf("codec %s", inlinePlugin(codec))
	}
}

func TestPTReference(t *testing.T) {
	cfg := loadTestdata(t, "pt/logstash.conf")
	if got := pluginNames(cfg.Plugins(KindInput)); got != "beats" {
		t.Errorf("inputs %s", got)
	}
	filter := cfg.Sections[1].Items
	if len(filter) != 5 {
		t.Fatalf("filter items: %d", len(filter))
	}
	if got := sexpr(filter[0].(*Branch).Cases[0].Cond); got != "(and (! [group]) [fields][group])" {
		t.Errorf("copy cond %s", got)
	}
	if got := sexpr(filter[3].(*Branch).Cases[0].Cond); got != `(and [stream] (=~ [stream] /^\[/))` {
		t.Errorf("stage 1 cond %s", got)
	}
	pt := filter[4].(*Branch)
	if got := sexpr(pt.Cases[0].Cond); got != `(== [group] "pt")` {
		t.Errorf("group cond %s", got)
	}
	body := pt.Cases[0].Items
	if len(body) != 4 || body[0].(*Plugin).Name != "grok" || body[1].(*Plugin).Name != "mutate" {
		t.Fatalf("pt body %d items", len(body))
	}
	grok := body[0].(*Plugin)
	patterns := grok.Attr("match").Value.(*Hash).Get("message").(*Array)
	if len(patterns.Elems) != 2 || !strings.HasPrefix(patterns.Elems[0].(*String).Value, `^%{WORD:log_level}\|`) {
		t.Errorf("grok patterns %s", FormatValue(patterns))
	}
	// The logger_name chain: 26 conditions and an else.
	chain := body[2].(*Branch)
	if len(chain.Cases) != 26 || len(chain.Else) != 1 {
		t.Fatalf("chain: %d cases, else %d", len(chain.Cases), len(chain.Else))
	}
	if got := sexpr(chain.Cases[0].Cond); got != `(=~ [logger_name] /^django\./)` {
		t.Errorf("first case %s", got)
	}
	if got := sexpr(chain.Cases[1].Cond); got != `(== [logger_name] "werkzeug")` {
		t.Errorf("second case %s", got)
	}
	parcels := chain.Cases[10]
	mutate := parcels.Items[0].(*Plugin)
	if sexpr(parcels.Cond) != `(=~ [logger_name] /^apps\.parcels/)` || ScalarText(mutate.Attr("add_field").Value.(*Hash).Get("app_module")) != "parcels" {
		t.Errorf("parcels case %s / %s", sexpr(parcels.Cond), inlinePlugin(mutate))
	}
	if got := sexpr(body[3].(*Branch).Cases[0].Cond); got != `(and (not-in "_grokparsefailure_pt" [tags]) [log_timestamp])` {
		t.Errorf("date cond %s", got)
	}
	// Output: data stream when PT, rubydebug otherwise.
	out := cfg.Sections[2].Items[0].(*Branch)
	if got := sexpr(out.Cases[0].Cond); got != `(and (== [group] "pt") [service])` {
		t.Errorf("output cond %s", got)
	}
	es := out.Cases[0].Items[0].(*Plugin)
	if ScalarText(es.Attr("data_stream_namespace").Value) != "pt" || es.Attr("data_stream").Value.(*Bool).Value != true {
		t.Errorf("elasticsearch %s", inlinePlugin(es))
	}
	if codec := out.Else[0].(*Plugin).Attr("codec").Value.(*PluginValue).Plugin; codec.Name != "rubydebug" || codec.Attr("metadata").Value.(*Bool).Value != true {
		t.Errorf("else %s", inlinePlugin(codec))
	}
}
