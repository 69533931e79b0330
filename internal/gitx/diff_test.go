package gitx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// branchRepo: main has one.txt, then main.txt after the feature branch
// forked; feature has feature.txt committed, an uncommitted change to
// one.txt and an untracked new.txt.
func branchRepo(t *testing.T) (ws string, featureCommit string) {
	t.Helper()
	tmp := t.TempDir()
	ws = filepath.Join(tmp, "ws")
	mustGit(t, tmp, "init", "-q", ws)
	writeFile(t, filepath.Join(ws, "one.txt"), "one\n", 0o644)
	mustGit(t, ws, "add", "one.txt")
	mustGit(t, ws, "commit", "-qm", "one")
	mustGit(t, ws, "checkout", "-qb", "feature")
	writeFile(t, filepath.Join(ws, "feature.txt"), "feature work\n", 0o644)
	mustGit(t, ws, "add", "feature.txt")
	mustGit(t, ws, "commit", "-qm", "add the feature")
	featureCommit = strings.TrimSpace(mustGit(t, ws, "rev-parse", "HEAD"))
	mustGit(t, ws, "checkout", "-q", "main")
	writeFile(t, filepath.Join(ws, "main.txt"), "main moved on\n", 0o644)
	mustGit(t, ws, "add", "main.txt")
	mustGit(t, ws, "commit", "-qm", "main moves")
	mustGit(t, ws, "checkout", "-q", "feature")
	writeFile(t, filepath.Join(ws, "one.txt"), "one\nuncommitted\n", 0o644)
	writeFile(t, filepath.Join(ws, "new.txt"), "untracked\n", 0o644)
	writeFile(t, filepath.Join(ws, ".gitignore"), "ignored.txt\n", 0o644)
	writeFile(t, filepath.Join(ws, "ignored.txt"), "ignored\n", 0o644)
	return ws, featureCommit
}

func has(t *testing.T, what, diff string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(diff, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, diff)
		}
	}
	for _, w := range notWant {
		if strings.Contains(diff, w) {
			t.Errorf("%s has %q:\n%s", what, w, diff)
		}
	}
}

func TestReviewDiffs(t *testing.T) {
	t.Parallel()
	ws, featureCommit := branchRepo(t)
	r := open(t, ws)
	ctx := context.Background()

	d, err := r.UncommittedDiff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	has(t, "UncommittedDiff", d, []string{"+uncommitted", "b/new.txt", "+untracked", "b/.gitignore"}, []string{"feature work", "ignored.txt\n+ignored", "main moved on"})

	d, base, err := r.BaseDiff(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	has(t, "BaseDiff", d, []string{"+feature work", "+uncommitted"}, []string{"main moved on"})
	if want := strings.TrimSpace(mustGit(t, ws, "merge-base", "main", "feature")); base != want {
		t.Errorf("merge base = %s, want %s", base, want)
	}

	d, err = r.CommitDiff(ctx, featureCommit[:8])
	if err != nil {
		t.Fatal(err)
	}
	has(t, "CommitDiff", d, []string{"commit " + featureCommit, "add the feature", "+feature work"}, []string{"uncommitted", "main moved on"})
	title, err := r.CommitTitle(ctx, "feature")
	if err != nil || title != "add the feature" {
		t.Errorf("CommitTitle = %q, %v; want %q", title, err, "add the feature")
	}
}

func TestResolveCommitRefuses(t *testing.T) {
	t.Parallel()
	ws, _ := branchRepo(t)
	r := open(t, ws)
	for _, rev := range []string{"", "--output=/tmp/x", "-p", "nope", "main:one.txt"} {
		if id, err := r.ResolveCommit(context.Background(), rev); err == nil {
			t.Errorf("ResolveCommit(%q) = %s, want an error", rev, id)
		}
	}
	if _, err := r.CommitDiff(context.Background(), "--output="+filepath.Join(ws, "planted")); err == nil {
		t.Error("CommitDiff of an option: no error")
	}
	if _, err := os.Lstat(filepath.Join(ws, "planted")); err == nil {
		t.Error("an option given as a revision wrote a file")
	}
}

func TestUncommittedDiffBeforeFirstCommit(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ws := filepath.Join(tmp, "ws")
	mustGit(t, tmp, "init", "-q", ws)
	writeFile(t, filepath.Join(ws, "staged.txt"), "staged\n", 0o644)
	mustGit(t, ws, "add", "staged.txt")
	writeFile(t, filepath.Join(ws, "staged.txt"), "staged\nand changed\n", 0o644)
	writeFile(t, filepath.Join(ws, "loose.txt"), "loose\n", 0o644)
	d, err := open(t, ws).UncommittedDiff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	has(t, "UncommittedDiff", d, []string{"+staged", "+and changed", "+loose"}, nil)
}
