// Package logstash runs a user's logstash.conf on ingestd: it converts the
// syntax tree package lsconf parses into ingestd's own YAML config, which
// the config package then loads like any other.
//
// The conversion is one pipeline (named after the file, or the
// pipeline.id given) with the beats inputs, the filters in order and the
// outputs. It keeps Logstash's semantics where ingestd can express them
// and reports everything else as a Problem at the FILE:LINE:COL of the
// .conf node: an error for what would change the documents (an unknown
// plugin, an option ingestd lacks), a warning for what cannot (metrics,
// template management, ecs_compatibility) or for a known, documented
// difference. Nothing is dropped silently.
//
// How Logstash constructs map to ingestd:
//
//   - Conditionals on filters: an if / else if / else chain becomes a
//     branch filter that evaluates the conditions once, in order, and
//     stores the case taken in [@metadata][_lsN] (0 for the else); each
//     filter of case k gets `when: field("[@metadata][_lsN]") == k`,
//     ANDed with the when of the cases that enclose it. A conditional
//     with one case and one filter that converts to a single block simply
//     takes the condition as its when (it is evaluated at the same moment
//     as in Logstash).
//   - Conditionals on outputs: each output's when is the conjunction of
//     its enclosing conditions (an else is the negation of every case
//     before it); ingestd evaluates output conditions once all filters
//     ran, as Logstash does.
//   - Conditions are translated into expr-lang with Logstash's operator
//     semantics (see lsconv/cond.go); a regular expression RE2 cannot compile is
//     an error at its position.
//   - Common filter options (add_field, remove_field, add_tag, remove_tag)
//     run only when the filter succeeded, in Logstash's order, as a
//     mutate block after the filter (see lsfilter/common.go for how success is
//     known).
//   - One Logstash mutate becomes a sequence of ingestd mutate blocks that
//     applies its operations in Logstash's order (see lsfilter/mutate.go
//     and lsconv/steps.go).
//   - The elasticsearch output's data_stream_* options become the
//     pipeline's data_stream block (ingestd names streams per pipeline).
//
// The generated YAML carries a comment before each block naming the .conf
// position it came from, and comments where the semantics differ.
//
// This package drives a conversion (one pipeline, or each pipeline of a
// pipelines.yml) and loads the result; the pieces are beside it:
// lsconv holds the conversion's state and what every converter uses
// (problems, option reading, field references and templates, conditions,
// the YAML tree, mutate steps), and lsinput, lsfilter and lsoutput convert
// the plugins of their section.
package logstash
