package applypatch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kodex-cli/kodex/internal/patch"
)

// errSymlink is returned for a path that goes through a symlink inside a
// confinement root.
var errSymlink = errors.New("the path goes through a symlink, which apply_patch does not follow inside the workspace")

// workspaceFS is the patch.FS the tool applies patches to. Relative patch
// paths resolve against base. A path under one of roots (the session cwd and
// the sandbox's writable roots) is opened beneath that root without
// following any symlink, so a symlink planted by a sandboxed command cannot
// redirect a read or write elsewhere (openat2 RESOLVE_BENEATH on Linux, a
// per-component Lstat check elsewhere). Paths outside every root (allowed
// only after approval) and all paths when confine is false
// (danger-full-access) use plain file operations.
type workspaceFS struct {
	base    string
	roots   []string // absolute, cleaned, longest first
	confine bool
	plain   patch.FS
}

func newWorkspaceFS(base string, roots []string, confine bool) *workspaceFS {
	var rs []string
	for _, r := range roots {
		if r != "" && filepath.IsAbs(r) {
			rs = append(rs, filepath.Clean(r))
		}
	}
	sort.Slice(rs, func(i, j int) bool { return len(rs[i]) > len(rs[j]) })
	return &workspaceFS{base: base, roots: rs, confine: confine, plain: patch.DirFS(base)}
}

// abs resolves a patch path.
func (w *workspaceFS) abs(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(w.base, name)
}

// locate returns the confinement root containing name and name relative to
// it, or root "" when name is not confined.
func (w *workspaceFS) locate(name string) (abs, root, rel string) {
	abs = w.abs(name)
	if !w.confine {
		return abs, "", ""
	}
	for _, r := range w.roots {
		if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." &&
			!strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return abs, r, rel
		}
	}
	return abs, "", ""
}

func (w *workspaceFS) ReadFile(name string) ([]byte, error) {
	abs, root, rel := w.locate(name)
	if root == "" {
		return w.plain.ReadFile(abs)
	}
	return beneathReadFile(root, rel)
}

func (w *workspaceFS) Stat(name string) (fs.FileInfo, error) {
	abs, root, rel := w.locate(name)
	if root == "" {
		return w.plain.Stat(abs)
	}
	return beneathStat(root, rel)
}

func (w *workspaceFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	abs, root, rel := w.locate(name)
	if root == "" {
		return w.plain.WriteFile(abs, data, perm)
	}
	return beneathWriteFile(root, rel, data, perm)
}

func (w *workspaceFS) Remove(name string) error {
	abs, root, rel := w.locate(name)
	if root == "" {
		return w.plain.Remove(abs)
	}
	return beneathRemove(root, rel)
}

func (w *workspaceFS) MkdirAll(name string, perm fs.FileMode) error {
	abs, root, rel := w.locate(name)
	if root == "" {
		return w.plain.MkdirAll(abs, perm)
	}
	return beneathMkdirAll(root, rel, perm)
}

// The portable implementation: check that no existing component of rel
// beneath root is a symlink, then use plain file operations. It races with
// a concurrent symlink swap, which openat2 (Linux) does not.

func checkNoSymlink(root, rel string) error {
	cur := root
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if c == "" || c == "." {
			continue
		}
		cur = filepath.Join(cur, c)
		info, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s: %w", cur, errSymlink)
		}
	}
	return nil
}

func checkedReadFile(root, rel string) ([]byte, error) {
	if err := checkNoSymlink(root, rel); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(root, rel))
}

func checkedStat(root, rel string) (fs.FileInfo, error) {
	if err := checkNoSymlink(root, rel); err != nil {
		return nil, err
	}
	return os.Lstat(filepath.Join(root, rel))
}

func checkedWriteFile(root, rel string, data []byte, perm fs.FileMode) error {
	if err := checkNoSymlink(root, rel); err != nil {
		return err
	}
	return patch.WriteFileAtomic(filepath.Join(root, rel), data, perm)
}

func checkedRemove(root, rel string) error {
	if err := checkNoSymlink(root, rel); err != nil {
		return err
	}
	return os.Remove(filepath.Join(root, rel))
}

func checkedMkdirAll(root, rel string, perm fs.FileMode) error {
	if err := checkNoSymlink(root, rel); err != nil {
		return err
	}
	return os.MkdirAll(filepath.Join(root, rel), perm)
}
