package rubysplit

import (
	"slices"
	"testing"
)

// TestSplit compares with Ruby 3.1 (Debian's ruby): `p "<s>".split("<sep>")`
// and `p "<s>".split("<sep>", -1)`.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		s, sep string
		keep   bool
		want   []string
	}{
		{"a,,b,,", ",", false, []string{"a", "", "b"}},
		{"a,,", ",", true, []string{"a", "", ""}},
		{",a", ",", false, []string{"", "a"}},
		{"  big   bird\tsesame ", " ", false, []string{"big", "bird", "sesame"}},
		{"  big   bird\tsesame ", " ", true, []string{"big", "bird", "sesame", ""}},
		{"  ", " ", false, nil},
		{"  ", " ", true, []string{""}},
		{" a ", " ", true, []string{"a", ""}},
		{"a\u00a0b", " ", true, []string{"a\u00a0b"}},
		{"abc", "", false, []string{"a", "b", "c"}},
		{"abc", "", true, []string{"a", "b", "c", ""}},
		{"a\n", "\n", true, []string{"a", ""}},
		{"", "\n", true, nil},
		{"", ",", false, nil},
	} {
		if got := Split(c.s, c.sep, c.keep); !slices.Equal(got, c.want) {
			t.Errorf("%q.split(%q, keep %v) = %q, want %q", c.s, c.sep, c.keep, got, c.want)
		}
	}
}
