package checkpoint

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Step is one turn's snapshots. Restoring a step goes from After back to
// Before; swap them to redo it.
type Step struct {
	Before, After string
}

// Result is what [Store.Restore] did, or why it did nothing.
type Result struct {
	// Restored are the paths written or removed (workspace-relative,
	// slash-separated, sorted).
	Restored []string
	// Conflicts are the paths the user changed since the steps (nothing
	// was restored), and Diff shows how: from what the steps left to what
	// is there now.
	Conflicts []string
	Diff      string
}

// maxDiffPaths bounds the paths a conflict's diff shows.
const maxDiffPaths = 20

// Restore puts every path that steps (oldest first) changed back as it was
// before the first step that changed it. A path whose current state is
// neither what the last step that changed it left nor the state to restore
// was changed by someone else since: then nothing is restored and the
// conflicts are reported, unless force.
func (s *Store) Restore(ctx context.Context, steps []Step, force bool) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	target, expected := map[string]entry{}, map[string]entry{}
	for _, st := range slices.Backward(steps) {
		changes, err := s.diff(ctx, st.Before, st.After)
		if err != nil {
			if trees, terr := s.trees(ctx, []string{st.Before, st.After}); terr == nil && len(trees) < 2 && st.Before != st.After {
				return Result{}, ErrPruned
			}
			return Result{}, err
		}
		for _, c := range changes {
			target[c.path] = c.from
			if _, ok := expected[c.path]; !ok {
				expected[c.path] = c.to
			}
		}
	}
	if len(target) == 0 {
		return Result{}, nil
	}
	now, err := s.snapshot(ctx)
	if err != nil {
		return Result{}, err
	}
	paths := make([]string, 0, len(target))
	for p := range target {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	current, err := s.entries(ctx, now, paths)
	if err != nil {
		return Result{}, err
	}
	var todo, conflicts []string
	for _, p := range paths {
		cur := current[p]
		if cur == target[p] {
			continue
		}
		todo = append(todo, p)
		if cur != expected[p] {
			conflicts = append(conflicts, p)
		}
	}
	if len(conflicts) > 0 && !force {
		diff, err := s.conflictDiff(ctx, conflicts, expected, current)
		if err != nil {
			return Result{}, err
		}
		return Result{Conflicts: conflicts, Diff: diff}, nil
	}
	if err := s.write(ctx, todo, target); err != nil {
		return Result{}, err
	}
	return Result{Restored: todo}, nil
}

// entries returns the entries of snapshot tree for paths (absent ones are
// left out).
func (s *Store) entries(ctx context.Context, tree string, paths []string) (map[string]entry, error) {
	out := map[string]entry{}
	for chunk := range slices.Chunk(paths, 500) {
		args := append([]string{"ls-tree", "-r", "-z", "--full-tree", tree, "--"}, chunk...)
		b, err := s.sh.Run(ctx, nil, args...)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		for rec := range strings.SplitSeq(string(b), "\x00") {
			// <mode> SP <type> SP <oid> TAB <path>
			head, p, ok := strings.Cut(rec, "\t")
			f := strings.Fields(head)
			if !ok || len(f) != 3 {
				continue
			}
			out[p] = entry{mode: f[0], oid: f[2]}
		}
	}
	return out, nil
}

// conflictDiff shows how each conflicting path changed since the steps.
func (s *Store) conflictDiff(ctx context.Context, paths []string, expected, current map[string]entry) (string, error) {
	var b strings.Builder
	for i, p := range paths {
		if i == maxDiffPaths {
			fmt.Fprintf(&b, "… and %d more file(s)\n", len(paths)-i)
			break
		}
		was, now := expected[p], current[p]
		switch {
		case was.absent():
			fmt.Fprintf(&b, "%s: created since\n", p)
			continue
		case now.absent():
			fmt.Fprintf(&b, "%s: deleted since\n", p)
			continue
		case was.mode != now.mode && was.oid == now.oid:
			fmt.Fprintf(&b, "%s: mode changed since (%s → %s)\n", p, was.mode, now.mode)
			continue
		}
		out, err := s.sh.Run(ctx, nil, "diff", "--no-color", was.oid, now.oid)
		if err != nil {
			return "", fmt.Errorf("checkpoint: %w", err)
		}
		fmt.Fprintf(&b, "--- a/%s (as the turn left it)\n+++ b/%s (now)\n", p, p)
		hunks := string(out)
		if i := strings.Index(hunks, "\n@@"); i >= 0 {
			hunks = hunks[i+1:]
		} else if strings.Contains(hunks, "Binary files") {
			hunks = "(binary file changed)\n"
		}
		b.WriteString(hunks)
	}
	return b.String(), nil
}

// write makes each path of paths as it is in target: removed when absent,
// else written with the entry's content and mode.
func (s *Store) write(ctx context.Context, paths []string, target map[string]entry) error {
	root, err := os.OpenRoot(s.workspace)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer func() { _ = root.Close() }()
	var blobs *catFile
	defer func() {
		if blobs != nil {
			blobs.close()
		}
	}()
	for _, p := range paths {
		e := target[p]
		name := fromSlash(p)
		if e.absent() {
			if err := removeFile(root, name); err != nil {
				return fmt.Errorf("checkpoint: removing %s: %w", p, err)
			}
			continue
		}
		if e.mode == "160000" { // a nested repository: never touched
			continue
		}
		if blobs == nil {
			if blobs, err = s.catFile(ctx); err != nil {
				return err
			}
		}
		content, err := blobs.read(e.oid)
		if err != nil {
			return fmt.Errorf("checkpoint: reading %s: %w", p, err)
		}
		if err := writeFile(root, name, e.mode, content); err != nil {
			return fmt.Errorf("checkpoint: restoring %s: %w", p, err)
		}
	}
	return nil
}

func fromSlash(p string) string {
	if os.PathSeparator == '/' {
		return p
	}
	return strings.ReplaceAll(p, "/", string(os.PathSeparator))
}

// removeFile removes a file (not a directory) and then its parent
// directories that became empty.
func removeFile(root *os.Root, name string) error {
	fi, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("it is a directory now")
	}
	if err := root.Remove(name); err != nil {
		return err
	}
	for d := parentDir(name); d != "."; d = parentDir(d) {
		if root.Remove(d) != nil { // not empty (or not ours to remove)
			break
		}
	}
	return nil
}

func parentDir(name string) string {
	i := strings.LastIndexByte(name, os.PathSeparator)
	if i < 0 {
		return "."
	}
	return name[:i]
}

// writeFile makes name a file of mode ("100644", "100755") or a symlink
// ("120000") holding content. A regular file that is there is rewritten in
// place, keeping its permissions but the executable bits; anything else
// there (a symlink, an empty directory) is replaced.
func writeFile(root *os.Root, name, mode string, content []byte) error {
	if d := parentDir(name); d != "." {
		if err := root.MkdirAll(d, 0o777); err != nil {
			return err
		}
	}
	fi, err := root.Lstat(name)
	exists := err == nil
	if exists && (!fi.Mode().IsRegular() || mode == "120000") {
		if err := root.Remove(name); err != nil {
			return err
		}
		exists = false
	}
	if mode == "120000" {
		return root.Symlink(string(content), name)
	}
	perm := fs.FileMode(0o666)
	if mode == "100755" {
		perm = 0o777
	}
	if !exists {
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		_, err = f.Write(content)
		return errors.Join(err, f.Close())
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	want := fi.Mode().Perm() &^ 0o111
	if mode == "100755" {
		want |= (fi.Mode().Perm() & 0o444) >> 2
	}
	if want != fi.Mode().Perm() {
		return root.Chmod(name, want)
	}
	return nil
}

// catFile reads blobs through one `git cat-file --batch`.
type catFile struct {
	in   io.WriteCloser
	out  *bufio.Reader
	wait func() error
}

func (s *Store) catFile(ctx context.Context) (*catFile, error) {
	cmd, err := s.sh.Command(ctx, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("checkpoint: git cat-file: %w", err)
	}
	return &catFile{in: in, out: bufio.NewReaderSize(out, 64<<10), wait: cmd.Wait}, nil
}

// read returns the content of blob oid.
func (c *catFile) read(oid string) ([]byte, error) {
	if _, err := io.WriteString(c.in, oid+"\n"); err != nil {
		return nil, err
	}
	head, err := c.out.ReadString('\n')
	if err != nil {
		return nil, err
	}
	// <oid> SP <type> SP <size> LF <content> LF
	f := strings.Fields(head)
	if len(f) != 3 || f[1] != "blob" {
		return nil, fmt.Errorf("git cat-file: unexpected %q", strings.TrimSpace(head))
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(c.out, buf); err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func (c *catFile) close() {
	_ = c.in.Close()
	_ = c.wait()
}
