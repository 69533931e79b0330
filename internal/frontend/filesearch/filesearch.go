// Package filesearch finds the files of a workspace by a fuzzy query: the
// TUI's @-mention popup and the app server's fuzzyFileSearch use it. It
// lists a directory's files (git's view of the repository when a git
// runner is given: tracked and untracked, minus ignored; else a bounded
// walk that skips hidden and vendored directories) and ranks them against
// a query. It runs no git itself (the caller's runner does, see
// internal/gitx) and knows no frontend.
package filesearch

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/sahilm/fuzzy"
)

// MaxFiles bounds the files listed for one directory.
const MaxFiles = 50000

// Git runs git in the directory (internal/gitx's Repo.Run).
type Git func(ctx context.Context, args ...string) ([]byte, error)

// List lists the files under dir as slash-separated paths relative to it.
func List(ctx context.Context, dir string, git Git) []string {
	if git != nil {
		if out, err := git(ctx, "ls-files", "-z", "-co", "--exclude-standard"); err == nil && len(out) > 0 {
			files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
			if len(files) > MaxFiles {
				files = files[:MaxFiles]
			}
			return files
		}
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || len(files) >= MaxFiles || ctx.Err() != nil {
			return filepath.SkipDir
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "target" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if rel, err := filepath.Rel(dir, p); err == nil {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return files
}

// Match is a file matching a query: its path, the rank of the match
// (higher is better) and the byte offsets of the matched characters.
type Match struct {
	Path    string
	Score   int
	Indices []int
}

// Find ranks files against query, best first, at most limit (0: all).
func Find(query string, files []string, limit int) []Match {
	var out []Match
	for _, m := range fuzzy.Find(query, files) {
		out = append(out, Match{Path: m.Str, Score: m.Score, Indices: m.MatchedIndexes})
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}
