// Package load reads Logstash configurations the way Logstash finds and
// prepares them before it runs them: path.config globs and directories
// (Path, ConfigFiles: files in lexical order, Logstash's own glob rules),
// pipelines.yml with its per-pipeline settings (Pipelines, ParsePipelines),
// config.string (ConfigString) and ${VAR} / ${VAR:default} substitution
// in option values and conditions (Substitute, ExpandString), with errors
// at FILE:LINE:COL as Logstash reports them. Parsing itself is package
// lsconf's.
package load
