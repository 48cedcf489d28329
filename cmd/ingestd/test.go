package main

import (
	"fmt"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configtest"
	"github.com/ingestd/ingestd/engine"
)

func (c *cli) testCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test [-c FILE] TESTFILE...",
		Short: "Run pipeline tests: sample events in, expected fields, tags and data stream out",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			passed, failed := 0, 0
			for _, f := range files {
				suite, err := configtest.Load(f)
				if err != nil {
					fmt.Fprintln(c.stdout, err)
					failed++
					continue
				}
				cfg, err := c.testConfig(cmd, suite)
				if err != nil {
					fmt.Fprintf(c.stdout, "%s: config:\n%v\n", f, err)
					failed++
					continue
				}
				runner, err := engine.BuildOffline(cfg, zerolog.Nop())
				if err != nil {
					fmt.Fprintf(c.stdout, "%s: %v\n", f, err)
					failed++
					continue
				}
				for _, r := range suite.Run(runner) {
					if len(r.Problems) == 0 {
						passed++
						fmt.Fprintf(c.stdout, "PASS %s: %s\n", f, r.Name)
						continue
					}
					failed++
					fmt.Fprintf(c.stdout, "FAIL %s: %s\n", f, r.Name)
					for _, p := range r.Problems {
						fmt.Fprintf(c.stdout, "    %s\n", p)
					}
				}
			}
			fmt.Fprintf(c.stdout, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return exitError{code: 1}
			}
			return nil
		},
	}
	addConfigFlag(cmd)
	return cmd
}

// testConfig is -c if given, else the suite's config, else the embedded
// default.
func (c *cli) testConfig(cmd *cobra.Command, s *configtest.Suite) (*config.Config, error) {
	if c.configPath(cmd) == "" && s.Config != "" {
		return c.loadFile(s.Config)
	}
	return c.loadConfig(cmd)
}
