package session

import (
	"context"
	"fmt"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/checkpoint"
)

// withCheckpoints gives a recorded session its workspace's checkpoint
// store (undo, redo, rewind of files; see internal/checkpoint) and, when
// it is resumed, its undo journal. An ephemeral session keeps none. A
// store that cannot be opened leaves the session without undo, and the
// user is told why.
func (rt *Runtime) withCheckpoints(ctx context.Context, opts *agent.Options, sp Spec, cwd string, st restored) {
	if st.rec == nil {
		return
	}
	ws, err := checkpoint.Workspace(cwd)
	if err == nil {
		var store *checkpoint.Store
		if store, err = checkpoint.Open(ctx, rt.Home, ws); err == nil {
			opts.Checkpoints = store
			if sp.Interactive || sp.Approvals {
				// The first checkpoint of a workspace reads every file (about
				// 3 s for 50,000): take it while the user types, not when the
				// first turn starts. Later ones read only what changed.
				// Then, once a day, bound and pack the store (see
				// PruneCheckpoints).
				go func() {
					_, _ = store.Snapshot(context.WithoutCancel(ctx))
					if _, err := PruneCheckpoints(ctx, rt.Home, PruneOptions{Workspaces: []string{ws}, Every: AutoPruneEvery, Repack: true}); err != nil {
						rt.env.Logger.Warn("pruning checkpoints", "workspace", ws, "err", err)
					}
				}()
			}
		}
	}
	if err != nil {
		opts.Notices = append(opts.Notices, fmt.Sprintf("undo is off in this session: %v", err))
		return
	}
	if sp.Resume && !sp.Fork {
		opts.Journal = st.journal
	}
}
