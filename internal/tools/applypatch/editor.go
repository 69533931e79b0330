package applypatch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"
)

// Editor is where the files a patch edits are read and written instead of
// the disk: an editor holding them in buffers, saved or not (ACP's
// fs/read_text_file and fs/write_text_file). Paths are absolute.
// ReadTextFile may fail with an error wrapping errors.ErrUnsupported: the
// file is read from the disk then.
type Editor interface {
	ReadTextFile(ctx context.Context, path string) (string, error)
	WriteTextFile(ctx context.Context, path, content string) error
}

// editorFS is the workspace's FS with the text of existing files read
// through an Editor and the new text of added and updated files written
// through it. Whether a file exists, its directories and removals stay
// with the workspace FS, and every path is first checked there, so the
// confinement holds: a path through a symlink inside the workspace is
// refused before the editor sees it. Text that is not UTF-8 is read and
// written on disk (the editor's protocol carries text).
type editorFS struct {
	*workspaceFS
	ctx context.Context // the call's
	ed  Editor
}

func (e *editorFS) ReadFile(name string) ([]byte, error) {
	info, err := e.workspaceFS.Stat(name)
	if err != nil || !info.Mode().IsRegular() {
		return e.workspaceFS.ReadFile(name)
	}
	abs := e.abs(name)
	text, err := e.ed.ReadTextFile(e.ctx, abs)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return e.workspaceFS.ReadFile(name)
	case err != nil:
		return nil, fmt.Errorf("reading %s through the editor: %w", abs, err)
	}
	return []byte(text), nil
}

func (e *editorFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if !utf8.Valid(data) {
		return e.workspaceFS.WriteFile(name, data, perm)
	}
	if _, err := e.workspaceFS.Stat(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	abs := e.abs(name)
	if err := e.ed.WriteTextFile(e.ctx, abs, string(data)); err != nil {
		return fmt.Errorf("writing %s through the editor: %w", abs, err)
	}
	return nil
}
