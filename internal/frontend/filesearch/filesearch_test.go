package filesearch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestListWalksWithoutGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a.go", "sub/b.go", ".git/config", "node_modules/x/y.js", ".cache/z"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := List(context.Background(), dir, nil)
	slices.Sort(got)
	if want := []string{"a.go", "sub/b.go"}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
}

func TestListAsksGit(t *testing.T) {
	t.Parallel()
	var args []string
	git := func(_ context.Context, a ...string) ([]byte, error) {
		args = a
		return []byte("x.go\x00dir/y.go\x00"), nil
	}
	if got := List(context.Background(), t.TempDir(), git); !slices.Equal(got, []string{"x.go", "dir/y.go"}) {
		t.Errorf("List = %v", got)
	}
	if !slices.Equal(args, []string{"ls-files", "-z", "-co", "--exclude-standard"}) {
		t.Errorf("git was run with %v", args)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	files := []string{"docs/manual.md", "src/main.go", "src/util/strings.go"}
	got := Find("mgo", files, 1)
	if len(got) != 1 || got[0].Path != "src/main.go" || len(got[0].Indices) != 3 {
		t.Errorf("Find = %+v", got)
	}
}
