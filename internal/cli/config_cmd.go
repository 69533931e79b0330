package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// ConfigShowOptions are the inputs of `kodex config show`.
type ConfigShowOptions struct {
	JSON bool
}

// NewCmdConfig builds `kodex config`.
func NewCmdConfig(f *Factory, g *GlobalOptions, runF func(context.Context, *ConfigShowOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect kodex's configuration",
	}
	opts := &ConfigShowOptions{}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration and where each value comes from",
		Long: `Print every effective configuration value with its origin: a default, a file
and line, a profile, a -c override or a flag. Global flags apply, so
'kodex -p fast config show' shows what the fast profile changes.`,
		Example: `  kodex config show
  kodex -p fast -c model_reasoning_effort=high config show
  kodex config show --json | jq '.settings[] | select(.key == "model")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			cfg, _, err := loadConfig(f, g)
			if err != nil {
				return err
			}
			return cfg.WriteShow(f.IO.Out, opts.JSON)
		},
	}
	show.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.AddCommand(show)
	return cmd
}
