package prune

import (
	"testing"

	"github.com/ingestd/ingestd/plugin"
)

func TestRegister(t *testing.T) {
	r := plugin.NewRegistry()
	Register(r)
	if _, ok := r.Lookup(plugin.KindFilter, "prune"); !ok {
		t.Fatal("prune not registered")
	}
}
