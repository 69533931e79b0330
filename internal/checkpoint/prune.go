package checkpoint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Pruning. Snapshots are git trees that no ref names, so a store only
// grows. [Store.Prune] is told which snapshots the sessions still need (the
// caller reads them from the transcripts): it names them all under one ref
// (refs/kodex/keep, a tree of trees) and deletes the loose objects nothing
// reaches (`git prune`: a fraction of a second on the store of a
// 50,000-file workspace); with Repack it also packs the store (`git repack
// -A` without delta search, seconds there), which drops what is packed and
// no longer reached and turns tens of thousands of loose objects (a block
// of disk each) into one file. Objects younger than the grace period are
// kept whatever they are, so that a turn running in another session
// meanwhile (its snapshot before the turn is not recorded until the turn
// ends) loses nothing; and git itself keeps every object the store's index
// names, which a later snapshot trusts to be there.

const (
	keepRef   = "refs/kodex/keep"
	prunedTag = "pruned" // a file in the store whose time is the last prune
)

// ErrPruned is returned by [Store.Restore] when a checkpoint it needs was
// pruned.
var ErrPruned = errors.New("checkpoint: the turn's checkpoint was pruned (kodex keeps those of the last 30 days' sessions and of the 20 most recent in a workspace)")

// Info describes a checkpoint store on disk.
type Info struct {
	Workspace string
	Dir       string
	// Created is when the store was made, Used when a snapshot last went
	// into it (its index's time; zero: never), Pruned when it was last
	// pruned (zero: never).
	Created, Used, Pruned time.Time
}

// Stores lists the checkpoint stores under home ($KODEX_HOME).
func Stores(home string) ([]Info, error) {
	root := filepath.Join(home, "checkpoints")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var out []Info
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		ws, err := os.ReadFile(filepath.Join(dir, "workspace"))
		if err != nil {
			continue // not a store (or one being made)
		}
		info := Info{Workspace: strings.TrimSuffix(string(ws), "\n"), Dir: dir}
		if st, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
			info.Created = st.ModTime() // written once
		}
		if st, err := os.Stat(filepath.Join(dir, "index")); err == nil {
			info.Used = st.ModTime()
		}
		if st, err := os.Stat(filepath.Join(dir, prunedTag)); err == nil {
			info.Pruned = st.ModTime()
		}
		out = append(out, info)
	}
	return out, nil
}

// PruneOptions say how to prune a store.
type PruneOptions struct {
	// Grace keeps every object younger than this.
	Grace time.Duration
	// Repack packs the store, dropping what no longer is reached from
	// its packs too (see above).
	Repack bool
}

// Prune keeps the snapshots keep (ids [Store.Snapshot] returned; unknown
// ones are ignored) and deletes the store's other objects that are older
// than o.Grace: the loose ones, and with o.Repack the packed ones.
//
// A prune of the store already running (in another process: sessions
// opening together) is not run twice: Prune returns at once.
func (s *Store) Prune(ctx context.Context, keep []string, o PruneOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, ok := lockFile(filepath.Join(s.sh.GitDir(), "prune.lock"), time.Hour)
	if !ok {
		return nil
	}
	defer unlock()
	trees, err := s.trees(ctx, keep)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, t := range trees {
		fmt.Fprintf(&b, "040000 tree %s\t%s\n", t, t)
	}
	out, err := s.sh.Run(ctx, strings.NewReader(b.String()), "mktree")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := s.sh.Run(ctx, nil, "update-ref", keepRef, strings.TrimSpace(string(out))); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	expire := "now"
	if o.Grace > 0 {
		expire = time.Now().Add(-o.Grace).UTC().Format("2006-01-02 15:04:05 +0000")
	}
	if o.Repack {
		// What git gc does, without its delta search (a third of the
		// time; the snapshots of a workspace compress well anyway).
		if _, err := s.sh.Run(ctx, nil, "repack", "-d", "-l", "-A", "-q", "--window=0", "--unpack-unreachable="+expire); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	if _, err := s.sh.Run(ctx, nil, "prune", "--expire="+expire); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tag := filepath.Join(s.sh.GitDir(), prunedTag)
	if err := os.WriteFile(tag, nil, 0o600); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	now := time.Now()
	return os.Chtimes(tag, now, now)
}

// trees returns the ids of ids that are trees in the store, sorted, once
// each.
func (s *Store) trees(ctx context.Context, ids []string) ([]string, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids = slices.DeleteFunc(ids, func(id string) bool { return !isOID(id) })
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := s.sh.Run(ctx, strings.NewReader(strings.Join(ids, "\n")+"\n"), "cat-file", "--batch-check")
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var trees []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		// "<oid> tree <size>", or "<oid> missing"
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[1] == "tree" {
			trees = append(trees, f[0])
		}
	}
	return trees, nil
}

func isOID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Remove deletes the store info describes, unless a snapshot went into it
// within grace (a session may be using it): what Prune would leave of a
// store no session needs. It reports whether it removed it.
func Remove(info Info, grace time.Duration) (bool, error) {
	if time.Since(info.Used) < grace {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(info.Dir, "workspace")); err != nil {
		return false, fmt.Errorf("checkpoint: %s is not a checkpoint store", info.Dir)
	}
	if err := os.RemoveAll(info.Dir); err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	return true, nil
}

// Has reports whether the snapshot id is in the store (a pruned one is
// not).
func (s *Store) Has(ctx context.Context, id string) bool {
	trees, err := s.trees(ctx, []string{id})
	return err == nil && len(trees) == 1
}

// lockFile creates path exclusively and returns how to remove it; false
// when it exists and is younger than stale (an older one was left by a
// process that died: it is taken over).
func lockFile(path string, stale time.Duration) (func(), bool) {
	for range 2 {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_ = f.Close()
			return func() { _ = os.Remove(path) }, true
		}
		st, serr := os.Stat(path)
		if !errors.Is(err, fs.ErrExist) || serr != nil || time.Since(st.ModTime()) < stale {
			return nil, false
		}
		_ = os.Remove(path)
	}
	return nil, false
}
