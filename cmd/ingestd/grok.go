package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

func (c *cli) grokCmd() *cobra.Command {
	var patterns, dirs []string
	var line string
	cmd := &cobra.Command{
		Use:   "grok --pattern P [--pattern P2 …] --line L",
		Short: "Try grok patterns on a line: which one matches and what it captures, or how far each got",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(patterns) == 0 || !cmd.Flags().Changed("line") {
				return fmt.Errorf("give --pattern (one or more) and --line")
			}
			report, matched, err := explainLine(c.registry(), patterns, dirs, line)
			return c.printExplained(report, matched, err)
		},
	}
	cmd.Flags().StringArrayVar(&patterns, "pattern", nil, "grok pattern (repeat for a list, tried in order)")
	cmd.Flags().StringVar(&line, "line", "", "the line to match")
	cmd.Flags().StringArrayVar(&dirs, "patterns-dir", nil, "extra pattern files directory (repeatable)")
	return cmd
}

// printExplained prints a LineExplainer's report (or why there is none):
// exit 0 when the line matched, 1 otherwise.
func (c *cli) printExplained(report []string, matched bool, err error) error {
	if err != nil {
		fmt.Fprintln(c.stdout, err)
		return exitError{code: 1}
	}
	for _, l := range report {
		fmt.Fprintln(c.stdout, l)
	}
	if matched {
		return nil
	}
	return exitError{code: 1}
}

// explainLine builds the grok filter as a config would (through the
// registry, from its own spec) and has it try the patterns on line.
func explainLine(reg *plugin.Registry, patterns, dirs []string, line string) ([]string, bool, error) {
	// The flags are taken as written: ${ is not a variable here.
	literal := func(xs []string) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = strings.ReplaceAll(x, "${", "$${")
		}
		return out
	}
	return explainWith(reg, "grok", "--pattern", map[string]any{"match": map[string][]string{"message": literal(patterns)}, "patterns_dir": literal(dirs), "break_on_match": true}, line)
}

// explainWith builds a filter as a config would (through the registry,
// from its own spec, with the flags turned into its config) and has it
// explain line.
func explainWith(reg *plugin.Registry, name, flag string, config map[string]any, line string) ([]string, bool, error) {
	p, ok := reg.Lookup(plugin.KindFilter, name)
	if !ok {
		return nil, false, fmt.Errorf("this build has no %s filter", name)
	}
	src, err := yaml.Marshal(config)
	if err != nil {
		return nil, false, err
	}
	cfg := p.NewConfig()
	if err := spec.DecodeYAML(flag, string(src), cfg); err != nil {
		// A position in YAML the flags were turned into means nothing to
		// the user: the messages alone, without the key they are under.
		if ps, ok := err.(spec.Problems); ok {
			msgs := make([]string, len(ps))
			for i, p := range ps {
				msgs[i] = p.Msg
				if _, msg, ok := strings.Cut(p.Msg, ": "); ok {
					msgs[i] = msg
				}
			}
			return nil, false, errors.New(strings.Join(msgs, "\n"))
		}
		return nil, false, err
	}
	f, err := p.Build(cfg, plugin.Env{})
	if err != nil {
		return nil, false, err
	}
	x, ok := f.(plugin.LineExplainer)
	if !ok {
		return nil, false, fmt.Errorf("the %s filter cannot explain a line", name)
	}
	return x.ExplainLine(line)
}
