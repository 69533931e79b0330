package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/patch"
)

// NewCmdApplyPatch builds `kodex apply-patch`: the engine behind the
// apply_patch tool, for people.
func NewCmdApplyPatch(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "apply-patch [FILE | -]",
		Short: "Apply a patch in the apply_patch format to the working tree",
		Long: `Apply a patch written in the apply_patch format (*** Begin Patch … *** End Patch)
with the same engine the agent uses: all or nothing, line endings preserved.
Paths are relative to the working directory (-C to change it). Prints the
A/M/D summary of the files changed.`,
		Example: `  kodex apply-patch fix.patch
  pbpaste | kodex apply-patch -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := readPatch(f, args)
			if err != nil {
				return err
			}
			cwd, err := resolveCwd(f, g.Cd)
			if err != nil {
				return err
			}
			p, err := patch.Parse(text)
			if err != nil {
				return err
			}
			plan, err := patch.Apply(patch.DirFS(cwd), p)
			if err != nil {
				return err
			}
			_, err = io.WriteString(f.IO.Out, patch.Summary(plan.Changes))
			return err
		},
	}
}

func readPatch(f *Factory, args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		b, err := os.ReadFile(args[0])
		if err != nil {
			return "", fmt.Errorf("reading the patch: %w", err)
		}
		return string(b), nil
	}
	if f.IO.StdinTTY {
		return "", &UsageError{Msg: "no patch: pass a file or pipe the patch on stdin"}
	}
	return readAll(f.IO.In)
}
