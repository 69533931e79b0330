package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCmdApply builds `kodex apply`. Placeholder while it is written (issue 9).
func NewCmdApply(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{Use: "apply", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex apply: not available yet")
	}}
}
