package session

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// PruneCheckpoints keeps the snapshots of recent sessions and of the most
// recent ones of a workspace, drops those of old and deleted sessions, and
// removes the store of a workspace gone from disk.
func TestPruneCheckpoints(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	ws, err := checkpoint.Workspace(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store, err := checkpoint.Open(ctx, home, ws)
	if err != nil {
		t.Fatal(err)
	}
	snap := func(content string) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(ws, "f.txt"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		id, err := store.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// A session with one checkpointed turn, last active at `at`.
	record := func(at time.Time, before, after string) string {
		t.Helper()
		now := at
		rec, err := rollout.Create(rollout.Options{Home: home, Cwd: filepath.Join(ws, "sub"), Now: func() time.Time { now = now.Add(time.Second); return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Close()
		if err := rec.AppendEvent(protocol.Event{Msg: protocol.TurnCheckpoint{Turn: 1, Workspace: ws, Before: before, After: after}}); err != nil {
			t.Fatal(err)
		}
		return rec.Path()
	}
	old := time.Now().AddDate(0, 0, -90)
	a0, a1 := snap("ancient 0"), snap("ancient 1")
	record(old, a0, a1) // old, and not among the most recent: pruned
	b0, b1 := snap("older 0"), snap("older 1")
	record(old.Add(time.Hour), b0, b1) // old, but the most recent old one: kept
	c0, c1 := snap("recent 0"), snap("recent 1")
	record(time.Now().Add(-time.Hour), c0, c1) // recent: kept
	d0, d1 := snap("deleted 0"), snap("deleted 1")
	dPath := record(time.Now().Add(-time.Minute), d0, d1)
	if got := SessionWorkspaces(dPath); !slices.Equal(got, []string{ws}) {
		t.Fatalf("SessionWorkspaces: %v", got)
	}
	if err := os.Remove(dPath); err != nil { // kodex sessions rm
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open(ctx, home, gone); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}

	// A store made just now is not due for its daily pruning.
	if rep, err := PruneCheckpoints(ctx, home, PruneOptions{Every: time.Hour}); err != nil || len(rep.Pruned)+len(rep.Removed) > 0 {
		t.Errorf("a store made just now was pruned: %+v, %v", rep, err)
	}

	// The grace period: every snapshot here is too young to go.
	if _, err := PruneCheckpoints(ctx, home, PruneOptions{KeepSessions: 2, Workspaces: []string{ws}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a0, d1} {
		if !store.Has(ctx, id) {
			t.Errorf("snapshot %s pruned within the grace period", id)
		}
	}

	rep, err := PruneCheckpoints(ctx, home, PruneOptions{KeepSessions: 2, Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Pruned, []string{ws}) || !slices.Equal(rep.Removed, []string{gone}) {
		t.Errorf("report: %+v", rep)
	}
	for _, id := range []string{b0, b1, c0, c1} {
		if !store.Has(ctx, id) {
			t.Errorf("kept snapshot %s was pruned", id)
		}
	}
	for _, id := range []string{a0, a1, d0} { // d1 is the index's: git keeps it
		if store.Has(ctx, id) {
			t.Errorf("snapshot %s of an old or deleted session is still there", id)
		}
	}
	if infos, _ := checkpoint.Stores(home); len(infos) != 1 {
		t.Errorf("stores left: %+v", infos)
	}

	// Pruned just now: Every leaves it alone.
	if rep, err := PruneCheckpoints(ctx, home, PruneOptions{Every: time.Hour}); err != nil || len(rep.Pruned) > 0 {
		t.Errorf("pruned again within Every: %+v, %v", rep, err)
	}
}

// Store.Delete (the app server's thread/delete) prunes the deleted
// session's workspace as kodex sessions rm does.
func TestDeletePrunes(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	ws, err := checkpoint.Workspace(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store, err := checkpoint.Open(ctx, home, ws)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rollout.Create(rollout.Options{Home: home, Cwd: ws})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.TurnCheckpoint{Turn: 1, Workspace: ws, Before: id, After: id}}); err != nil {
		t.Fatal(err)
	}
	_ = rec.Close()
	if err := (&Store{Home: home}).Delete(rec.ID()); err != nil {
		t.Fatal(err)
	}
	infos, err := checkpoint.Stores(home)
	if err != nil || len(infos) != 1 || infos[0].Pruned.IsZero() {
		t.Errorf("after Delete: %+v, %v", infos, err)
	}
}
