package sprintf

import (
	"fmt"
	"strings"
	"testing"
)

// describeTemplate renders parts compactly: literals quoted, references as
// field:[a][b], epoch, joda:FMT, java:FMT, now.
func describeTemplate(t Template) string {
	var parts []string
	for _, p := range t.Parts {
		switch p.Kind {
		case PartLiteral:
			parts = append(parts, fmt.Sprintf("%q", p.Text))
		case PartField:
			parts = append(parts, "field:"+p.Ref.String())
		case PartEpoch:
			parts = append(parts, "epoch")
		case PartJoda:
			parts = append(parts, "joda:"+p.Text)
		case PartJava:
			parts = append(parts, "java:"+p.Text)
		case PartTimeNow:
			parts = append(parts, "now")
		}
	}
	return strings.Join(parts, " ")
}

func TestParseTemplate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// StringInterpolationTest.java.
		{"/full/path/awesome", `"/full/path/awesome"`},                                       // testCompletelyStaticTemplate
		{"/full/%{bar}/awesome", `"/full/" field:[bar] "/awesome"`},                          // testOneLevelField
		{"/full/%{bar}/%{awesome}", `"/full/" field:[bar] "/" field:[awesome]`},              // testMultipleLevelField
		{"/full/%{do-not-exist}", `"/full/" field:[do-not-exist]`},                           // testMissingKey
		{"/full/%{+YYYY}", `"/full/" joda:YYYY`},                                             // testDateFormatter
		{"/full/%{+YYYY}/weeee/%{bar}", `"/full/" joda:YYYY "/weeee/" field:[bar]`},          // testMixDateAndFields
		{"/full/%{{YYYY-DDD}}/weeee/%{bar}", `"/full/" java:YYYY-DDD "/weeee/" field:[bar]`}, // testMixDateAndFieldsJavaSyntax
		{"/full/%{+YYY/web", `"/full/%{+YYY/web"`},                                           // testUnclosedTag
		{"%{+YYYY}", `joda:YYYY`},                                                            // testStringIsOneDateTag
		{"%{{YYYY-'W'ww}}", `java:YYYY-'W'ww`},                                               // testStringIsJavaDateTag
		{"%{[j][k1]}", `field:[j][k1]`},                                                      // testFieldRef
		{"%{+%ss}", `joda:%ss`},                                                              // testEpochSeconds: +%ss is Joda, not epoch
		{"%{+%s}", `epoch`},                                                                  // testEpoch
		{"%{{TIME_NOW}}", `now`},                                                             // testPatternTimeNowGenerateFreshTimestamp
		{"%{{BAD_TIME_NOW}}", `java:BAD_TIME_NOW`},                                           // a java pattern (that Java rejects when formatting)
		// The brief's and the docs' examples.
		{"logstash-%{+YYYY.MM.dd}", `"logstash-" joda:YYYY.MM.dd`},
		{"/var/log/%{type}.%{{yyyy.MM.dd.HH}}", `"/var/log/" field:[type] "." java:yyyy.MM.dd.HH`},
		{"%{[@metadata][date]} %{[@metadata][time]}", `field:[@metadata][date] " " field:[@metadata][time]`},
		{"apache.%{[response][status]}", `"apache." field:[response][status]`},
		{"%{+HH}:%{+mm} is before 16:30", `joda:HH ":" joda:mm " is before 16:30"`},
		// Edge cases of StringInterpolation.evaluate's scanning.
		{"%{}", `epoch`},                 // regionMatches over an empty region is true
		{"%{+}", `epoch`},                // "+" is a prefix of "+%s"
		{"%{+%}", `epoch`},               // so is "+%"
		{"a%{b", `"a%{b"`},               // no }: literal
		{"a}%{b", `"a}%{b"`},             // a } before the %{ does not close it
		{"%{a%{b}}", `field:[a%{b] "}"`}, // the first } closes
		{"%{{a}b}", `field:[{a] "b}"`},   // {{ without }} is a field named {a
		{"%%{a}%", `"%" field:[a] "%"`},
		{"{}%{a}{}", `"{}" field:[a] "{}"`},
		{"", ``},
	} {
		tpl, err := Parse(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := describeTemplate(tpl); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
		wantStr := c.in
		if describeTemplate(tpl) == "epoch" {
			wantStr = "%{+%s}" // %{}, %{+} and %{+%} print canonically
		}
		if got := tpl.String(); got != wantStr {
			t.Errorf("%q: String() = %q", c.in, got)
		}
	}
	for _, in := range []string{
		"%{{abc}", // Logstash reads past the end (StringIndexOutOfBoundsException)
		"x %{{}",  // same
		"%{[a]b}", // invalid field reference
		"%{[a}",   // invalid field reference
	} {
		if tpl, err := Parse(in); err == nil {
			t.Errorf("%q: no error, %s", in, describeTemplate(tpl))
		}
	}
	if tpl, _ := Parse("plain"); !tpl.IsStatic() {
		t.Error("plain text is static")
	}
	if tpl, _ := Parse("%{a}"); tpl.IsStatic() {
		t.Error("%{a} is not static")
	}
}
