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
// user is told why. It returns what stops the store's background work
// (see Session.Close).
func (rt *Runtime) withCheckpoints(ctx context.Context, opts *agent.Options, sp Spec, cwd string, st restored) (stop func()) {
	stop = func() {}
	if st.rec == nil {
		return stop
	}
	ws, err := checkpoint.Workspace(cwd)
	if err == nil {
		var store *checkpoint.Store
		if store, err = checkpoint.Open(ctx, rt.Home, ws); err == nil {
			opts.Checkpoints = store
			if sp.Interactive || sp.Approvals {
				stop = rt.warmCheckpoints(ctx, store, ws)
			}
		}
	}
	if err != nil {
		opts.Notices = append(opts.Notices, fmt.Sprintf("undo is off in this session: %v", err))
		return stop
	}
	if sp.Resume { // a fork's too: it copied its source's turns
		opts.Journal = st.journal
	}
	return stop
}

// warmCheckpoints warms the workspace's checkpoint store in the background:
// the first snapshot reads every file (about 3 s for 50,000), so that is
// done while the user types, not when the first turn starts; later ones
// read only what changed.
// Then, once a day, it bounds and packs the store (see PruneCheckpoints).
// The returned stop cancels that work and waits for it, so nothing the
// session started is left writing once it is closed.
func (rt *Runtime) warmCheckpoints(ctx context.Context, store *checkpoint.Store, ws string) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = store.Warm(ctx)
		if _, err := PruneCheckpoints(ctx, rt.Home, PruneOptions{Workspaces: []string{ws}, Every: AutoPruneEvery, Repack: true}); err != nil && ctx.Err() == nil {
			rt.env.Logger.Warn("pruning checkpoints", "workspace", ws, "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
