package gitx

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// The diffs of a code review (`kodex review`): what is not committed yet,
// what a branch would merge, what one commit introduced. A revision the
// user names is resolved to a commit id first, refused when it looks like an
// option, and only ids reach the diff commands.

// ResolveCommit returns the full id of the commit rev names (a branch, a
// tag, an abbreviated id, HEAD~2, …).
func (r *Repo) ResolveCommit(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("gitx: %q is not a revision", rev)
	}
	out, err := r.Run(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("gitx: no commit %q in this repository", rev)
	}
	return strings.TrimSpace(string(out)), nil
}

// CommitTitle returns the first line of the commit's message.
func (r *Repo) CommitTitle(ctx context.Context, rev string) (string, error) {
	id, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return "", err
	}
	out, err := r.Run(ctx, "log", "-1", "--format=%s", id)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// UncommittedDiff is every change not committed yet: staged and unstaged
// changes against HEAD (against the empty tree before the first commit),
// then each untracked file (minus ignored ones) as a new file.
func (r *Repo) UncommittedDiff(ctx context.Context) (string, error) {
	diff, err := r.Run(ctx, "diff", "HEAD")
	if err != nil {
		// No commit yet: the index and the work tree are all there is.
		if _, herr := r.Run(ctx, "rev-parse", "--verify", "--quiet", "HEAD"); herr == nil {
			return "", err
		}
		staged, err := r.Run(ctx, "diff", "--cached")
		if err != nil {
			return "", err
		}
		unstaged, err := r.Run(ctx, "diff")
		if err != nil {
			return "", err
		}
		diff = append(staged, unstaged...)
	}
	untracked, err := r.Run(ctx, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Write(diff)
	for f := range strings.SplitSeq(string(untracked), "\x00") {
		if f == "" {
			continue
		}
		d, err := r.newFileDiff(ctx, f)
		if err != nil {
			return "", err
		}
		b.WriteString(d)
	}
	return b.String(), nil
}

// newFileDiff shows an untracked file as added.
func (r *Repo) newFileDiff(ctx context.Context, path string) (string, error) {
	out, err := r.Run(ctx, "diff", "--no-index", "--", "/dev/null", path)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil // --no-index exits 1 when the files differ
	}
	return string(out), err
}

// BaseDiff is what the current state would merge into branch: the diff from
// the merge base of HEAD and branch (its upstream, when it has one, as Codex
// does) to the work tree, uncommitted changes included. It returns the
// merge base's id too.
func (r *Repo) BaseDiff(ctx context.Context, branch string) (diff, mergeBase string, err error) {
	base, err := r.ResolveCommit(ctx, branch)
	if err != nil {
		return "", "", err
	}
	if up, err := r.ResolveCommit(ctx, branch+"@{upstream}"); err == nil {
		base = up
	}
	out, err := r.Run(ctx, "merge-base", "HEAD", base)
	if err != nil {
		return "", "", fmt.Errorf("finding the merge base of HEAD and %s: %w", branch, err)
	}
	mergeBase = strings.TrimSpace(string(out))
	d, err := r.Run(ctx, "diff", mergeBase)
	if err != nil {
		return "", "", err
	}
	return string(d), mergeBase, nil
}

// CommitDiff is what one commit introduced: its header (author, date,
// message) and its patch, as `git show` prints them.
func (r *Repo) CommitDiff(ctx context.Context, rev string) (string, error) {
	id, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return "", err
	}
	out, err := r.Run(ctx, "show", "--patch", "--format=fuller", id)
	if err != nil {
		return "", err
	}
	return string(out), nil
}
