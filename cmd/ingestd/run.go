package main

import (
	"context"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/monitor"
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
			if path, _ := cmd.Flags().GetString("cpuprofile"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			c.warnTo = func(s string) { log.Warn().Msg(s) }
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return configFailed(err, func(s string) { log.Error().Msg(s) })
			}
			applyGCSettings(cfg, log)
			log.Info().Str("version", buildVersion()).Str("config", cfg.File).Str("data_dir", cfg.DataDir).Msg("starting")
			runner, err := engine.Build(cfg, log)
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
			started := cfg
			reloader := &engine.Reloader{Runner: runner, Log: log, Load: func() (*config.Config, error) {
				cfg, err := c.loadConfig(cmd)
				if err == nil {
					applyGCSettings(cfg, log) // the budgets the auto limit follows may have changed
					// The monitoring API is the process's: a reload does
					// not move it.
					if cfg.HTTP.Listen != started.HTTP.Listen {
						log.Warn().Str("running", started.HTTP.Listen).Str("configured", cfg.HTTP.Listen).Msg("reload: http.listen changed; the monitoring API moves at the next restart")
					}
				}
				return cfg, err
			}}
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
			go reloader.Watch(ctx) // follows reload.automatic as reloads change it
			api := &monitor.Server{Runner: runner, Version: buildVersion(), Log: log}
			apiLn, err := monitor.Listen(cfg.HTTP.Listen)
			if err != nil {
				log.Error().Err(err).Msg("the monitoring API cannot listen")
				return err
			}
			apiCtx, stopAPI := context.WithCancel(context.Background())
			defer stopAPI()
			apiErr := make(chan error, 1)
			go func() { apiErr <- api.Serve(apiCtx, apiLn) }()
			if path, _ := cmd.Flags().GetString("memprofile"); path != "" {
				written := make(chan struct{})
				defer func() { <-written }()
				go func() {
					defer close(written)
					<-ctx.Done()
					if f, err := os.Create(path); err == nil {
						_ = pprof.Lookup("heap").WriteTo(f, 0)
						f.Close()
					}
				}()
			}
			runErr := runner.Run(ctx)
			stopAPI()
			if err := <-apiErr; err != nil && runErr == nil {
				runErr = err
			}
			return runErr
		},
	}
	addConfigFlag(cmd)
	cmd.Flags().String("cpuprofile", "", "write a CPU profile to this file until exit (performance work)")
	cmd.Flags().String("memprofile", "", "write a heap profile to this file when shutdown begins (performance work)")
	return cmd
}

// applyGCSettings sets GOMEMLIMIT and then GOGC from the config unless the
// environment sets them (the environment is the runtime's own contract).
// The limit goes first: gc_percent auto depends on whether one is in force.
func applyGCSettings(cfg *config.Config, log zerolog.Logger) {
	if os.Getenv("GOMEMLIMIT") == "" {
		limit := cfg.RuntimeMemoryLimit()
		if limit <= 0 {
			limit = math.MaxInt64 // the runtime's "no limit"
		}
		debug.SetMemoryLimit(limit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cfg.RuntimeGCPercent(debug.SetMemoryLimit(-1) < math.MaxInt64))
	}
	current := debug.SetGCPercent(-1) // the only way to read it…
	debug.SetGCPercent(current)       // …and put it back
	log.Debug().Int("gc_percent", current).Int64("memory_limit", debug.SetMemoryLimit(-1)).Msg("gc settings")
}
