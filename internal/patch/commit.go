package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// Commit writes the plan: first every new or changed file (each atomically,
// creating parent directories), then the removals. It first checks that no
// touched file changed since Compute read it. If a write or removal fails,
// the files already written or removed are restored from their original
// contents and the error is returned.
func (pl *Plan) Commit(fsys FS) error {
	if err := pl.checkUnchanged(fsys); err != nil {
		return err
	}
	var done []*fileState
	run := func(f *fileState) error {
		if err := apply(fsys, f); err != nil {
			if rerr := rollback(fsys, done); rerr != nil {
				return fmt.Errorf("%w (and restoring the files already changed failed: %w)", err, rerr)
			}
			return err
		}
		done = append(done, f)
		return nil
	}
	for _, f := range pl.files {
		if f.exists && f.changed() {
			if err := run(f); err != nil {
				return err
			}
		}
	}
	for _, f := range pl.files {
		if !f.exists && f.origExists {
			if err := run(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkUnchanged fails if a file changed on disk after Compute read it (a
// concurrent edit while the user was asked for approval).
func (pl *Plan) checkUnchanged(fsys FS) error {
	for _, f := range pl.files {
		if !f.changed() {
			continue
		}
		data, err := fsys.ReadFile(f.name)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rereading %s: %w", f.name, err)
		}
		if exists != f.origExists || !bytes.Equal(data, f.orig) {
			return fmt.Errorf("%s changed on disk since the patch was verified; nothing was written", f.name)
		}
	}
	return nil
}

func apply(fsys FS, f *fileState) error {
	if !f.exists {
		if err := fsys.Remove(f.name); err != nil {
			return fmt.Errorf("removing %s: %w", f.name, err)
		}
		return nil
	}
	if dir := filepath.Dir(f.name); dir != "." && dir != "" {
		if err := fsys.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating directory for %s: %w", f.name, err)
		}
	}
	if err := fsys.WriteFile(f.name, f.data, f.mode); err != nil {
		return fmt.Errorf("writing %s: %w", f.name, err)
	}
	return nil
}

// rollback restores done (in reverse order) to the original state.
func rollback(fsys FS, done []*fileState) error {
	var errs []error
	for i := len(done) - 1; i >= 0; i-- {
		f := done[i]
		var err error
		if f.origExists {
			err = fsys.WriteFile(f.name, f.orig, f.origMode)
		} else {
			err = fsys.Remove(f.name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}
