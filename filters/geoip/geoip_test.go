package geoip

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// build makes a geoip filter from yaml and closes it when the test ends.
func build(t *testing.T, yaml string) plugin.Filter {
	t.Helper()
	f := pt.Filter(t, New, yaml)
	t.Cleanup(func() {
		if err := f.(plugin.Closer).Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

func TestCheckRequiresDatabase(t *testing.T) {
	msg := pt.ConfigError[Config](`{source: ip}`)
	if !strings.Contains(msg, "database path is required") || !strings.Contains(msg, "GeoLite2-City.mmdb") {
		t.Fatalf("want a clear missing-database error, got %q", msg)
	}
	msg = pt.ConfigError[Config](`{source: ip, default_database_type: ASN}`)
	if !strings.Contains(msg, "GeoLite2-ASN.mmdb") {
		t.Fatalf("want the ASN database named, got %q", msg)
	}
	if _, err := New(&Config{}, plugin.Env{}); err == nil || !strings.Contains(err.Error(), "database path is required") {
		t.Fatalf("New without database: %v", err)
	}
}

func TestCheckFields(t *testing.T) {
	msg := pt.ConfigError[Config](`{source: ip, database: x.mmdb, fields: [city_name, nope]}`)
	if !strings.Contains(msg, `unknown geoip field "nope"`) {
		t.Fatalf("got %q", msg)
	}
	db := cityDB(t)
	if msg := pt.ConfigError[Config](fmt.Sprintf(`{source: ip, database: %q, fields: [CITY_NAME, location]}`, db)); msg != "" {
		t.Fatalf("field names are case-insensitive in Logstash: %s", msg)
	}
	if msg := pt.ConfigError[Config](`{source: ip, database: /nonexistent/x.mmdb}`); !strings.Contains(msg, "/nonexistent/x.mmdb") {
		t.Fatalf("a database that is not there: %q", msg)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := New(&Config{Database: "/nonexistent/GeoLite2-City.mmdb", Target: mustRef("geoip")}, plugin.Env{})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/GeoLite2-City.mmdb") {
		t.Fatalf("want an error naming the path, got %v", err)
	}
	domain := writeDB(t, "GeoIP2-Domain", map[string]mmdbtype.Map{"1.2.3.0/24": {"domain": mmdbtype.String("example.com")}})
	_, err = New(&Config{Database: domain, Target: mustRef("geoip")}, plugin.Env{})
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("want unsupported type, got %v", err)
	}
}

func TestCityIPv4(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: ip, database: %q}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"ip":"81.2.69.160"}`), `{"ip":"81.2.69.160","geoip":{
		"ip":"81.2.69.160","city_name":"London","continent_code":"EU","country_name":"United Kingdom",
		"country_code2":"GB","country_code3":"GB","postal_code":"EC2V","region_name":"England","region_code":"ENG",
		"timezone":"Europe/London","location":{"lat":51.5142,"lon":-0.0931},"latitude":51.5142,"longitude":-0.0931}}`)
}

func TestCityIPv6(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: "[client][ip]", database: %q}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"client":{"ip":"2a02:cf40::1"}}`), `{"client":{"ip":"2a02:cf40::1"},"geoip":{
		"ip":"2a02:cf40:0:0:0:0:0:1","city_name":"Frankfurt am Main","continent_code":"EU","country_name":"Germany",
		"country_code2":"DE","country_code3":"DE","region_name":"Hesse","region_code":"HE",
		"location":{"lat":50.1188,"lon":8.6843},"latitude":50.1188,"longitude":8.6843}}`)
	// An IPv4-mapped address is looked up as the IPv4 address, as Java's
	// InetAddress reads it.
	e := pt.Apply(t, f, `{"client":{"ip":"::ffff:81.2.69.160"}}`)
	if got := e.GetString(mustRef("[geoip][city_name]").Path); got != "London" {
		t.Fatalf("mapped address: city_name %q: %s", got, e.AppendJSON(nil))
	}
}

func TestASN(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: ip, database: %q}`, asnDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"ip":"1.128.0.1"}`),
		`{"ip":"1.128.0.1","geoip":{"ip":"1.128.0.1","asn":1221,"as_org":"Telstra Pty Ltd"}}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"ip":"2600:6000::beef"}`),
		`{"ip":"2600:6000::beef","geoip":{"ip":"2600:6000:0:0:0:0:0:beef","asn":237,"as_org":"Merit Network Inc."}}`)

	net := build(t, fmt.Sprintf(`{source: ip, database: %q, fields: [asn, network, city_name]}`, asnDB(t)))
	pt.SameDoc(t, pt.Apply(t, net, `{"ip":"1.130.2.3"}`),
		`{"ip":"1.130.2.3","geoip":{"asn":1221,"network":"1.128.0.0/11"}}`)
}

func TestTargetAndFields(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: src, target: "[src_geo][x]", database: %q, fields: [city_name, location, region_iso_code]}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"src":"81.2.69.1","src_geo":{"keep":1}}`),
		`{"src":"81.2.69.1","src_geo":{"keep":1,"x":{"city_name":"London","location":{"lat":51.5142,"lon":-0.0931},"region_iso_code":"GB-ENG"}}}`)
}

func TestFailures(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: ip, database: %q}`, cityDB(t)))
	const tag = `"tags":["_geoip_lookup_failure"]`
	for _, c := range []struct{ name, in, want string }{
		// Logstash: GeoIPFilter.handleEvent returns false before touching the target.
		{"missing field", `{"a":1}`, `{"a":1,` + tag + `}`},
		{"empty", `{"ip":" "}`, `{"ip":" ",` + tag + `}`},
		{"not a string", `{"ip":42}`, `{"ip":42,` + tag + `}`},
		// Invalid and not found leave an empty target (spec: "should set the
		// target field to an empty hash").
		{"invalid", `{"ip":"N/A"}`, `{"ip":"N/A","geoip":{},` + tag + `}`},
		{"two addresses", `{"ip":"123.45.67.89,61.160.232.222"}`, `{"ip":"123.45.67.89,61.160.232.222","geoip":{},` + tag + `}`},
		{"host name", `{"ip":"example.com"}`, `{"ip":"example.com","geoip":{},` + tag + `}`},
		{"not found", `{"ip":"8.8.8.8"}`, `{"ip":"8.8.8.8","geoip":{},` + tag + `}`},
		{"not found v6", `{"ip":"2001:4860::8888"}`, `{"ip":"2001:4860::8888","geoip":{},` + tag + `}`},
		{"no location", `{"ip":"89.160.20.1"}`, `{"ip":"89.160.20.1","geoip":{},` + tag + `}`},
		{"existing target kept", `{"ip":"8.8.8.8","geoip":{"a":1}}`, `{"ip":"8.8.8.8","geoip":{"a":1},` + tag + `}`},
	} {
		t.Run(c.name, func(t *testing.T) { pt.SameDoc(t, pt.Apply(t, f, c.in), c.want) })
	}

	custom := build(t, fmt.Sprintf(`{source: ip, database: %q, tag_on_failure: [nogeo, x]}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, custom, `{"ip":"10.0.0.1"}`), `{"ip":"10.0.0.1","geoip":{},"tags":["nogeo","x"]}`)
}

func TestArraySourceAndBrackets(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: ip, database: %q, fields: [ip, city_name]}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"ip":["81.2.69.5","8.8.8.8"]}`),
		`{"ip":["81.2.69.5","8.8.8.8"],"geoip":{"ip":"81.2.69.5","city_name":"London"}}`)
	pt.SameDoc(t, pt.Apply(t, f, `{"ip":"[2a02:cf40::2]"}`),
		`{"ip":"[2a02:cf40::2]","geoip":{"ip":"2a02:cf40:0:0:0:0:0:2","city_name":"Frankfurt am Main"}}`)
}

func BenchmarkCity(b *testing.B) {
	f, err := New(&Config{Source: mustRef("ip"), Target: mustRef("geoip"), Database: cityDB(b), CacheSize: 1000}, plugin.Env{})
	if err != nil {
		b.Fatal(err)
	}
	defer f.(plugin.Closer).Close()
	e := pt.Event(b, `{"ip":"81.2.69.160"}`)
	b.ReportAllocs()
	for b.Loop() {
		ev := e.Clone()
		f.Apply(ev)
	}
}

func mustRef(s string) event.FieldRef {
	var r event.FieldRef
	if err := r.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return r
}

// TestECS checks ECS compatibility mode, Logstash 8's default: the ECS
// names of Field.java under the target, the target derived from an [ip]
// source (geoip.rb's auto_target_from_source!), region_iso_code instead of
// region_code and no country_code3 among the City defaults
// (GeoIPFilter.createCityDefaultFields, Field.COUNTRY_CODE3's empty ECS
// name), as.number for ASN.
func TestECS(t *testing.T) {
	f := build(t, fmt.Sprintf(`{source: "[source][ip]", database: %q, ecs_compatibility: v8}`, cityDB(t)))
	pt.SameDoc(t, pt.Apply(t, f, `{"source":{"ip":"81.2.69.160"}}`), `{"source":{"ip":"81.2.69.160","geo":{
		"city_name":"London","continent_code":"EU","country_name":"United Kingdom","country_iso_code":"GB",
		"postal_code":"EC2V","region_name":"England","region_iso_code":"GB-ENG","timezone":"Europe/London",
		"location":{"lat":51.5142,"lon":-0.0931}}}}`)
	asn := build(t, fmt.Sprintf(`{source: ip, target: client, database: %q, ecs_compatibility: v1}`, asnDB(t)))
	pt.SameDoc(t, pt.Apply(t, asn, `{"ip":"1.128.0.1"}`),
		`{"ip":"1.128.0.1","client":{"ip":"1.128.0.1","as":{"number":1221,"organization":{"name":"Telstra Pty Ltd"}}}}`)
	if _, err := New(&Config{Source: mustRef("client_ip"), Database: cityDB(t), ECSCompatibility: "v8"}, plugin.Env{}); err == nil || !strings.Contains(err.Error(), "target is required") {
		t.Errorf("ECS without target and a source that is no ip sub-field: %v", err)
	}
}
