package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCmdImport builds `kodex import`. Placeholder while it is written (issue 9).
func NewCmdImport(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{Use: "import", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex import: not available yet")
	}}
}
