package fingerprint

import (
	"testing"

	"github.com/ingestd/ingestd/plugin"
)

func TestRegister(t *testing.T) {
	r := plugin.NewRegistry()
	Register(r)
	if _, ok := r.Lookup(plugin.KindFilter, "fingerprint"); !ok {
		t.Fatal("fingerprint not registered")
	}
}
