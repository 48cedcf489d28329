package kv

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// spec is logstash-plugins/logstash-filter-kv spec/filters/kv_spec.rb; each
// case names the describe/context it comes from.
const kvSpec = "spec/filters/kv_spec.rb"

type kvCase struct {
	name   string // spec example, or "edge: ..." for our own
	config string
	in     string            // event JSON
	want   map[string]string // field reference -> JSON of the expected value ("" = absent)
}

const standard = `hello=world foo=bar baz=fizz doublequoted=\"hello world\" singlequoted='hello world'`

var kvCases = []kvCase{
	{kvSpec + ` "defaults"`, `{}`,
		`{"message":"hello=world foo=bar baz=fizz doublequoted=\"hello world\" singlequoted='hello world' bracketsone=(hello world) bracketstwo=[hello world] bracketsthree=<hello world>"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "baz": `"fizz"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`,
			"bracketsone": `"hello world"`, "bracketstwo": `"hello world"`, "bracketsthree": `"hello world"`}},
	{kvSpec + ` "test transforming keys to uppercase and values to lowercase"`, `{transform_key: uppercase, transform_value: lowercase}`,
		`{"message":"hello = world Foo =Bar BAZ= FIZZ doublequoteD = \"hellO worlD\" Singlequoted= 'Hello World' brAckets =(hello World)"}`,
		map[string]string{"HELLO": `"world"`, "FOO": `"bar"`, "BAZ": `"fizz"`, "DOUBLEQUOTED": `"hello world"`, "SINGLEQUOTED": `"hello world"`, "BRACKETS": `"hello world"`}},
	{kvSpec + ` "whitespace => strict" / "unquoted values"`, `{whitespace: strict}`,
		`{"message":"IN=eth0 OUT= MAC=0f:5f:5e:aa:d3:a2:21:ff:09:00:0f:e1:c8:17 SRC=192.168.0.1"}`,
		map[string]string{"IN": `"eth0"`, "OUT": ``, "MAC": `"0f:5f:5e:aa:d3:a2:21:ff:09:00:0f:e1:c8:17"`, "SRC": `"192.168.0.1"`}},
	{kvSpec + ` "whitespace => strict" / "mixed quotations"`, `{whitespace: strict}`,
		`{"message":"hello=world goodbye=cruel\\ world empty_quoted=\"\" quoted=\"value1\" empty_unquoted= unquoted=value2 empty_bracketed=[] bracketed=[value3] cake=delicious"}`,
		map[string]string{"hello": `"world"`, "goodbye": `"cruel\\ world"`, "empty_quoted": ``, "quoted": `"value1"`, "empty_unquoted": ``,
			"unquoted": `"value2"`, "empty_bracketed": ``, "bracketed": `"value3"`, "cake": `"delicious"`}},
	{kvSpec + ` "test transforming keys and values to capitals"`, `{transform_key: capitalize, transform_value: capitalize}`,
		`{"message":"Hello = World fOo =bar baz= FIZZ DOUBLEQUOTED = \"hellO worlD\" singlequoted= 'hEllo wOrld' brackets =(HELLO world)"}`,
		map[string]string{"Hello": `"World"`, "Foo": `"Bar"`, "Baz": `"Fizz"`, "Doublequoted": `"Hello world"`, "Singlequoted": `"Hello world"`, "Brackets": `"Hello world"`}},
	{kvSpec + ` "LOGSTASH-624: allow escaped space in key or value"`, `{value_split: ":"}`,
		`{"message":"IKE:=Quick\\ Mode\\ completion IKE\\ IDs:=subnet:\\ x.x.x.x\\ (mask=\\ 255.255.255.254)\\ and\\ host:\\ y.y.y.y"}`,
		map[string]string{"IKE": `"=Quick\\ Mode\\ completion"`, `IKE\ IDs`: `"=subnet:\\ x.x.x.x\\ (mask=\\ 255.255.255.254)\\ and\\ host:\\ y.y.y.y"`}},
	{kvSpec + ` "test value_split" / "using an alternate splitter"`, `{value_split: ":"}`,
		`{"message":"hello:=world foo:bar baz=:fizz doublequoted:\"hello world\" singlequoted:'hello world' brackets:(hello world)"}`,
		map[string]string{"hello": `"=world"`, "foo": `"bar"`, "baz=": `"fizz"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`, "brackets": `"hello world"`}},
	{kvSpec + ` "short circuit" / "recursive message" / "with inner splitter"`, `{recursive: true}`,
		`{"message":"foo=1 bar=(baz=2)"}`, map[string]string{"foo": `"1"`, "[bar][baz]": `"2"`}},
	{kvSpec + ` "test field_split"`, `{field_split: "?&"}`,
		`{"message":"?hello=world&foo=bar&baz=fizz&doublequoted=\"hello world\"&singlequoted='hello world'&ignoreme&foo12=bar12"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "baz": `"fizz"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`, "foo12": `"bar12"`, "ignoreme": ``}},
	{kvSpec + ` "test include_brackets is false"`, `{include_brackets: false}`,
		`{"message":"bracketsone=(hello world) bracketstwo=[hello world]"}`, map[string]string{"bracketsone": `"(hello"`, "bracketstwo": `"[hello"`}},
	{kvSpec + ` "test recursive"`, `{recursive: true}`,
		`{"message":"IKE=\"Quick Mode completion\" IKE\\ IDs = (subnet= x.x.x.x mask= 255.255.255.254 and host=y.y.y.y)"}`,
		map[string]string{"IKE": `"Quick Mode completion"`, `[IKE\ IDs]`: `{"subnet":"x.x.x.x","mask":"255.255.255.254","host":"y.y.y.y"}`}},
	{kvSpec + ` "delimited fields should override space default (reported by LOGSTASH-733)"`, `{field_split: "|"}`,
		`{"message":"field1=test|field2=another test|field3=test3"}`, map[string]string{"field1": `"test"`, "field2": `"another test"`, "field3": `"test3"`}},
	{kvSpec + ` "test prefix"`, `{prefix: __}`, `{"message":"` + standard + `"}`,
		map[string]string{"__hello": `"world"`, "__foo": `"bar"`, "__baz": `"fizz"`, "__doublequoted": `"hello world"`, "__singlequoted": `"hello world"`}},
	{kvSpec + ` "test target"`, `{target: kv}`, `{"message":"` + standard + `"}`,
		map[string]string{"kv": `{"hello":"world","foo":"bar","baz":"fizz","doublequoted":"hello world","singlequoted":"hello world"}`}},
	{kvSpec + ` "test empty target"`, `{target: kv}`, `{"message":"hello:world:foo:bar:baz:fizz"}`, map[string]string{"kv": ``}},
	{kvSpec + ` "test data from specific sub source and target"`, `{source: data, target: kv}`, `{"data":"` + standard + `"}`,
		map[string]string{"kv": `{"hello":"world","foo":"bar","baz":"fizz","doublequoted":"hello world","singlequoted":"hello world"}`}},
	{kvSpec + ` "test data from nil sub source, should not issue a warning"`, `{source: non-exisiting-field, target: kv}`, `{"message":""}`,
		map[string]string{"kv": ``, "non-exisiting-field": ``}},
	{kvSpec + ` "field_split_pattern with literal backslashes"`, `{source: headers, field_split_pattern: '\\r\\n', value_split_pattern: ": ", whitespace: strict, target: headerskv}`,
		`{"headers":"Host: foo.com\\r\\nUser-Agent: Qwerty/1.2.3 (www.qwerty.org)\\r\\nContent-Type: text/xml; charset=utf-8\\r\\nAccept: */*\\r\\nAccept-Encoding: gzip, deflate\\r\\nContent-Length: 123\\r\\nX-UUID: 0:15713435944943992\\r\\n\\r\\n"}`,
		map[string]string{"[headerskv][Host]": `"foo.com"`, "[headerskv][User-Agent]": `"Qwerty/1.2.3 (www.qwerty.org)"`, "[headerskv][Content-Type]": `"text/xml; charset=utf-8"`,
			"[headerskv][Accept]": `"*/*"`, "[headerskv][Accept-Encoding]": `"gzip, deflate"`, "[headerskv][Content-Length]": `"123"`, "[headerskv][X-UUID]": `"0:15713435944943992"`}},
	{kvSpec + ` "test include_keys with prefix"`, `{include_keys: [foo, singlequoted], prefix: __}`, `{"message":"` + standard + `"}`,
		map[string]string{"__foo": `"bar"`, "__singlequoted": `"hello world"`, "__hello": ``, "foo": ``}},
	{kvSpec + ` "test exclude_keys"`, `{exclude_keys: [foo, singlequoted]}`, `{"message":"` + standard + `"}`,
		map[string]string{"hello": `"world"`, "baz": `"fizz"`, "doublequoted": `"hello world"`, "foo": ``, "singlequoted": ``}},
	{kvSpec + ` "test include_keys with dynamic key"`, `{source: data, include_keys: ["%{key}"]}`, `{"data":"foo=bar baz=fizz","key":"foo"}`,
		map[string]string{"foo": `"bar"`, "baz": ``}},
	{kvSpec + ` "test exclude_keys with dynamic key"`, `{source: data, exclude_keys: ["%{key}"]}`, `{"data":"foo=bar baz=fizz","key":"foo"}`,
		map[string]string{"foo": ``, "baz": `"fizz"`}},
	{kvSpec + ` "test default_keys"`, `{default_keys: {foo: xxx, goo: yyy}}`, `{"message":"` + standard + `"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "goo": `"yyy"`, "baz": `"fizz"`}},
	{kvSpec + ` "overwriting a string field (often the source)"`, `{source: happy, target: happy}`, `{"happy":"foo=bar baz=fizz"}`,
		map[string]string{"happy": `{"foo":"bar","baz":"fizz"}`}},
	{kvSpec + ` "Removing duplicate key/value pairs"`, `{field_split: "&", source: source, allow_duplicate_values: false}`, `{"source":"foo=bar&foo=yeah&foo=yeah"}`,
		map[string]string{"foo": `["bar","yeah"]`}},
	{kvSpec + ` "Allowing empty values"`, `{source: source, allow_empty_values: true, whitespace: strict}`,
		`{"source":"present=one empty= emptyquoted='' present=two emptybracketed=[] endofinput="}`,
		map[string]string{"present": `["one","two"]`, "empty": `""`, "emptyquoted": `""`, "emptybracketed": `""`, "endofinput": `""`}},
	{kvSpec + ` "Allow duplicate key/value pairs by default"`, `{field_split: "&", source: source}`, `{"source":"foo=bar&foo=yeah&foo=yeah"}`,
		map[string]string{"foo": `["bar","yeah","yeah"]`}},
	{kvSpec + ` "keys without values (reported in #22)"`, "{field_split: \"\\r\\n\", value_split: \" \", trim_key: \":\"}",
		`{"message":"AccountStatus: 4\r\nAdditionalInformation\r\n\r\nCode: \r\nHttpStatusCode: \r\nIsSuccess: True\r\nMessage: \r\n"}`,
		map[string]string{"AccountStatus": `"4"`, "IsSuccess": `"True"`, "AdditionalInformation": ``, "Code": ``, "HttpStatusCode": ``, "Message": ``}},
	{kvSpec + ` "trim_key/trim_value options : trim only leading and trailing spaces in keys/values (reported in #10)"`,
		`{field_split: "\\|", value_split: "=", trim_value: " ", trim_key: " "}`, `{"message":"key1= value1 with spaces | key2 with spaces =value2"}`,
		map[string]string{"key1": `"value1 with spaces"`, "key2 with spaces": `"value2"`}},
	{kvSpec + ` "trim_key/trim_value ... trim multiple matching characters from either end" / "multi-character sequence"`,
		`{trim_value: "<>,", trim_key: "%+"}`,
		`{"message":"to=<foo@example.com>, orig_to=<bar@example.com>, %+relay=mail.example.com[private/dovecot-lmtp], delay=2.2, delays=1.9/0.01/0.01/0.21, dsn=2.0.0, status=sent (250 2.0.0 <foo@example.com> YERDHejiRSXFDSdfUXTV Saved) "}`,
		map[string]string{"to": `"foo@example.com"`, "orig_to": `"bar@example.com"`, "relay": `"mail.example.com[private/dovecot-lmtp]"`, "delay": `"2.2"`,
			"delays": `"1.9/0.01/0.01/0.21"`, "dsn": `"2.0.0"`, "status": `"sent"`}},
	{kvSpec + ` "remove_char_key/remove_char_value options"`, `{field_split: "\\|", remove_char_value: " ", remove_char_key: " "}`,
		`{"message":"key1= value1 with spaces | key2 with spaces =value2"}`, map[string]string{"key1": `"value1withspaces"`, "key2withspaces": `"value2"`}},
	{kvSpec + ` "multi character splitting" / "value split multi"`, `{value_split_pattern: "::"}`,
		`{"message":"hello::world foo::bar baz::fizz doublequoted::\"hello world\" singlequoted::'hello world' bracketsone::(hello world) bracketstwo::[hello world] bracketsthree::<hello world>"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`, "bracketsone": `"hello world"`, "bracketstwo": `"hello world"`, "bracketsthree": `"hello world"`}},
	{kvSpec + ` "multi character splitting" / "multi-char field split pattern with value that begins quoted and contains more unquoted"`, `{field_split_pattern: "!!!!!"}`,
		`{"message":"foo=bar!!!!!baz=\"quoted stuff\" and more unquoted!!!!!msg=\"fully-quoted with a part! of the separator\"!!!!!blip=\"this!!!!!is it\"!!!!!empty=\"\"!!!!!non-empty=\"foo\""}`,
		map[string]string{"foo": `"bar"`, "baz": `"\"quoted stuff\" and more unquoted"`, "msg": `"fully-quoted with a part! of the separator"`, "blip": `"this!!!!!is it"`, "empty": ``, "non-empty": `"foo"`}},
	{kvSpec + ` "multi character splitting" / "standard field split pattern with value that begins quoted and contains more unquoted"`, `{}`,
		`{"message":"foo=bar baz=\"quoted stuff\" and more unquoted msg=\"some fully-quoted message \" empty=\"\" non-empty=\"foo\""}`,
		map[string]string{"foo": `"bar"`, "baz": `"quoted stuff"`, "msg": `"some fully-quoted message "`, "empty": ``, "non-empty": `"foo"`}},
	{kvSpec + ` "multi character splitting" / "field and value split multi with regex"`, `{field_split_pattern: "_+", value_split_pattern: ":+"}`,
		`{"message":"hello:world_foo::bar__baz:::fizz___doublequoted:::\"hello world\"____singlequoted:::::'hello world'____bracketsone:::(hello world)__bracketstwo:[hello world]_bracketsthree::::::<hello world>"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "baz": `"fizz"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`, "bracketsone": `"hello world"`, "bracketstwo": `"hello world"`, "bracketsthree": `"hello world"`}},
	{kvSpec + ` "multi character splitting" / "field and value split multi using escaping"`, `{field_split_pattern: "\\?\\?", value_split_pattern: "\\+\\+"}`,
		`{"message":"hello++world??foo++bar??baz++fizz??doublequoted++\"hello world\"??singlequoted++'hello world'??bracketsone++(hello world)??bracketstwo++[hello world]??bracketsthree++<hello world>"}`,
		map[string]string{"hello": `"world"`, "foo": `"bar"`, "baz": `"fizz"`, "doublequoted": `"hello world"`, "singlequoted": `"hello world"`, "bracketsone": `"hello world"`, "bracketstwo": `"hello world"`, "bracketsthree": `"hello world"`}},
	{kvSpec + ` "handles empty values" / "using char class splitters"`, `{field_split: "|", value_split: "="}`, `{"message":"a=1|b=|c=3"}`,
		map[string]string{"a": `"1"`, "b": ``, "c": `"3"`}},
	{kvSpec + ` "handles empty values" / "using pattern splitters"`, `{field_split_pattern: '\|', value_split_pattern: "="}`, `{"message":"a=1|b=|c=3"}`,
		map[string]string{"a": `"1"`, "b": ``, "c": `"3"`}},
	// Edge cases of our own.
	{"edge: duplicate keys with target keep order and collect", `{target: t}`, `{"message":"a=1 b=2 a=3 a=4"}`,
		map[string]string{"t": `{"a":["1","3","4"],"b":"2"}`}},
	{"edge: allow_duplicate_values false compares with String#include? (substring)", `{allow_duplicate_values: false}`, `{"message":"a=abc a=b a=x"}`,
		map[string]string{"a": `["abc","x"]`}},
	{"edge: quoted value keeps separators, escaped quote inside", `{}`, `{"message":"a=\"x=1 y\\\"z\" b='p q'"}`,
		map[string]string{"a": `"x=1 y\\\"z"`, "b": `"p q"`}},
	{"edge: lenient value split swallows the next token when the value is empty", `{}`, `{"message":"a= b=c"}`,
		map[string]string{"a": `"b=c"`, "b": ``}},
	{"edge: free text around pairs is skipped", `{}`, `{"message":"user login ok user=bob from host=10.0.0.1 done"}`,
		map[string]string{"user": `"bob"`, "host": `"10.0.0.1"`}},
	{"edge: nested field references as keys", `{}`, `{"message":"[a][b]=1 c=2"}`, map[string]string{"[a][b]": `"1"`, "c": `"2"`}},
	{"edge: array source", `{}`, `{"message":["a=1","b=2 a=3"]}`, map[string]string{"a": `["1","3"]`, "b": `"2"`}},
	{"edge: non-string source is left alone", `{}`, `{"message":42}`, map[string]string{"message": `42`}},
	{"edge: unicode separators and keys", `{field_split: "·", value_split: "→"}`, `{"message":"ключ→значение·b→ü"}`,
		map[string]string{"ключ": `"значение"`, "b": `"ü"`}},
}

func TestSpec(t *testing.T) {
	for _, c := range kvCases {
		t.Run(c.name, func(t *testing.T) {
			f := pt.Filter(t, New, c.config)
			e := pt.Apply(t, f, c.in)
			for ref, want := range c.want {
				got, ok := e.Get(event.MustPath(ref))
				switch {
				case want == "" && ok:
					t.Errorf("%s = %s, want absent\n%s", ref, got.AppendJSON(nil), e.AppendJSON(nil))
				case want != "" && !ok:
					t.Errorf("%s absent, want %s\n%s", ref, want, e.AppendJSON(nil))
				case want != "" && !sameJSON(t, got.AppendJSON(nil), want):
					t.Errorf("%s = %s, want %s", ref, got.AppendJSON(nil), want)
				}
			}
		})
	}
}

// TestStrictSloppy: spec "whitespace => strict" / "when given sloppy
// input, it extracts only the unambiguous bits" checks the whole key set.
func TestStrictSloppy(t *testing.T) {
	f := pt.Filter(t, New, `{whitespace: strict}`)
	msg := `hello = world foo =bar baz= fizz whitespace=none doublequoted = \"hello world\" singlequoted= 'hello world' brackets =(hello world) strict=true`
	e := pt.Apply(t, f, `{"message":"`+msg+`"}`)
	pt.SameDoc(t, e, `{"message":"`+msg+`","whitespace":"none","strict":"true"}`)
}

// TestIncludeExcludeAll: spec "test include_keys and exclude_keys" — both
// settings together exclude everything.
func TestIncludeExcludeAll(t *testing.T) {
	f := pt.Filter(t, New, `{include_keys: [foo, singlequoted], exclude_keys: [foo, singlequoted]}`)
	e := pt.Apply(t, f, `{"message":"`+standard+`"}`)
	pt.SameDoc(t, e, `{"message":"`+standard+`"}`)
}

// TestFailureTag: a key that is no valid field reference fails the event
// as Logstash's exception does (spec 'runtime errors', custom tags).
func TestFailureTag(t *testing.T) {
	f := pt.Filter(t, New, `{tag_on_failure: [kv_FAIL_one, _kv_fail_TWO]}`)
	e := pt.Apply(t, f, `{"message":"ok=1 a[b=2"}`)
	if !e.HasTag("kv_FAIL_one") || !e.HasTag("_kv_fail_TWO") || e.GetString(event.Path{"ok"}) != "1" {
		t.Fatalf("%s", e.AppendJSON(nil))
	}
}

// TestConfigErrors: spec "an empty value_split option should be
// reported", "empty value_split_pattern", "empty field_split_pattern", and
// our refusal of lookaround (spec "example from @guyboertje in #15" uses
// one; RE2 cannot run it).
func TestConfigErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		`{value_split: ""}`:                            "value_split must be a non-empty string",
		`{field_split_pattern: ";\\s*(?=key.+?:)|;$"}`: "no lookahead",
		`{value_split_pattern: "(", field_split: "&"}`: "value_split_pattern",
		`{transform_key: title}`:                       "not one of",
		`{whitespace: loose}`:                          "not one of",
		`{trim_key: "z-a"}`:                            "trim_key",
	} {
		if msg := pt.ConfigError[Config](yaml); !strings.Contains(msg, want) {
			t.Errorf("%s: error %q, want it to mention %q", yaml, msg, want)
		}
	}
}

func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	g, err := event.DecodeJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := event.DecodeJSON([]byte(want))
	if err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	return string(g.AppendJSON(nil)) == string(w.AppendJSON(nil))
}

func BenchmarkKV(b *testing.B) {
	f := pt.Filter(b, New, `{}`)
	const line = `{"message":"date=2025-12-30 time=10:01:02 devname=\"FW-01\" devid=FGT60E logid=0000000013 type=traffic subtype=forward level=notice srcip=10.1.2.3 srcport=51514 dstip=93.184.216.34 dstport=443 action=accept policyid=12 service=\"HTTPS\" duration=61 sentbyte=1520 rcvdbyte=8240"}`
	base := pt.Event(b, line)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(base.Clone())
	}
}
