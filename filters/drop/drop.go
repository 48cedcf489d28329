// Package drop is the drop filter: it drops every event it is applied to
// (use it with `when`). A dropped event counts as done for its batch.
package drop

import "github.com/ingestd/ingestd/pipeline"

// Register adds the drop filter to r.
func Register(r *pipeline.Registry) {
	pipeline.RegisterFilter(r, "drop", "Drops the event on purpose (use with when); it counts as done.", New)
}

// Config is the drop filter's config.
type Config struct{}

type filter struct{}

// New builds a drop filter.
func New(*Config, pipeline.Env) (pipeline.Filter, error) { return filter{}, nil }

func (filter) Apply(*pipeline.Event) bool { return false }
