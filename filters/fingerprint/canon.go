package fingerprint

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
)

// The bytes hashed are the ones Logstash's fingerprint filter (v3.4+,
// lib/logstash/filters/fingerprint.rb) builds, so that a fingerprint
// computed by ingestd equals Logstash's for the same event:
//
//   - a scalar is its Ruby to_s: a string itself, an integer its digits, a
//     float Ruby's Float#to_s ("1.0", "1.0e+16"), true/false, null "";
//   - an object (to_canonical_value) is its members sorted by key,
//     "key|value" joined by "|", recursively;
//   - an array is its elements joined by "|";
//   - @timestamp, a LogStash::Timestamp there, is its ISO-8601 UTC text
//     with the fraction in groups of three digits, at least three
//     (Logstash 8's Timestamp#to_s with the filter's whole-second
//     refinement).
//
// Concatenation (concatenate_sources, concatenate_all_fields) writes
// "|name|value" per field, sorted by name, then a final "|".

// appendCanon appends the canonical text of v. ts marks the value of the
// top-level @timestamp field.
func appendCanon(dst []byte, v event.Value, ts bool) []byte {
	switch v.Kind() {
	case event.KindNull:
		return dst
	case event.KindNumber:
		return append(dst, rubyNumber(v.Text())...)
	case event.KindString:
		if ts {
			if t, err := time.Parse(time.RFC3339Nano, v.Str()); err == nil {
				return appendLogstashTime(dst, t)
			}
		}
		return append(dst, v.Str()...)
	case event.KindObject:
		for i, f := range sortedFields(v) {
			if i > 0 {
				dst = append(dst, '|')
			}
			dst = append(dst, f.Key...)
			dst = append(dst, '|')
			dst = appendCanon(dst, f.Value, false)
		}
		return dst
	case event.KindArray:
		for i, f := range v.Elems() {
			if i > 0 {
				dst = append(dst, '|')
			}
			dst = appendCanon(dst, f.Value, false)
		}
		return dst
	default: // bool
		return append(dst, v.Text()...)
	}
}

// sortedFields returns an object's members sorted by key, bytewise as
// Ruby's Hash#sort compares strings.
func sortedFields(v event.Value) []event.Field {
	fs := slices.Clone(v.Fields())
	slices.SortStableFunc(fs, func(a, b event.Field) int { return strings.Compare(a.Key, b.Key) })
	return fs
}

// rubyNumber renders a JSON number literal as Ruby's to_s renders the
// Integer or Float Logstash decodes it to.
func rubyNumber(lit string) string {
	if convert.IsIntLiteral(lit) {
		if lit == "-0" {
			return "0"
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit
	}
	return rubyFloat(f)
}

// rubyFloat is Ruby's Float#to_s as MRI's flo_to_s writes it (positional
// for a decimal exponent in (-4, 16]). convert.FloatString follows JRuby
// 9.3, which stays positional to 10^19; which of the two Logstash's JRuby
// 9.4 writes was not checked, so each keeps what it was tested against.
func rubyFloat(f float64) string { return convert.FloatText(f, 16) }

// appendLogstashTime writes t as Logstash 8 renders a Timestamp in the
// fingerprint filter: UTC, the fraction in groups of three digits
// (java.time's ISO_INSTANT), ".000" for a whole second.
func appendLogstashTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
	ns := t.Nanosecond()
	digits := 9
	switch {
	case ns%1_000_000 == 0:
		digits = 3
	case ns%1_000 == 0:
		digits = 6
	}
	frac := strconv.Itoa(1_000_000_000 + ns)[1 : 1+digits]
	dst = append(dst, '.')
	dst = append(dst, frac...)
	return append(dst, 'Z')
}
