package cidr

import (
	"testing"

	"github.com/ingestd/ingestd/plugin"
)

func TestRegister(t *testing.T) {
	r := plugin.NewRegistry()
	Register(r)
	if _, ok := r.Lookup(plugin.KindFilter, "cidr"); !ok {
		t.Fatal("cidr not registered")
	}
}
