// Package checkpoint keeps snapshots of a workspace's files around the turns
// of a session, so that a turn's file changes can be undone, redone or
// rewound, and never clobbers what the user changed since.
//
// The store is a private git object store under
// $KODEX_HOME/checkpoints/<hash of the workspace path>, with its own index,
// used through internal/gitx's Shadow (hardened: no hooks, no fsmonitor, no
// configuration or attributes but its own, nothing of the workspace's
// repository read or written). Git is used rather than a store of kodex's
// own because it already is what the snapshot needs: content-addressed and
// compressed, .gitignore handling exactly as the user's git has it, and an
// index that caches file stats, so a snapshot of an unchanged 50,000-file
// workspace hashes nothing and writes only what changed. A snapshot is a
// tree id; [Store.Prune] drops the snapshots no session needs any more
// (see prune.go).
//
// What a snapshot covers: the workspace (the git work tree containing the
// session's directory, else that directory), its tracked and untracked
// files minus the ignored ones, as bytes, the executable bit and symlinks.
// Not covered: ignored files, empty directories, nested repositories (they
// are recorded as a commit pointer and never restored), other permission
// bits, and anything outside the workspace. Restoring writes files itself
// through an os.Root (no path escapes the workspace, symlinks are not
// followed out of it).
//
// This package decides nothing about sessions: the agent says which
// snapshots to take and restore (see [Journal] for the undo stack).
package checkpoint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kodex-cli/kodex/internal/gitx"
)

// Store is the checkpoint store of one workspace. It is safe for
// concurrent use; snapshots and restores are serialized.
type Store struct {
	workspace string
	sh        *gitx.Shadow
	mu        sync.Mutex
}

// ErrUnsuitable is returned by [Open] for a workspace kodex will not
// checkpoint: the home directory or the file system root outside any
// repository (a snapshot would copy everything under it).
var ErrUnsuitable = errors.New("checkpoint: not checkpointing this directory")

// Workspace returns the directory a session in dir checkpoints: the work
// tree of the git repository containing dir, else dir itself (absolute,
// symlinks resolved).
func Workspace(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return "", err
	}
	for d := abs; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return abs, nil
		}
		d = parent
	}
}

// Open opens (creating it if needed) the store for workspace (see
// [Workspace]) under home ($KODEX_HOME).
func Open(ctx context.Context, home, workspace string) (*Store, error) {
	if !filepath.IsAbs(workspace) {
		return nil, fmt.Errorf("checkpoint: %s is not absolute", workspace)
	}
	if userHome, err := os.UserHomeDir(); err == nil && sameDir(userHome, workspace) || filepath.Dir(workspace) == workspace {
		if _, err := os.Lstat(filepath.Join(workspace, ".git")); err != nil {
			return nil, fmt.Errorf("%w: %s (run kodex in a project directory to have undo)", ErrUnsuitable, workspace)
		}
	}
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	dir := storeDir(home, workspace)
	// kodex's own state is never part of a snapshot, even when it lies in
	// the workspace.
	var exclude []string
	if real, err := filepath.EvalSymlinks(home); err == nil {
		home = real
	}
	if rel, err := filepath.Rel(workspace, home); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		exclude = append(exclude, "/"+gitignoreEscape(filepath.ToSlash(rel))+"/")
	}
	sh, err := gitx.OpenShadow(ctx, dir, workspace, exclude)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "workspace"), []byte(workspace+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &Store{workspace: workspace, sh: sh}, nil
}

// storeDir is the directory of workspace's store under home (absolute).
func storeDir(home, workspace string) string {
	sum := sha256.Sum256([]byte(workspace))
	return filepath.Join(home, "checkpoints", hex.EncodeToString(sum[:12]))
}

// gitignoreEscape escapes the characters a .gitignore pattern gives a
// meaning.
func gitignoreEscape(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`\*?[]!# `, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// Workspace returns the directory the store snapshots.
func (s *Store) Workspace() string { return s.workspace }

// Snapshot records the workspace's files and returns the snapshot's id (a
// git tree id). Only files whose stat data changed since the last snapshot
// are read, and only new contents are written.
func (s *Store) Snapshot(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot(ctx)
}

// Warm brings the store's cache of file stats up to date, as a snapshot
// does, so that the next snapshot reads only what changes after it. It is
// for the background: cancelling ctx stops it at once (its git commands
// are killed) and leaves the store as it was.
func (s *Store) Warm(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.snapshotIn(ctx)
	return err
}

// snapshot runs git add on a private copy of the store's index (the
// shared one is only a cache of file stats), then puts it back in place
// with a rename. So snapshots of several sessions or processes never wait
// for each other's index.lock, and one killed mid-way leaves no lock
// behind. The git commands are not cancelled with ctx (a turn's checkpoint
// is taken whole): they are bounded by the workspace's size.
func (s *Store) snapshot(ctx context.Context) (string, error) {
	return s.snapshotIn(context.WithoutCancel(ctx))
}

// snapshotIn takes a snapshot, stopped by ctx (see snapshot).
func (s *Store) snapshotIn(ctx context.Context) (string, error) {
	shared := filepath.Join(s.sh.GitDir(), "index")
	private, err := copyIndex(shared)
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	defer os.Remove(private)           // after a failure; renamed away otherwise
	defer os.Remove(private + ".lock") // left by a git add that was killed
	sh := s.sh.WithIndex(private)
	// A file that cannot be read fails the snapshot: a snapshot without it
	// would have a restore delete it.
	if _, err := sh.Run(ctx, nil, "add", "--all", "--", "."); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	out, err := sh.Run(ctx, nil, "write-tree")
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Rename(private, shared); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// copyIndex copies the index at path (if there is one) to a new file
// beside it and returns the copy's path.
func copyIndex(path string) (string, error) {
	dst, err := os.CreateTemp(filepath.Dir(path), "index-*")
	if err != nil {
		return "", err
	}
	src, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		// No index yet: git makes one where the empty file was (an
		// empty file is not a valid index).
		dst.Close()
		return dst.Name(), os.Remove(dst.Name())
	}
	var fi fs.FileInfo
	if err == nil {
		_, err = io.Copy(dst, src)
		if err == nil {
			fi, err = src.Stat()
		}
		src.Close()
	}
	if err = errors.Join(err, dst.Close()); err == nil {
		// git takes an entry whose file changed in the same second as
		// the index was written for changed ("racy git"); the copy must
		// keep the index's time for that to hold.
		err = os.Chtimes(dst.Name(), fi.ModTime(), fi.ModTime())
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}

// entry is one path of a snapshot: its git mode and object id; the zero
// entry is a path the snapshot does not have.
type entry struct {
	mode string // "100644", "100755", "120000", "160000"
	oid  string
}

func (e entry) absent() bool { return e.oid == "" }

// change is how a path differs between two snapshots.
type change struct {
	path     string
	from, to entry
}

var zeroOID = strings.Repeat("0", 40)

// diff lists the paths that differ between snapshots a and b.
func (s *Store) diff(ctx context.Context, a, b string) ([]change, error) {
	if a == b {
		return nil, nil
	}
	out, err := s.sh.Run(ctx, nil, "diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", a, b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var changes []change
	fields := bytes.Split(out, []byte{0})
	for i := 0; i+1 < len(fields); i += 2 {
		// :<mode a> <mode b> <oid a> <oid b> <status>\0<path>\0
		head := strings.Fields(strings.TrimPrefix(string(fields[i]), ":"))
		if len(head) != 5 {
			return nil, fmt.Errorf("checkpoint: unexpected diff-tree output %q", fields[i])
		}
		c := change{path: string(fields[i+1])}
		if head[2] != zeroOID {
			c.from = entry{mode: head[0], oid: head[2]}
		}
		if head[3] != zeroOID {
			c.to = entry{mode: head[1], oid: head[3]}
		}
		changes = append(changes, c)
	}
	return changes, nil
}
