package useragent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// The cases below come from logstash-filter-useragent's
// spec/filters/useragent_spec.rb (commit b2f19cab, plugin 3.3.5), the
// legacy (ecs_compatibility => disabled) expectations. "" means the spec
// expects the field to be nil.
var specCases = []struct {
	ua   string
	want map[string]string
}{
	{"Mozilla/5.0 (X11; Linux i686) AppleWebKit/537.31 (KHTML, like Gecko) Chrome/26.0.1410.63 Safari/537.31",
		map[string]string{"name": "Chrome", "os_name": "Linux", "os_full": "Linux", "os": "Linux", "device": "Other",
			"major": "26", "minor": "0", "patch": "1410", "version": "26.0.1410.63"}},
	{"MacOutlook/16.24.0.190414 (Intelx64 Mac OS X Version 10.14.4 (Build 18E226))",
		// The spec expects os_full "Mac OS X 10.14.4", os_major 10, os_minor 14:
		// the newer uap-core regexes embedded in uap-go read the build
		// number (18E226) instead and give 18.2.6, so those are left out.
		map[string]string{"name": "MacOutlook", "major": "16", "minor": "24", "patch": "0",
			"os_name": "Mac OS X", "device": "Mac", "os": "Mac OS X"}},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Safari/605.1.15",
		map[string]string{"name": "Safari", "major": "12", "minor": "0", "patch": "", "os_full": "Mac OS X 10.14",
			"os_name": "Mac OS X", "os_major": "10", "os_minor": "14"}},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_3) AppleWebKit/537.75.14 (KHTML, like Gecko) Version/7.0.3 Safari/7046A194A",
		map[string]string{"name": "Safari", "major": "7", "minor": "0", "patch": "3", "os_full": "Mac OS X 10.9.3",
			"os_name": "Mac OS X", "os_major": "10", "os_minor": "9", "device": "Mac"}},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.11; rv:45.0) Gecko/20100101 Firefox/45.0",
		map[string]string{"name": "Firefox", "major": "45", "minor": "0", "patch": "", "os_full": "Mac OS X 10.11",
			"os_name": "Mac OS X", "os_major": "10", "os_minor": "11", "device": "Mac"}},
	{"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)",
		map[string]string{"os_name": "Windows", "os_major": "Vista", "os_minor": "", "device": "Other"}},
	{"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0; .NET CLR 1.1.4322; .NET CLR 2.0.50727; .NET CLR 3.5.30729)",
		map[string]string{"name": "IE", "os_name": "Windows", "os_major": "XP", "os_minor": "", "device": "Other"}},
	{"Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246",
		map[string]string{"name": "Edge", "os_name": "Windows", "os_major": "8", "os_minor": "1"}},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.90 Safari/537.36 Edg/89.0.774.50",
		map[string]string{"name": "Edge", "os_name": "Windows", "os_major": "10", "os_minor": "", "device": "Other"}},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.90 Safari/537.36",
		map[string]string{"name": "Chrome", "os_name": "Linux", "os_major": "", "os_minor": "", "device": "Other"}},
	// "non-exact UA data"
	{"Prefix DATA! Mozilla/5.0 (Android 11; Mobile; rv:68.0) Gecko/68.0 Firefox/86.0",
		map[string]string{"name": "Firefox Mobile", "version": "86.0", "os_name": "Android"}},
}

func TestSpecSamples(t *testing.T) {
	f := pt.Filter(t, New, `{source: message, target: ua}`)
	for _, c := range specCases {
		e := pt.Event(t, fmt.Sprintf(`{"message":%q}`, c.ua))
		f.Apply(e)
		for k, want := range c.want {
			got, ok := e.Get(event.Path{"ua", k})
			if want == "" && ok {
				t.Errorf("%s: [ua][%s] = %q, want none", c.ua, k, got.Str())
			}
			if want != "" && got.Str() != want {
				t.Errorf("%s: [ua][%s] = %q, want %q (%s)", c.ua, k, got.Str(), want, e.AppendJSON(nil))
			}
		}
	}
}

// TestWholeDoc pins every field written, versions included ("version" and
// "os_full"/"os_version" were added in plugin 3.3).
func TestWholeDoc(t *testing.T) {
	f := pt.Filter(t, New, `{source: agent}`)
	const ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_3) AppleWebKit/537.75.14 (KHTML, like Gecko) Version/7.0.3 Safari/7046A194A"
	pt.SameDoc(t, pt.Apply(t, f, `{"agent":"`+ua+`"}`), `{"agent":"`+ua+`",
		"name":"Safari","device":"Mac","version":"7.0.3","major":"7","minor":"0","patch":"3",
		"os_major":"10","os_minor":"9","os_patch":"3","os_version":"10.9.3","os_name":"Mac OS X","os":"Mac OS X",
		"os_full":"Mac OS X 10.9.3"}`)
	e := pt.Apply(t, f, `{"agent":"MacOutlook/16.24.0.190414 (Intelx64 Mac OS X Version 10.14.4 (Build 18E226))"}`)
	if got := e.GetString(event.Path{"version"}); got != "16.24.0.190414" {
		t.Fatalf("version with a patch minor: %q", got)
	}
}

func TestNestedTargetAndPrefix(t *testing.T) {
	f := pt.Filter(t, New, `{source: message, target: "[foo][bar]"}`)
	e := pt.Apply(t, f, `{"message":"Mozilla/5.0 (iPhone; CPU iPhone OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone11,8;FBMD/iPhone;FBSN/iOS;FBSV/13.3.1;FBSS/2;FBID/phone;FBLC/en_US;FBOP/5;FBCR/]"}`)
	if got := e.GetString(event.Path{"foo", "bar", "name"}); got != "Facebook" {
		t.Fatalf("[foo][bar][name] = %q: %s", got, e.AppendJSON(nil))
	}

	pre := pt.Filter(t, New, `{source: message, prefix: pre_}`)
	e = pt.Apply(t, pre, `{"message":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:78.0) Gecko/20100101 Firefox/78.0"}`)
	if e.GetString(event.Path{"pre_name"}) != "Firefox" || e.GetString(event.Path{"pre_version"}) != "78.0" || e.Has(event.Path{"name"}) {
		t.Fatalf("prefix: %s", e.AppendJSON(nil))
	}
}

func TestNoUserAgent(t *testing.T) {
	f := pt.Filter(t, New, `{source: message, target: ua}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"foo":"bar"}`), `{"foo":"bar"}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"message":""}`), `{"message":""}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"message":[]}`), `{"message":[]}`)

	e := pt.Apply(t, f, `{"message":["curl/7.68.0","x"]}`)
	if got := e.GetString(event.Path{"ua", "name"}); got != "curl" {
		t.Fatalf("first element of an array: %s", e.AppendJSON(nil))
	}
	e = pt.Apply(t, f, `{"message":"zzz"}`)
	if e.GetString(event.Path{"ua", "name"}) != "Other" || e.GetString(event.Path{"ua", "os"}) != "Other" {
		t.Fatalf("unknown agent: %s", e.AppendJSON(nil))
	}
}

func TestTargetIsSource(t *testing.T) {
	f := pt.Filter(t, New, `{source: ua, target: ua}`)
	e := pt.Apply(t, f, `{"ua":"curl/7.68.0"}`)
	pt.SameDoc(t, e, `{"ua":{"name":"curl","device":"Other","version":"7.68.0","major":"7","minor":"68","patch":"0","os_name":"Other","os":"Other","os_full":"Other"}}`)
}

func TestCustomRegexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "regexes.yaml")
	const yml = `user_agent_parsers:
  - regex: '(IngestBot)/(\d+)\.(\d+)'
os_parsers:
  - regex: '(Plan9) (\d+)'
device_parsers:
  - regex: '(Terminal)'
`
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	f := pt.Filter(t, New, fmt.Sprintf(`{source: message, target: ua, regexes: %q}`, path))
	pt.SameDoc(t, pt.Apply(t, f, `{"message":"IngestBot/2.5 (Plan9 4; Terminal)"}`),
		`{"message":"IngestBot/2.5 (Plan9 4; Terminal)","ua":{"name":"IngestBot","device":"Terminal","version":"2.5","major":"2","minor":"5","os_major":"4","os_version":"4","os_name":"Plan9","os":"Plan9","os_full":"Plan9 4"}}`)
	// Chrome is unknown to these regexes.
	e := pt.Apply(t, f, `{"message":"Mozilla/5.0 (X11; Linux x86_64) Chrome/89.0.4389.90"}`)
	if e.GetString(event.Path{"ua", "name"}) != "Other" {
		t.Fatalf("custom regexes not used: %s", e.AppendJSON(nil))
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("user_agent_parsers:\n  - regex: '(?<=x)y'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(&Config{Source: event.FieldRef{Path: event.Path{"m"}}, Regexes: bad, LRUCacheSize: 10}, plugin.Env{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("a regex RE2 rejects: %v", err)
	}
	if _, err := New(&Config{Regexes: "/nonexistent.yaml", LRUCacheSize: 10}, plugin.Env{}); err == nil || !strings.Contains(err.Error(), "/nonexistent.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestCheckCacheSize(t *testing.T) {
	if msg := pt.ConfigError[Config](`{source: m, lru_cache_size: 0}`); !strings.Contains(msg, "lru_cache_size must be greater than 0") {
		t.Fatalf("got %q", msg)
	}
	if msg := pt.ConfigError[Config](`{prefix: x}`); msg == "" {
		t.Fatal("source is required")
	}
}

var benchAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.90 Safari/537.36 Edg/89.0.774.50",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"curl/7.68.0",
}

// BenchmarkCached is the common case: a few agents repeat (cache hits).
func BenchmarkCached(b *testing.B) {
	f := pt.Filter(b, New, `{source: message, target: ua}`)
	events := make([]*event.Event, len(benchAgents))
	for i, ua := range benchAgents {
		events[i] = pt.Event(b, fmt.Sprintf(`{"message":%q}`, ua))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Apply(events[i%len(events)].Clone())
		i++
	}
}

// BenchmarkUncached parses with the regexes every time (cache of 1, agents
// alternate).
func BenchmarkUncached(b *testing.B) {
	f := pt.Filter(b, New, `{source: message, target: ua, lru_cache_size: 1}`)
	events := make([]*event.Event, len(benchAgents))
	for i, ua := range benchAgents {
		events[i] = pt.Event(b, fmt.Sprintf(`{"message":%q}`, ua))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Apply(events[i%len(events)].Clone())
		i++
	}
}

// TestECS runs the ECS cases of logstash-filter-useragent's spec
// (spec/filters/useragent_spec.rb at b2f19cab, "with target" and "without
// target field" under ecs_compatibility v1/v8): ECS names under target,
// [user_agent] by default, the version parts in
// [@metadata][filter][user_agent], no legacy fields.
func TestECS(t *testing.T) {
	const chrome = "Mozilla/5.0 (X11; Linux i686) AppleWebKit/537.31 (KHTML, like Gecko) Chrome/26.0.1410.63 Safari/537.31"
	f := pt.Filter(t, New, `{source: message, target: ua, ecs_compatibility: v8}`)
	e := pt.Apply(t, f, `{"message":"`+chrome+`"}`)
	for path, want := range map[string]string{
		"[ua][name]": "Chrome", "[ua][os][name]": "Linux", "[ua][os][full]": "Linux", "[ua][device][name]": "Other",
		"[ua][version]": "26.0.1410.63", "[@metadata][filter][user_agent][version][major]": "26",
		"[@metadata][filter][user_agent][version][minor]": "0", "[@metadata][filter][user_agent][version][patch]": "1410",
	} {
		if got := e.GetString(event.MustPath(path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	for _, absent := range []string{"[ua][major]", "[ua][minor]", "[ua][os_name]"} {
		if e.Has(event.MustPath(absent)) {
			t.Errorf("%s is set in ECS mode", absent)
		}
	}
	def := pt.Filter(t, New, `{source: message, ecs_compatibility: v1}`)
	e = pt.Apply(t, def, `{"message":"`+chrome+`"}`)
	if e.GetString(event.MustPath("[user_agent][name]")) != "Chrome" || e.GetString(event.MustPath("[user_agent][os][name]")) != "Linux" || e.GetString(event.MustPath("[user_agent][version]")) != "26.0.1410.63" {
		t.Errorf("default target: %s", e.AppendJSON(nil))
	}
}
