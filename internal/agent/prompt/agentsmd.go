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
// that order. The project root is the nearest ancestor of Cwd holding a .git
// directory or file; without one, only Cwd is searched. Empty files are
// skipped. Text beyond the byte cap is cut, with a warning saying so.
//
// Missing files are not errors; unreadable ones are warnings. The returned
// error is reserved for an unusable Cwd.
func LoadProjectDocs(opts DocsOptions) (text string, warnings []string, err error) {
	if opts.Cwd == "" {
		return "", nil, errors.New("loading AGENTS.md: no working directory")
	}
	cwd, err := filepath.Abs(opts.Cwd)
	if err != nil {
		return "", nil, fmt.Errorf("loading AGENTS.md: %w", err)
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
		global, _, w = readFirst(opts.Home, []string{OverrideFilename, DefaultFilename}, globalLimit)
		warnings = append(warnings, w...)
	}

	var parts []string
	if limit > 0 {
		names := append([]string{OverrideFilename, DefaultFilename}, opts.FallbackFilenames...)
		remaining := limit
		for _, dir := range searchDirs(cwd) {
			if remaining <= 0 {
				break
			}
			doc, n, w := readFirst(dir, names, remaining)
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

// readFirst reads the first of names that exists as a regular file (or a
// symlink to one) in dir with non-blank content, up to limit bytes. It
// returns the trimmed text, the number of bytes it counts against the
// budget, and warnings.
func readFirst(dir string, names []string, limit int) (string, int, []string) {
	for _, name := range names {
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil || !st.Mode().IsRegular() {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", 0, []string{fmt.Sprintf("skipping %s: %v", path, err)}
			}
			continue
		}
		b, truncated, err := readLimited(path, limit)
		if err != nil {
			return "", 0, []string{fmt.Sprintf("skipping %s: %v", path, err)}
		}
		text := strings.TrimSpace(string(b))
		if text == "" {
			continue
		}
		var warnings []string
		if truncated {
			warnings = append(warnings, fmt.Sprintf(
				"%s was truncated: the AGENTS.md files exceed project_doc_max_bytes (%d bytes remained for this file, it has %d)",
				path, limit, st.Size()))
		}
		return text, len(b), warnings
	}
	return "", 0, nil
}

// readLimited reads at most limit bytes of path, cut back to a UTF-8
// boundary if it was truncated.
func readLimited(path string, limit int) ([]byte, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
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
