package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// NewCmdSessions builds `kodex sessions`.
func NewCmdSessions(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "List and remove recorded sessions",
	}
	var (
		jsonOut bool
		all     bool
		limit   int
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List recorded sessions, newest first",
		Example: `  kodex sessions list
  kodex sessions list --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := config.DefaultHome(f.Getenv)
			if err != nil {
				return &ConfigError{err}
			}
			filter := rollout.Filter{Limit: limit}
			if !all {
				if filter.Cwd, err = f.Getwd(); err != nil {
					return err
				}
			}
			list, err := rollout.List(home, filter)
			if err != nil {
				return err
			}
			if jsonOut {
				return writeSessionsJSON(f, list)
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTARTED\tTURNS\tCWD\tFIRST PROMPT")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ID, s.Created.Local().Format(time.DateTime), s.Turns, s.Cwd, s.FirstPrompt)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	list.Flags().BoolVar(&all, "all", false, "sessions from every directory, not just this one")
	list.Flags().IntVarP(&limit, "limit", "n", 50, "show at most `N` sessions (0: all)")

	rm := &cobra.Command{
		Use:     "rm SESSION_ID",
		Short:   "Delete a recorded session",
		Example: `  kodex sessions rm 0199a7c2`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := config.DefaultHome(f.Getenv)
			if err != nil {
				return &ConfigError{err}
			}
			if err := rollout.Remove(home, args[0]); err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "removed session %s\n", args[0])
			return err
		},
	}
	cmd.AddCommand(list, rm)
	return cmd
}

type sessionJSON struct {
	ID          string    `json:"id"`
	Path        string    `json:"path"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Cwd         string    `json:"cwd"`
	Model       string    `json:"model"`
	Turns       int       `json:"turns"`
	FirstPrompt string    `json:"first_prompt"`
}

func writeSessionsJSON(f *Factory, list []rollout.Summary) error {
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, sessionJSON{s.ID, s.Path, s.Created, s.Updated, s.Cwd, s.Model, s.Turns, s.FirstPrompt})
	}
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
