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
	"time"
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
	roots    []string // the guarded paths, in order
	entries  map[string]entry
	pins     []pin
	gitDirs  []gitDirState
	newRepos []string
	linked   []linkedFile
}

// linkedFile is a hard-linked file whose contents are restored in place
// (writing the same inode puts back the file outside the roots too).
type linkedFile struct {
	path     string
	dev, ino uint64
	data     []byte // nil when over the budget: changes are only reported
	size     int64
	mtime    time.Time
	ctime    int64
}

// gitDirState is the top level of a git dir before the command.
type gitDirState struct {
	path  string
	names map[string]bool
	head  []byte // HEAD's content when it was valid
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

// takeSpecSnapshot snapshots what s guards: the protected paths, the
// pinned .git dirs, the top level of every git dir and the roots' missing
// .git entries.
func takeSpecSnapshot(s spec) (*Snapshot, error) {
	snap, err := TakeSnapshot(s.Guard, s.Pin)
	if err != nil {
		return nil, err
	}
	for _, gd := range s.GitDirs {
		ents, err := os.ReadDir(gd)
		if err != nil {
			continue
		}
		st := gitDirState{path: gd, names: map[string]bool{}}
		for _, e := range ents {
			st.names[e.Name()] = true
		}
		if b, err := readRegular(filepath.Join(gd, "HEAD"), 4096); err == nil && validHead(b) {
			st.head = b
		}
		snap.gitDirs = append(snap.gitDirs, st)
	}
	for _, p := range s.NewRepos {
		if !exists(p) {
			snap.newRepos = append(snap.newRepos, p)
		}
	}
	if !s.Namespaces { // with namespaces they are read-only mounts
		snap.snapshotLinked(s.LinkedFiles)
	}
	return snap, nil
}

// snapshotLinked records the hard-linked files beneath paths, keeping
// contents up to maxSnapshotBytes.
func (s *Snapshot) snapshotLinked(paths []string) {
	budget := int64(maxSnapshotBytes)
	for _, root := range paths {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			dev, ino, ok := fileID(p)
			if !ok {
				return nil
			}
			ctime, _ := fileChange(p)
			lf := linkedFile{path: p, dev: dev, ino: ino, size: fi.Size(), mtime: fi.ModTime(), ctime: ctime}
			if fi.Size() <= budget {
				if lf.data, err = os.ReadFile(p); err == nil {
					budget -= int64(len(lf.data))
				}
			}
			s.linked = append(s.linked, lf)
			return nil
		})
	}
}

// restoreLinked writes back, in place, hard-linked files whose contents
// changed. A file replaced by a new one (another inode) changed nothing
// outside and is left as the command made it.
func (s *Snapshot) restoreLinked() (tampered []string, errs []error) {
	for _, lf := range s.linked {
		dev, ino, ok := fileID(lf.path)
		if !ok || dev != lf.dev || ino != lf.ino {
			continue
		}
		fi, err := os.Lstat(lf.path)
		if err != nil {
			continue
		}
		if ctime, ok := fileChange(lf.path); ok && ctime == lf.ctime && fi.Size() == lf.size {
			continue // not written: a write always moves the change time
		}
		if lf.data == nil {
			if fi.Size() != lf.size || !fi.ModTime().Equal(lf.mtime) {
				tampered = append(tampered, lf.path)
				errs = append(errs, fmt.Errorf("%s is hard-linked outside the writable roots and changed; it is too large to restore", lf.path))
			}
			continue
		}
		if b, err := os.ReadFile(lf.path); err == nil && bytes.Equal(b, lf.data) {
			continue
		}
		tampered = append(tampered, lf.path)
		f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_TRUNC|syscallNoFollow, 0)
		if err == nil {
			_, err = f.Write(lf.data)
			err = errors.Join(err, f.Close())
		}
		if err == nil {
			err = os.Chtimes(lf.path, lf.mtime, lf.mtime)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", lf.path, err))
		}
	}
	return tampered, errs
}

// readRegular reads a regular file (not through a symlink) of at most max bytes.
func readRegular(p string, max int64) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > max {
		return nil, fmt.Errorf("%s is not a small regular file", p)
	}
	return os.ReadFile(p)
}

// restoreGitDirs removes top-level entries of the git dirs that git does
// not write to record work and puts back a HEAD that is no longer valid.
func (s *Snapshot) restoreGitDirs() (tampered []string, errs []error) {
	for _, st := range s.gitDirs {
		ents, err := os.ReadDir(st.path)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if st.names[e.Name()] || gitWorkName(e.Name()) {
				continue
			}
			p := filepath.Join(st.path, e.Name())
			tampered = append(tampered, p)
			if err := os.RemoveAll(p); err != nil {
				errs = append(errs, err)
			}
		}
		head := filepath.Join(st.path, "HEAD")
		if b, err := readRegular(head, 4096); st.head != nil && (err != nil || !validHead(b)) {
			tampered = append(tampered, head)
			if err := os.RemoveAll(head); err != nil {
				errs = append(errs, err)
			} else if err := s.put(head, entry{mode: 0o644, data: st.head}); err != nil {
				errs = append(errs, fmt.Errorf("restoring %s: %w", head, err))
			}
		}
	}
	for _, p := range s.newRepos {
		why, err := checkNewRepo(p)
		if why != "" {
			tampered = append(tampered, p+" (a new repository that would run programs: "+why+")")
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return tampered, errs
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
	gt, gerrs := s.restoreGitDirs()
	tampered = append(tampered, gt...)
	errs = append(errs, gerrs...)
	lt, lerrs := s.restoreLinked()
	tampered = append(tampered, lt...)
	errs = append(errs, lerrs...)
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
