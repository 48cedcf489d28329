package csv

import (
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// csvSpec is logstash-plugins/logstash-filter-csv spec/filters/csv_spec.rb;
// each case names the describe/context it comes from.
const csvSpec = "spec/filters/csv_spec.rb"

type csvCase struct {
	name, config, in string
	want             string // whole expected document
	drop             bool   // Apply returns false (event.cancel)
}

var csvCases = []csvCase{
	{name: csvSpec + ` "all defaults"`, config: `{}`, in: `{"message":"big,bird,sesame street"}`,
		want: `{"message":"big,bird,sesame street","column1":"big","column2":"bird","column3":"sesame street"}`},
	{name: csvSpec + ` "empty message" / "skips empty rows"`, config: `{skip_empty_rows: true}`, in: `{"message":""}`,
		want: `{"message":"","tags":["_csvskippedemptyfield"]}`},
	{name: csvSpec + ` "custom separator"`, config: `{separator: ";"}`, in: `{"message":"big,bird;sesame street"}`,
		want: `{"message":"big,bird;sesame street","column1":"big,bird","column2":"sesame street"}`},
	{name: csvSpec + ` "quote char"`, config: `{quote_char: "'"}`, in: `{"message":"big,bird,'sesame street'"}`,
		want: `{"message":"big,bird,'sesame street'","column1":"big","column2":"bird","column3":"sesame street"}`},
	{name: csvSpec + ` "quote char" / "using the default one"`, config: `{}`, in: `{"message":"big,bird,\"sesame, street\""}`,
		want: `{"message":"big,bird,\"sesame, street\"","column1":"big","column2":"bird","column3":"sesame, street"}`},
	{name: csvSpec + ` "quote char" / "using a null"`, config: `{quote_char: "\x00"}`, in: `{"message":"big,bird,\"sesame\" street"}`,
		want: `{"message":"big,bird,\"sesame\" street","column1":"big","column2":"bird","column3":"\"sesame\" street"}`},
	{name: csvSpec + ` "quote char" / "using a null as read from config"`, config: `{quote_char: '\x00'}`, in: `{"message":"big,bird,\"sesame\" street"}`,
		want: `{"message":"big,bird,\"sesame\" street","column1":"big","column2":"bird","column3":"\"sesame\" street"}`},
	{name: csvSpec + ` "given column names"`, config: `{columns: [first, last, address]}`, in: `{"message":"big,bird,sesame street"}`,
		want: `{"message":"big,bird,sesame street","first":"big","last":"bird","address":"sesame street"}`},
	{name: csvSpec + ` "parse csv without autogeneration of names"`, config: `{autogenerate_column_names: false, columns: [custom1, custom2]}`, in: `{"message":"val1,val2,val3"}`,
		want: `{"message":"val1,val2,val3","custom1":"val1","custom2":"val2"}`},
	{name: csvSpec + ` "parse csv and skip the header"`, config: `{skip_header: true, columns: [first_column, second_column, third_column]}`,
		in: `{"message":"first_column,second_column,third_column"}`, drop: true},
	{name: csvSpec + ` "parse csv skipping empty columns"`, config: `{skip_empty_columns: true, source: datafield, columns: [custom1, custom2, custom3]}`,
		in: `{"datafield":"val1,,val3"}`, want: `{"datafield":"val1,,val3","custom1":"val1","custom3":"val3"}`},
	{name: csvSpec + ` "parse csv with more data than defined"`, config: `{columns: [custom1, custom2]}`, in: `{"message":"val1,val2,val3"}`,
		want: `{"message":"val1,val2,val3","custom1":"val1","custom2":"val2","column3":"val3"}`},
	{name: csvSpec + ` "that use [@metadata]"`, config: `{columns: ["[@metadata][one]", foo]}`, in: `{"message":"hello,world"}`,
		want: `{"message":"hello,world","foo":"world"}`}, // [@metadata][one] checked in TestMetadataColumn
	{name: csvSpec + ` "givin target" / "when having also source"`, config: `{source: datain, target: data}`, in: `{"datain":"big,bird,sesame street"}`,
		want: `{"datain":"big,bird,sesame street","data":{"column1":"big","column2":"bird","column3":"sesame street"}}`},
	{name: csvSpec + ` "which uses [nested][fieldref] syntax" / "with nested fieldrefs as columns"`, config: `{target: "[foo][bar]", columns: ["[test][one]", "[test][two]"]}`,
		in: `{"message":"hello,world"}`, want: `{"message":"hello,world","foo":{"bar":{"test":{"one":"hello","two":"world"}}}}`},
	{name: csvSpec + ` "using field convertion"`,
		config: `{convert: {column1: integer, column3: boolean, column4: float, column5: date, column6: date_time, column7: date, column8: date_time}}`,
		in:     `{"message":"1234,bird,false,3.14159265359,2017-06-01,2001-02-03 04:05:06,invalid_date,invalid_date_time"}`,
		want: `{"message":"1234,bird,false,3.14159265359,2017-06-01,2001-02-03 04:05:06,invalid_date,invalid_date_time",
			"column1":1234,"column2":"bird","column3":false,"column4":3.14159265359,"column5":"2017-06-01T00:00:00.000Z","column6":"2001-02-03T04:05:06.000Z",
			"column7":"invalid_date","column8":"invalid_date_time"}`},
	{name: csvSpec + ` "using field convertion" / "when using column names"`, config: `{convert: {custom1: integer, custom3: boolean}, columns: [custom1, custom2, custom3]}`,
		in: `{"message":"1234,bird,false"}`, want: `{"message":"1234,bird,false","custom1":1234,"custom2":"bird","custom3":false}`},
	// Edge cases of our own, against Ruby's CSV.parse_line.
	{name: "edge: doubled quote inside quotes", config: `{}`, in: `{"message":"a,\"say \"\"hi\"\"\",c"}`,
		want: `{"message":"a,\"say \"\"hi\"\"\",c","column1":"a","column2":"say \"hi\"","column3":"c"}`},
	{name: "edge: empty unquoted is null, empty quoted is empty", config: `{}`, in: `{"message":"a,,\"\","}`,
		want: `{"message":"a,,\"\",","column1":"a","column2":null,"column3":"","column4":null}`},
	{name: "edge: quote inside an unquoted field fails", config: `{}`, in: `{"message":"a,b\"c"}`,
		want: `{"message":"a,b\"c","tags":["_csvparsefailure"]}`},
	{name: "edge: text after a closing quote fails", config: `{tag_on_failure: [bad]}`, in: `{"message":"\"a\"b,c"}`,
		want: `{"message":"\"a\"b,c","tags":["bad"]}`},
	{name: "edge: unclosed quote fails", config: `{}`, in: `{"message":"a,\"b"}`, want: `{"message":"a,\"b","tags":["_csvparsefailure"]}`},
	{name: "edge: empty line without skip_empty_rows fails as in Logstash", config: `{}`, in: `{"message":""}`,
		want: `{"message":"","tags":["_csvparsefailure"]}`},
	{name: "edge: only the first row, newline inside quotes kept", config: `{}`, in: `{"message":"\"x\ny\",b\nc,d"}`,
		want: `{"message":"\"x\ny\",b\nc,d","column1":"x\ny","column2":"b"}`},
	// Ruby detects the row separator without regard to quotes: the \n
	// inside them makes the \r before the real line end illegal.
	{name: "edge: row separator detected from the first line break", config: `{}`, in: `{"message":"\"x\ny\",b\r\nc,d"}`,
		want: `{"message":"\"x\ny\",b\r\nc,d","tags":["_csvparsefailure"]}`},
	{name: "edge: multi-character separator", config: `{separator: "||"}`, in: `{"message":"a||b|c||"}`,
		want: `{"message":"a||b|c||","column1":"a","column2":"b|c","column3":null}`},
	{name: "edge: Ruby Integer and Float syntax", config: `{convert: {column1: integer, column2: integer, column3: integer, column4: float, column5: float, column6: boolean}}`,
		in:   `{"message":"0x1A,010, 1_000 ,1e3,Infinity, TRUE "}`,
		want: `{"message":"0x1A,010, 1_000 ,1e3,Infinity, TRUE ","column1":26,"column2":8,"column3":1000,"column4":1000,"column5":"Infinity","column6":true}`},
	// Checked against JRuby's CSV::Converters and the plugin's boolean
	// lambda (value.strip.downcase, returned when neither true nor false).
	{name: "edge: boolean gives other text stripped and down-cased", config: `{convert: {column1: boolean, column2: boolean, column3: boolean}}`,
		in:   `{"message":" Maybe ,YES,\"\u00a0true\""}`,
		want: `{"message":" Maybe ,YES,\"\u00a0true\"","column1":"maybe","column2":"yes","column3":"\u00a0true"}`},
	{name: "edge: Kernel#Float as JRuby reads it", config: `{convert: {column1: float, column2: float, column3: float, column4: float, column5: float, column6: float}}`,
		in:   `{"message":"1e400,-0x1A,0x1A,5.,1e+,\u00a01"}`,
		want: `{"message":"1e400,-0x1A,0x1A,5.,1e+,\u00a01","column1":"Infinity","column2":"-0x1A","column3":26.0,"column4":"5.","column5":1.0,"column6":"\u00a01"}`},
	{name: "edge: Kernel#Integer takes no underscore after a prefix, no non-ASCII space", config: `{convert: {column1: integer, column2: integer, column3: integer}}`,
		in:   `{"message":"0x_1A,0X1A,\u00a012"}`,
		want: `{"message":"0x_1A,0X1A,\u00a012","column1":"0x_1A","column2":26,"column3":"\u00a012"}`},
	{name: "edge: date forms", config: `{convert: {column1: date, column2: date_time, column3: date_time, column4: date}}`,
		in:   `{"message":"\"Jun 1, 2017\",2001-02-03T04:05:06+07:00,Thu Jun 1 10:20:30 2017,2017-02-30"}`,
		want: `{"message":"\"Jun 1, 2017\",2001-02-03T04:05:06+07:00,Thu Jun 1 10:20:30 2017,2017-02-30","column1":"2017-06-01T00:00:00.000Z","column2":"2001-02-02T21:05:06.000Z","column3":"2017-06-01T10:20:30.000Z","column4":"2017-02-30"}`},
	{name: "edge: boolean conversion of an empty field fails the event", config: `{columns: [a, b], convert: {b: boolean}}`, in: `{"message":"x,"}`,
		want: `{"message":"x,","a":"x","tags":["_csvparsefailure"]}`},
}

func TestSpec(t *testing.T) {
	for _, c := range csvCases {
		t.Run(c.name, func(t *testing.T) {
			f := pt.Filter(t, New, c.config)
			e := pt.Event(t, c.in)
			if keep := f.Apply(e); keep == c.drop {
				t.Fatalf("Apply kept=%v, want %v: %s", keep, !c.drop, e.AppendJSON(nil))
			}
			if !c.drop {
				pt.SameDoc(t, e, c.want)
			}
		})
	}
}

// TestAutodetect: spec "given autodetect option" — the first event is the
// header (dropped), the next are read with it.
func TestAutodetect(t *testing.T) {
	f := pt.Filter(t, New, `{autodetect_column_names: true, skip_header: true}`)
	if f.Apply(pt.Event(t, `{"message":"first,last,address"}`)) {
		t.Fatal("header event kept")
	}
	e := pt.Apply(t, f, `{"message":"big,bird,sesame street"}`)
	pt.SameDoc(t, e, `{"message":"big,bird,sesame street","first":"big","last":"bird","address":"sesame street"}`)
	// A repeated header (another file's first line) is skipped.
	if f.Apply(pt.Event(t, `{"message":"first,last,address"}`)) {
		t.Fatal("repeated header kept")
	}
}

// TestMetadataColumn: spec "that use [@metadata]" — the column lands in
// the event's metadata, which the document does not show.
func TestMetadataColumn(t *testing.T) {
	e := pt.Apply(t, pt.Filter(t, New, `{columns: ["[@metadata][one]", foo]}`), `{"message":"hello,world"}`)
	if got := e.GetString(event.MustPath("[@metadata][one]")); got != "hello" {
		t.Fatalf("[@metadata][one] = %q", got)
	}
}

// TestConfigErrors: spec "registration" / "when using invalid data types",
// and our own checks.
func TestConfigErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		`{convert: {custom1: integer, custom3: wrong_type}, columns: [custom1, custom2, custom3]}`: `invalid conversion type "wrong_type"`,
		`{quote_char: "ab"}`:  "single character",
		`{separator: ""}`:     "separator must not be empty",
		`{columns: ["[a]b"]}`: `column "[a]b"`,
	} {
		if msg := pt.ConfigError[Config](yaml); !strings.Contains(msg, want) {
			t.Errorf("%s: error %q, want it to mention %q", yaml, msg, want)
		}
	}
}

// TestSourceNotMutated: spec "all defaults" / "should not mutate the
// source field".
func TestSourceNotMutated(t *testing.T) {
	e := pt.Apply(t, pt.Filter(t, New, `{}`), `{"message":"a,b"}`)
	if v, _ := e.Get(event.Path{"message"}); v.Kind() != event.KindString {
		t.Fatalf("%s", e.AppendJSON(nil))
	}
}

func BenchmarkCSV(b *testing.B) {
	f := pt.Filter(b, New, `{columns: [ts, host, method, path, status, bytes, agent], convert: {status: integer, bytes: integer}}`)
	base := pt.Event(b, `{"message":"2025-12-30T10:01:02Z,web-01,GET,/api/v1/items?id=42,200,5120,\"Mozilla/5.0 (X11; Linux x86_64)\""}`)
	b.ReportAllocs()
	for b.Loop() {
		f.Apply(base.Clone())
	}
}
