package checkpoint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Prune keeps the snapshots it is told to keep (and whatever the store's
// index names) and deletes the others' objects; the store goes on working.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	ws := t.TempDir()
	home := t.TempDir()
	s, err := Open(ctx, home, ws)
	if err != nil {
		t.Fatal(err)
	}
	write(t, ws, "a.txt", "version one\n", 0o644)
	a := snap(t, s)
	write(t, ws, "a.txt", "version two\n", 0o644)
	b := snap(t, s)
	write(t, ws, "a.txt", "version three\n", 0o644)
	c := snap(t, s)
	blob := func(content string) string {
		t.Helper()
		out, err := s.sh.Run(ctx, strings.NewReader(content), "hash-object", "--stdin")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	has := func(id string) bool {
		_, err := s.sh.Run(ctx, nil, "cat-file", "-e", id)
		return err == nil
	}
	v2 := blob("version two\n")
	if !has(b) || !has(v2) {
		t.Fatal("the snapshots are not in the store before pruning")
	}

	// A grace period keeps everything this young.
	if err := s.Prune(ctx, []string{a, c}, PruneOptions{Grace: time.Hour, Repack: true}); err != nil {
		t.Fatal(err)
	}
	if !has(b) || !has(v2) {
		t.Error("a snapshot younger than the grace period was pruned")
	}

	// Packed (kept once): only a repack drops it.
	if err := s.Prune(ctx, []string{a, b, c}, PruneOptions{Repack: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx, []string{a, c, "not-an-id", strings.Repeat("0", 40)}, PruneOptions{}); err != nil {
		t.Fatal(err)
	}
	if !has(b) {
		t.Error("a packed snapshot was dropped without a repack")
	}
	if err := s.Prune(ctx, []string{a, c, "not-an-id", strings.Repeat("0", 40)}, PruneOptions{Repack: true}); err != nil {
		t.Fatal(err)
	}
	if has(b) || has(v2) {
		t.Error("the snapshot not kept (its tree, its own blob) is still in the store")
	}
	for _, id := range []string{a, c, blob("version one\n"), blob("version three\n")} {
		if !has(id) {
			t.Errorf("kept object %s was pruned", id)
		}
	}
	// A loose snapshot goes without a repack.
	write(t, ws, "a.txt", "version four\n", 0o644)
	d := snap(t, s)
	write(t, ws, "a.txt", "version five\n", 0o644)
	e := snap(t, s)
	if err := s.Prune(ctx, []string{a, c, e}, PruneOptions{}); err != nil {
		t.Fatal(err)
	}
	if has(d) || has(blob("version four\n")) {
		t.Error("an unkept loose snapshot survived a prune")
	}

	// The store still snapshots and restores.
	write(t, ws, "a.txt", "version six\n", 0o644)
	d = snap(t, s)
	res, err := s.Restore(ctx, []Step{{Before: a, After: d}}, false)
	if err != nil || len(res.Conflicts) > 0 {
		t.Fatalf("restore after pruning: %+v, %v", res, err)
	}
	if got := tree(t, ws)["a.txt"]; got != "-rw-r--r-- version one\n" {
		t.Errorf("after restoring the kept snapshot: %q", got)
	}

	infos, err := Stores(home)
	if err != nil || len(infos) != 1 || infos[0].Workspace != ws || infos[0].Pruned.IsZero() || infos[0].Used.IsZero() {
		t.Fatalf("Stores: %+v, %v", infos, err)
	}
	if removed, err := Remove(infos[0], time.Hour); removed || err != nil {
		t.Errorf("a store used just now was removed (%v)", err)
	}
	if removed, err := Remove(infos[0], 0); !removed || err != nil {
		t.Errorf("Remove: %v, %v", removed, err)
	}
	if infos, _ := Stores(home); len(infos) != 0 {
		t.Errorf("after Remove: %+v", infos)
	}
}

// Restoring a pruned checkpoint says so.
func TestRestorePruned(t *testing.T) {
	ctx := context.Background()
	ws := t.TempDir()
	s := open(t, ws)
	write(t, ws, "a.txt", "one\n", 0o644)
	a := snap(t, s)
	write(t, ws, "a.txt", "two\n", 0o644)
	b := snap(t, s)
	write(t, ws, "a.txt", "three\n", 0o644)
	snap(t, s)
	if err := s.Prune(ctx, nil, PruneOptions{Repack: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Restore(ctx, []Step{{Before: a, After: b}}, false); !errors.Is(err, ErrPruned) {
		t.Fatalf("restoring a pruned checkpoint: %v", err)
	}
}

// A prune already running (its lock is there) is not run twice; a lock
// left by a process that died long ago is taken over.
func TestPruneLocked(t *testing.T) {
	ctx := context.Background()
	ws := t.TempDir()
	s := open(t, ws)
	write(t, ws, "a.txt", "one\n", 0o644)
	a := snap(t, s)
	write(t, ws, "a.txt", "two\n", 0o644)
	snap(t, s)
	lock := filepath.Join(s.sh.GitDir(), "prune.lock")
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx, nil, PruneOptions{}); err != nil {
		t.Fatal(err)
	}
	if !s.Has(ctx, a) {
		t.Fatal("pruned while another prune held the lock")
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx, nil, PruneOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Has(ctx, a) {
		t.Error("a stale lock stopped the prune")
	}
	if _, err := os.Stat(lock); err == nil {
		t.Error("the lock was left behind")
	}
}
