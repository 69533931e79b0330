package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/execjson"
	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/gitx"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// NewCmdApply builds `kodex apply`.
func NewCmdApply(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "apply [SESSION_ID]",
		Short: "Apply a session's changes to the working tree with git apply",
		Long: `Apply the changes a recorded session made with apply_patch to the working tree
of the current directory (or -C DIR), as one patch fed to git apply: all or
nothing, the index untouched, no three-way merge. With no SESSION_ID, the most
recent session started in this directory; an id prefix is enough.

This brings a session's edits to another checkout (a clean clone, another
worktree, a branch switched since). The paths are taken relative to the
directory the session ran in and applied relative to this one, as git apply
would. Changes made by commands rather than patches (a formatter, sed) are
not recorded and not applied; nor are files outside the session's directory.
A session run with --ephemeral was not recorded and cannot be applied.`,
		Example: `  kodex apply                    # the last session in this directory
  kodex apply 0199a7c2           # a session by id prefix (kodex sessions list)
  kodex -C ../clean-checkout apply 0199a7c2`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			return runApply(cmd, f, g, id)
		},
	}
}

func runApply(cmd *cobra.Command, f *Factory, g *GlobalOptions, id string) error {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	cwd, err := resolveCwd(f, g.Cd)
	if err != nil {
		return err
	}
	path, err := findApplySession(home, cwd, id)
	if err != nil {
		return err
	}
	meta, patches, err := rollout.Patches(path)
	if err != nil {
		return err
	}
	diff, files, skipped := sessionDiff(meta.Cwd, patches)
	w := f.IO.Out
	for _, s := range skipped {
		fmt.Fprintf(w, "left out (outside the session's directory %s): %s\n", termtext.Text(meta.Cwd), termtext.Text(s))
	}
	if len(files) == 0 {
		return fmt.Errorf("session %s made no changes with apply_patch in %s; nothing to apply", meta.ID, meta.Cwd)
	}
	repo, err := gitx.Open(cmd.Context(), cwd)
	if errors.Is(err, gitx.ErrNotRepository) {
		return fmt.Errorf("%s is not in a git repository; kodex apply uses git apply", cwd)
	}
	if err != nil {
		return err
	}
	if !samePath(meta.Cwd, cwd) {
		fmt.Fprintf(w, "session %s ran in %s; applying its changes here, in %s\n", meta.ID, meta.Cwd, cwd)
	}
	if err := repo.Apply(cmd.Context(), []byte(diff)); err != nil {
		return fmt.Errorf("the session's changes do not apply here; nothing was changed:\n%w", err)
	}
	fmt.Fprintf(w, "Applied the changes of session %s:\n", meta.ID)
	for _, l := range files {
		fmt.Fprintf(w, "  %s\n", termtext.Text(l))
	}
	return nil
}

// findApplySession is the rollout of session id (a prefix), or of the last
// session worked in in cwd (see rollout.Last).
func findApplySession(home, cwd, id string) (string, error) {
	if id != "" {
		return rollout.Find(home, id)
	}
	path, err := rollout.Last(home, cwd)
	if errors.Is(err, rollout.ErrNotFound) {
		return "", fmt.Errorf("no session recorded for %s (sessions run with --ephemeral are not); give a session id, see kodex sessions list", cwd)
	}
	return path, err
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// sessionDiff turns a session's applied patches into one diff in git's
// format, with paths relative to dir (the session's directory), in the
// order they were applied: git apply applies a later patch of the same file
// to the result of the earlier one. files lists what the diff changes, one
// line each ("M path", "R old → new"); skipped lists the changes to files
// outside dir, which are left out.
func sessionDiff(dir string, patches []protocol.PatchApplyEnd) (diff string, files, skipped []string) {
	var b strings.Builder
	seen := map[string]bool{}
	note := func(line string) {
		if !seen[line] {
			seen[line] = true
			files = append(files, line)
		}
	}
	for _, p := range patches {
		for _, c := range p.Changes {
			from, ok := relInside(dir, c.Path)
			to := from
			if ok && c.MovePath != "" {
				to, ok = relInside(dir, c.MovePath)
			}
			if !ok {
				skipped = append(skipped, c.Path)
				continue
			}
			if writeChange(&b, c, from, to) {
				switch {
				case from != to:
					note("R " + from + " → " + to)
				default:
					note(execjson.ChangeLetter(c.Kind) + " " + from)
				}
			}
		}
	}
	return b.String(), files, skipped
}

// writeChange writes one file's change as a git diff and reports whether it
// changes anything.
func writeChange(b *strings.Builder, c protocol.FileChange, from, to string) bool {
	a, z := quoteGitPath("a/"+from), quoteGitPath("b/"+to)
	switch c.Kind {
	case protocol.ChangeAdd:
		fmt.Fprintf(b, "diff --git %s %s\nnew file mode 100644\n--- /dev/null\n+++ %s\n", a, z, z)
	case protocol.ChangeDelete:
		fmt.Fprintf(b, "diff --git %s %s\ndeleted file mode 100644\n--- %s\n+++ /dev/null\n", a, z, a)
	default:
		if c.UnifiedDiff == "" && from == to {
			return false
		}
		fmt.Fprintf(b, "diff --git %s %s\n", a, z)
		if from != to {
			fmt.Fprintf(b, "rename from %s\nrename to %s\n", quoteGitPath(from), quoteGitPath(to))
		}
		if c.UnifiedDiff != "" {
			fmt.Fprintf(b, "--- %s\n+++ %s\n", a, z)
		}
	}
	b.WriteString(c.UnifiedDiff)
	if c.UnifiedDiff != "" && !strings.HasSuffix(c.UnifiedDiff, "\n") {
		b.WriteByte('\n')
	}
	return true
}

// relInside is p relative to dir, with slashes, when p is inside dir.
func relInside(dir, p string) (string, bool) {
	if !filepath.IsAbs(p) || dir == "" {
		return "", false
	}
	r, err := filepath.Rel(dir, p)
	if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// quoteGitPath quotes a path as git does in diff headers (C style, octal
// for control bytes) when it holds a quote, a backslash or a control
// character.
func quoteGitPath(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '"' || r == '\\' }) {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
