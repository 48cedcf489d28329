// Package configs embeds the shipped pipeline configs, so `ingestd run`
// with no -c runs the default one with nothing else on disk.
package configs

import (
	"embed"
	"io/fs"
	"strings"
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

//go:embed elasticsearch/*.json
var templates embed.FS

// IndexTemplates returns the shipped composable index templates by name
// (configs/elasticsearch/<name>.json).
func IndexTemplates() (map[string][]byte, error) {
	entries, err := fs.ReadDir(templates, "elasticsearch")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := templates.ReadFile("elasticsearch/" + e.Name())
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = data
	}
	return out, nil
}
