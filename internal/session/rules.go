package session

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/kodex-cli/kodex/internal/approval"
)

// The prefix rules the user approved "for commands that start with …" are
// kept where Codex keeps its execpolicy amendments: appended to
// rules/default.rules under the home directory ($KODEX_HOME), one
// prefix_rule(pattern=[...], decision="allow") a line, and applied to every
// later session. Sandboxed commands cannot read or write $KODEX_HOME.
const (
	rulesDir  = "rules"
	rulesFile = "default.rules"
)

func rulesPath(home string) string { return filepath.Join(home, rulesDir, rulesFile) }

// loadPrefixRules reads the saved prefix rules; a line kodex cannot apply
// is logged and skipped, a missing file is no rules. A rules file inside
// one of the session's writable roots (a workspace inside $KODEX_HOME)
// could have been written by a sandboxed command: it is not read.
func loadPrefixRules(home string, writable []string, log *slog.Logger) [][]string {
	if home == "" {
		return nil
	}
	for _, root := range writable {
		if insideRoot(rulesPath(home), root) {
			log.Warn("prefix rules not loaded: the rules file is inside a writable root", "path", rulesPath(home), "root", root)
			return nil
		}
	}
	b, err := os.ReadFile(rulesPath(home))
	if err != nil {
		if !os.IsNotExist(err) {
			log.Warn("prefix rules not loaded", "path", rulesPath(home), "err", err)
		}
		return nil
	}
	rules, errs := approval.ParsePrefixRules(string(b))
	for _, e := range errs {
		log.Warn("prefix rule skipped", "path", rulesPath(home), "err", e)
	}
	return rules
}

// savePrefixRule returns the function that appends an approved rule to the
// rules file (nil without a home directory).
func savePrefixRule(home string) func(rule []string) error {
	if home == "" {
		return nil
	}
	return func(rule []string) error {
		p := rulesPath(home)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("saving the prefix rule: %w", err)
		}
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("saving the prefix rule: %w", err)
		}
		defer f.Close()
		line := approval.FormatPrefixRule(rule) + "\n"
		// Start on a line of its own after a hand-edited last line.
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
			last := make([]byte, 1)
			if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
				line = "\n" + line
			} else if err != nil && err != io.EOF {
				return fmt.Errorf("saving the prefix rule: %w", err)
			}
		}
		if _, err := f.WriteString(line); err != nil {
			return fmt.Errorf("saving the prefix rule: %w", err)
		}
		return f.Close()
	}
}

// insideRoot reports whether p is root or below it, symlinks resolved where
// they exist.
func insideRoot(p, root string) bool {
	p, root = resolvedPath(p), resolvedPath(root)
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolvedPath is p cleaned, with the symlinks of its longest
// existing prefix resolved.
func resolvedPath(p string) string {
	p = filepath.Clean(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	dir, base := filepath.Split(p)
	if dir == "" || filepath.Clean(dir) == p {
		return p
	}
	return filepath.Join(resolvedPath(dir), base)
}
