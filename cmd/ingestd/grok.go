package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/filters/grok"
	"github.com/ingestd/ingestd/pipeline"
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
			cfg := &grok.Config{Match: map[string][]string{"message": patterns}, PatternsDir: dirs, BreakOnMatch: true}
			f, err := grok.New(cfg, pipeline.Env{})
			if err != nil {
				fmt.Fprintln(c.stdout, err)
				return exitError{code: 1}
			}
			xs, err := f.(*grok.Filter).Explain(patterns, line)
			if err != nil {
				fmt.Fprintln(c.stdout, err)
				return exitError{code: 1}
			}
			for i, x := range xs {
				if !x.Matched {
					fmt.Fprintf(c.stdout, "pattern %d: %s\n", i+1, x)
					continue
				}
				fmt.Fprintf(c.stdout, "pattern %d matched: %s\n", i+1, x.Pattern)
				for _, k := range slices.Sorted(maps.Keys(x.Captures)) {
					fmt.Fprintf(c.stdout, "  %s = %q\n", k, x.Captures[k])
				}
				return nil
			}
			return exitError{code: 1}
		},
	}
	cmd.Flags().StringArrayVar(&patterns, "pattern", nil, "grok pattern (repeat for a list, tried in order)")
	cmd.Flags().StringVar(&line, "line", "", "the line to match")
	cmd.Flags().StringArrayVar(&dirs, "patterns-dir", nil, "extra pattern files directory (repeatable)")
	return cmd
}
