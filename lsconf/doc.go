// Package lsconf parses the Logstash pipeline configuration language
// ("LSCL", the logstash.conf format) into a syntax tree, and prints trees
// back in canonical Logstash syntax.
//
// It is the first step of running users' Logstash configurations on
// ingestd: it only parses and represents. It does not execute anything and
// does not translate plugins into ingestd's engine; a later step does that.
//
// The grammar is Logstash's own: the treetop grammar
// logstash-core/lib/logstash/compiler/lscl/lscl_grammar.treetop and the
// tree building in logstash-core/lib/logstash/compiler/lscl.rb (the LIR
// compiler used since Logstash 6). Where that grammar has surprising corners
// (bareword values need two characters, hash entries take no commas, a
// one-element list such as ["x"] in a condition is a field reference,
// and/or precedence built by a one-pop shunting yard) this package follows
// Logstash rather than intuition, so that a configuration means here what it
// means in Logstash. The comments on the parser cite the rule involved.
//
// Next to it: package lsconf/fieldref parses field references
// (FieldReference.java), which the parser uses for selectors in conditions;
// lsconf/sprintf parses sprintf templates (StringInterpolation.java); and
// lsconf/load finds and prepares configurations as Logstash does
// (path.config globs and directories, pipelines.yml, ${VAR} substitution).
//
// Positions are 1-based lines and columns counted in Unicode code points, as
// Logstash (treetop's String#column_of on a UTF-8 string) reports them.
// Errors read FILE:LINE:COL: message.
package lsconf
