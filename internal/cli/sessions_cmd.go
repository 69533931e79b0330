package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
)

// NewCmdSessions builds `kodex sessions`.
func NewCmdSessions(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "List, name, archive and remove recorded sessions",
	}
	var (
		jsonOut  bool
		all      bool
		archived bool
		limit    int
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
			names := (&session.Store{Home: home}).Names()
			if archived {
				home = session.ArchivedHome(home)
			}
			list, err := rollout.List(home, filter)
			if err != nil {
				return err
			}
			if jsonOut {
				return writeSessionsJSON(f, list, names)
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTARTED\tTURNS\tCWD\tFIRST PROMPT")
			for _, s := range list {
				prompt := s.FirstPrompt
				if n := names[s.ID]; n != "" {
					prompt = "[" + n + "] " + prompt
				}
				if s.ForkedFrom != "" { // a fork opens with its source's first prompt
					prompt = "(fork of " + shortID(s.ForkedFrom) + ") " + prompt
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ID, s.Created.Local().Format(time.DateTime), s.Turns, s.Cwd, prompt)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	list.Flags().BoolVar(&all, "all", false, "sessions from every directory, not just this one")
	list.Flags().IntVarP(&limit, "limit", "n", 50, "show at most `N` sessions (0: all)")
	list.Flags().BoolVar(&archived, "archived", false, "list the archived sessions instead")

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
			// An archived session is deleted as well.
			base := home
			if _, err := rollout.Find(home, args[0]); errors.Is(err, rollout.ErrNotFound) {
				if _, err := rollout.Find(session.ArchivedHome(home), args[0]); err == nil {
					base = session.ArchivedHome(home)
				}
			}
			id := sessionID(base, args[0])
			var workspaces []string // whose checkpoints it may have been keeping
			if path, err := rollout.Find(base, args[0]); err == nil {
				workspaces = session.SessionWorkspaces(path)
			}
			if err := rollout.Remove(base, args[0]); err != nil {
				return err
			}
			if id != "" {
				_ = (&session.Store{Home: home}).SetName(id, "") // its name goes with it
			}
			if _, err = fmt.Fprintf(f.IO.Out, "removed session %s\n", args[0]); err != nil || len(workspaces) == 0 {
				return err
			}
			if _, err := session.PruneCheckpoints(cmd.Context(), home, session.PruneOptions{Workspaces: workspaces}); err != nil {
				fmt.Fprintf(f.IO.ErrOut, "kodex: the session is removed, but its checkpoints are not: %v\n", err)
			}
			return nil
		},
	}
	rename := &cobra.Command{
		Use:   "rename SESSION_ID NAME",
		Short: "Name a recorded session (\"\" removes the name)",
		Long: `Give a recorded session a name, shown by kodex sessions list (and as the thread's
name in the app server); an empty NAME removes it.`,
		Example: `  kodex sessions rename 0199a7c2 "cache refactor"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := config.DefaultHome(f.Getenv)
			if err != nil {
				return &ConfigError{err}
			}
			id := sessionID(home, args[0])
			if id == "" {
				return &UsageError{Msg: fmt.Sprintf("no session %q; list them with kodex sessions list", args[0])}
			}
			if err := (&session.Store{Home: home}).SetName(id, args[1]); err != nil {
				return err
			}
			if args[1] == "" {
				_, err = fmt.Fprintf(f.IO.Out, "session %s has no name now\n", id)
			} else {
				_, err = fmt.Fprintf(f.IO.Out, "named session %s: %s\n", id, args[1])
			}
			return err
		},
	}
	cmd.AddCommand(list, rm, rename, newCmdSessionsArchive(f, true), newCmdSessionsArchive(f, false))
	return cmd
}

// sessionID returns the full id of the recorded session idOrPrefix names,
// or "" when there is none (or several).
func sessionID(home, idOrPrefix string) string {
	path, err := rollout.Find(home, idOrPrefix)
	if err != nil {
		return ""
	}
	meta, err := rollout.ReadMeta(path)
	if err != nil {
		return ""
	}
	return meta.ID
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
	Name        string    `json:"name,omitempty"`
	ForkedFrom  string    `json:"forked_from,omitempty"`
}

func writeSessionsJSON(f *Factory, list []rollout.Summary, names map[string]string) error {
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, sessionJSON{s.ID, s.Path, s.Created, s.Updated, s.Cwd, s.Model, s.Turns, s.FirstPrompt, names[s.ID], s.ForkedFrom})
	}
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// newCmdSessionsArchive builds `kodex sessions archive` (or unarchive):
// the session leaves the listing (and resume) but stays recorded, under
// $KODEX_HOME/archived; unarchive brings it back.
func newCmdSessionsArchive(f *Factory, archive bool) *cobra.Command {
	verb, short := "archive", "Move a recorded session out of the listing, keeping it"
	if !archive {
		verb, short = "unarchive", "Bring an archived session back to the listing"
	}
	return &cobra.Command{
		Use:     verb + " SESSION_ID",
		Short:   short,
		Example: "  kodex sessions " + verb + " 0199a7c2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := config.DefaultHome(f.Getenv)
			if err != nil {
				return &ConfigError{err}
			}
			st := &session.Store{Home: home}
			if archive {
				err = st.Archive(args[0])
			} else {
				_, err = st.Unarchive(args[0])
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "%sd session %s\n", verb, args[0])
			return err
		},
	}
}

// shortID is the head of a session id, as long as git shows a commit's:
// enough to tell sessions apart and to pass to kodex resume.
func shortID(id string) string {
	if len(id) > 13 {
		return id[:13]
	}
	return id
}
