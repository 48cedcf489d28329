package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/plugin"
)

func (c *cli) formatCmd() *cobra.Command {
	var python, datefmt, style, nginx, gunicorn, pattern, line string
	var library bool
	cmd := &cobra.Command{
		Use:   "format [--python F [--datefmt D] [--style S] | --nginx F | --gunicorn F | --pattern P] [--library] --line L",
		Short: "Try log formats on a line: which one fits and what it sets, or where the line leaves each (the shipped library with no format given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("line") {
				return fmt.Errorf("give --line")
			}
			d := map[string]string{}
			for k, v := range map[string]string{"python": python, "nginx": nginx, "gunicorn": gunicorn, "pattern": pattern} {
				if v != "" {
					d[k] = v
				}
			}
			if len(d) > 1 {
				return fmt.Errorf("give one of --python, --nginx, --gunicorn, --pattern")
			}
			var formats []map[string]string
			if len(d) == 1 {
				if datefmt != "" {
					d["datefmt"] = datefmt
				}
				if style != "" {
					d["style"] = style
				}
				d["name"] = "given"
				formats = append(formats, d)
			} else {
				library = true
			}
			report, matched, err := explainFormat(c.registry(), formats, library, line)
			return c.printExplained(report, matched, err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&python, "python", "", "a Python logging format string")
	fl.StringVar(&datefmt, "datefmt", "", "the Python formatter's datefmt")
	fl.StringVar(&style, "style", "", "the Python formatter's style: %, { or $")
	fl.StringVar(&nginx, "nginx", "", "an nginx log_format")
	fl.StringVar(&gunicorn, "gunicorn", "", "a gunicorn access_log_format")
	fl.StringVar(&pattern, "pattern", "", "ingestd's notation: text and %{kind [target] args}")
	fl.BoolVar(&library, "library", false, "also try the shipped format library")
	fl.StringVar(&line, "line", "", "the line to parse")
	return cmd
}

// explainFormat has the format filter, built from the flags as a config
// would build it, explain line.
func explainFormat(reg *plugin.Registry, formats []map[string]string, library bool, line string) ([]string, bool, error) {
	for _, f := range formats {
		for k, v := range f {
			f[k] = strings.ReplaceAll(v, "${", "$${") // taken as written
		}
	}
	return explainWith(reg, "format", "--format", map[string]any{"formats": formats, "library": library}, line)
}
