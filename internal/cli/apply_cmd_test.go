package cli

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestSessionDiff(t *testing.T) {
	t.Parallel()
	root, elsewhere := t.TempDir(), t.TempDir()
	in := func(dir, name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }
	patches := []protocol.PatchApplyEnd{
		{Success: true, Changes: []protocol.FileChange{
			{Path: in(root, "a b.txt"), Kind: protocol.ChangeAdd, UnifiedDiff: "@@ -0,0 +1 @@\n+x\n"},
			{Path: in(root, "old.txt"), MovePath: in(root, "dir/new.txt"), Kind: protocol.ChangeUpdate},
			{Path: in(elsewhere, "c.txt"), Kind: protocol.ChangeDelete, UnifiedDiff: "@@ -1 +0,0 @@\n-c\n"},
			{Path: in(root, "tab\there\".txt"), Kind: protocol.ChangeDelete, UnifiedDiff: "@@ -1 +0,0 @@\n-d\n\\ No newline at end of file"},
			{Path: in(root, "same.txt"), Kind: protocol.ChangeUpdate},
		}},
	}
	diff, files, skipped := sessionDiff(root, patches)
	want := "diff --git a/a b.txt b/a b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/a b.txt\n@@ -0,0 +1 @@\n+x\n" +
		"diff --git a/old.txt b/dir/new.txt\nrename from old.txt\nrename to dir/new.txt\n" +
		"diff --git \"a/tab\\there\\\".txt\" \"b/tab\\there\\\".txt\"\ndeleted file mode 100644\n--- \"a/tab\\there\\\".txt\"\n+++ /dev/null\n@@ -1 +0,0 @@\n-d\n\\ No newline at end of file\n"
	if diff != want {
		t.Errorf("diff mismatch (-want +got):\n%s", cmp.Diff(want, diff))
	}
	if d := cmp.Diff([]string{"A a b.txt", "R old.txt → dir/new.txt", "D tab\there\".txt"}, files); d != "" {
		t.Errorf("files mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{in(elsewhere, "c.txt")}, skipped); d != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", d)
	}
}
