package split

import (
	"testing"

	"github.com/ingestd/ingestd/filters/mutate"
	"github.com/ingestd/ingestd/plugin"
	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// A mutate constant that is an array of objects is given to every event;
// split hands its elements to pieces, and writes into a piece's object
// (a removal, a replacement) must stay in the piece: the constant's
// objects are raw until written (event.Constant).
func TestSplitOfAConstantArrayLeavesTheConstant(t *testing.T) {
	set := pt.Filter(t, mutate.New, `replace: {"[items]": [{a: 1, b: 2}, {a: 3, b: 4}]}`)
	sp := pt.Filter(t, New, `field: items`)
	rm := pt.Filter(t, mutate.New, `remove_field: ["[items][a]"]`)
	chg := pt.Filter(t, mutate.New, `replace: {"[items][b]": 99}`)
	first := pt.Apply(t, set, `{"m":1}`)
	pieces := sp.(plugin.Expander).Expand(first, nil)
	if len(pieces) != 2 {
		t.Fatalf("%d pieces", len(pieces))
	}
	for _, p := range pieces {
		rm.Apply(p)
		chg.Apply(p)
		pt.SameDoc(t, p, `{"m":1,"items":{"b":99}}`)
	}
	second := pt.Apply(t, set, `{"m":2}`)
	pt.SameDoc(t, second, `{"m":2,"items":[{"a":1,"b":2},{"a":3,"b":4}]}`)
}
