package event

import "testing"

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
