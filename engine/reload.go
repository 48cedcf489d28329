package engine

import (
	"context"
	"crypto/sha256"
	"os"
	"time"

	"github.com/ingestd/ingestd/config"
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

// Watch checks the running config's files every interval and reloads when
// their contents change. It returns when ctx ends.
func (rl *Reloader) Watch(ctx context.Context, interval time.Duration) {
	last := fingerprint(rl.Runner.Config().Sources)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := fingerprint(rl.Runner.Config().Sources)
		if now == last {
			continue
		}
		last = now
		rl.Log.Info().Msg("config files changed: reloading")
		_ = rl.ReloadNow(ctx)
	}
}

// fingerprint hashes the contents of files (missing ones count as empty).
func fingerprint(files []string) [32]byte {
	h := sha256.New()
	for _, f := range files {
		data, _ := os.ReadFile(f)
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(data)
		h.Write([]byte{0})
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
