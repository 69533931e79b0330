package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
)

// RewindOptions are kodex rewind's arguments.
type RewindOptions struct {
	ID    string // a session id (prefix); "": the last session in the cwd
	To    int    // the turn to go back to before; 0: list them
	Files bool
	Force bool
}

// NewCmdRewind builds `kodex rewind`. runF, if set, replaces the run
// (tests).
func NewCmdRewind(f *Factory, g *GlobalOptions, runF func(context.Context, *RewindOptions) error) *cobra.Command {
	opts := &RewindOptions{}
	cmd := &cobra.Command{
		Use:   "rewind [SESSION_ID] --to N",
		Short: "Fork a session from before one of its messages",
		Long: `Make a new session whose conversation is a recorded session's up to (not
including) your message of turn N, as Esc Esc does in the TUI, but as a fork:
the original session is left as it was. kodex prints the fork's id and the
message, to go on with kodex exec resume ID "PROMPT" or kodex resume ID.

With --files, the files the turns since changed are restored too, as kodex
undo restores them; when a file was changed again since (by you, or by
another program), nothing is restored and no fork is made: kodex shows how
the file differs and stops; --force restores anyway.

Without --to, the turns that can be rewound to are listed (a turn compacted
away cannot be). With no SESSION_ID, the session last worked in in this
directory; an id prefix is enough.`,
		Example: `  kodex rewind                     # list the turns of the last session here
  kodex rewind 0199a7c2 --to 3     # fork it from before turn 3's message
  kodex rewind --to 3 --files      # and put the files back as they were then`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if opts.To < 0 || (opts.To == 0 && cmd.Flags().Changed("to")) {
				return &UsageError{Msg: "--to takes a turn number from 1 (kodex rewind lists them)"}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRewind(cmd.Context(), f, g, opts)
		},
	}
	cmd.Flags().IntVar(&opts.To, "to", 0, "the turn `N` whose message the fork ends before")
	cmd.Flags().BoolVar(&opts.Files, "files", false, "restore the files the turns since changed")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "with --files, restore even files changed since")
	return cmd
}

func runRewind(ctx context.Context, f *Factory, g *GlobalOptions, opts *RewindOptions) error {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	cwd, err := resolveCwd(f, g.Cd)
	if err != nil {
		return err
	}
	path, err := findApplySession(home, cwd, opts.ID)
	if err != nil {
		return err
	}
	w := f.IO.Out
	if opts.To == 0 {
		meta, err := rollout.ReadMeta(path)
		if err != nil {
			return err
		}
		turns, err := session.RewindableTurns(path)
		if err != nil {
			return err
		}
		if len(turns) == 0 {
			return fmt.Errorf("session %s has no turn to rewind to (none was recorded with its checkpoint, or all were compacted)", meta.ID)
		}
		fmt.Fprintf(w, "Turns of session %s to rewind to (kodex rewind %s --to N):\n", meta.ID, meta.ID)
		for _, t := range turns {
			fmt.Fprintf(w, "  %3d  %s\n", t.Turn, termtext.Text(promptTitle(t.Prompt)))
		}
		return nil
	}
	res, err := session.RewindFork(ctx, session.RewindOptions{Home: home, Path: path, Turn: opts.To, Files: opts.Files, Force: opts.Force})
	if err != nil {
		var le *rollout.LockedError
		if errors.As(err, &le) {
			return fmt.Errorf("%w\nrewind it in that session (Esc Esc), or once it has ended", err)
		}
		return err
	}
	if len(res.Conflicts) > 0 {
		src := opts.ID
		if m, err := rollout.ReadMeta(path); err == nil {
			src = m.ID
		}
		fmt.Fprintf(f.IO.ErrOut, "%s", termtext.Text(res.Diff))
		return fmt.Errorf("nothing restored and no fork made: %s changed since turn %d (shown above); kodex rewind %s --to %d --files --force restores them anyway", nFiles(len(res.Conflicts)), opts.To, src, opts.To)
	}
	fmt.Fprintf(w, "Rewound to before turn %d: session %s\n", opts.To, res.ID)
	if opts.Files {
		fmt.Fprintf(w, "%s restored in %s\n", nFiles(len(res.Restored)), termtext.Text(res.Turn.Workspace))
		for _, p := range res.Restored {
			fmt.Fprintf(w, "  %s\n", termtext.Text(p))
		}
	}
	fmt.Fprintf(w, "Your message of turn %d was:\n%s\n", opts.To, termtext.Text(res.Turn.Prompt))
	return nil
}
