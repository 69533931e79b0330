package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCmdLogin builds `kodex login`. Placeholder while it is written (issue 9).
func NewCmdLogin(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{Use: "login", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex login: not available yet")
	}}
}

// NewCmdLogout builds `kodex logout`. Placeholder while it is written (issue 9).
func NewCmdLogout(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{Use: "logout", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("kodex logout: not available yet")
	}}
}
