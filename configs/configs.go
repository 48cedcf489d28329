// Package configs embeds the shipped pipeline configs, so `ingestd run`
// with no -c runs the default one with nothing else on disk.
package configs

import (
	"embed"
)

// DefaultName is the file name of the default config.
const DefaultName = "ingestd.yml"

// FS holds every shipped config (*.yml).
//
//go:embed *.yml
var FS embed.FS

// Default returns the default config's bytes.
func Default() []byte {
	data, err := FS.ReadFile(DefaultName)
	if err != nil {
		panic("configs: default config not embedded: " + err.Error())
	}
	return data
}

// Shipped holds the files shipped with the binary for plugins to use by
// default: the composable index templates under elasticsearch/ (see
// plugin.Env.Shipped).
//
//go:embed elasticsearch/*.json
var Shipped embed.FS
