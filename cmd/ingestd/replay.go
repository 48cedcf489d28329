package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/deadletter"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/plugin"
)

func (c *cli) replayCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "replay [-c FILE] [--dir DIR]",
		Short: "Send dead letters back through a (corrected) config; a file is removed once all its events are done",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := c.logger()
			if err != nil {
				return err
			}
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return configFailed(err, c.println)
			}
			if dir == "" {
				dir = filepath.Join(cfg.DataDir, "dead-letters")
			}
			runner, err := engine.Build(cfg, log)
			if err != nil {
				return err
			}
			replay := &deadletter.Replay{Dir: dir, Log: log}
			runner.SetInputs(map[string]plugin.Input{"replay": replay})
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := runner.Run(ctx); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "replayed %d events from %s\n", replay.Replayed(), dir)
			return nil
		},
	}
	addConfigFlag(cmd)
	cmd.Flags().StringVar(&dir, "dir", "", "dead-letter directory (default <data_dir>/dead-letters)")
	return cmd
}
