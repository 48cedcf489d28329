// Package drop is the drop filter: it drops every event it is applied to
// (use it with `when`). A dropped event counts as done for its batch.
package drop

import (
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
)

// Register adds the drop filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "drop", "Drops the event on purpose (use with when); it counts as done.", New)
}

// Config is the drop filter's config.
type Config struct{}

type filter struct{}

// New builds a drop filter.
func New(*Config, plugin.Env) (plugin.Filter, error) { return filter{}, nil }

func (filter) Apply(*event.Event) bool { return false }
