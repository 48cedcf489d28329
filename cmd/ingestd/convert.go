package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ingestd/ingestd/logstash"
)

func (c *cli) convertCmd() *cobra.Command {
	var pipelineID string
	cmd := &cobra.Command{
		Use:   "convert FILE|DIR [--pipeline-id ID]",
		Short: "Convert a Logstash configuration (logstash.conf, or a directory of .conf files) into ingestd's YAML",
		Long: `Convert prints the ingestd config that runs a Logstash configuration: the beats inputs,
the filters, the outputs, with a comment naming the .conf position of each block. What
cannot be converted is printed on stderr as FILE:LINE:COL: message, and the exit code is 1;
warnings (FILE:LINE:COL: warning: ...) name what is ignored or differs. ${VAR} placeholders
are resolved from the environment, as Logstash does (credentials given as one placeholder
stay placeholders). run, validate and test also take a .conf file with -c.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			yaml, problems, err := logstash.ConvertPath(args[0], logstash.Options{PipelineID: pipelineID, Lookup: os.LookupEnv})
			if err != nil {
				fmt.Fprintln(c.stderr, "ingestd convert:", err)
				return exitError{code: 1}
			}
			for _, p := range problems {
				fmt.Fprintln(c.stderr, p.String())
			}
			if logstash.HasErrors(problems) {
				return exitError{code: 1}
			}
			_, err = c.stdout.Write(yaml)
			return err
		},
	}
	cmd.Flags().StringVar(&pipelineID, "pipeline-id", "", "name of the pipeline (Logstash's pipeline.id); default: the file's base name")
	return cmd
}
