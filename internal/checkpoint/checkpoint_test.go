package checkpoint

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// tree reads every file under dir (but .git) as "mode content" by
// workspace-relative path; symlinks as "-> target".
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			out[filepath.ToSlash(rel)] = "-> " + l
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%v %s", fi.Mode().Perm(), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, dir, name, content string, perm fs.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, ws string) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func snap(t *testing.T, s *Store) string {
	t.Helper()
	id, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUndoRestoresExactly(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	write(t, ws, "a.txt", "one\r\ntwo\n", 0o644)
	write(t, ws, "bin/run.sh", "#!/bin/sh\necho hi\n", 0o755)
	write(t, ws, "secret.txt", "mine\n", 0o600)
	write(t, ws, "gone.txt", "delete me\n", 0o644)
	write(t, ws, ".gitattributes", "* text eol=crlf filter=lfs\n", 0o644)
	write(t, ws, ".gitignore", "build/\n", 0o644)
	write(t, ws, "build/out.o", "ignored\n", 0o644)
	if runtime.GOOS != "windows" {
		if err := os.Symlink("a.txt", filepath.Join(ws, "link")); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, ws)
	before := tree(t, ws)
	b := snap(t, s)

	// The turn: edits, a new file in a new directory, a deletion, a mode
	// change, a retargeted symlink, and an ignored file.
	write(t, ws, "a.txt", "changed\n", 0o644)
	write(t, ws, "secret.txt", "theirs\n", 0o600)
	write(t, ws, "new/dir/file.go", "package x\n", 0o644)
	if err := os.Remove(filepath.Join(ws, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(ws, "bin/run.sh"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ws, "link"))
	os.Symlink("secret.txt", filepath.Join(ws, "link"))
	write(t, ws, "build/out.o", "rebuilt\n", 0o644)
	after := tree(t, ws)
	a := snap(t, s)

	res, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) > 0 {
		t.Fatalf("conflicts: %v\n%s", res.Conflicts, res.Diff)
	}
	want := before
	want["build/out.o"] = "-rw-r--r-- rebuilt\n" // ignored: not restored
	if diff := cmp.Diff(want, tree(t, ws)); diff != "" {
		t.Errorf("after undo (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(ws, "new")); err == nil {
		t.Error("the created directory is still there")
	}

	// Redo puts the turn's changes back.
	if _, err := s.Restore(context.Background(), []Step{{Before: a, After: b}}, false); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(after, tree(t, ws)); diff != "" {
		t.Errorf("after redo (-want +got):\n%s", diff)
	}
}

func TestRestoreRefusesToClobber(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	write(t, ws, "a.txt", "one\n", 0o644)
	write(t, ws, "b.txt", "bee\n", 0o644)
	s := open(t, ws)
	b := snap(t, s)
	write(t, ws, "a.txt", "model\n", 0o644)
	write(t, ws, "b.txt", "model b\n", 0o644)
	a := snap(t, s)
	write(t, ws, "a.txt", "user\n", 0o644) // the user's edit since

	res, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a.txt"}, res.Conflicts); diff != "" {
		t.Fatalf("conflicts (-want +got):\n%s", diff)
	}
	for _, w := range []string{"--- a/a.txt", "-model", "+user"} {
		if !strings.Contains(res.Diff, w) {
			t.Errorf("diff lacks %q:\n%s", w, res.Diff)
		}
	}
	want := map[string]string{"a.txt": "-rw-r--r-- user\n", "b.txt": "-rw-r--r-- model b\n"}
	if diff := cmp.Diff(want, tree(t, ws)); diff != "" {
		t.Errorf("a refused restore changed files (-want +got):\n%s", diff)
	}
	// Forced, it restores both.
	if _, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, true); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"a.txt": "-rw-r--r-- one\n", "b.txt": "-rw-r--r-- bee\n"}
	if diff := cmp.Diff(want, tree(t, ws)); diff != "" {
		t.Errorf("after a forced restore (-want +got):\n%s", diff)
	}
}

// TestUserRepositoryUntouched: snapshots and restores in a git work tree
// leave its .git byte for byte as it was, and do not run its hooks.
func TestUserRepositoryUntouched(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", args...) //nolint:gosec // the test's own repository
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	write(t, ws, "a.txt", "one\n", 0o644)
	git("add", "a.txt")
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
	write(t, ws, "staged.txt", "staged\n", 0o644)
	git("add", "staged.txt")
	// A hook and an fsmonitor that would leave a mark if git ran them.
	mark := filepath.Join(t.TempDir(), "ran")
	write(t, ws, ".git/hooks/post-index-change", "#!/bin/sh\ntouch "+mark+"\n", 0o755)
	git("config", "core.fsmonitor", "touch "+mark)
	dotgit := tree(t, filepath.Join(ws, ".git"))
	stat := func() time.Time {
		fi, err := os.Stat(filepath.Join(ws, ".git", "index"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	indexTime := stat()

	s := open(t, ws)
	b := snap(t, s)
	write(t, ws, "a.txt", "two\n", 0o644)
	write(t, ws, "untracked.txt", "u\n", 0o644)
	a := snap(t, s)
	if _, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, false); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dotgit, tree(t, filepath.Join(ws, ".git"))); diff != "" {
		t.Errorf(".git changed (-before +after):\n%s", diff)
	}
	if !stat().Equal(indexTime) {
		t.Error("the user's index was rewritten")
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("a hook or the fsmonitor of the user's repository ran")
	}
	if _, err := os.Stat(filepath.Join(ws, "untracked.txt")); err == nil {
		t.Error("the created file is still there")
	}
}

// TestNoEscape: a directory replaced by a symlink to outside the workspace
// is not written through.
func TestNoEscape(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	ws, outside := t.TempDir(), t.TempDir()
	write(t, ws, "d/f.txt", "inside\n", 0o644)
	s := open(t, ws)
	b := snap(t, s)
	os.RemoveAll(filepath.Join(ws, "d"))
	a := snap(t, s)
	if err := os.Symlink(outside, filepath.Join(ws, "d")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, true)
	if _, serr := os.Stat(filepath.Join(outside, "f.txt")); serr == nil {
		t.Fatalf("restore wrote through a symlink out of the workspace (err %v)", err)
	}
}

func TestJournal(t *testing.T) {
	t.Parallel()
	var j Journal
	j.Apply(tc(1, "a", "b"))
	j.Apply(tc(2, "b", "b")) // changed nothing
	turns, step, ok := j.Undo()
	if !ok || !cmp.Equal(turns, []int{1, 2}) || step != (Step{"a", "b"}) {
		t.Fatalf("Undo = %v %v %v", turns, step, ok)
	}
	j.Apply(restored("undo", turns...))
	if _, _, ok := j.Undo(); ok {
		t.Error("nothing is left to undo")
	}
	n, step, ok := j.Redo()
	if !ok || n != 1 || step != (Step{"b", "a"}) {
		t.Fatalf("Redo = %v %v %v", n, step, ok)
	}
	j.Apply(restored("redo", 1))
	j.Apply(tc(3, "b", "c"))
	if _, _, ok := j.Redo(); ok {
		t.Error("a new turn forgets the redo")
	}
	turns, steps := j.Since(1)
	if !cmp.Equal(turns, []int{1, 3}) || len(steps) != 2 {
		t.Errorf("Since(1) = %v %v", turns, steps)
	}
}

func tc(n int, before, after string) protocol.TurnCheckpoint {
	return protocol.TurnCheckpoint{Turn: n, Before: before, After: after}
}

func restored(action string, turns ...int) protocol.FilesRestored {
	return protocol.FilesRestored{Action: action, Turns: turns}
}

// TestConcurrentStores: two sessions on one workspace (two Stores, as two
// processes have) snapshot at the same time without waiting for each
// other's index lock, and a lock left by a killed git blocks nothing.
func TestConcurrentStores(t *testing.T) {
	t.Parallel()
	ws, home := t.TempDir(), t.TempDir()
	for i := range 50 {
		write(t, ws, fmt.Sprintf("d/f%d.txt", i), strings.Repeat("x", i), 0o644)
	}
	var stores [2]*Store
	for i := range stores {
		s, err := Open(context.Background(), home, ws)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	write(t, filepath.Join(stores[0].sh.GitDir()), "index.lock", "", 0o644)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			_, err := stores[i%2].Snapshot(context.Background())
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestSameSizeRewrites: undo and redo in quick succession rewrite a file
// with contents of the same size within the same second; each snapshot
// must still see the change (git's racy-index check depends on the index
// file's time, which the private copy keeps).
func TestSameSizeRewrites(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	write(t, ws, "a.txt", "one\n", 0o644)
	s := open(t, ws)
	b := snap(t, s)
	write(t, ws, "a.txt", "two\n", 0o644)
	a := snap(t, s)
	// Enough rounds that some cross a second boundary between a write and
	// the next snapshot, where a copy with a fresh time went stale.
	for i := range 60 {
		if _, err := s.Restore(context.Background(), []Step{{Before: b, After: a}}, false); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, ws)["a.txt"]; got != "-rw-r--r-- one\n" {
			t.Fatalf("undo %d: a.txt = %q", i, got)
		}
		if _, err := s.Restore(context.Background(), []Step{{Before: a, After: b}}, false); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, ws)["a.txt"]; got != "-rw-r--r-- two\n" {
			t.Fatalf("redo %d: a.txt = %q", i, got)
		}
	}
}

// Warm brings the store up to date as a snapshot would; cancelled, it
// stops, leaves nothing behind in the store and changes nothing a later
// snapshot sees.
func TestWarm(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	write(t, ws, "a.txt", "one", 0o644)
	s := open(t, ws)
	before := storeFiles(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Warm(ctx); err == nil {
		t.Fatal("a cancelled warm-up reported no error")
	}
	if got := storeFiles(t, s); !cmp.Equal(got, before) {
		t.Errorf("a cancelled warm-up changed the store's files:\n%s", cmp.Diff(before, got))
	}

	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.sh.GitDir(), "index")); err != nil {
		t.Errorf("a warm-up left no index: %v", err)
	}
	write(t, ws, "b.txt", "two", 0o644)
	id := snap(t, s)
	fresh := open(t, ws)
	if want := snap(t, fresh); id != want {
		t.Errorf("snapshot after a warm-up is %s, a fresh store's is %s", id, want)
	}
}

// storeFiles lists the files of s's git directory but its objects.
func storeFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	dir := s.sh.GitDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "objects" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
