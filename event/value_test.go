package event

import (
	"strconv"
	"testing"
)

// TestFloatKeepsAFraction: an integral float is written with ".0", as
// Logstash writes a Float (logstash-filter-mutate's spec converts "1000"
// with float to 1000.0), so that Elasticsearch's dynamic mapping makes
// the field a float, not a long that truncates the values after it.
func TestFloatKeepsAFraction(t *testing.T) {
	for f, want := range map[float64]string{
		12: "12.0", -3: "-3.0", 0: "0.0", 2.5: "2.5", 1e21: "1e+21", 1e6: "1e+06", 0.0001: "0.0001", 1.5e-7: "1.5e-07",
	} {
		if got := string(Float(f).AppendJSON(nil)); got != want {
			t.Errorf("Float(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestIntText: an integer's own text is kept when it is how the number is
// written, else the number is formatted.
func TestIntText(t *testing.T) {
	for s, want := range map[string]string{"42": "42", "-7": "-7", "0": "0", "007": "7", "+3": "3", "-0": "0", "-012": "-12"} {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(IntText(s, n).AppendJSON(nil)); got != want {
			t.Errorf("IntText(%q) = %s, want %s", s, got, want)
		}
	}
}
