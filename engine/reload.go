package engine

import (
	"context"
	"time"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/internal/backoff"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Reloader reloads a runner's config on demand (SIGHUP) and, when asked,
// whenever the config files change. A config that does not load is
// refused with the same messages validate prints, and the running config
// stays.
type Reloader struct {
	Runner *Runner
	// Load reads and checks the config (the same loading run and validate
	// use).
	Load func() (*config.Config, error)
	Log  zerolog.Logger
}

// ReloadNow loads the config and, if it is good, swaps it in.
func (rl *Reloader) ReloadNow(ctx context.Context) error {
	cfg, err := rl.Load()
	if err != nil {
		rl.Runner.RecordReloadFailure(err)
		if ps, ok := err.(spec.Problems); ok {
			for _, p := range ps {
				rl.Log.Error().Str("problem", p.Error()).Msg("reload refused: the config does not validate; the old one keeps running")
			}
		} else {
			rl.Log.Error().Err(err).Msg("reload refused; the old config keeps running")
		}
		return err
	}
	return rl.Runner.Reload(ctx, cfg)
}

// Watch reloads the config when its files change, checking them every
// reload.interval while the running config's reload.automatic is on. It
// follows the running config: a reload may turn watching on or off or
// change the interval (they were fixed at start, so turning it on by
// SIGHUP watched nothing). It returns when ctx ends.
func (rl *Reloader) Watch(ctx context.Context) {
	var watched *config.Config // the running config whose files last is of
	var last [32]byte
	for {
		cfg := rl.Runner.Config()
		if !cfg.Reload.Automatic {
			watched = nil
			if !backoff.Sleep(ctx, watchIdle) {
				return
			}
			continue
		}
		if cfg != watched {
			// A config just started or reloaded (by SIGHUP too): the files
			// as it read them, so a change made since is still one (as
			// they are now for a config loaded without a digest).
			watched, last = cfg, cfg.Digest
			if last == ([32]byte{}) {
				last = config.FileDigest(cfg.Sources)
			}
		}
		if !backoff.Sleep(ctx, cfg.Reload.Interval) {
			return
		}
		if rl.Runner.Config() != watched {
			continue // reloaded meanwhile: watch the new one
		}
		now := config.FileDigest(cfg.Sources)
		if now == last {
			continue
		}
		last = now // refused, the files are not tried again until they change
		rl.Log.Info().Msg("config files changed: reloading")
		_ = rl.ReloadNow(ctx)
	}
}

// watchIdle is how often Watch looks whether a reload turned watching on.
const watchIdle = time.Second
