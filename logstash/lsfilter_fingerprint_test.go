package logstash

import (
	"strings"
	"testing"
)

// TestFingerprintSourceNamesAsWritten: logstash-filter-fingerprint hashes
// the source names as the config writes them, "|#{k}|#{value}" over
// @source.sort (lib/logstash/filters/fingerprint.rb), and the conversion
// wrote them in ingestd's bracketed form: ['field1', 'field2'] hashed
// "|[field1]|test1|[field2]|test2|". The expected values are
// spec/filters/fingerprint_spec.rb's ("when multiple fields are used",
// "when utf-8 chars used", each without and "with concatenate_sources";
// the spec's default method, SHA1, without a key), except the last three,
// worked out outside ingestd (Python's hmac and hashlib) as the spec has
// no such case.
func TestFingerprintSourceNamesAsWritten(t *testing.T) {
	const plain = `{"field1":"test1","field2":"test2"}`
	const utf8 = `{"field1":[{"inner_key":"🂡"},{"1":"2"}],"field2":"🂡"}`
	for _, c := range []struct {
		name, options, doc, want string
	}{
		{"multiple fields/last value", `source => ['field1', 'field2']`, plain, "109f4b3c50d7b0df729d299bc6f8e9ef9066971f"},
		{"multiple fields/with concatenate_sources", `source => ['field1', 'field2'] concatenate_sources => true`, plain, "e3b6b71eedc656f1d29408264e8a75535db985cb"},
		{"utf-8/last value", `source => ['field1', 'field2']`, utf8, "58fa9e0e60c9f0d24b51d84cddb26732a39eeb3d"},
		{"utf-8/with concatenate_sources", `source => ['field1', 'field2'] concatenate_sources => true`, utf8, "d2a1c14e0c9ef137d67114db23b3f2fdbcc90d08"},
		// HMAC-SHA1 of "|field1|test1|field2|test2|" with key longencryptionkey.
		{"hmac with concatenate_sources", `source => ["field1","field2"] concatenate_sources => true method => "SHA1" key => "longencryptionkey"`, plain, "38aeb3a4aa347f55f5bb042bb77082b9b6968883"},
		// HMAC-SHA256 of the same; the sources written in another order.
		{"hmac sha256, sources unsorted", `source => ["field2","field1"] concatenate_sources => true method => "SHA256" key => "longencryptionkey"`, plain, "6982ca8ead7dd3d22a5e6d8eb673a6f6e71cbb807719c2d2f71d9283ac3eb0f8"},
		// SHA1 of "|[a][b]|x|field1|test1|": a bracketed name is hashed
		// with its brackets, and sorts before field1 ('[' < 'f').
		{"bracketed name as written", `source => ["field1","[a][b]"] concatenate_sources => true`, `{"field1":"test1","a":{"b":"x"}}`, "89df119b22081b01a770fec58b021340f02e7a8d"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, yaml := convertAndRun(t, `fingerprint { `+c.options+` ecs_compatibility => disabled }`, c.doc)
			if doc["fingerprint"] != c.want {
				t.Errorf("fingerprint %v, want %s\n%s", doc["fingerprint"], c.want, yaml)
			}
		})
	}
}

// TestFingerprintSourceNoWarning: the sources are written as given, an
// embedded reference too; a name ingestd would read otherwise than
// Logstash would be written in ingestd's form with a warning (none is
// known: the check guards against the two parsers drifting apart).
func TestFingerprintSourceNoWarning(t *testing.T) {
	src := "input { beats { port => 5044 } }\nfilter { fingerprint { source => ['field1', '[a][b]', '[[c][d]][e]'] concatenate_sources => true target => fp } }\noutput { stdout {} }\n"
	yaml, problems := Convert(parse(t, src), Options{Lookup: env})
	for _, p := range problems {
		if strings.Contains(p.String(), "fingerprint") {
			t.Errorf("problem: %s", p)
		}
	}
	if !strings.Contains(string(yaml), "[[c][d]][e]") {
		t.Errorf("source not as written:\n%s", yaml)
	}
}
