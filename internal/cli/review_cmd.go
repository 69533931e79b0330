package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCmdReview builds `kodex review`. Placeholder while it is written (issue 9).
func NewCmdReview(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{Use: "review", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex review: not available yet")
	}}
}

// newCmdExecReview builds `kodex exec review`. Placeholder (issue 9).
func newCmdExecReview(f *Factory, opts *ExecOptions) *cobra.Command {
	return &cobra.Command{Use: "review", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex exec review: not available yet")
	}}
}
