package rollout

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCollectGitRefusesPlantedLayout: a repository whose .git/commondir
// points at another config (planted by a sandboxed command) is not queried.
func TestCollectGitRefusesPlantedLayout(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	evil := filepath.Join(t.TempDir(), "evil")
	for _, args := range [][]string{
		{"-C", dir, "init", "-q"},
		{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"},
		{"init", "-q", "--bare", evil},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if got := CollectGit(context.Background(), dir); got == nil {
		t.Fatal("CollectGit = nil before the plant")
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "commondir"), []byte(evil+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := CollectGit(context.Background(), dir); got != nil {
		t.Errorf("CollectGit with a planted commondir = %+v, want nil", got)
	}
}
