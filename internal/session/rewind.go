package session

import (
	"context"
	"fmt"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/version"
)

// RewindOptions say what to rewind (see [RewindFork]).
type RewindOptions struct {
	Home string // $KODEX_HOME
	Path string // the recorded session's rollout
	// Turn is the turn (a TurnCheckpoint's number, as RewindableTurns
	// lists them) whose user message the fork's conversation ends before.
	Turn int
	// Files restores the files the turns since changed, as a Rewind op
	// does: nothing is restored, and there is no fork, when a file was
	// changed since (unless Force).
	Files, Force bool
}

// Rewound is what RewindFork made.
type Rewound struct {
	ID, Path string // the fork
	Turn     protocol.TurnCheckpoint
	// Restored lists the files restored (relative to Turn.Workspace), with
	// Files.
	Restored []string
	// Conflicts and Diff say, when files changed since, which and how;
	// nothing was done then.
	Conflicts []string
	Diff      string
}

// RewindableTurns returns the turns of the recorded session at path that a
// rewind can go back to (see agent.StartsTurn), oldest first.
func RewindableTurns(path string) ([]protocol.TurnCheckpoint, error) {
	loaded, j, err := loadJournal(path)
	if err != nil {
		return nil, err
	}
	var out []protocol.TurnCheckpoint
	for _, tc := range j.Turns() {
		if agent.StartsTurn(loaded.History, tc) {
			out = append(out, tc)
		}
	}
	return out, nil
}

func loadJournal(path string) (*rollout.Session, *checkpoint.Journal, error) {
	loaded, err := rollout.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("loading session: %w", err)
	}
	var j checkpoint.Journal
	for _, m := range loaded.Journal {
		j.Apply(m)
	}
	return loaded, &j, nil
}

// RewindFork is the Rewind op (the TUI's Esc Esc) for a session that is
// not running, done as a fork: a new recorded session whose conversation
// is the original's up to the user message of o.Turn, the original left
// as it was (its conversation; restored files are recorded in its undo
// journal). With o.Files, the files the turns since changed are restored
// first, with undo's conflict check. The original is locked meanwhile, so
// that no turn of it runs.
func RewindFork(ctx context.Context, o RewindOptions) (Rewound, error) {
	var res Rewound
	orig, err := rollout.Open(o.Path) // the lock, and the journal's recorder
	if err != nil {
		return res, err
	}
	defer func() { _ = orig.Close() }()
	loaded, j, err := loadJournal(o.Path)
	if err != nil {
		return res, err
	}
	tc, ok := j.Turn(o.Turn)
	if !ok {
		return res, &NotFoundError{Msg: fmt.Sprintf("session %s has no turn %d (kodex rewind %s lists those it can go back to)", loaded.Meta.ID, o.Turn, loaded.Meta.ID)}
	}
	res.Turn = tc
	if !agent.StartsTurn(loaded.History, tc) {
		return res, fmt.Errorf("turn %d of session %s is no longer in the conversation as it was sent (it was compacted or rewound)", o.Turn, loaded.Meta.ID)
	}
	if o.Files {
		if turns, steps := j.Since(o.Turn); len(steps) > 0 {
			store, err := checkpoint.Open(ctx, o.Home, tc.Workspace)
			if err != nil {
				return res, err
			}
			r, err := store.Restore(ctx, steps, o.Force)
			if err != nil {
				return res, err
			}
			if len(r.Conflicts) > 0 {
				res.Conflicts, res.Diff = r.Conflicts, r.Diff
				return res, nil
			}
			res.Restored = r.Restored
			if err := orig.AppendEvent(protocol.Event{Msg: protocol.FilesRestored{Action: "rewind", Turns: turns, Paths: r.Restored}}); err != nil {
				return res, fmt.Errorf("the files were restored, but recording it failed: %w", err)
			}
		}
	}
	rec, err := rollout.Create(rollout.Options{
		Home: o.Home, Cwd: loaded.Meta.Cwd, Model: loaded.Meta.Model, Provider: loaded.Meta.Provider,
		Version: version.Version, ForkedFrom: loaded.Meta.ID,
	})
	if err != nil {
		return res, err
	}
	defer func() { _ = rec.Close() }()
	if err := rec.AppendItems(loaded.History[:tc.HistoryLen]...); err != nil {
		return res, fmt.Errorf("recording the rewound conversation: %w", err)
	}
	// What it is: listings show it (a fork with no turn of its own yet),
	// and --last picks it, the session last worked in.
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.ConversationRewound{Turn: o.Turn, Prompt: tc.Prompt}}); err != nil {
		return res, fmt.Errorf("recording the rewound conversation: %w", err)
	}
	res.ID, res.Path = rec.ID(), rec.Path()
	return res, nil
}
