// Package lsfilter converts the filter section of a logstash.conf: each
// filter plugin (grok, mutate, date, json, dissect, translate, drop,
// split, and the options-only ones passed through), Logstash's common
// options on success only, and if / else if / else through branch
// filters.
package lsfilter

import (
	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// conv is the conversion in progress, with this package's converters as its
// methods.
type conv struct{ *lsconv.Conv }

// FilterItems converts the items of the filter section into c's filter
// blocks, in order, conditionals through branch filters.
func FilterItems(c *lsconv.Conv, items []lsconf.Item) { (&conv{c}).filterItems(items, "") }

// AddFieldStep reads the add_field option of a filter or an input
// (Logstash's Decorators.add_fields serves both); nil when it is absent.
func AddFieldStep(c *lsconv.Conv, o *lsconv.Opts) *lsconv.Step { return (&conv{c}).addFieldStep(o) }
