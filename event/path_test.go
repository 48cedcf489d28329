package event

import "testing"

// TestSetArrayElement: an integer key sets an element of an array, as
// Logstash's field references do (logstash-core Accessors: set through a
// list by index, counting from the end when negative, and an index past
// the end grows the list with nulls); a key that is no index leaves the
// array whole; Delete removes an element. Set once replaced the array
// with an object {"0": …}, losing every other element.
func TestSetArrayElement(t *testing.T) {
	cases := []struct{ ref, val, want string }{
		{"[foo][0]", "Z", `{"foo":["Z","b",{"x":1}]}`},
		{"[foo][-1][y]", "Y", `{"foo":["a","b",{"x":1,"y":"Y"}]}`},
		{"[foo][2][x]", "2", `{"foo":["a","b",{"x":"2"}]}`},
		{"[foo][4]", "e", `{"foo":["a","b",{"x":1},null,"e"]}`},
		{"[foo][name]", "n", `{"foo":["a","b",{"x":1}]}`},
		{"[foo][-9]", "n", `{"foo":["a","b",{"x":1}]}`},
		{"[foo][99999]", "n", `{"foo":["a","b",{"x":1}]}`},
	}
	for _, c := range cases {
		for _, arena := range []*Arena{nil, {Pool: &FieldPool{}}} {
			e, err := DecodeEventIn([]byte(`{"foo":["a","b",{"x":1}]}`), arena)
			if err != nil {
				t.Fatal(err)
			}
			e.SetString(MustPath(c.ref), c.val)
			if got := string(e.AppendJSON(nil)); got != c.want {
				t.Errorf("set %s: %s, want %s", c.ref, got, c.want)
			}
		}
	}
	e, _ := DecodeEvent([]byte(`{"foo":["a","b",{"x":1}]}`))
	for _, d := range []struct{ ref, want string }{
		{"[foo][1]", `{"foo":["a",{"x":1}]}`}, {"[foo][-1][x]", `{"foo":["a",{}]}`}, {"[foo][7]", `{"foo":["a",{}]}`},
	} {
		e.Delete(MustPath(d.ref))
		if got := string(e.AppendJSON(nil)); got != d.want {
			t.Errorf("delete %s: %s, want %s", d.ref, got, d.want)
		}
	}
}
