package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeGit answers by the joined arguments and records the calls.
type fakeGit struct {
	out   map[string]string
	calls []string
}

func (f *fakeGit) run(_ context.Context, args ...string) ([]byte, error) {
	key := strings.Join(args, " ")
	f.calls = append(f.calls, key)
	out, ok := f.out[key]
	if !ok {
		return nil, errors.New("unexpected git " + key)
	}
	return []byte(out), nil
}

func TestGitDiffUsesInjectedGit(t *testing.T) {
	t.Parallel()
	if _, err := gitDiff(context.Background(), nil); err == nil {
		t.Error("gitDiff without a git runner: no error")
	}
	f := &fakeGit{out: map[string]string{
		"diff HEAD": "tracked\n",
		"ls-files -z --others --exclude-standard":     "with space.txt\x00line\nbreak\x00",
		"diff --no-index -- /dev/null with space.txt": "a\n",
		"diff --no-index -- /dev/null line\nbreak":    "b\n",
	}}
	got, err := gitDiff(context.Background(), f.run)
	if err != nil {
		t.Fatal(err)
	}
	if want := "tracked\na\nb\n"; got != want {
		t.Errorf("diff = %q, want %q (calls %q)", got, want, f.calls)
	}

	refused := errors.New("gitx: the repository layout under /x changed since the session started")
	_, err = gitDiff(context.Background(), func(context.Context, ...string) ([]byte, error) { return nil, refused })
	if !errors.Is(err, refused) {
		t.Errorf("err = %v, want the runner's error shown as is", err)
	}
}

func TestListFilesUsesInjectedGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "walked.go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeGit{out: map[string]string{"ls-files -z -co --exclude-standard": "a b.go\x00c.go\x00"}}
	if diff := cmp.Diff([]string{"a b.go", "c.go"}, listFiles(context.Background(), dir, f.run)); diff != "" {
		t.Errorf("with git (-want +got):\n%s", diff)
	}
	failing := func(context.Context, ...string) ([]byte, error) { return nil, errors.New("refused") }
	for name, git := range map[string]func(context.Context, ...string) ([]byte, error){"nil": nil, "failing": failing} {
		if diff := cmp.Diff([]string{"walked.go"}, listFiles(context.Background(), dir, git)); diff != "" {
			t.Errorf("%s git: walk (-want +got):\n%s", name, diff)
		}
	}
}
