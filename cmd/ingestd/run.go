package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/monitor"
	"github.com/ingestd/ingestd/pipeline"
)

func (c *cli) runCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run [-c FILE]",
		Short: "Run ingestd (the embedded default config without -c)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := c.logger()
			if err != nil {
				return err
			}
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				if ps, ok := err.(pipeline.Problems); ok {
					for _, p := range ps {
						log.Error().Msg(p.Error())
					}
					return exitError{code: 1}
				}
				return err
			}
			log.Info().Str("version", buildVersion()).Str("config", cfg.File).Str("data_dir", cfg.DataDir).Msg("starting")
			runner, err := pipeline.Build(cfg, log)
			if err != nil {
				return err
			}
			// The first SIGINT/SIGTERM starts a graceful shutdown; a second
			// one exits at once (unacknowledged batches are resent).
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				stop()
				sig := make(chan os.Signal, 1)
				signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
				<-sig
				log.Warn().Msg("second signal: exiting without draining")
				os.Exit(1)
			}()
			reloader := &pipeline.Reloader{Runner: runner, Log: log, Load: func() (*pipeline.Config, error) { return c.loadConfig(cmd) }}
			go func() {
				hup := make(chan os.Signal, 1)
				signal.Notify(hup, syscall.SIGHUP)
				defer signal.Stop(hup)
				for {
					select {
					case <-ctx.Done():
						return
					case <-hup:
						log.Info().Msg("SIGHUP: reloading the config")
						_ = reloader.ReloadNow(ctx)
					}
				}
			}()
			if cfg.Reload.Automatic {
				go reloader.Watch(ctx, cfg.Reload.Interval)
			}
			api := &monitor.Server{Runner: runner, Version: buildVersion(), Log: log}
			apiCtx, stopAPI := context.WithCancel(context.Background())
			defer stopAPI()
			apiErr := make(chan error, 1)
			go func() { apiErr <- api.Run(apiCtx, cfg.HTTP.Listen) }()
			runErr := runner.Run(ctx)
			stopAPI()
			if err := <-apiErr; err != nil && runErr == nil {
				runErr = err
			}
			return runErr
		},
	}
	addConfigFlag(cmd)
	return cmd
}
