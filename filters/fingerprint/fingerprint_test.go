package fingerprint

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

const specFile = "logstash-filter-fingerprint spec/filters/fingerprint_spec.rb"

// TestSpec runs the examples of the plugin's spec file (the ECS-disabled
// target, fingerprint). want is the target's JSON.
func TestSpec(t *testing.T) {
	const ip = `{"clientip":"123.123.123.123"}`
	const hmacKey = "key: longencryptionkey\n"
	cases := []struct {
		name, cfg, event, want string
	}{
		// "with a string field"
		{"the IPV4_NETWORK method", "method: IPV4_NETWORK\nkey: '24'\nsource: [clientip]", ip, `"123.123.123.0"`},
		{"the MURMUR3 method/string", "method: MURMUR3\nsource: [clientip]", ip, `4013733395`},
		{"the MURMUR3 method/number", "method: MURMUR3\nsource: [clientip]", `{"clientip":123}`, `823512154`},
		{"the MURMUR3_128 method/string hex encoding", "method: MURMUR3_128\nsource: [clientip]", ip, `"41cbc4056eed401d091dfbeabf7ea9e0"`},
		{"the MURMUR3_128 method/string base64 encoding", "method: MURMUR3_128\nbase64encode: true\nsource: [clientip]", ip, `"QcvEBW7tQB0JHfvqv36p4A=="`},
		{"the MURMUR3_128 method/int32 hex encoding", "method: MURMUR3_128\nsource: [clientip]", `{"clientip":123}`, `"286816c693ac410ed63e1430dcd6f6fe"`},
		{"the MURMUR3_128 method/int32 base64 encoding", "method: MURMUR3_128\nbase64encode: true\nsource: [clientip]", `{"clientip":123}`, `"KGgWxpOsQQ7WPhQw3Nb2/g=="`},
		{"the MURMUR3_128 method/int64 hex encoding", "method: MURMUR3_128\nsource: [clientip]", `{"clientip":2148483647}`, `"fdc7699a82556c8c584131f0133ee989"`},
		{"the MURMUR3_128 method/int64 base64 encoding", "method: MURMUR3_128\nbase64encode: true\nsource: [clientip]", `{"clientip":2148483647}`, `"/cdpmoJVbIxYQTHwEz7piQ=="`},
		{"the SHA1 method", "source: [clientip]", ip, `"3a5076c520b4b463f43806896ea0b3978d09dcae"`},
		{"the SHA1 method/with HMAC", hmacKey + "source: [clientip]", ip, `"fdc60acc4773dc5ac569ffb78fcb93c9630797f4"`},
		{"the SHA1 method/with HMAC and base64 encoding", hmacKey + "base64encode: true\nsource: [clientip]", ip, `"/cYKzEdz3FrFaf+3j8uTyWMHl/Q="`},
		{"the SHA1 method/and base64 encoding", "base64encode: true\nsource: [clientip]", ip, `"OlB2xSC0tGP0OAaJbqCzl40J3K4="`},
		{"the SHA256 algorithm", "method: SHA256\nsource: [clientip]", ip, `"4dabcab210766e35f03e77120e6986d6e6d4752b2a9ff22980b9253d026080d8"`},
		{"the SHA256 algorithm/with HMAC", "method: SHA256\n" + hmacKey + "source: [clientip]", ip, `"345bec3eff242d53b568916c2610b3e393d885d6b96d643f38494fd74bf4a9ca"`},
		{"the SHA256 algorithm/with HMAC/and base64 encoding", "method: SHA256\nbase64encode: true\n" + hmacKey + "source: [clientip]", ip, `"NFvsPv8kLVO1aJFsJhCz45PYhda5bWQ/OElP10v0qco="`},
		{"the SHA384 algorithm", "method: SHA384\nsource: [clientip]", ip, `"fd605b0a3af3e04ce0d7a0b0d9c48d67a12dab811f60072e6eae84e35d567793ffb68a1807536f11c90874065c2a4392"`},
		{"the SHA384 algorithm/with HMAC", "method: SHA384\n" + hmacKey + "source: [clientip]", ip, `"22d4c0e8c4fbcdc4887d2038fca7650f0e2e0e2457ff41c06eb2a980dded6749561c814fe182aff93e2538d18593947a"`},
		{"the SHA384 algorithm/with HMAC/and base64 encoding", "method: SHA384\nbase64encode: true\n" + hmacKey + "source: [clientip]", ip, `"ItTA6MT7zcSIfSA4/KdlDw4uDiRX/0HAbrKpgN3tZ0lWHIFP4YKv+T4lONGFk5R6"`},
		{"the SHA512 algorithm", "method: SHA512\nsource: [clientip]", ip, `"5468e2dc64ea92b617782aae884b35af60041ac9e168a283615b6a462c54c13d42fa9542cce9b7d76a8124ac6616818905e3e5dd35d6e519f77c3b517558639a"`},
		{"the SHA512 algorithm/with HMAC", "method: SHA512\n" + hmacKey + "source: [clientip]", ip, `"11c19b326936c08d6c50a3c847d883e5a1362e6a64dd55201a25f2c1ac1b673f7d8bf15b8f112a4978276d573275e3b14166e17246f670c2a539401c5bfdace8"`},
		{"the SHA512 algorithm/with HMAC/and base64 encoding", "method: SHA512\nbase64encode: true\n" + hmacKey + "source: [clientip]", ip, `"EcGbMmk2wI1sUKPIR9iD5aE2Lmpk3VUgGiXywawbZz99i/FbjxEqSXgnbVcydeOxQWbhckb2cMKlOUAcW/2s6A=="`},
		{"the MD5 algorithm", "method: MD5\nsource: [clientip]", ip, `"ccdd8d3d940a01b2fb3258c059924c0d"`},
		{"the MD5 algorithm/with HMAC", "method: MD5\n" + hmacKey + "source: [clientip]", ip, `"9336c879e305c9604a3843fc3e75948f"`},
		{"the MD5 algorithm/with HMAC/and base64 encoding", "method: MD5\nbase64encode: true\n" + hmacKey + "source: [clientip]", ip, `"kzbIeeMFyWBKOEP8PnWUjw=="`},
		// "multiple values in the source field"
		{"produces a fingerprint array", "source: [clientip]", `{"clientip":["123.123.123.123","223.223.223.223"]}`,
			`["3a5076c520b4b463f43806896ea0b3978d09dcae","47bbc4e06edebbace047fed35abeceec64968b81"]`},
		// "concatenate_all_fields": Logstash's LogStash::Event.new adds
		// "@version" => "1", which the expected value includes.
		{"concatenate_all_fields", "concatenate_all_fields: true",
			`{"@timestamp":"2017-07-26T14:44:27.064Z","@version":"1","clientip":"123.123.123.123","message":"This is a test message","log_level":"INFO","offset":123456789,"type":"test"}`,
			`"cbf022518e97860403160ed8a41847c0db104e63"`},
		// "when multiple fields are used"
		{"fingerprints the value of the last value", "source: [field1, field2]", `{"field1":"test1","field2":"test2"}`, `"109f4b3c50d7b0df729d299bc6f8e9ef9066971f"`},
		{"with concatenate_sources", "source: [field1, field2]\nconcatenate_sources: true", `{"field1":"test1","field2":"test2"}`, `"e3b6b71eedc656f1d29408264e8a75535db985cb"`},
		// "when utf-8 chars used"
		{"utf-8/fingerprints the value of the last value", "source: [field1, field2]", `{"field1":[{"inner_key":"🂡"},{"1":"2"}],"field2":"🂡"}`, `"58fa9e0e60c9f0d24b51d84cddb26732a39eeb3d"`},
		{"utf-8/with concatenate_sources", "source: [field1, field2]\nconcatenate_sources: true", `{"field1":[{"inner_key":"🂡"},{"1":"2"}],"field2":"🂡"}`, `"d2a1c14e0c9ef137d67114db23b3f2fdbcc90d08"`},
		// "PUNCTUATION method"
		{"extracts punctiation as the fingerprint", "method: PUNCTUATION\nsource: [field1]",
			`{"field1":"PHP Warning:  json_encode() [<a href='function.json-encode'>function.json-encode</a>]: Invalid UTF-8 sequence in argument in /var/www/htdocs/test.php on line 233"}`,
			`":_()[<='.-'>.-</>]:-////."`},
		// "Timestamps": @timestamp as ingestd holds it, a string.
		{"OpenSSL Fingerprinting", "source: ['@timestamp']\nkey: '0123'", `{"@timestamp":"1970-01-01T00:00:00Z"}`, `"1d5379ec92d86a67cfc642d55aa050ca312d3b9a"`},
		{"MURMUR3 Fingerprinting", "source: ['@timestamp']\nmethod: MURMUR3", `{"@timestamp":"1970-01-01T00:00:00.000Z"}`, `743372282`},
		{"MURMUR3_128 Fingerprinting", "source: ['@timestamp']\nmethod: MURMUR3_128", `{"@timestamp":"1970-01-01T00:00:00+00:00"}`, `"37785b62a8cae473acc315d39b66d86e"`},
		{"fractional seconds/millisecond", "source: ['@timestamp']\nmethod: MURMUR3", `{"@timestamp":"2000-01-01T05:00:00.12Z"}`, `4263087275`},
		{"fractional seconds/microsecond", "source: ['@timestamp']\nmethod: MURMUR3", `{"@timestamp":"2000-01-01T05:00:00.123456Z"}`, `4188855160`},
		{"fractional seconds/nanosecond", "source: ['@timestamp']\nmethod: MURMUR3", `{"@timestamp":"2000-01-01T05:00:00.123456789Z"}`, `3520111535`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := pt.Filter(t, New, c.cfg)
			e := pt.Apply(t, f, c.event)
			got, ok := e.Get(event.Path{"fingerprint"})
			if !ok || string(got.AppendJSON(nil)) != c.want {
				t.Fatalf("%s %q: got %s, want %s", specFile, c.name, got.AppendJSON(nil), c.want)
			}
		})
	}
}

// TestHashOrder is the spec's "tolerance to hash order": members in
// another order give the same fingerprint.
func TestHashOrder(t *testing.T) {
	const a = `{"a":{"a0":0,"a1":1},"b":{"b0":0,"b1":1}}`
	const b = `{"b":{"b1":1,"b0":0},"a":{"a1":1,"a0":0}}`
	for _, cfg := range []string{"source: [a]", "source: [a, b]\nconcatenate_sources: true", "concatenate_all_fields: true"} {
		f := pt.Filter(t, New, cfg)
		x, y := pt.Apply(t, f, a), pt.Apply(t, f, b)
		if gx, gy := x.GetString(event.Path{"fingerprint"}), y.GetString(event.Path{"fingerprint"}); gx == "" || gx != gy {
			t.Errorf("%s: %q != %q", cfg, gx, gy)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	cases := []struct{ name, cfg, event, want string }{
		// A missing source leaves the target alone; null hashes "".
		{"missing source", "source: [nope]", `{"fingerprint":"old"}`, `"old"`},
		{"null source: sha1 of empty", "source: [x]", `{"x":null}`, `"da39a3ee5e6b4b0d3255bfef95601890afd80709"`},
		// The last present source wins, missing ones are skipped.
		{"last present wins", "source: [field2, field1, gone]", `{"field1":"test1","field2":"test2"}`, `"b444ac06613fc8d63795be9ad0beaf55011936ac"`}, // sha1("test1")
		// Concatenation of a missing source: "|field1|test1|gone||".
		{"concatenate missing", "source: [gone, field1]\nconcatenate_sources: true", `{"field1":"test1"}`, sha1JSON("|field1|test1|gone||")},
		// Floats as Ruby prints them.
		{"float", "source: [n]", `{"n":1.50}`, sha1JSON("1.5")},
		{"float exponent", "source: [n]", `{"n":1e20}`, sha1JSON("1.0e+20")},
		{"bool", "source: [n]", `{"n":true}`, sha1JSON("true")},
		{"nested field", "source: ['[a][b]']\nconcatenate_sources: true", `{"a":{"b":"x"}}`, sha1JSON("|[a][b]|x|")},
		{"ipv6 network", "method: IPV4_NETWORK\nkey: '16'\nsource: [ip]", `{"ip":"2001:db8::1"}`, `"2001::"`},
		{"invalid ip", "method: IPV4_NETWORK\nkey: '16'\nsource: [ip]", `{"ip":"nope"}`, ``},
		{"ipv4 prefix too long", "method: IPV4_NETWORK\nkey: '40'\nsource: [ip]", `{"ip":"1.2.3.4"}`, ``},
		{"custom target", "source: [x]\ntarget: '[event][hash]'\nmethod: MURMUR3", `{"x":"123.123.123.123"}`, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pt.Apply(t, pt.Filter(t, New, c.cfg), c.event)
			got, _ := e.Get(event.Path{"fingerprint"})
			if g := string(got.AppendJSON(nil)); (c.want == "" && !got.IsNull()) || (c.want != "" && g != c.want) {
				t.Fatalf("got %s, want %s", g, c.want)
			}
		})
	}
	e := pt.Apply(t, pt.Filter(t, New, "source: [x]\ntarget: '[event][hash]'\nmethod: MURMUR3"), `{"x":"123.123.123.123"}`)
	if got := e.GetString(event.MustPath("[event][hash]")); got != "4013733395" {
		t.Errorf("[event][hash] = %q", got)
	}
}

func sha1JSON(s string) string {
	f, _ := compile(&Config{Method: "SHA1"})
	v, _ := f.hashBytes([]byte(s))
	return string(v.AppendJSON(nil))
}

func TestUUID(t *testing.T) {
	f := pt.Filter(t, New, "method: UUID")
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a := pt.Apply(t, f, `{}`).GetString(event.Path{"fingerprint"})
	b := pt.Apply(t, f, `{}`).GetString(event.Path{"fingerprint"})
	if !re.MatchString(a) || a == b {
		t.Fatalf("uuids %q %q", a, b)
	}
}

func TestRubyFloat(t *testing.T) {
	for in, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 100: "100.0", 1e15: "1000000000000000.0", 1e16: "1.0e+16",
		0.0001: "0.0001", 0.00001: "1.0e-05", 1.25e-7: "1.25e-07", -2.5: "-2.5", 0: "0.0", 123456.789: "123456.789",
	} {
		if got := rubyFloat(in); got != want {
			t.Errorf("rubyFloat(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for cfg, want := range map[string]string{
		"method: IPV4_NETWORK":           "key must be a prefix length",
		"method: IPV4_NETWORK\nkey: abc": "key must be a prefix length",
		"method: CRC32":                  "CRC32",
		"source: ['[a']":                 "source",
	} {
		if msg := pt.ConfigError[Config](cfg); !strings.Contains(msg, want) {
			t.Errorf("%q: error %q, want %q", cfg, msg, want)
		}
	}
}

func BenchmarkSHA1(b *testing.B) {
	f := pt.Filter(b, New, "source: [message]")
	e := pt.Event(b, `{"message":"a fairly ordinary log line of some length 123.123.123.123"}`)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(e)
	}
}

func BenchmarkConcatenateAllFields(b *testing.B) {
	f := pt.Filter(b, New, "concatenate_all_fields: true\nmethod: MURMUR3_128")
	e := pt.Event(b, `{"@timestamp":"2017-07-26T14:44:27.064Z","host":{"name":"h","ip":["10.0.0.1"]},"message":"This is a test message","log_level":"INFO","offset":123456789}`)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(e)
	}
}
