package gitx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Layout is where a repository's parts are, as [Open] found them. Paths are
// absolute with symlinks resolved.
type Layout struct {
	WorkTree   string // the directory holding .git
	GitDir     string // .git, or the target of a `gitdir:` file or a .git symlink
	CommonDir  string // GitDir, or where GitDir/commondir points (a linked worktree)
	DotGitFile bool   // .git is a `gitdir:` file (linked worktree, submodule)
	DotGitLink bool   // .git is a symlink to a directory

	gitDirInfo, commonInfo os.FileInfo // identity, to notice a swapped directory
}

// LayoutError is a repository kodex will not run git in: its layout is
// invalid, or (Changed) it is no longer the one [Open] recorded.
type LayoutError struct {
	WorkTree string
	Reason   string // what is wrong, naming the file: ".git/commondir appeared"
	Changed  bool   // found by [Repo.Run] after Open accepted the repository
}

func (e *LayoutError) Error() string {
	if e.Changed {
		return fmt.Sprintf("gitx: the repository layout under %s changed since the session started (%s); not running git — inspect it yourself", e.WorkTree, e.Reason)
	}
	return fmt.Sprintf("gitx: refusing the repository at %s (%s); not running git — inspect it yourself", e.WorkTree, e.Reason)
}

// problem is what inspect found wrong, for a LayoutError's Reason.
type problem string

func (p problem) Error() string { return string(p) }

// maxSmallFile bounds the reads of HEAD, commondir and `gitdir:` files.
const maxSmallFile = 4 << 10

// discover walks up from dir (absolute, symlinks resolved) to the first
// directory holding .git and inspects it. A directory on the way that looks
// like a bare repository is refused: git would run with the config inside it
// (safe.bareRepository=explicit, done by reading the file system).
func discover(dir string) (Layout, error) {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			l, err := inspect(d)
			if err != nil {
				return Layout{}, &LayoutError{WorkTree: d, Reason: reason(d, err)}
			}
			return l, nil
		}
		if looksBare(d) {
			return Layout{}, &LayoutError{WorkTree: d, Reason: "it looks like a bare repository (HEAD, objects/ and refs/) without a .git; kodex runs git only in a work tree"}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return Layout{}, fmt.Errorf("%w: %s", ErrNotRepository, dir)
		}
		d = parent
	}
}

// reason words an inspect error, adding the bare-repository look-alike that
// git would fall back to when .git is invalid.
func reason(root string, err error) string {
	var p problem
	if !errors.As(err, &p) {
		return err.Error()
	}
	if looksBare(root) {
		return string(p) + ", and the work tree root itself looks like a bare repository (HEAD, objects/, refs/) that git would use instead"
	}
	return string(p)
}

// inspect reads the layout of the repository whose work tree is root, the
// way git would find it, and validates it: .git is a directory, a symlink to
// one or a `gitdir:` file; HEAD is `ref: refs/…` or an object id; objects/
// and refs/ exist in the common dir; commondir appears only in a linked
// worktree's git dir (<common>/worktrees/<name>).
func inspect(root string) (Layout, error) {
	l := Layout{WorkTree: root}
	dotgit := filepath.Join(root, ".git")
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return l, problem(".git is gone")
	}
	switch {
	case fi.IsDir():
		l.GitDir = dotgit
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(dotgit)
		if err != nil {
			return l, problem(".git is a symlink that does not resolve")
		}
		if st, err := os.Stat(target); err != nil || !st.IsDir() {
			return l, problem(".git is a symlink to something other than a directory")
		}
		l.GitDir, l.DotGitLink = target, true
	case fi.Mode().IsRegular():
		gd, err := readGitfile(dotgit)
		if err != nil {
			return l, err
		}
		l.GitDir, l.DotGitFile = gd, true
	default:
		return l, problem(".git is neither a directory nor a file")
	}
	if l.GitDir, err = filepath.EvalSymlinks(l.GitDir); err != nil {
		return l, problem(".git points to a git dir that does not exist")
	}
	if l.gitDirInfo, err = os.Stat(l.GitDir); err != nil || !l.gitDirInfo.IsDir() {
		return l, problem(".git points to something that is not a directory")
	}
	if err := checkHead(root, l.GitDir); err != nil {
		return l, err
	}
	l.CommonDir = l.GitDir
	commondir := filepath.Join(l.GitDir, "commondir")
	if _, err := os.Lstat(commondir); err == nil {
		if !l.DotGitFile {
			return l, problem(name(root, commondir) + " exists, but git writes one only in a linked worktree's git dir")
		}
		cd, err := readSmall(commondir)
		if err != nil {
			return l, problem(name(root, commondir) + " is unreadable")
		}
		c := strings.TrimSpace(string(cd))
		if !filepath.IsAbs(c) {
			c = filepath.Join(l.GitDir, c)
		}
		if l.CommonDir, err = filepath.EvalSymlinks(c); err != nil {
			return l, problem(name(root, commondir) + " points to a directory that does not exist")
		}
		// A linked worktree's git dir is <common>/worktrees/<name>.
		parent, err1 := os.Stat(filepath.Dir(l.GitDir))
		wts, err2 := os.Stat(filepath.Join(l.CommonDir, "worktrees"))
		if err1 != nil || err2 != nil || !os.SameFile(parent, wts) {
			return l, problem(name(root, commondir) + " points to " + l.CommonDir + ", which does not list this worktree under worktrees/")
		}
	}
	if l.commonInfo, err = os.Stat(l.CommonDir); err != nil {
		return l, problem("the common git dir " + l.CommonDir + " is gone")
	}
	for _, d := range []string{"objects", "refs"} {
		if st, err := os.Stat(filepath.Join(l.CommonDir, d)); err != nil || !st.IsDir() {
			return l, problem(name(root, filepath.Join(l.CommonDir, d)) + " is missing")
		}
	}
	return l, nil
}

// readGitfile parses a .git file: "gitdir: <path>", relative to the file's
// directory.
func readGitfile(path string) (string, error) {
	b, err := readSmall(path)
	if err != nil {
		return "", problem(".git is an unreadable file")
	}
	rest, ok := bytes.CutPrefix(b, []byte("gitdir: "))
	if !ok {
		return "", problem(`.git is a file that does not start with "gitdir: "`)
	}
	gd := strings.TrimRight(string(rest), "\r\n")
	if gd == "" || strings.ContainsAny(gd, "\n\x00") {
		return "", problem(".git is a malformed gitdir: file")
	}
	if !filepath.IsAbs(gd) {
		gd = filepath.Join(filepath.Dir(path), gd)
	}
	return gd, nil
}

// checkHead validates HEAD as git does (validate_headref): a regular file
// holding "ref: refs/…" or a hex object id. A symlinked HEAD, which git
// still accepts for compatibility, is refused.
func checkHead(root, gitDir string) error {
	head := filepath.Join(gitDir, "HEAD")
	bad := problem(name(root, head) + " is neither `ref: refs/…` nor an object id")
	fi, err := os.Lstat(head)
	if err != nil {
		return problem(name(root, head) + " is missing")
	}
	if !fi.Mode().IsRegular() {
		return bad
	}
	b, err := readSmall(head)
	if err != nil {
		return bad
	}
	s := strings.TrimRight(string(b), "\r\n")
	if ref, ok := strings.CutPrefix(s, "ref:"); ok {
		ref = strings.TrimLeft(ref, " \t")
		if strings.HasPrefix(ref, "refs/") && !strings.ContainsAny(ref, " \t\r\n\x00") {
			return nil
		}
		return bad
	}
	if isHex(s) && (len(s) == 40 || len(s) == 64) {
		return nil
	}
	return bad
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// looksBare reports whether dir holds HEAD, objects/ and refs/ directly, so
// that git's discovery would take dir itself for a git dir.
func looksBare(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, "HEAD")); err != nil {
		return false
	}
	for _, d := range []string{"objects", "refs"} {
		if st, err := os.Stat(filepath.Join(dir, d)); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// readSmall reads a control file of at most maxSmallFile bytes.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSmallFile {
		return nil, errors.New("too large")
	}
	return b, nil
}

// name shows p relative to the work tree root when it is inside it.
func name(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return p
}

// compare says how now differs from was (both valid layouts of the same
// work tree), or "" when it does not.
func compare(was, now Layout) string {
	switch {
	case was.DotGitFile != now.DotGitFile || was.DotGitLink != now.DotGitLink:
		return ".git changed from " + kind(was) + " to " + kind(now)
	case was.GitDir != now.GitDir:
		return ".git now points to " + now.GitDir + " instead of " + was.GitDir
	case !os.SameFile(was.gitDirInfo, now.gitDirInfo):
		return "the git dir " + name(was.WorkTree, was.GitDir) + " was replaced"
	case was.CommonDir != now.CommonDir:
		if was.CommonDir == was.GitDir {
			return name(was.WorkTree, filepath.Join(was.GitDir, "commondir")) + " appeared"
		}
		return name(was.WorkTree, filepath.Join(was.GitDir, "commondir")) + " now points to " + now.CommonDir
	case !os.SameFile(was.commonInfo, now.commonInfo):
		return "the common git dir " + was.CommonDir + " was replaced"
	}
	return ""
}

func kind(l Layout) string {
	switch {
	case l.DotGitFile:
		return "a gitdir: file"
	case l.DotGitLink:
		return "a symlink"
	}
	return "a directory"
}
