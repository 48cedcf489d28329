// Package lsoutput converts the output section of a logstash.conf
// (elasticsearch, stdout, file, pipeline, http), output conditionals as
// each output's when, and the elasticsearch options that become the
// pipeline's data stream, per-output indices and document ids.
package lsoutput

import (
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// conv is the conversion in progress, with this package's converters as its
// methods.
type conv struct{ *lsconv.Conv }

// OutputItem converts an item of the output section (a plugin or a
// conditional) into c's outputs.
func OutputItem(c *lsconv.Conv, it lsconf.Item) { (&conv{c}).outputItem(it, "") }

// FinishStream completes what the elasticsearch outputs need once every
// output is converted (the pipeline's data stream, the filters that serve
// per-output indices and ids) and warns about what involves several
// outputs.
func FinishStream(c *lsconv.Conv) { (&conv{c}).finishStream() }
