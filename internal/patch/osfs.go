package patch

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirFS returns an FS over the operating system's files in which relative
// paths are resolved against dir and absolute paths are used as they are.
// It follows symlinks and applies no confinement: callers that need either
// must check paths themselves or supply their own FS.
func DirFS(dir string) FS { return osFS{dir: dir} }

type osFS struct{ dir string }

func (o osFS) path(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(o.dir, name)
}

func (o osFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(o.path(name)) }
func (o osFS) Remove(name string) error             { return os.Remove(o.path(name)) }
func (o osFS) Stat(name string) (fs.FileInfo, error) {
	return os.Stat(o.path(name))
}

func (o osFS) MkdirAll(name string, perm fs.FileMode) error {
	return os.MkdirAll(o.path(name), perm)
}

func (o osFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return WriteFileAtomic(o.path(name), data, perm)
}

// WriteFileAtomic writes data to a temporary file in name's directory and
// renames it over name, so readers never see a partial file.
func WriteFileAtomic(name string, data []byte, perm fs.FileMode) error {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".kodex-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("setting mode: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	ok = true
	return nil
}
