package gitx

import (
	"bytes"
	"context"
	"path/filepath"
)

// Apply re-checks the layout, then runs `git apply` hardened in Open's
// directory with patch (a diff in git's format) on its standard input.
// Paths in the patch are relative to that directory, as when a user runs
// `git apply` there. Only the working tree changes (no --index, no
// --3way: a patch that does not apply is not merged), and all or nothing:
// git writes no file unless every hunk of every file applies, and refuses
// paths outside the work tree. A failure's error quotes git's message.
func (r *Repo) Apply(ctx context.Context, patch []byte) error {
	if err := r.check(); err != nil {
		return err
	}
	// git takes a patch's paths from the top of the work tree and ignores
	// those outside the directory it runs in; run at the top with the
	// directory as the paths' prefix instead.
	args := []string{"apply"}
	if rel, err := filepath.Rel(r.layout.WorkTree, r.dir); err == nil && rel != "." {
		args = append(args, "--directory="+filepath.ToSlash(rel))
	}
	cmd := r.command(ctx, r.argv(args))
	cmd.Dir = r.layout.WorkTree
	cmd.Stdin = bytes.NewReader(patch)
	_, err := r.output(cmd, "apply")
	return err
}
