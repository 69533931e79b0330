package applypatch

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestBeneathAndChecked runs the same attacks against the platform
// implementation (openat2 on Linux) and the portable fallback.
func TestBeneathAndChecked(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	type impl struct {
		name  string
		read  func(root, rel string) ([]byte, error)
		write func(root, rel string, data []byte) error
		mkdir func(root, rel string) error
	}
	impls := []impl{
		{"beneath", beneathReadFile,
			func(r, p string, d []byte) error { return beneathWriteFile(r, p, d, 0o644) },
			func(r, p string) error { return beneathMkdirAll(r, p, 0o755) }},
		{"checked", checkedReadFile,
			func(r, p string, d []byte) error { return checkedWriteFile(r, p, d, 0o644) },
			func(r, p string) error { return checkedMkdirAll(r, p, 0o755) }},
	}
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			root, outside := t.TempDir(), t.TempDir()
			write(t, outside, "secret", "s\n")
			if err := os.Symlink(outside, filepath.Join(root, "dir-link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "file-link")); err != nil {
				t.Fatal(err)
			}
			for _, rel := range []string{"dir-link/secret", "file-link"} {
				if _, err := im.read(root, rel); !errors.Is(err, errSymlink) {
					t.Errorf("read %s: err = %v, want errSymlink", rel, err)
				}
			}
			if err := im.write(root, "dir-link/new", []byte("x")); !errors.Is(err, errSymlink) {
				t.Errorf("write through dir link: err = %v, want errSymlink", err)
			}
			if err := im.mkdir(root, "dir-link/sub"); !errors.Is(err, errSymlink) {
				t.Errorf("mkdir through dir link: err = %v, want errSymlink", err)
			}
			if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("file created outside: %v", err)
			}
			// Ordinary use works.
			if err := im.mkdir(root, filepath.Join("a", "b")); err != nil {
				t.Fatal(err)
			}
			if err := im.write(root, filepath.Join("a", "b", "f"), []byte("ok")); err != nil {
				t.Fatal(err)
			}
			if got, err := im.read(root, filepath.Join("a", "b", "f")); err != nil || string(got) != "ok" {
				t.Errorf("read back = %q, %v", got, err)
			}
			if _, err := im.read(root, "missing"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("read missing: err = %v, want ErrNotExist", err)
			}
		})
	}
}

func TestWorkspaceFSLocate(t *testing.T) {
	t.Parallel()
	w := newWorkspaceFS("/work/proj/sub", []string{"/work/proj", "/work/proj/nested", "relative", ""}, true)
	tests := []struct{ name, abs, root, rel string }{
		{"a.txt", "/work/proj/sub/a.txt", "/work/proj", "sub/a.txt"},
		{"../nested/x", "/work/proj/nested/x", "/work/proj/nested", "x"},
		{"/work/projx/y", "/work/projx/y", "", ""},
		{"../../other", "/work/other", "", ""},
	}
	for _, tt := range tests {
		abs, root, rel := w.locate(filepath.FromSlash(tt.name))
		if abs != filepath.FromSlash(tt.abs) || root != filepath.FromSlash(tt.root) || rel != filepath.FromSlash(tt.rel) {
			t.Errorf("locate(%q) = %q, %q, %q; want %q, %q, %q", tt.name, abs, root, rel, tt.abs, tt.root, tt.rel)
		}
	}
}
