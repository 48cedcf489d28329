package cidr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// TestSpec runs the examples of logstash-filter-cidr
// spec/filters/cidr_spec.rb (describe / sample). Logstash's add_tag =>
// ["matched"] is tag_on_match here.
func TestSpec(t *testing.T) {
	const onMatch = "tag_on_match: [matched]\n"
	cases := []struct {
		name, cfg, event string
		match            bool
	}{
		{"IPV4 match test", `address: ["%{clientip}"]` + "\nnetwork: [192.168.0.0/24]", `{"clientip":"192.168.0.30"}`, true},
		{"IPV4 non match", `address: ["%{clientip}"]` + "\nnetwork: [192.168.0.0/24]", `{"clientip":"123.52.122.33"}`, false},
		{"IPV4 match, passing a list to network/192.168.0.30", `address: ["%{clientip}"]` + "\nnetwork: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]", `{"clientip":"192.168.0.30"}`, true},
		{"IPV4 match, passing a list to network/10.10.220.3", `address: ["%{clientip}"]` + "\nnetwork: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]", `{"clientip":"10.10.220.3"}`, true},
		{"IPV4 match, passing a list to network/172.16.45.50", `address: ["%{clientip}"]` + "\nnetwork: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]", `{"clientip":"172.16.45.50"}`, true},
		{"IPV4 match, passing a list to network/no match", `address: ["%{clientip}"]` + "\nnetwork: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]", `{"clientip":"8.8.8.8"}`, false},
		{"IPV4 match, passing a string with a list to network", `address: ["%{clientip}"]` + "\nnetwork: ['10.0.0.0/8,172.16.0.0/12,192.168.0.0/16']", `{"clientip":"192.168.0.30"}`, true},
		{"when network list comes in a field reference", `address: ["%{clientip}"]` + "\nnetwork: ['%{whitelist}']", `{"whitelist":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16"],"clientip":"192.168.0.30"}`, true},
		{"IPV6 match test", `address: ["%{clientip}"]` + "\nnetwork: ['fe80::/64']", `{"clientip":"fe80:0:0:0:0:0:0:1"}`, true},
		{"IPV6 non match", `address: ["%{clientip}"]` + "\nnetwork: ['fe80::/64']", `{"clientip":"fd82:0:0:0:0:0:0:1"}`, false},
		{"Load network list from a file/192.168.1.1", `address: ["%{clientip}"]` + "\nnetwork_path: testdata/network", `{"clientip":"192.168.1.1"}`, true},
		{"Load network list from a file/200.17.160.201", `address: ["%{clientip}"]` + "\nnetwork_path: testdata/network", `{"clientip":"200.17.160.201"}`, true},
		{"Load network list from a file/10.1.2.1", `address: ["%{clientip}"]` + "\nnetwork_path: testdata/network", `{"clientip":"10.1.2.1"}`, false},
		{"Try different separator character/192.168.1.25", `address: ["%{clientip}"]` + "\nnetwork_path: testdata/network-comma\nseparator: ','", `{"clientip":"192.168.1.25"}`, true},
		{"Try different separator character/192.167.1.1", `address: ["%{clientip}"]` + "\nnetwork_path: testdata/network-comma\nseparator: ','", `{"clientip":"192.167.1.1"}`, false},
		{"address_field/top-level/the input value is a string", "address_field: ip\nnetwork: [192.168.0.0/24]", `{"ip":"192.168.0.1"}`, true},
		{"address_field/top-level/the input value is an array", "address_field: ip\nnetwork: [192.168.0.0/24]", `{"ip":["188.168.0.1","192.168.0.1"]}`, true},
		{"address_field/top-level/the input value contains an invalid ip", "address_field: ip\nnetwork: [192.168.0.0/24]", `{"ip":["invalid","192.168.0.1"]}`, true},
		{"address_field/top-level/the input value is not present on the event", "address_field: ip\nnetwork: [192.168.0.0/24]", `{}`, false},
		{"address_field/top-level/the input value is of unacceptable shape (integer)", "address_field: ip\nnetwork: [192.168.0.0/24]", `{"ip":377}`, false},
		{"address_field/top-level/the input value is of unacceptable shape (map)", "address_field: ip\nnetwork: [192.168.0.0/24]", `{"ip":{"invalid":"192.168.0.1"}}`, false},
		{"address_field/the field is nested", "address_field: '[host][ip]'\nnetwork: [192.168.0.0/24]", `{"host":{"ip":["188.168.0.1","192.168.0.1"]}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Apply(t, pt.Filter(t, New, onMatch+"tag_on_failure: [_nomatch]\n"+c.cfg), c.event)
			if e.HasTag("matched") != c.match || e.HasTag("_nomatch") == c.match {
				t.Fatalf("tags %v, want match=%v", e.Tags(), c.match)
			}
		})
	}
}

func TestEdgeCases(t *testing.T) {
	cases := []struct {
		name, cfg, event string
		match            bool
	}{
		{"several addresses, second matches", "address: ['%{src}', '%{dst}']\nnetwork: [10.0.0.0/8]", `{"src":"8.8.8.8","dst":"10.1.2.3"}`, true},
		{"missing field renders %{ip}: no address", "address: ['%{ip}']\nnetwork: [10.0.0.0/8]", `{}`, false},
		{"array in address template: no address", "address: ['%{ip}']\nnetwork: [10.0.0.0/8]", `{"ip":["10.1.2.3","10.1.2.4"]}`, false},
		{"netmask network", "address: ['%{ip}']\nnetwork: [10.0.0.0/255.0.0.0]", `{"ip":"10.1.2.3"}`, true},
		{"unmasked network is masked", "address: ['%{ip}']\nnetwork: [10.9.9.9/8]", `{"ip":"10.1.2.3"}`, true},
		{"plain address network", "address: ['%{ip}']\nnetwork: [10.1.2.3]", `{"ip":"10.1.2.3"}`, true},
		{"ipv4 address, ipv6 network", "address: ['%{ip}']\nnetwork: ['::/0']", `{"ip":"10.1.2.3"}`, false},
		{"mapped ipv6 is not ipv4", "address: ['%{ip}']\nnetwork: [0.0.0.0/0]", `{"ip":"::ffff:10.1.2.3"}`, false},
		{"bracketed ipv6 with zone", "address: ['%{ip}']\nnetwork: ['fe80::/10']", `{"ip":"[fe80::1%eth0]"}`, true},
		{"zone", "address: ['%{ip}']\nnetwork: ['fe80::/10']", `{"ip":"fe80::1%eth0"}`, true},
		{"address range inside", "address: ['%{ip}']\nnetwork: [10.0.0.0/8]", `{"ip":"10.1.0.0/16"}`, true},
		{"address range wider", "address: ['%{ip}']\nnetwork: [10.0.0.0/16]", `{"ip":"10.0.0.0/8"}`, false},
		{"bad network in a field is skipped", "address: ['%{ip}']\nnetwork: ['%{nets}']", `{"ip":"10.1.2.3","nets":"bogus, 10.0.0.0/8"}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Apply(t, pt.Filter(t, New, "tag_on_match: [m]\n"+c.cfg), c.event)
			if e.HasTag("m") != c.match {
				t.Fatalf("tags %v, want match=%v", e.Tags(), c.match)
			}
		})
	}
	e := pt.Apply(t, pt.Filter(t, New, "address: ['%{ip}']\nnetwork: [10.0.0.0/8]"), `{"ip":"10.1.2.3"}`)
	if e.Has(event.Path{"tags"}) {
		t.Errorf("tags without tag_on_match: %v", e.Tags())
	}
}

func TestConfigErrors(t *testing.T) {
	for cfg, want := range map[string]string{
		// "general configuration": raises if both network and network_path are set.
		"address: [a]\nnetwork: [10.0.0.0/8]\nnetwork_path: testdata/network": "network and network_path are mutually exclusive",
		// "address and address_field are both defined": raises.
		"address: [a]\naddress_field: '[host][ip]'\nnetwork: [10.0.0.0/8]": "address and address_field are mutually exclusive",
		"network: [10.0.0.0/8]":                         "address or address_field is required",
		"address: [a]":                                  "network or network_path is required",
		"address: [a]\nnetwork: [10.0.0.0/33]":          "invalid prefix length",
		"address: [a]\nnetwork: [10.0.0.0/255.0.255.0]": "non-contiguous",
		"address: [a]\nnetwork: [bogus]":                "bogus",
	} {
		if msg := pt.ConfigError[Config](cfg); !strings.Contains(msg, want) {
			t.Errorf("%q: error %q, want %q", cfg, msg, want)
		}
	}
	cfg := &Config{Address: []string{"%{ip}"}, NetworkPath: "testdata/missing"}
	if _, err := New(cfg, plugin.Env{}); err == nil || !strings.Contains(err.Error(), "network_path") {
		t.Errorf("missing file: %v", err)
	}
}

// TestRefresh: network_path is read again once refresh_interval passed;
// a file that became empty keeps the networks loaded before.
func TestRefresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nets")
	if err := os.WriteFile(path, []byte("10.0.0.0/8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := pt.Filter(t, New, "address: ['%{ip}']\ntag_on_match: [m]\nrefresh_interval: 1ms\nnetwork_path: "+path)
	check := func(ip string, want bool) {
		t.Helper()
		if got := pt.Apply(t, f, `{"ip":"`+ip+`"}`).HasTag("m"); got != want {
			t.Fatalf("%s: match %v, want %v", ip, got, want)
		}
	}
	check("10.1.2.3", true)
	if err := os.WriteFile(path, []byte("192.168.0.0/16\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	check("10.1.2.3", false)
	check("192.168.1.1", true)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	check("192.168.1.1", true)
}

func BenchmarkStatic(b *testing.B) {
	f := pt.Filter(b, New, "address: ['%{[source][ip]}', '%{[destination][ip]}']\nnetwork: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 'fc00::/7']\ntag_on_match: [private]")
	e := pt.Event(b, `{"source":{"ip":"8.8.8.8"},"destination":{"ip":"192.168.10.20"}}`)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(e)
	}
}

func BenchmarkAddressField(b *testing.B) {
	f := pt.Filter(b, New, "address_field: '[host][ip]'\nnetwork_path: testdata/network\ntag_on_failure: [public]")
	e := pt.Event(b, `{"host":{"ip":["8.8.8.8","2001:db8::1","200.17.161.1"]}}`)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(e)
	}
}
