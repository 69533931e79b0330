package patch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// archive is a txtar-like file: a comment, then "-- name --" sections.
type archive map[string]string

func readArchive(t *testing.T, file string) archive {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a := archive{}
	name := ""
	var body strings.Builder
	flush := func() {
		if name != "" {
			a[name] = body.String()
		}
		body.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trim := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") && len(trim) > 6 {
			flush()
			name = trim[3 : len(trim)-3]
			continue
		}
		body.WriteString(line)
	}
	flush()
	return a
}

// files returns the archive's files under prefix ("before/", "after/").
func (a archive) files(prefix string) map[string]string {
	out := map[string]string{}
	for name, body := range a {
		if rel, ok := strings.CutPrefix(name, prefix); ok {
			if strings.Contains(a["nonewline"], name) {
				body = strings.TrimSuffix(body, "\n")
			}
			out[rel] = body
		}
	}
	return out
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := readArchive(t, file)
			dir := t.TempDir()
			before := a.files("before/")
			writeTree(t, dir, before)
			plan, err := applyText(dir, a["patch"])
			want := a.files("after/")
			if wantErr, ok := a["error"]; ok {
				if err == nil {
					t.Fatalf("Apply succeeded, want error %q", wantErr)
				}
				if !strings.Contains(err.Error(), strings.TrimSuffix(wantErr, "\n")) {
					t.Errorf("error = %q, want it to contain %q", err, wantErr)
				}
				want = before
			} else if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
				t.Errorf("files mismatch (-want +got):\n%s", diff)
			}
			if out, ok := a["output"]; ok && plan != nil {
				if diff := cmp.Diff(out, Summary(plan.Changes)); diff != "" {
					t.Errorf("summary mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func applyText(dir, text string) (*Plan, error) {
	p, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return Apply(DirFS(dir), p)
}

func TestLineEndingsAndBOM(t *testing.T) {
	t.Parallel()
	const patchText = "*** Begin Patch\n*** Update File: f.txt\n@@\n a\n-b\n+B\n+new\n*** End Patch\n"
	tests := []struct {
		name, before, after string
	}{
		{"lf", "a\nb\nc\n", "a\nB\nnew\nc\n"},
		{"crlf", "a\r\nb\r\nc\r\n", "a\r\nB\r\nnew\r\nc\r\n"},
		{"crlf no final newline", "a\r\nb\r\nc", "a\r\nB\r\nnew\r\nc\r\n"},
		{"bom lf", "\ufeffa\nb\n", "\ufeffa\nB\nnew\n"},
		{"bom crlf", "\ufeffa\r\nb\r\n", "\ufeffa\r\nB\r\nnew\r\n"},
		{"no final newline", "a\nb", "a\nB\nnew\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"f.txt": tt.before})
			if _, err := applyText(dir, patchText); err != nil {
				t.Fatal(err)
			}
			got := readTree(t, dir)["f.txt"]
			if got != tt.after {
				t.Errorf("got %q, want %q", got, tt.after)
			}
		})
	}
}

func TestCRLFPatchText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f.txt": "a\nb\n"})
	text := strings.ReplaceAll("*** Begin Patch\n*** Update File: f.txt\n@@\n-b\n+c\n*** End Patch\n", "\n", "\r\n")
	if _, err := applyText(dir, text); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir)["f.txt"]; got != "a\nc\n" {
		t.Errorf("got %q", got)
	}
}

func TestModePreserved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(p, []byte("echo a\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := applyText(dir, "*** Begin Patch\n*** Update File: run.sh\n@@\n-echo a\n+echo b\n*** End Patch"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o755 {
		t.Errorf("mode = %v, want 0755", info.Mode().Perm())
	}
}

// failFS fails writes to one file, to exercise rollback.
type failFS struct {
	FS
	failOn string
}

func (f failFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if name == f.failOn {
		return errors.New("disk full")
	}
	return f.FS.WriteFile(name, data, perm)
}

func TestCommitRollsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	before := map[string]string{"a.txt": "a\n", "c.txt": "c\n", "d.txt": "d\n"}
	writeTree(t, dir, before)
	p, err := Parse(`*** Begin Patch
*** Update File: a.txt
@@
-a
+A
*** Add File: b.txt
+b
*** Delete File: d.txt
*** Update File: c.txt
@@
-c
+C
*** End Patch`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(failFS{DirFS(dir), "c.txt"}, p)
	if err == nil || !strings.Contains(err.Error(), "writing c.txt: disk full") {
		t.Fatalf("err = %v, want writing c.txt: disk full", err)
	}
	if diff := cmp.Diff(before, readTree(t, dir)); diff != "" {
		t.Errorf("files not restored (-want +got):\n%s", diff)
	}
}

func TestCommitDetectsConcurrentEdit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "a\n"})
	p, err := Parse("*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Compute(DirFS(dir), p)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"a.txt": "edited\n"})
	if err := plan.Commit(DirFS(dir)); err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("Commit err = %v, want changed on disk", err)
	}
	if got := readTree(t, dir)["a.txt"]; got != "edited\n" {
		t.Errorf("a.txt = %q", got)
	}
}

func TestChangesAndDiffs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"m.txt": "1\n2\n3\n4\n5\n6\n7\n8\n9\n"})
	p, err := Parse("*** Begin Patch\n*** Update File: m.txt\n*** Move to: n.txt\n@@\n-5\n+five\n*** Add File: x.txt\n+x\n*** End Patch")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Apply(DirFS(dir), p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Kind: Update, Path: "m.txt", MovePath: "n.txt",
			OldText: "1\n2\n3\n4\n5\n6\n7\n8\n9\n", NewText: "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			Diff: "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{Kind: Add, Path: "x.txt", NewText: "x\n", Diff: "@@ -0,0 +1 @@\n+x\n"},
	}
	if diff := cmp.Diff(want, plan.Changes); diff != "" {
		t.Errorf("changes mismatch (-want +got):\n%s", diff)
	}
	wantSummary := "Success. Updated the following files:\nA x.txt\nM n.txt\n"
	if got := Summary(plan.Changes); got != wantSummary {
		t.Errorf("summary = %q, want %q", got, wantSummary)
	}
}
