package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

func (c *cli) validateCmd() *cobra.Command {
	var online bool
	cmd := &cobra.Command{
		Use:   "validate [-c FILE]",
		Short: "Check a config offline: exit 0 when valid, else 1 with one FILE:LINE:COL: message per problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.warnTo = c.println // validate says everything on stdout
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				if err = configFailed(err, c.println); !errors.As(err, new(exitError)) {
					c.println(err.Error()) // validate says every failure on stdout
					return exitError{code: 1}
				}
				return err
			}
			if online {
				if ps := checkOnline(cmd.Context(), cfg); len(ps) > 0 {
					return configFailed(ps, c.println)
				}
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
	cmd.Flags().BoolVar(&online, "online", false, "also reach each Elasticsearch cluster: credentials and index templates for every data stream")
	return cmd
}

// checkOnline runs the online checks of every enabled output that has them
// against the data streams of the pipelines that write to it.
func checkOnline(ctx context.Context, cfg *config.Config) spec.Problems {
	var ps spec.Problems
	active := config.ActiveOutputs(cfg.Outputs)
	for _, o := range cfg.Outputs {
		checker, ok := o.Config.(plugin.OnlineChecker)
		if !ok || !active[o.ID] {
			continue
		}
		var streams []string
		seen := map[string]bool{}
		for _, p := range cfg.Pipelines {
			if !writesTo(p, o.ID) {
				continue
			}
			if p.DataStream.Index != "" {
				continue // an index, not a data stream: no data stream template to check
			}
			if s := p.DataStream.Pattern(); !seen[s] {
				seen[s] = true
				streams = append(streams, s)
			}
		}
		for _, msg := range checker.CheckOnline(ctx, streams) {
			ps = append(ps, spec.Problem{Pos: o.At, Msg: "output " + o.ID + ": " + msg})
		}
	}
	return ps
}

func writesTo(p config.PipelineConfig, id string) bool {
	if len(p.Outputs) == 0 {
		return true
	}
	for _, o := range p.Outputs {
		if o == id {
			return true
		}
	}
	return false
}
