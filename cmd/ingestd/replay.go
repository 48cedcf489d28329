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
		Short: "Send dead letters back through a (corrected) config; a file is removed once all its events are done; exit 1 when some are refused again",
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
			// What the outputs refused again went back to the dead letters.
			var again int64
			for _, pm := range runner.PluginMetrics() {
				if pm.Kind == plugin.KindOutput {
					pm.Metrics.Each(func(m plugin.Metric, v int64) {
						if m.Key == plugin.MetricDeadLettered {
							again += v
						}
					})
				}
			}
			if again > 0 {
				fmt.Fprintf(c.stdout, "replayed %d events from %s; %d refused again, back in the dead letters\n", replay.Replayed(), dir, again)
				return exitError{code: 1}
			}
			fmt.Fprintf(c.stdout, "replayed %d events from %s\n", replay.Replayed(), dir)
			return nil
		},
	}
	addConfigFlag(cmd)
	cmd.Flags().StringVar(&dir, "dir", "", "dead-letter directory (default <data_dir>/dead-letters)")
	return cmd
}
