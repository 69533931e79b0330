package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxSnapshotBytes caps the file contents a Snapshot keeps.
const maxSnapshotBytes = 16 << 20

// Snapshot is the state of protected paths (.git/hooks, .git/config,
// .git/info, .gitmodules, .kodex, …) taken before a command runs. Restore
// undoes any change the command made to them. Where the mechanism cannot
// make these paths read-only (Linux without namespaces), this integrity
// check is the protection; elsewhere it is a second line. The Linux helper
// runs it around every workspace-write command; callers may use it too.
type Snapshot struct {
	roots   []string // the guarded paths, in order
	entries map[string]entry
	pins    []pin
}

// pin is a directory (a .git) that must not be replaced or moved.
type pin struct {
	path     string
	dev, ino uint64
}

type entry struct {
	mode   fs.FileMode
	data   []byte // regular files (nil when over the cap: see big)
	link   string // symlinks
	big    bool   // contents not kept; only size is compared
	size   int64
	isRoot bool
}

// TakeSnapshot records the guarded paths and the identity of the pinned
// directories. Missing paths are recorded as missing: creating them later
// counts as tampering. A pinned directory found renamed elsewhere beneath
// its parent is moved back by Restore.
func TakeSnapshot(paths, pins []string) (*Snapshot, error) {
	s := &Snapshot{roots: paths, entries: map[string]entry{}}
	for _, p := range pins {
		if dev, ino, ok := fileID(p); ok {
			s.pins = append(s.pins, pin{p, dev, ino})
		}
	}
	budget := int64(maxSnapshotBytes)
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return nil
				}
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			e := entry{mode: fi.Mode(), size: fi.Size(), isRoot: p == root}
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				e.link, _ = os.Readlink(p)
			case fi.Mode().IsRegular():
				if fi.Size() > budget {
					e.big = true
				} else if e.data, err = os.ReadFile(p); err != nil {
					return err
				}
				budget -= int64(len(e.data))
			}
			s.entries[p] = e
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("snapshotting %s: %w", root, err)
		}
	}
	return s, nil
}

// Restore compares the guarded paths with the snapshot, puts back what
// changed and removes what appeared. It returns the paths that had been
// tampered with (sorted); err reports what could not be restored.
func (s *Snapshot) Restore() (tampered []string, err error) {
	var errs []error
	for _, p := range s.pins {
		if dev, ino, ok := fileID(p.path); ok && dev == p.dev && ino == p.ino {
			continue
		}
		tampered = append(tampered, p.path)
		if err := s.unswap(p); err != nil {
			errs = append(errs, err)
		}
	}
	now := map[string]bool{}
	for _, root := range s.roots {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
			if werr != nil {
				return nil
			}
			now[p] = true
			return nil
		})
	}
	// Remove what appeared (deepest first), then restore what changed.
	var extra []string
	for p := range now {
		if _, ok := s.entries[p]; !ok {
			extra = append(extra, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(extra)))
	for _, p := range extra {
		tampered = append(tampered, p)
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	var paths []string
	for p := range s.entries {
		paths = append(paths, p)
	}
	sort.Strings(paths) // parents before children
	for _, p := range paths {
		e := s.entries[p]
		if s.same(p, e) {
			continue
		}
		tampered = append(tampered, p)
		if err := s.put(p, e); err != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", p, err))
		}
	}
	sort.Strings(tampered)
	return tampered, errors.Join(errs...)
}

func (s *Snapshot) same(p string, e entry) bool {
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode() != e.mode {
		return false
	}
	switch {
	case e.mode&fs.ModeSymlink != 0:
		l, _ := os.Readlink(p)
		return l == e.link
	case e.mode.IsRegular():
		if e.big {
			return fi.Size() == e.size
		}
		b, err := os.ReadFile(p)
		return err == nil && bytes.Equal(b, e.data)
	}
	return true
}

// put recreates p as recorded. A changed type or a planted symlink is
// removed first, so restoring never writes through a link.
func (s *Snapshot) put(p string, e entry) error {
	if fi, err := os.Lstat(p); err == nil && (fi.Mode().Type() != e.mode.Type() || fi.Mode()&fs.ModeSymlink != 0) {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	if err := s.noLinkParents(p); err != nil {
		return err
	}
	switch {
	case e.mode.IsDir():
		if err := os.Mkdir(p, e.mode.Perm()); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return os.Chmod(p, e.mode.Perm())
	case e.mode&fs.ModeSymlink != 0:
		return os.Symlink(e.link, p)
	case e.mode.IsRegular():
		if e.big {
			return errors.New("file too large to restore (changed size)")
		}
		tmp := p + ".kodex-restore"
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, e.mode.Perm())
		if err != nil {
			return err
		}
		_, werr := f.Write(e.data)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			os.Remove(tmp)
			return errors.Join(werr, cerr)
		}
		if err := os.Chmod(tmp, e.mode.Perm()); err != nil {
			return err
		}
		return os.Rename(tmp, p)
	}
	return nil
}

// noLinkParents replaces symlinks among p's ancestors by directories. The
// guarded paths are canonical when snapshotted, so any symlink among their
// ancestors was planted by the command (a swapped .git, say).
func (s *Snapshot) noLinkParents(p string) error {
	var dirs []string
	for dir := filepath.Dir(p); dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		dirs = append(dirs, dir)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		dir := dirs[i]
		fi, err := os.Lstat(dir)
		if err != nil {
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			continue
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := os.Remove(dir); err != nil {
				return err
			}
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// unswap finds the pinned directory where the command moved it (at most
// three levels below its parent), removes whatever took its place and moves
// it back.
func (s *Snapshot) unswap(p pin) error {
	var found string
	parent := filepath.Dir(p.path)
	_ = filepath.WalkDir(parent, func(q string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return filepath.SkipDir
		}
		if rel, _ := filepath.Rel(parent, q); len(filepath.SplitList(rel)) > 0 && strings.Count(rel, "/") > 2 {
			return filepath.SkipDir
		}
		if d.IsDir() && q != p.path {
			if dev, ino, ok := fileID(q); ok && dev == p.dev && ino == p.ino {
				found = q
				return filepath.SkipAll
			}
		}
		return nil
	})
	if found == "" {
		return fmt.Errorf("%s was replaced and the original was not found", p.path)
	}
	if err := os.RemoveAll(p.path); err != nil {
		return err
	}
	return os.Rename(found, p.path)
}
