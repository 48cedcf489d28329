package convert

import (
	"testing"

	"github.com/ingestd/ingestd/event"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ text, to, want string }{
		{"42", Int, "42"},
		{"+42", "integer", "42"},
		{" 7 ", Int, "7"},
		{"3.9", Int, "3"},
		{"1.5", Float, "1.5"},
		{"yes", Boolean, "true"},
		{"F", "bool", "false"},
		{"x", String, `"x"`},
		{"x", "", `"x"`},
		// Logstash's mutate convert_integer_eu / convert_float_eu.
		{"1.234", IntEU, "1234"},
		{"1.234,56", IntEU, "1234"},
		{"1.234,5", FloatEU, "1234.5"},
		{"-0,25", FloatEU, "-0.25"},
	} {
		v, err := Text(c.text, c.to)
		if err != nil {
			t.Errorf("%q to %s: %v", c.text, c.to, err)
			continue
		}
		if got := string(v.AppendJSON(nil)); got != c.want {
			t.Errorf("%q to %s: %s, want %s", c.text, c.to, got, c.want)
		}
	}
	for _, c := range []struct{ text, to string }{{"x", Int}, {"x", Float}, {"maybe", Boolean}, {"1", "date"}, {"1,2,3", FloatEU}} {
		if _, err := Text(c.text, c.to); err == nil {
			t.Errorf("%q to %s: no error", c.text, c.to)
		}
	}
}

// A number is converted as is by the _eu conversions: 1.5 is no "1,5".
func TestEUOnNumbers(t *testing.T) {
	for to, want := range map[string]string{FloatEU: "1.5", IntEU: "1"} {
		v, err := Value(event.RawNumber("1.5"), to)
		if err != nil || string(v.AppendJSON(nil)) != want {
			t.Errorf("1.5 to %s: %s %v, want %s", to, v.AppendJSON(nil), err, want)
		}
	}
	if v, _ := Value(event.String("1.234,5"), FloatEU); string(v.AppendJSON(nil)) != "1234.5" {
		t.Errorf("string: %s", v.AppendJSON(nil))
	}
}

func TestValue(t *testing.T) {
	v, err := Value(event.StringArray("1", "2"), Int)
	if err != nil || string(v.AppendJSON(nil)) != "[1,2]" {
		t.Fatalf("array: %s, %v", v.AppendJSON(nil), err)
	}
	if _, err := Value(event.Object(event.Field{Key: "a", Value: event.String("1")}), Int); err == nil {
		t.Fatal("an object converted")
	}
	if err := Check("integer"); err != nil {
		t.Fatal(err)
	}
	if err := Check("date"); err == nil {
		t.Fatal("unknown conversion accepted")
	}
}

// TestNotJSONNumbers: NaN, infinities and hexadecimal floats (which Go's
// ParseFloat takes) are not numbers here: JSON cannot hold them, and an
// event must always encode (a grok :float capture of "NaN" stays text).
func TestNotJSONNumbers(t *testing.T) {
	for _, s := range []string{"NaN", "nan", "Inf", "-inf", "Infinity", "0x1p-2", "1e999"} {
		for _, to := range []string{Float, Int} {
			if v, err := Text(s, to); err == nil {
				t.Errorf("Text(%q, %s) = %s, want an error", s, to, v.AppendJSON(nil))
			}
		}
	}
	if v, err := Text("1.5e3", Float); err != nil || string(v.AppendJSON(nil)) != "1500.0" {
		t.Errorf("1.5e3: %v, %v", v, err)
	}
}
