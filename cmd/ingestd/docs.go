package main

import (
	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
)

func (c *cli) docsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "docs",
		Short: "Print the config reference (Markdown) generated from the plugins' specs",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			config.WriteReference(c.stdout, builtin.Registry())
			return nil
		},
	}
}
