package gitx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Shadow is a git object store and index of kodex's own, kept outside a
// workspace, with the workspace as its work tree: the checkpoints of
// internal/checkpoint. The workspace's own repository, if any, is never
// read or written: git runs with --git-dir set to the shadow directory, and
// skips every .git in the work tree.
//
// On top of [Repo]'s hardening (the same global options and environment),
// a Shadow runs git without any configuration but its own: no system or
// global config (GIT_CONFIG_NOSYSTEM=1, GIT_CONFIG_GLOBAL=/dev/null), so no
// filter driver, no autocrlf, no fsmonitor from anywhere; and every
// attribute is unset for every path ($GIT_DIR/info/attributes, which wins
// over the work tree's .gitattributes), so files are stored byte for byte
// (no clean filter, no end-of-line or encoding conversion). Pathspecs are
// literal (GIT_LITERAL_PATHSPECS=1). The .gitignore files of the work tree
// (and the user's $XDG_CONFIG_HOME/git/ignore) decide what is left out, as
// for git itself; the workspace's .git/info/exclude does not.
type Shadow struct {
	gitDir, workTree string
	git              string
	env              []string
}

// shadowConfig is the shadow store's whole configuration.
const shadowConfig = `[core]
	repositoryformatversion = 0
	bare = false
	filemode = %t
	symlinks = %t
	autocrlf = false
	safecrlf = false
	fsmonitor = false
	untrackedCache = true
	logAllRefUpdates = false
[gc]
	auto = 0
[index]
	version = 4
`

// shadowAttributes unsets every attribute that would make git change a
// file's bytes on the way in or out.
const shadowAttributes = "* -text -eol -filter -ident -working-tree-encoding\n"

// OpenShadow opens the shadow store at gitDir (created if missing) for the
// work tree workTree. Both must be absolute. exclude lists more patterns
// left out of the store, in .gitignore syntax (kodex's own home when it
// lies inside the work tree); they replace the previous ones.
func OpenShadow(ctx context.Context, gitDir, workTree string, exclude []string) (*Shadow, error) {
	if !filepath.IsAbs(gitDir) || !filepath.IsAbs(workTree) {
		return nil, errors.New("gitx: a shadow store needs absolute paths")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("gitx: %w", err)
	}
	for _, d := range []string{"objects", "refs", "info"} {
		if err := os.MkdirAll(filepath.Join(gitDir, d), 0o700); err != nil {
			return nil, fmt.Errorf("gitx: creating the shadow store: %w", err)
		}
	}
	files := map[string]string{
		"HEAD":            "ref: refs/heads/main\n",
		"config":          fmt.Sprintf(shadowConfig, runtime.GOOS != "windows", runtime.GOOS != "windows"),
		"info/attributes": shadowAttributes,
		"info/exclude":    strings.Join(exclude, "\n") + "\n",
	}
	for name, content := range files {
		if err := writeIfChanged(filepath.Join(gitDir, name), content); err != nil {
			return nil, fmt.Errorf("gitx: setting up the shadow store: %w", err)
		}
	}
	var env []string
	for _, kv := range environ(os.Environ()) {
		k, _, _ := strings.Cut(kv, "=")
		if k = strings.ToUpper(k); k != "GIT_CONFIG_GLOBAL" && k != "GIT_CONFIG_SYSTEM" && k != "GIT_CONFIG_NOSYSTEM" {
			env = append(env, kv)
		}
	}
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_LITERAL_PATHSPECS=1")
	return &Shadow{gitDir: gitDir, workTree: workTree, git: git, env: env}, nil
}

func writeIfChanged(path, content string) error {
	if b, err := os.ReadFile(path); err == nil && string(b) == content {
		return nil
	}
	return os.WriteFile(path, []byte(content), 0o600)
}

// WithIndex returns a copy of s that uses the index file at path (instead
// of <git dir>/index).
func (s *Shadow) WithIndex(path string) *Shadow {
	c := *s
	c.env = append(s.env[:len(s.env):len(s.env)], "GIT_INDEX_FILE="+path)
	return &c
}

// GitDir returns the shadow store's directory.
func (s *Shadow) GitDir() string { return s.gitDir }

// Run runs `git <args>` hardened (see the package doc and [Shadow]) on the
// shadow store, in the work tree, with stdin (nil: empty), and returns its
// standard output.
func (s *Shadow) Run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	argv := append(globalArgs(), "--git-dir="+s.gitDir, "--work-tree="+s.workTree, args[0])
	argv = append(argv, subcommandArgs(args[0])...)
	argv = append(argv, args[1:]...)
	cmd := exec.CommandContext(ctx, s.git, argv...)
	cmd.Dir = s.workTree
	cmd.Env = s.env
	cmd.Stdin = stdin
	cmd.WaitDelay = waitDelay
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return out, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(string(ee.Stderr)))
		}
		return out, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}

// Command returns the hardened `git <args>` for a caller that streams its
// input and output itself (cat-file --batch). The caller starts and waits
// for it.
func (s *Shadow) Command(ctx context.Context, args ...string) (*exec.Cmd, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	argv := append(globalArgs(), "--git-dir="+s.gitDir, "--work-tree="+s.workTree, args[0])
	argv = append(argv, subcommandArgs(args[0])...)
	argv = append(argv, args[1:]...)
	cmd := exec.CommandContext(ctx, s.git, argv...)
	cmd.Dir = s.workTree
	cmd.Env = s.env
	cmd.WaitDelay = waitDelay
	return cmd, nil
}
