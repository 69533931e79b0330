package patch

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codexScenarios is Codex's own apply_patch conformance suite (see
// testdata/codex-scenarios/README.md): each directory holds input/ (the
// tree before), patch.txt and expected/ (the tree after).
const codexScenarios = "testdata/codex-scenarios"

// allOrNothing lists the scenarios where Codex keeps the part of a patch it
// applied before a later hunk failed. kodex applies a patch all-or-nothing
// (docs/patches.md), so there the patch must fail and the tree stay as the
// input was.
var allOrNothing = map[string]string{
	"015_failure_after_partial_success_leaves_changes": "Codex keeps the added created.txt when the update of missing.txt fails; kodex writes nothing",
}

// TestCodexScenarios runs every scenario the way Codex's harness does: the
// input tree is copied to a temporary directory, the patch is parsed and
// applied there as the apply_patch tool does it (Parse, Compute, Commit),
// and the resulting tree, directories included, must equal expected/
// exactly. The exit status is not part of a scenario, except for the
// all-or-nothing exceptions, which must report an error.
func TestCodexScenarios(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(codexScenarios)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		seen++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(codexScenarios, name)
			tmp := t.TempDir()
			copyTree(t, filepath.Join(dir, "input"), tmp)
			text, err := os.ReadFile(filepath.Join(dir, "patch.txt"))
			if err != nil {
				t.Fatal(err)
			}
			applyErr := applyLikeTheTool(tmp, string(text))

			want := snapshot(t, filepath.Join(dir, "expected"))
			if reason, ok := allOrNothing[name]; ok {
				if applyErr == nil {
					t.Errorf("patch applied, want an error (all-or-nothing: %s)", reason)
				}
				want = snapshot(t, filepath.Join(dir, "input"))
			}
			if diff := cmp.Diff(want, snapshot(t, tmp)); diff != "" {
				t.Errorf("tree after the patch mismatch (-want +got), apply error %v:\n%s", applyErr, diff)
			}
		})
	}
	if seen == 0 {
		t.Fatalf("no scenarios under %s", codexScenarios)
	}
	for name := range allOrNothing {
		if _, err := os.Stat(filepath.Join(codexScenarios, name)); err != nil {
			t.Errorf("all-or-nothing exception %s names no scenario: %v", name, err)
		}
	}
}

// applyLikeTheTool parses text and applies it in dir through the steps the
// apply_patch tool takes: verify in memory, then commit.
func applyLikeTheTool(dir, text string) error {
	p, err := Parse(text)
	if err != nil {
		return err
	}
	fsys := DirFS(dir)
	plan, err := Compute(fsys, p)
	if err != nil {
		return err
	}
	return plan.Commit(fsys)
}

// snapshot maps every entry under root (relative, slash-separated) to its
// contents; directories map to "<dir>". A missing root is an empty tree.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Stat(root); os.IsNotExist(err) {
		return out
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			out[rel] = "<dir>"
			return nil
		}
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyTree copies the files under src (if it exists) into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if _, err := os.Stat(src); os.IsNotExist(err) {
		return
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
