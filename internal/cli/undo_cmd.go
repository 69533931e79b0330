package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// UndoOptions are kodex undo's arguments.
type UndoOptions struct {
	ID    string // a session id (prefix); "": the last session in the cwd
	Force bool
	Redo  bool
}

// NewCmdUndo builds `kodex undo`. runF, if set, replaces the run (tests).
func NewCmdUndo(f *Factory, g *GlobalOptions, runF func(context.Context, *UndoOptions) error) *cobra.Command {
	opts := &UndoOptions{}
	cmd := &cobra.Command{
		Use:   "undo [SESSION_ID]",
		Short: "Restore the files a session's last turn changed",
		Long: `Restore the files that the last turn of a session which changed any changed,
as they were before it: edited files get their content and executable bit
back, files it created are removed, files it deleted come back. kodex takes a
checkpoint of the workspace (the git work tree, else the directory) before and
after every turn of a recorded session, in its own store under
$KODEX_HOME/checkpoints, without touching the repository's .git.

Run it again to undo the turn before; --redo puts back what the last undo
restored. When a file was changed again since the turn (by you, or by
another program), nothing is restored: kodex shows how it differs and stops;
--force restores anyway. Ignored files (.gitignore) are not checkpointed, and
what commands did outside the workspace (a package installed, a database
changed, a push) cannot be undone.

With no SESSION_ID, the session last worked in in this directory; an id
prefix is enough. In the TUI: /undo, /redo, /rewind.`,
		Example: `  kodex undo                  # the last turn of the last session here
  kodex undo 0199a7c2         # a session by id prefix (kodex sessions list)
  kodex undo --redo`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUndo(cmd.Context(), f, g, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "restore even files changed since the turn")
	cmd.Flags().BoolVar(&opts.Redo, "redo", false, "put back what the last undo restored")
	return cmd
}

func runUndo(ctx context.Context, f *Factory, g *GlobalOptions, opts *UndoOptions) error {
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
	rec, err := rollout.Open(path) // the lock: no turn runs meanwhile
	if err != nil {
		var le *rollout.LockedError
		if errors.As(err, &le) {
			return fmt.Errorf("%w\nuse /undo in that session, or run kodex undo once it has ended", err)
		}
		return err
	}
	defer func() { _ = rec.Close() }()
	loaded, err := rollout.Load(path)
	if err != nil {
		return err
	}
	var j checkpoint.Journal
	for _, m := range loaded.Journal {
		j.Apply(m)
	}
	action, turns, steps := "undo", []int(nil), []checkpoint.Step(nil)
	if opts.Redo {
		action = "redo"
		if n, step, ok := j.Redo(); ok {
			turns, steps = []int{n}, []checkpoint.Step{step}
		}
	} else if ts, step, ok := j.Undo(); ok {
		turns, steps = ts, []checkpoint.Step{step}
	}
	if len(turns) == 0 {
		return fmt.Errorf("nothing to %s in session %s (no turn of it left file changes to %s)", action, loaded.Meta.ID, action)
	}
	turn, _ := j.Turn(turns[0])
	store, err := checkpoint.Open(ctx, home, turn.Workspace)
	if err != nil {
		return err
	}
	res, err := store.Restore(ctx, steps, opts.Force)
	if err != nil {
		return err
	}
	w := f.IO.Out
	if len(res.Conflicts) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%s", termtext.Text(res.Diff))
		return fmt.Errorf("nothing restored: %s changed since turn %d (shown above); kodex undo --force restores them anyway", nFiles(len(res.Conflicts)), turns[0])
	}
	fr := protocol.FilesRestored{Action: action, Turns: turns, Paths: res.Restored}
	if err := rec.AppendEvent(protocol.Event{Msg: fr}); err != nil {
		return fmt.Errorf("the files were restored, but recording it failed: %w", err)
	}
	if err := rec.AppendItems(agent.RestoreNote(action, turns[0])); err != nil {
		return fmt.Errorf("the files were restored, but recording it failed: %w", err)
	}
	verb := "Undid"
	if opts.Redo {
		verb = "Redid"
	}
	fmt.Fprintf(w, "%s turn %d of session %s (%s): %s restored in %s\n", verb, turns[0], loaded.Meta.ID, termtext.Text(promptTitle(turn.Prompt)), nFiles(len(res.Restored)), termtext.Text(turn.Workspace))
	for _, p := range res.Restored {
		fmt.Fprintf(w, "  %s\n", termtext.Text(p))
	}
	return nil
}

// promptTitle is s up to its first newline, cut to 60 bytes.
func promptTitle(s string) string {
	for i, c := range s {
		if c == '\n' || i >= 60 {
			return s[:i] + "…"
		}
	}
	return s
}

// nFiles is "1 file" or "N files".
func nFiles(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
