package gitx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	needGit(t)
	t.Parallel()
	ws := t.TempDir()
	mustGit(t, ws, "init", "-q")
	writeFile(t, filepath.Join(ws, "sub", "a.txt"), "one\ntwo\nthree\n", 0o644)
	writeFile(t, filepath.Join(ws, "b.txt"), "bee\n", 0o644)
	// A hook that would show git ran one.
	marker := filepath.Join(t.TempDir(), "hook-ran")
	writeFile(t, filepath.Join(ws, ".git", "hooks", "applypatch-msg"), "#!/bin/sh\ntouch "+marker+"\n", 0o755)
	writeFile(t, filepath.Join(ws, ".git", "hooks", "pre-applypatch"), "#!/bin/sh\ntouch "+marker+"\n", 0o755)

	r, err := Open(context.Background(), filepath.Join(ws, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	ok := "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n" +
		"diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+new\n"
	if err := r.Apply(context.Background(), []byte(ok)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for path, want := range map[string]string{"sub/a.txt": "one\nTWO\nthree\n", "sub/new.txt": "new\n"} {
		got, err := os.ReadFile(filepath.Join(ws, path))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}

	// One file applies, the other does not: nothing changes.
	bad := "diff --git a/new.txt b/new.txt\n--- a/new.txt\n+++ b/new.txt\n@@ -1 +1 @@\n-new\n+newer\n" +
		"diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
	err = r.Apply(context.Background(), []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "patch does not apply") {
		t.Fatalf("Apply of a conflicting patch = %v, want git's error", err)
	}
	if got, _ := os.ReadFile(filepath.Join(ws, "sub", "new.txt")); string(got) != "new\n" {
		t.Errorf("new.txt changed by a failed apply: %q", got)
	}

	// Paths outside the work tree are refused.
	escape := "diff --git a/../../x.txt b/../../x.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../../x.txt\n@@ -0,0 +1 @@\n+x\n"
	if err := r.Apply(context.Background(), []byte(escape)); err == nil {
		t.Error("Apply wrote outside the work tree")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a repository hook ran")
	}
}
