package configs_test

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/engine"
)

// BenchmarkBuildDefault: loading and building the shipped default config,
// what `ingestd run` does before it listens.
func BenchmarkBuildDefault(b *testing.B) {
	reg := builtin.Registry()
	env := func(string) (string, bool) { return "", false }
	for b.Loop() {
		cfg, err := config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", reg, env)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Shipped = configs.Shipped
		if _, err := engine.BuildOffline(cfg, zerolog.Nop()); err != nil {
			b.Fatal(err)
		}
	}
}
