package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// PruneOptions bound what the checkpoint stores keep (see
// [PruneCheckpoints]). Zero fields take the defaults.
type PruneOptions struct {
	// KeepDays keeps the checkpoints of every session that was active in
	// the last KeepDays days (default 30).
	KeepDays int
	// KeepSessions keeps those of the KeepSessions most recent sessions
	// of each workspace, whatever their age (default 20).
	KeepSessions int
	// Grace keeps every object younger than this, needed or not (default
	// an hour): a turn running meanwhile records its checkpoints only when
	// it ends.
	Grace time.Duration
	// Workspaces limits the pruning to these workspaces' stores (none:
	// every store).
	Workspaces []string
	// Repack packs the stores too (checkpoint.PruneOptions): seconds for
	// a large workspace, for a background prune.
	Repack bool
	// Every leaves alone a store pruned (or, never pruned, made) less than
	// this long ago (0: prune it anyway).
	Every time.Duration
}

// Pruning defaults.
const (
	DefaultKeepDays     = 30
	DefaultKeepSessions = 20
	DefaultPruneGrace   = time.Hour
	// AutoPruneEvery is how often an interactive session prunes its
	// workspace's store.
	AutoPruneEvery = 24 * time.Hour
)

// PruneReport says what PruneCheckpoints did.
type PruneReport struct {
	Pruned  []string // workspaces whose store was pruned
	Removed []string // workspaces gone from disk, whose store was removed
}

// PruneCheckpoints bounds the checkpoint stores under home: each keeps the
// snapshots of the sessions (recorded or archived) that still need them —
// those active in the last KeepDays days, and the KeepSessions most recent
// of its workspace — and loses the rest (git gc, see
// checkpoint.Store.Prune); a deleted session's go with it (those already
// packed at the next Repack). The store of a
// workspace that no longer exists is removed whole.
func PruneCheckpoints(ctx context.Context, home string, o PruneOptions) (PruneReport, error) {
	var rep PruneReport
	if o.KeepDays <= 0 {
		o.KeepDays = DefaultKeepDays
	}
	if o.KeepSessions <= 0 {
		o.KeepSessions = DefaultKeepSessions
	}
	if o.Grace <= 0 {
		o.Grace = DefaultPruneGrace
	}
	stores, err := checkpoint.Stores(home)
	if err != nil {
		return rep, err
	}
	stores = slices.DeleteFunc(stores, func(i checkpoint.Info) bool {
		return (len(o.Workspaces) > 0 && !slices.Contains(o.Workspaces, i.Workspace)) ||
			(o.Every > 0 && time.Since(cmp.Or(i.Pruned, i.Created)) < o.Every)
	})
	if len(stores) == 0 {
		return rep, nil
	}
	var sessions []rollout.Summary
	for _, h := range []string{home, ArchivedHome(home)} {
		list, err := rollout.List(h, rollout.Filter{Empty: true}) // what any session refers to is kept
		if err != nil {
			return rep, err
		}
		sessions = append(sessions, list...)
	}
	sortNewest(sessions)
	var errs []error
	for _, info := range stores {
		if _, err := os.Stat(info.Workspace); errors.Is(err, fs.ErrNotExist) {
			if removed, err := checkpoint.Remove(info, o.Grace); err != nil {
				errs = append(errs, err)
			} else if removed {
				rep.Removed = append(rep.Removed, info.Workspace)
			}
			continue
		}
		if err := pruneStore(ctx, home, info.Workspace, keptSnapshots(sessions, info.Workspace, o), checkpoint.PruneOptions{Grace: o.Grace, Repack: o.Repack}); err != nil {
			errs = append(errs, fmt.Errorf("pruning the checkpoints of %s: %w", info.Workspace, err))
			continue
		}
		rep.Pruned = append(rep.Pruned, info.Workspace)
	}
	return rep, errors.Join(errs...)
}

func pruneStore(ctx context.Context, home, workspace string, keep []string, o checkpoint.PruneOptions) error {
	store, err := checkpoint.Open(ctx, home, workspace)
	if err != nil {
		return err
	}
	return store.Prune(ctx, keep, o)
}

// keptSnapshots returns the snapshots in workspace's store that sessions
// (newest first) keep under o.
func keptSnapshots(sessions []rollout.Summary, workspace string, o PruneOptions) []string {
	since := time.Now().AddDate(0, 0, -o.KeepDays)
	var keep []string
	n := 0
	for _, s := range sessions {
		if !within(s.Cwd, workspace) {
			continue
		}
		n++
		if n > o.KeepSessions && s.Updated.Before(since) {
			continue
		}
		cps, err := rollout.Checkpoints(s.Path)
		if err != nil {
			continue
		}
		for _, tc := range cps {
			if tc.Workspace == workspace {
				keep = append(keep, tc.Before, tc.After)
			}
		}
	}
	return keep
}

// within reports whether dir is workspace or inside it (as recorded, or
// with symlinks resolved: a workspace's path is resolved).
func within(dir, workspace string) bool {
	in := func(d string) bool {
		rel, err := filepath.Rel(workspace, d)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	if in(dir) {
		return true
	}
	real, err := filepath.EvalSymlinks(dir)
	return err == nil && in(real)
}

// SessionWorkspaces returns the workspaces the recorded session at path
// took checkpoints in (for pruning them once it is deleted).
func SessionWorkspaces(path string) []string {
	cps, _ := rollout.Checkpoints(path)
	var out []string
	for _, tc := range cps {
		if !slices.Contains(out, tc.Workspace) {
			out = append(out, tc.Workspace)
		}
	}
	return out
}
