// Package gitx runs every git command kodex runs itself, outside the
// sandbox: the session's git metadata, the TUI's /diff and its @ file list,
// the diffs of a code review (diff.go), `kodex apply`'s git apply
// (apply.go), and the checkpoint store behind undo (shadow.go).
// It treats the repository's files as hostile input: a sandboxed command may
// have written to the work tree and, where the sandbox is degraded, to .git.
// Nothing else in kodex may exec git (internal/archtest checks it), and gitx
// imports nothing internal.
//
// Hardening, on every command:
//
//   - No programs the repository names: core.fsmonitor=false,
//     core.hooksPath=/dev/null (NUL on Windows), diff.external= plus
//     --no-ext-diff and --no-textconv where the subcommand takes them (a
//     subcommand that would run an external diff but cannot be told not to,
//     like `status -v`, fails instead), no pager (--no-pager, GIT_PAGER=cat,
//     PAGER=cat), credential.helper=, core.askPass=, core.sshCommand=,
//     gpg.program= (and the ssh and x509 ones), and no transport at all
//     (protocol.allow=never, GIT_NO_LAZY_FETCH=1), so nothing is fetched,
//     not even a partial clone's missing objects.
//   - No prompts: GIT_TERMINAL_PROMPT=0, GIT_ASKPASS and SSH_ASKPASS empty,
//     stdin empty. No optional locks (GIT_OPTIONAL_LOCKS=0): status does not
//     rewrite the index. diff and status ignore dirty submodules, so git is
//     not started inside a nested repository whose layout gitx never saw.
//   - Only git's own subcommands run (a name git does not know is looked up
//     as an alias in the repository's config), and --ext-diff and
//     --textconv are refused.
//   - The environment's GIT_* variables are removed (GIT_DIR, GIT_WORK_TREE,
//     GIT_CEILING_DIRECTORIES, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS, …),
//     except GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM and GIT_CONFIG_NOSYSTEM:
//     the user's and the admin's config stay in force (GIT_CONFIG_NOSYSTEM
//     is not set: system config is the admin's).
//   - Layout pinning: [Open] finds the repository once, by reading the file
//     system rather than trusting git's discovery, and records its layout
//     (work tree, git dir, common dir, what .git is). Every [Repo.Run]
//     re-reads it first and refuses, with a [LayoutError], when .git,
//     commondir or HEAD changed form, and passes --git-dir and --work-tree
//     so git never discovers anything itself. This defeats a planted
//     .git/commondir pointing at another config, and a HEAD overwritten with
//     junk so that git takes the work tree root, with a planted config, for a
//     bare repository. Open runs git's own discovery once as a cross-check,
//     which also applies git's safe.directory ownership check.
//
// What gitx cannot switch off: filters (filter.<name>.clean, .process), which
// git runs on `status` and `diff` for paths whose .gitattributes name them.
// They cannot be disabled by name without listing the config, and disabling
// them all would break git-lfs. Only the user can define one: the sandbox
// keeps .git/config (and config.worktree, and those of nested repositories)
// read-only, and a sandboxed command may only point .gitattributes at a
// filter the user already configured.
package gitx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotRepository is returned by [Open] for a directory outside any git
// repository.
var ErrNotRepository = errors.New("gitx: not in a git repository")

// Repo is a repository whose layout was recorded by [Open]. It is safe for
// concurrent use.
type Repo struct {
	dir    string // where commands run (Open's dir, symlinks resolved)
	git    string // absolute path of the git binary
	layout Layout
	env    []string
}

// Open finds the repository containing dir, validates and records its
// layout, and checks that git's own discovery agrees (git also applies its
// safe.directory ownership check then). Call it when the session starts,
// before any command of the model ran: a later Open would record whatever
// layout such a command left. It returns an error wrapping
// [ErrNotRepository] outside a repository, a [*LayoutError] for an invalid
// one, or an error from git.
func Open(ctx context.Context, dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("gitx: %w", err)
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("gitx: %w", err)
	}
	layout, err := discover(abs)
	if err != nil {
		return nil, err
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("gitx: %w", err)
	}
	r := &Repo{dir: abs, git: git, layout: layout, env: environ(os.Environ())}
	if err := r.crossCheck(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Layout returns the layout recorded by [Open].
func (r *Repo) Layout() Layout { return r.layout }

// Run re-checks the layout, then runs `git <args>` hardened (see the package
// doc) in Open's directory and returns its standard output. args[0] is the
// subcommand, one of git's own (see checkArgs); global options are gitx's. A failed command's error wraps the
// [*exec.ExitError] and quotes git's standard error. A layout that changed
// since Open is refused with a [*LayoutError] and git is not started.
func (r *Repo) Run(ctx context.Context, args ...string) ([]byte, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r.output(r.command(ctx, r.argv(args)), args[0])
}

// checkArgs refuses what would undo the hardening: global options, a
// subcommand git would look up as an alias (aliases come from the
// repository's config; `!cmd` ones run a shell), --ext-diff and --textconv.
func checkArgs(args []string) error {
	if len(args) == 0 {
		return errors.New("gitx: Run needs a subcommand")
	}
	if !builtin(args[0]) {
		return fmt.Errorf("gitx: %q is not a git command gitx runs (a name git does not know is looked up as an alias in the repository's config)", args[0])
	}
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "--ext-diff" || a == "--textconv" {
			return fmt.Errorf("gitx: %s would run a program the repository names", a)
		}
	}
	return nil
}

// builtin reports whether sub is one of git's own commands that gitx may
// run; git never resolves those as aliases.
func builtin(sub string) bool {
	switch sub {
	case "add", "apply", "blame", "branch", "cat-file", "checkout", "commit", "diff", "diff-files",
		"diff-index", "diff-tree", "fetch", "for-each-ref", "format-patch", "grep", "hash-object",
		"log", "ls-files", "ls-tree", "merge-base", "read-tree", "remote", "reset", "restore",
		"rev-list", "rev-parse", "show", "show-ref", "stash", "status", "switch", "symbolic-ref",
		"tag", "update-index", "update-ref", "whatchanged", "worktree", "write-tree", "mktree", "prune", "repack":
		return true
	}
	return false
}

// check compares the repository's current layout with the recorded one.
func (r *Repo) check() error {
	now, err := inspect(r.layout.WorkTree)
	if err != nil {
		return &LayoutError{WorkTree: r.layout.WorkTree, Reason: reason(r.layout.WorkTree, err), Changed: true}
	}
	if why := compare(r.layout, now); why != "" {
		return &LayoutError{WorkTree: r.layout.WorkTree, Reason: why, Changed: true}
	}
	return nil
}

// crossCheck runs git's discovery once, from the work tree root, and
// requires it to find the recorded git dir, common dir and work tree.
func (r *Repo) crossCheck(ctx context.Context) error {
	argv := append(globalArgs(), "rev-parse", "--absolute-git-dir", "--git-common-dir", "--show-toplevel")
	cmd := r.command(ctx, argv)
	cmd.Dir = r.layout.WorkTree
	out, err := r.output(cmd, "rev-parse")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(string(out), "\r\n"), "\n")
	if len(lines) != 3 {
		return fmt.Errorf("gitx: unexpected git rev-parse output %q", out)
	}
	common := lines[1]
	if !filepath.IsAbs(common) {
		common = filepath.Join(r.layout.WorkTree, common)
	}
	for i, want := range []string{r.layout.GitDir, r.layout.CommonDir, r.layout.WorkTree} {
		got := lines[i]
		if i == 1 {
			got = common
		}
		if !sameDir(got, want) {
			return &LayoutError{WorkTree: r.layout.WorkTree, Reason: fmt.Sprintf("git's discovery found %s where gitx found %s", got, want)}
		}
	}
	return nil
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// waitDelay bounds how long Run waits for git's output after its context is
// done (a grandchild holding the pipe open).
const waitDelay = 2 * time.Second

func (r *Repo) command(ctx context.Context, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.git, argv...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	cmd.WaitDelay = waitDelay
	return cmd
}

// output runs cmd; an error names the subcommand and quotes git's stderr.
func (r *Repo) output(cmd *exec.Cmd, sub string) ([]byte, error) {
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return out, fmt.Errorf("git %s: %w: %s", sub, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return out, fmt.Errorf("git %s: %w", sub, err)
	}
	return out, nil
}

// argv builds git's arguments: the hardening, the pinned layout, then the
// subcommand with the flags that switch off what it would run.
func (r *Repo) argv(args []string) []string {
	argv := append(globalArgs(), "--git-dir="+r.layout.GitDir, "--work-tree="+r.layout.WorkTree, args[0])
	argv = append(argv, subcommandArgs(args[0])...)
	return append(argv, args[1:]...)
}

// globalArgs are the options before the subcommand. The config values are
// emptied or switched off so that neither .git/config nor a planted config
// decides what git runs; color and path quoting are for kodex's parsing.
func globalArgs() []string {
	args := []string{"--no-pager", "--no-optional-locks"}
	for _, kv := range []string{
		"core.fsmonitor=false",
		"core.hooksPath=" + os.DevNull,
		"diff.external=",
		"core.pager=cat",
		"credential.helper=",
		"core.askPass=",
		"core.sshCommand=",
		"gpg.program=",
		"gpg.ssh.program=",
		"gpg.x509.program=",
		"protocol.allow=never",
		"color.ui=never",
		"core.quotePath=false",
	} {
		args = append(args, "-c", kv)
	}
	return args
}

// subcommandArgs are the flags that switch off external diffs and textconv
// in the subcommands that would run them, and keep diff and status out of
// submodules.
func subcommandArgs(sub string) []string {
	switch sub {
	case "diff":
		return []string{"--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty"}
	case "log", "show", "whatchanged", "format-patch":
		return []string{"--no-ext-diff", "--no-textconv"}
	case "blame":
		return []string{"--no-textconv"}
	case "status":
		return []string{"--ignore-submodules=dirty"}
	}
	return nil
}

// environ returns env without GIT_* variables (but those naming the user's
// and the admin's config files), pager and askpass variables, plus gitx's
// settings.
func environ(env []string) []string {
	out := make([]string, 0, len(env)+8)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		k = strings.ToUpper(k) // Windows: names are case-insensitive
		switch {
		case k == "GIT_CONFIG_GLOBAL" || k == "GIT_CONFIG_SYSTEM" || k == "GIT_CONFIG_NOSYSTEM":
		case strings.HasPrefix(k, "GIT_") || k == "PAGER" || k == "SSH_ASKPASS":
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_PAGER=cat",
		"PAGER=cat",
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_NO_LAZY_FETCH=1",
	)
}
