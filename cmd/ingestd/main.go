// Command ingestd receives Beats traffic, parses and routes it, and writes
// it to Elasticsearch data streams (or NDJSON files). See the README.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"golang.org/x/term"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/logstash"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// cli holds the process settings. viper layers them: a flag wins over
// INGESTD_<NAME> in the environment, which wins over the default.
type cli struct {
	v      *viper.Viper
	stdout io.Writer
	stderr io.Writer
	// warnTo receives the warnings of a Logstash configuration being
	// converted (FILE:LINE:COL: warning: ...); nil prints them on stderr.
	warnTo func(string)
}

func execute(args []string, stdout, stderr io.Writer) int {
	c := &cli{v: viper.New(), stdout: stdout, stderr: stderr}
	c.v.SetEnvPrefix("INGESTD")
	c.v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	c.v.AutomaticEnv()

	root := &cobra.Command{
		Use:           "ingestd",
		Short:         "Beats (lumberjack v2) ingestion server: parse, enrich, route to Elasticsearch data streams",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every command checks the log flags, so that `validate` in a
		// container fails on the INGESTD_LOG_LEVEL that `run` would.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			_, err := c.logger()
			return err
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error (env INGESTD_LOG_LEVEL)")
	root.PersistentFlags().String("log-format", "auto", "log format: auto (console on a terminal, JSON otherwise), json, console (env INGESTD_LOG_FORMAT)")
	_ = c.v.BindPFlag("log-level", root.PersistentFlags().Lookup("log-level"))
	_ = c.v.BindPFlag("log-format", root.PersistentFlags().Lookup("log-format"))

	root.AddCommand(c.runCmd(), c.validateCmd(), c.versionCmd(), c.healthCmd(), c.replayCmd(), c.testCmd(), c.grokCmd(), c.formatCmd(), c.docsCmd(), c.convertCmd())
	if err := root.Execute(); err != nil {
		var exit exitError
		if as(err, &exit) {
			return exit.code
		}
		fmt.Fprintln(stderr, "ingestd:", err)
		return 1
	}
	return 0
}

// exitError ends the process with a code, its message already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func as(err error, target *exitError) bool {
	e, ok := err.(exitError)
	if ok {
		*target = e
	}
	return ok
}

// configFailed reports a config that did not load: one FILE:LINE:COL line
// per problem through emit, then exit 1; other errors are returned as they
// are.
func configFailed(err error, emit func(string)) error {
	ps, ok := err.(spec.Problems)
	if !ok {
		return err
	}
	for _, p := range ps {
		emit(p.Error())
	}
	return exitError{code: 1}
}

func addConfigFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("config", "c", "", "config file, or a Logstash configuration (a .conf file or a directory of them), converted in memory (default: the embedded configs/ingestd.yml; env INGESTD_CONFIG)")
}

// configPath returns the -c flag, else INGESTD_CONFIG, else "" (embedded).
func (c *cli) configPath(cmd *cobra.Command) string {
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		return f.Value.String()
	}
	return c.v.GetString("config")
}

// registry returns the plugins this binary knows.
func (c *cli) registry() *plugin.Registry { return builtin.Registry() }

// loadConfig loads the chosen config or the embedded default, with the
// files shipped in the binary (index templates) for its plugins.
func (c *cli) loadConfig(cmd *cobra.Command) (*config.Config, error) {
	var cfg *config.Config
	var err error
	if path := c.configPath(cmd); path != "" {
		cfg, err = c.loadFile(path)
	} else {
		cfg, err = config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", c.registry(), os.LookupEnv)
	}
	if err != nil {
		return nil, err
	}
	cfg.Shipped = configs.Shipped
	return cfg, nil
}

// loadFile loads an ingestd config file, or a Logstash configuration (a
// .conf file or a directory) converted in memory: its problems are
// reported at FILE:LINE:COL of the .conf, its warnings through warn.
func (c *cli) loadFile(path string) (*config.Config, error) {
	if !logstash.IsLogstashPath(path) {
		return config.LoadFile(path, c.registry(), os.LookupEnv)
	}
	cfg, warnings, err := logstash.Load(path, logstash.Options{}, c.registry(), os.LookupEnv)
	for _, w := range warnings {
		c.warn(w.String())
	}
	return cfg, err
}

func (c *cli) warn(s string) {
	if c.warnTo != nil {
		c.warnTo(s)
		return
	}
	fmt.Fprintln(c.stderr, s)
}

func (c *cli) logger() (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(strings.ToLower(c.v.GetString("log-level")))
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Logger{}, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.v.GetString("log-level"))
	}
	var w io.Writer = c.stderr
	switch format := c.v.GetString("log-format"); format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: c.stderr, TimeFormat: "15:04:05.000"}
	case "auto":
		if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			w = zerolog.ConsoleWriter{Out: c.stderr, TimeFormat: "15:04:05.000"}
		}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format %q: use auto, json or console", format)
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

func (c *cli) println(s string) { fmt.Fprintln(c.stdout, s) }

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(c.stdout, "ingestd", buildVersion())
			return nil
		},
	}
}

// buildVersion is the version set with -ldflags (or the module version
// the toolchain derived), then what the Go toolchain recorded of the
// commit (revision, whether the tree was modified, commit time) unless
// that version already names it, then the Go version. A plain `go build`
// in a clone thus names its commit.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versionString(version, "", "", nil)
	}
	return versionString(version, info.Main.Version, info.GoVersion, info.Settings)
}

// versionString renders the -ldflags version, the module's version, the Go
// version and the VCS settings as one line.
func versionString(ldflags, mainVersion, goVersion string, settings []debug.BuildSetting) string {
	v := ldflags
	if v == "" && mainVersion != "" && mainVersion != "(devel)" {
		v = mainVersion
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	parts := []string{v}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && !strings.Contains(v, rev) {
		if modified {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
		if at != "" {
			parts = append(parts, at)
		}
	}
	if goVersion != "" {
		parts = append(parts, goVersion)
	}
	return strings.Join(parts, " ")
}
