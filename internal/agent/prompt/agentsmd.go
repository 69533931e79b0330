package prompt

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// AGENTS.md file names, in order of preference within one directory.
const (
	OverrideFilename = "AGENTS.override.md"
	DefaultFilename  = "AGENTS.md"
)

// DefaultMaxBytes is the default cap on project docs (project_doc_max_bytes).
const DefaultMaxBytes = 32 << 10

// projectDocSeparator goes between the global instructions and the project
// docs.
const projectDocSeparator = "\n\n--- project-doc ---\n\n"

// DocsOptions configures LoadProjectDocs.
type DocsOptions struct {
	// Home is $KODEX_HOME, searched for the global AGENTS.override.md or
	// AGENTS.md; empty: no global file.
	Home string
	// Cwd is the working directory (absolute).
	Cwd string
	// MaxBytes caps the project docs in total (project_doc_max_bytes) and,
	// separately, the global file. 0 means DefaultMaxBytes; negative
	// disables project docs (the global file is still read, uncapped by
	// MaxBytes but by DefaultMaxBytes).
	MaxBytes int
	// FallbackFilenames are tried, in order, in a directory that has
	// neither AGENTS.override.md nor AGENTS.md
	// (project_doc_fallback_filenames).
	FallbackFilenames []string
}

// LoadProjectDocs returns the AGENTS.md instructions for opts.Cwd: the
// global file ($KODEX_HOME/AGENTS.override.md, else $KODEX_HOME/AGENTS.md),
// then one file per directory from the project root down to Cwd
// (AGENTS.override.md, else AGENTS.md, else the fallback names), joined in
// that order. The project root is the nearest ancestor of Cwd (symlinks
// resolved) holding a .git directory or file; without one, only Cwd is
// searched. Empty files are skipped. Text beyond the byte cap is cut, with a
// warning saying so.
//
// The files are read outside the sandbox and sent to the model, so a
// project's file must not pump a secret out: see [docReader] for what is
// skipped (symlinks leaving the project, non-regular files, /proc); each
// skip is a warning naming the file and the reason.
//
// Missing files are not errors; unreadable or skipped ones are warnings. The
// returned error is reserved for an unusable Cwd.
func LoadProjectDocs(opts DocsOptions) (text string, warnings []string, err error) {
	if opts.Cwd == "" {
		return "", nil, errors.New("loading AGENTS.md: no working directory")
	}
	cwd, err := filepath.Abs(opts.Cwd)
	if err != nil {
		return "", nil, fmt.Errorf("loading AGENTS.md: %w", err)
	}
	if real, err := filepath.EvalSymlinks(cwd); err == nil {
		cwd = real
	}
	limit := opts.MaxBytes
	if limit == 0 {
		limit = DefaultMaxBytes
	}

	var global string
	if opts.Home != "" {
		globalLimit := limit
		if globalLimit < 0 {
			globalLimit = DefaultMaxBytes
		}
		var w []string
		global, _, w = readFirst(&docReader{}, opts.Home, []string{OverrideFilename, DefaultFilename}, globalLimit)
		warnings = append(warnings, w...)
	}

	var parts []string
	if limit > 0 {
		dirs := searchDirs(cwd)
		r, err := newProjectReader(dirs[0])
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				warnings = append(warnings, fmt.Sprintf("skipped the project's AGENTS.md files: %v", err))
			}
			return global, warnings, nil
		}
		defer r.close()
		names := append([]string{OverrideFilename, DefaultFilename}, opts.FallbackFilenames...)
		remaining := limit
		for _, dir := range dirs {
			if remaining <= 0 {
				break
			}
			doc, n, w := readFirst(r, dir, names, remaining)
			warnings = append(warnings, w...)
			if doc != "" {
				parts = append(parts, doc)
				remaining -= n
			}
		}
	}
	project := strings.Join(parts, "\n\n")
	switch {
	case global != "" && project != "":
		return global + projectDocSeparator + project, warnings, nil
	case global != "":
		return global, warnings, nil
	}
	return project, warnings, nil
}

// searchDirs returns the directories from the project root down to cwd.
func searchDirs(cwd string) []string {
	dirs := []string{cwd}
	for dir := cwd; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			// Reverse: root first.
			for i, j := 0, len(dirs)-1; i < j; i, j = i+1, j-1 {
				dirs[i], dirs[j] = dirs[j], dirs[i]
			}
			return dirs
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return []string{cwd} // no project root: cwd only
		}
		dir = parent
		dirs = append(dirs, dir)
	}
}

// readFirst reads the first of names in dir that r accepts, with non-blank
// content, up to limit bytes. It returns the trimmed text, the number of
// bytes it counts against the budget, and warnings (one per file skipped or
// truncated).
func readFirst(r *docReader, dir string, names []string, limit int) (string, int, []string) {
	var warnings []string
	for _, name := range names {
		path := filepath.Join(dir, name)
		f, size, err := r.open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("skipped %s: %v", path, err))
			continue
		}
		b, truncated, err := readBounded(f, limit)
		f.Close()
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("skipped %s: %v", path, err))
			continue
		}
		text := strings.TrimSpace(string(b))
		if text == "" {
			continue
		}
		if truncated {
			warnings = append(warnings, fmt.Sprintf(
				"%s was truncated: the AGENTS.md files exceed project_doc_max_bytes (%d bytes remained for this file, it has %d)",
				path, limit, size))
		}
		return text, len(b), warnings
	}
	return "", 0, warnings
}

// readBounded reads at most limit bytes of r (never more than limit+1 from
// r, however large the file), cut back to a UTF-8 boundary if it was
// truncated.
func readBounded(r io.Reader, limit int) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) <= limit {
		return b, false, nil
	}
	b = b[:limit]
	// Drop a rune cut in half.
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return b, true, nil
}

// docReader opens instruction files, which are read outside the sandbox and
// sent to the model: a planted AGENTS.md that is a symlink to ~/.ssh/id_rsa
// or /proc/self/environ, or a named pipe, must not become a request.
//
// A project's file (root set) must be a regular file, or a symlink whose
// fully resolved target is a regular file inside the project root; the
// target is opened through an [os.Root] at the project root, so a directory
// swapped for a symlink meanwhile cannot lead out of it either. When the
// project root contains the user's home directory (a repository at ~ or
// no repository at /), "inside the project" would include ~/.ssh, so no
// symlink is followed at all.
//
// The global file ($KODEX_HOME, root empty) is the user's own: no sandboxed
// command can write there (the sandbox keeps kodex's state read-only), and
// dotfile managers (stow, home-manager) make it a symlink out of the home
// directory. Its symlinks are followed anywhere but into /proc, /sys or
// /dev, and the target must be a regular file.
//
// Every file is opened with O_NOFOLLOW|O_NONBLOCK (Unix; a pipe swapped in
// cannot block the open), checked with fstat to be regular, and read through
// an io.LimitReader.
type docReader struct {
	root     string   // the project root; "": the global file
	rootFS   *os.Root // opened at root
	symlinks bool     // symlinks inside root may be followed
}

// newProjectReader returns the reader of a project's files under root
// (absolute, symlinks resolved).
func newProjectReader(root string) (*docReader, error) {
	rootFS, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	symlinks := true
	if home, err := os.UserHomeDir(); err == nil {
		if real, err := filepath.EvalSymlinks(home); err == nil {
			home = real
		}
		symlinks = !within(home, root)
	}
	return &docReader{root: root, rootFS: rootFS, symlinks: symlinks}, nil
}

func (r *docReader) close() {
	if r.rootFS != nil {
		_ = r.rootFS.Close()
	}
}

// open opens path for reading and returns its size. An error wrapping
// fs.ErrNotExist means there is no such file; any other error says why the
// file is skipped.
func (r *docReader) open(path string) (*os.File, int64, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	target := path
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		if r.root != "" && !r.symlinks {
			return nil, 0, fmt.Errorf("symlink not followed: the project root %s contains your home directory", r.root)
		}
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return nil, 0, errors.New("symlink that does not resolve")
		}
		// Process state, kernel state and devices are not documents.
		for _, s := range []string{"/proc", "/sys", "/dev"} {
			if within(target, s) {
				return nil, 0, fmt.Errorf("symlink into %s", s)
			}
		}
		if r.root != "" && !within(target, r.root) {
			return nil, 0, fmt.Errorf("symlink to a path outside the project (%s)", target)
		}
	case !fi.Mode().IsRegular():
		return nil, 0, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	var f *os.File
	if r.root != "" {
		rel, err := filepath.Rel(r.root, target)
		if err != nil {
			return nil, 0, err
		}
		f, err = r.rootFS.OpenFile(rel, os.O_RDONLY|openFlags, 0)
		if err != nil {
			return nil, 0, err
		}
	} else if f, err = os.OpenFile(target, os.O_RDONLY|openFlags, 0); err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	return f, st.Size(), nil
}

// within reports whether p is dir or beneath it (both absolute, symlinks
// resolved).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
