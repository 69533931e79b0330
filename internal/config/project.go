package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxProjectFileSize caps a project's .kodex/config.toml.
const maxProjectFileSize = 1 << 20

// project finds the project around cwd and its trust, and, when the project
// is trusted, its config file: <root>/.kodex/config.toml only. That is the
// one directory the sandbox keeps commands from writing; a .kodex in a
// subdirectory could have been planted by an earlier command, so it is never
// read. The user file itself is never loaded twice.
func (l *loader) project(trust *node) ProjectInfo {
	info := ProjectInfo{Root: findRoot(l.cwd)}
	info.Trust, info.TrustedBy = trustOf(trust.get("projects"), info.Root)
	if info.Trust != Trusted {
		return info
	}
	f := filepath.Join(info.Root, ".kodex", "config.toml")
	if sameFile(f, l.userFile) {
		return info
	}
	if _, err := os.Lstat(f); errors.Is(err, fs.ErrNotExist) {
		return info
	}
	info.Files = []string{f}
	return info
}

// findRoot is the nearest directory from cwd up that holds .git, else cwd.
// When cwd is reached through a symlink, the directories above its real
// path are searched too (as git does), so a symlink into a repository's
// subdirectory does not make that subdirectory a root of its own.
func findRoot(cwd string) string {
	if root, ok := gitRoot(cwd); ok {
		return root
	}
	if real := canonical(cwd); real != cwd {
		if root, ok := gitRoot(real); ok {
			return root
		}
	}
	return cwd
}

func gitRoot(dir string) (string, bool) {
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// trustOf returns the trust_level recorded for the project root itself, and
// the [projects] key that recorded it. A key matches when it names the root,
// or when both resolve (through symlinks) to the same directory. Entries for
// parents or subdirectories of the root do not count: a repository cloned
// into a trusted folder is a different project. If several keys match and
// one says untrusted, the project is untrusted.
func trustOf(projects *node, root string) (level, by string) {
	if projects == nil {
		return "", ""
	}
	realRoot := canonical(root)
	for _, k := range projects.keys {
		t := projects.lookup(k, "trust_level")
		if t == nil || t.kind != kString || !filepath.IsAbs(k) {
			continue
		}
		if p := filepath.Clean(k); p != root && canonical(p) != realRoot {
			continue
		}
		if level == "" || t.str == Untrusted {
			level, by = t.str, k
		}
	}
	return level, by
}

// canonical is p with symlinks resolved, or p if it cannot be resolved.
func canonical(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// readProjectFile reads a project's config file, which the project's
// authors control: it must resolve (through symlinks) to a regular file
// inside the project root and be at most maxProjectFileSize bytes. It
// returns nil if the file does not exist (a dangling symlink).
func (l *loader) readProjectFile(path, root string) *node {
	org := origin{kind: oProject, name: path}
	data, err := readInside(path, root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		l.add(&FieldError{Where: path, Msg: err.Error()})
		return newTable(org)
	}
	return l.parse(data, org)
}

func readInside(path, root string) ([]byte, error) {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("not loading the project config: %w", err)
	}
	realRoot := canonical(root)
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("not loading the project config: it links to %s, outside the project root %s (make .kodex/config.toml a regular file inside the project)", real, realRoot)
	}
	tooBig := fmt.Errorf("not loading the project config: it is larger than %d KiB", maxProjectFileSize>>10)
	check := func(st fs.FileInfo) error {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("not loading the project config: %s is not a regular file (%s)", real, st.Mode().Type())
		}
		if st.Size() > maxProjectFileSize {
			return tooBig
		}
		return nil
	}
	// Stat first: opening a FIFO would block.
	st, err := os.Stat(real)
	if err == nil {
		err = check(st)
	}
	if err != nil {
		return nil, err
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, fmt.Errorf("not loading the project config: %w", err)
	}
	defer f.Close()
	if st, err = f.Stat(); err == nil {
		err = check(st)
	}
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxProjectFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the project config: %w", err)
	}
	if len(data) > maxProjectFileSize {
		return nil, tooBig // it grew while being read
	}
	return data, nil
}

func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
