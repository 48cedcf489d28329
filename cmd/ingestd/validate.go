package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/pipeline"
)

func (c *cli) validateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate [-c FILE]",
		Short: "Check a config offline: exit 0 when valid, else 1 with one FILE:LINE:COL: message per problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				if ps, ok := err.(pipeline.Problems); ok {
					for _, p := range ps {
						fmt.Fprintln(c.stdout, p.Error())
					}
					return exitError{code: 1}
				}
				fmt.Fprintln(c.stdout, err)
				return exitError{code: 1}
			}
			filters := 0
			for _, p := range cfg.Pipelines {
				filters += len(p.Filters)
			}
			fmt.Fprintf(c.stdout, "%s: valid (%d inputs, %d pipelines, %d filters, %d outputs)\n",
				cfg.File, len(cfg.Inputs), len(cfg.Pipelines), filters, len(cfg.Outputs))
			return nil
		},
	}
	addConfigFlag(cmd)
	return cmd
}
