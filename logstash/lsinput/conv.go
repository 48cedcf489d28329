// Package lsinput converts the input section of a logstash.conf (beats,
// tcp, udp, pipeline) and what each input adds to its events in Logstash
// (type, tags, add_field, codec tags), as blocks that run before the
// filters.
package lsinput

import (
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// conv is the conversion in progress, with this package's converters as its
// methods.
type conv struct{ *lsconv.Conv }

// ConvertInputs converts the items of the input section (at is the
// section's position) into c's inputs and their decorations.
func ConvertInputs(c *lsconv.Conv, items []lsconf.Item, at lsconf.Pos) {
	(&conv{c}).convertInputs(items, at)
}

// DecorationBlocks are the blocks that make the events the inputs read the
// ones Logstash would (type, tags, add_field, @version), to run before the
// filters.
func DecorationBlocks(c *lsconv.Conv) []*lsconv.Block { return (&conv{c}).decorationBlocks() }
