package fieldref

import (
	"reflect"
	"strings"
	"testing"
)

// Cases from logstash-core/src/test/java/org/logstash/FieldReferenceTest.java.
func TestParseFieldRef(t *testing.T) {
	for _, c := range []struct {
		ref  string
		path []string
	}{
		{"foo", []string{"foo"}},                                                 // testParseSingleBareField
		{"[foo]", []string{"foo"}},                                               // testParseSingleFieldPath
		{"[foo][bar]", []string{"foo", "bar"}},                                   // testParse2FieldsPath
		{"[foo][bar][baz]", []string{"foo", "bar", "baz"}},                       // testParse3FieldsPath
		{"[[foo]][bar]", []string{"foo", "bar"}},                                 // testEmbeddedSingleReference
		{"[[foo][bar]][baz]", []string{"foo", "bar", "baz"}},                     // testEmbeddedDeepReference
		{"[@metadata]", []string{"@metadata"}},                                   // testParseMetadataParent
		{"[@metadata][nested][field]", []string{"@metadata", "nested", "field"}}, // testParseMetadataChild
		{"", []string{""}},                                                       // testParseEmptyString
		{"@timestamp", []string{"@timestamp"}},
		{"[ spaced name ]", []string{" spaced name "}},
		{"[foo][[bar]][bingo]", []string{"foo", "bar", "bingo"}}, // docs: canonical representations
		{"[[ok]]", []string{"ok"}},
		{"a b.c-d", []string{"a b.c-d"}}, // no dots or other separators: one name
	} {
		r, err := Parse(c.ref)
		if err != nil || !reflect.DeepEqual(r.Path, c.path) {
			t.Errorf("%q: %v %v, want %q", c.ref, r.Path, err, c.path)
		}
	}
	for _, ref := range []string{
		"[[foo][bar]nope][baz]", // testParseInvalidEmbeddedDeepReference
		"[nope[foo][bar]][baz]", // testParseInvalidEmbeddedDeepReference2
		"[foo][bar][baz",        // testParseInvalidNoCloseBracket
		"foo[bar][baz]",         // testParseInvalidNoInitialOpenBracket
		"[foo]bar[baz]",         // testParseInvalidMissingMiddleBracket
		"[",                     // testParseInvalidOnlyOpenBracket
		"]",                     // testParseInvalidOnlyCloseBracket
		"[[[[[[[[[[[]",          // testParseInvalidLotsOfOpenBrackets
		"[foo]][bar]",           // testParseInvalidDoubleCloseBrackets
		"[this[is]terrible]",    // testParseNestingSquareBrackets
		"[this[is]terrible][and][it[should-not[work]]]", // testParseChainedNestingSquareBrackets
		"this[index]",         // testParseLiteralSquareBrackets
		"[a]b", "[]", "[a][]", // the brief's examples
	} {
		if r, err := Parse(ref); err == nil {
			t.Errorf("%q: no error (%q)", ref, r.Path)
		} else if !strings.Contains(err.Error(), "invalid field reference") {
			t.Errorf("%q: %v", ref, err)
		}
	}
	r, _ := Parse("[@metadata][x]")
	if !r.IsMetadata() || r.Key() != "x" || r.String() != "[@metadata][x]" {
		t.Errorf("%+v", r)
	}
	if r, _ := Parse("message"); r.IsMetadata() || r.String() != "[message]" {
		t.Errorf("%+v", r)
	}
}

func TestFieldRefEscapes(t *testing.T) {
	for _, c := range []struct {
		style EscapeStyle
		ref   string
		path  []string
	}{
		// FieldReferenceTest.EscapePercent / EscapeAmpersand.
		{EscapePercent, "[foo][bar%5Bbingo%5D][okay]", []string{"foo", "bar[bingo]", "okay"}},
		{EscapePercent, "[foo][okay][bar%5Bbingo%5D]", []string{"foo", "okay", "bar[bingo]"}},
		{EscapePercent, "[foo][bar][95%]", []string{"foo", "bar", "95%"}},
		{EscapeAmpersand, "[foo][bar&#91;bingo&#93;][okay]", []string{"foo", "bar[bingo]", "okay"}},
		{EscapeAmpersand, "[foo][okay][bar&#91;bingo&#93;]", []string{"foo", "okay", "bar[bingo]"}},
		{EscapeAmpersand, "[foo][bar][this&that]", []string{"foo", "bar", "this&that"}},
		// Java's URLDecoder: + is a space once decoding happens at all, a %
		// not starting an uppercase %XX stays, bytes decode as UTF-8.
		{EscapePercent, "[a+b%25]", []string{"a b%"}},
		{EscapePercent, "[a+b]", []string{"a+b"}},
		{EscapePercent, "[100%%5D]", []string{"100%]"}},
		{EscapePercent, "[%5b%5D]", []string{"%5b]"}},
		{EscapePercent, "[caf%C3%A9]", []string{"café"}},
		{EscapeAmpersand, "[&#09;&#233;&#9;]", []string{"\té&#9;"}}, // two digits at least
		// No escapes by default.
		{EscapeNone, "[foo%5B]", []string{"foo%5B"}},
	} {
		r, err := ParseEscaped(c.ref, c.style)
		if err != nil || !reflect.DeepEqual(r.Path, c.path) {
			t.Errorf("%s %q: %q %v, want %q", c.style, c.ref, r.Path, err, c.path)
		}
	}
	if _, err := ParseEscaped("[&#99999999999;]", EscapeAmpersand); err == nil {
		t.Error("code point overflow accepted")
	}
	for _, s := range []string{"none", "percent", "ampersand"} {
		if st, err := ParseEscapeStyle(s); err != nil || st.String() != s {
			t.Errorf("%s: %v %v", s, st, err)
		}
	}
	if _, err := ParseEscapeStyle("url"); err == nil {
		t.Error("url accepted")
	}
}
