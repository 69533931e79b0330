package applypatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeEditor holds buffers: what it was asked to write, and the unsaved
// text of files it has open.
type fakeEditor struct {
	mu      sync.Mutex
	buffers map[string]string
	writes  []string
	noRead  bool
}

func (f *fakeEditor) ReadTextFile(_ context.Context, path string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noRead {
		return "", fmt.Errorf("no reads: %w", errors.ErrUnsupported)
	}
	if b, ok := f.buffers[path]; ok {
		return b, nil
	}
	b, err := os.ReadFile(path)
	return string(b), err
}

func (f *fakeEditor) WriteTextFile(_ context.Context, path, content string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, path)
	f.buffers[path] = content
	return nil
}

func TestEditorReadsAndWritesBuffers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "on disk\n")
	write(t, dir, "gone.txt", "bye\n")
	ed := &fakeEditor{buffers: map[string]string{filepath.Join(dir, "a.txt"): "unsaved\n"}}
	tool := New(Options{Editor: ed})
	f := &fakeEnv{}
	res, err := tool.Handle(context.Background(), f.env(dir), functionCall(t, `*** Begin Patch
*** Update File: a.txt
@@
-unsaved
+edited
*** Add File: sub/new.txt
+hello
*** Delete File: gone.txt
*** End Patch`))
	if err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	want := map[string]string{filepath.Join(dir, "a.txt"): "edited\n", filepath.Join(dir, "sub", "new.txt"): "hello\n"}
	if diff := cmp.Diff(want, ed.buffers); diff != "" {
		t.Errorf("buffers (-want +got):\n%s", diff)
	}
	// The editor saves; kodex wrote neither file itself, and removed the
	// deleted one on disk.
	if got := read(t, filepath.Join(dir, "a.txt")); got != "on disk\n" {
		t.Errorf("a.txt on disk = %q, want it untouched", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "new.txt")); !os.IsNotExist(err) {
		t.Errorf("sub/new.txt exists on disk (%v): the editor should have written it", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.txt")); !os.IsNotExist(err) {
		t.Errorf("gone.txt still exists: %v", err)
	}
}

func TestEditorWithoutReadsReadsTheDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "on disk\n")
	ed := &fakeEditor{buffers: map[string]string{}, noRead: true}
	res, err := New(Options{Editor: ed}).Handle(context.Background(), (&fakeEnv{}).env(dir), functionCall(t, "*** Begin Patch\n*** Update File: a.txt\n@@\n-on disk\n+edited\n*** End Patch"))
	if err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	if got := ed.buffers[filepath.Join(dir, "a.txt")]; got != "edited\n" {
		t.Errorf("written %q, want %q", got, "edited\n")
	}
}

func TestEditorRefusesSymlinkInWorkspace(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on windows")
	}
	dir, outside := t.TempDir(), t.TempDir()
	write(t, outside, "secret.txt", "x\n")
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ed := &fakeEditor{buffers: map[string]string{}}
	res, err := New(Options{Editor: ed}).Handle(context.Background(), (&fakeEnv{}).env(dir), functionCall(t, "*** Begin Patch\n*** Add File: link/evil.txt\n+x\n*** End Patch"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || len(ed.writes) != 0 {
		t.Errorf("a patch through a symlink: result %+v, editor writes %v; want refused, none", res, ed.writes)
	}
}
