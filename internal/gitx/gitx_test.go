package gitx

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// needGit skips where the tests' shell-script plants cannot run.
func needGit(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the planted programs are shell scripts")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

// plainGit runs git the way a user would, unhardened, for setting up
// repositories and for the controls that show a plant works.
func plainGit(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(environ(os.Environ()), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := plainGit(t, dir, args...)
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return out
}

func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

// newRepo makes a repository with two commits of a.txt and an uncommitted
// change to it; it returns the work tree and a directory for markers.
func newRepo(t *testing.T) (ws, tmp string) {
	t.Helper()
	tmp = t.TempDir()
	ws = filepath.Join(tmp, "ws")
	mustGit(t, tmp, "init", "-q", ws)
	mustGit(t, ws, "config", "user.email", "t@example.com")
	mustGit(t, ws, "config", "user.name", "t")
	writeFile(t, filepath.Join(ws, "a.txt"), "first\n", 0o644)
	mustGit(t, ws, "add", "a.txt")
	mustGit(t, ws, "commit", "-qm", "one")
	writeFile(t, filepath.Join(ws, "a.txt"), "first\nsecond\n", 0o644)
	mustGit(t, ws, "commit", "-qam", "two")
	writeFile(t, filepath.Join(ws, "a.txt"), "first\nsecond\nthird\n", 0o644)
	return ws, tmp
}

// script writes a shell script that creates marker and then behaves as
// body says; it returns the command that runs it. The script is run by sh,
// never executed itself: a file just written may still be open for writing
// in a process another parallel test is forking (ETXTBSY).
func script(t *testing.T, dir, marker, body string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "plant-*.sh")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("#!/bin/sh\ntouch '" + marker + "'\n" + body + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(0o755); err != nil {
		t.Fatal(err)
	}
	return "sh " + f.Name()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func open(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return r
}

// TestHardened plants, in a fresh repository each time, a config or hook
// that runs a program; the control shows plain git runs it, then gitx must
// not, and must still give the right output.
func TestHardened(t *testing.T) {
	t.Parallel()
	needGit(t)
	tests := []struct {
		name    string
		plant   func(t *testing.T, ws, prog string)
		body    string   // what the planted program does after the marker
		control []string // plain git args that run the plant; nil: no control
		run     []string // gitx args
		want    string   // in gitx's output
		wantErr bool
	}{
		{
			name:    "core.fsmonitor on status",
			plant:   func(t *testing.T, ws, prog string) { mustGit(t, ws, "config", "core.fsmonitor", prog) },
			body:    "exit 1",
			control: []string{"status"},
			run:     []string{"status", "--porcelain"},
			want:    " M a.txt\n",
		},
		{
			name:    "diff.external",
			plant:   func(t *testing.T, ws, prog string) { mustGit(t, ws, "config", "diff.external", prog) },
			control: []string{"diff"},
			run:     []string{"diff"},
			want:    "+third\n",
		},
		{
			name:    "diff driver command from .gitattributes",
			plant:   func(t *testing.T, ws, prog string) { plantDriver(t, ws, "command", prog) },
			control: []string{"diff"},
			run:     []string{"diff", "HEAD"},
			want:    "+third\n",
		},
		{
			name:    "textconv on diff",
			plant:   func(t *testing.T, ws, prog string) { plantDriver(t, ws, "textconv", prog) },
			body:    `cat "$1"`,
			control: []string{"diff"},
			run:     []string{"diff"},
			want:    " second\n+third\n",
		},
		{
			name:    "textconv on log -p",
			plant:   func(t *testing.T, ws, prog string) { plantDriver(t, ws, "textconv", prog) },
			body:    `cat "$1"`,
			control: []string{"log", "-p"},
			run:     []string{"log", "-p", "--format=%s"},
			want:    "two\n",
		},
		{
			name:  "core.pager", // git pages only a terminal: no control possible here
			plant: func(t *testing.T, ws, prog string) { mustGit(t, ws, "config", "core.pager", prog) },
			run:   []string{"log", "--format=%s"},
			want:  "two\none\n",
		},
		{
			name: "post-checkout hook",
			plant: func(t *testing.T, ws, prog string) {
				writeFile(t, filepath.Join(ws, ".git", "hooks", "post-checkout"), "#!/bin/sh\nexec "+prog+"\n", 0o755)
			},
			control: []string{"checkout", "-q", "-b", "control"},
			run:     []string{"checkout", "-q", "-b", "other"},
		},
		{
			name: "pre-commit hook via core.hooksPath",
			plant: func(t *testing.T, ws, prog string) {
				hooks := filepath.Join(filepath.Dir(ws), "hooks")
				writeFile(t, filepath.Join(hooks, "pre-commit"), "#!/bin/sh\nexec "+prog+"\n", 0o755)
				mustGit(t, ws, "config", "core.hooksPath", hooks)
			},
			control: []string{"commit", "-q", "--allow-empty", "-m", "control"},
			run:     []string{"commit", "-q", "--allow-empty", "-m", "gitx"},
		},
		{
			name: "core.sshCommand on fetch",
			plant: func(t *testing.T, ws, prog string) {
				mustGit(t, ws, "remote", "add", "origin", "ssh://git.example.invalid/x.git")
				mustGit(t, ws, "config", "core.sshCommand", prog)
			},
			body:    "exit 1",
			control: []string{"fetch", "origin"},
			run:     []string{"fetch", "origin"},
			wantErr: true,
		},
		{
			name: "ls-files with everything planted",
			plant: func(t *testing.T, ws, prog string) {
				mustGit(t, ws, "config", "core.fsmonitor", prog)
				mustGit(t, ws, "config", "core.pager", prog)
				plantDriver(t, ws, "textconv", prog)
			},
			body: "exit 1",
			run:  []string{"ls-files", "-co", "--exclude-standard"},
			want: ".gitattributes\na.txt\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, tmp := newRepo(t)
			marker := filepath.Join(tmp, "marker")
			tt.plant(t, ws, script(t, tmp, marker, tt.body))
			if tt.control != nil {
				plainGit(t, ws, tt.control...) // may fail: the plant ran anyway
				if !exists(marker) {
					t.Fatalf("control: plain git %v did not run the plant; the test proves nothing", tt.control)
				}
				os.Remove(marker)
			}
			out, err := open(t, ws).Run(context.Background(), tt.run...)
			if exists(marker) {
				t.Errorf("gitx %v ran the planted program", tt.run)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("gitx %v: err = %v, want error %v\n%s", tt.run, err, tt.wantErr, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("gitx %v output:\n%s\nwant it to contain %q", tt.run, out, tt.want)
			}
		})
	}
}

// plantDriver makes every file use diff driver x, whose key runs prog.
func plantDriver(t *testing.T, ws, key, prog string) {
	t.Helper()
	writeFile(t, filepath.Join(ws, ".gitattributes"), "* diff=x\n", 0o644)
	mustGit(t, ws, "config", "diff.x."+key, prog)
}

// TestIgnoresGitEnvironment: GIT_DIR and GIT_EXTERNAL_DIFF in kodex's own
// environment neither redirect nor arm git.
func TestIgnoresGitEnvironment(t *testing.T) {
	needGit(t)
	ws, tmp := newRepo(t)
	other := filepath.Join(tmp, "other")
	mustGit(t, tmp, "init", "-q", other)
	marker := filepath.Join(tmp, "marker")
	t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
	t.Setenv("GIT_WORK_TREE", other)
	t.Setenv("GIT_EXTERNAL_DIFF", script(t, tmp, marker, ""))
	out, err := open(t, ws).Run(context.Background(), "diff")
	if err != nil {
		t.Fatal(err)
	}
	if exists(marker) {
		t.Error("GIT_EXTERNAL_DIFF ran")
	}
	if !strings.Contains(string(out), "+third\n") {
		t.Errorf("diff is not ws's:\n%s", out)
	}
}

func TestEnviron(t *testing.T) {
	t.Parallel()
	got := environ([]string{
		"HOME=/h", "GIT_DIR=/x", "git_work_tree=/y", "GIT_CEILING_DIRECTORIES=/", "GIT_CONFIG_PARAMETERS='core.pager'='sh'",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_GLOBAL=/g", "GIT_CONFIG_SYSTEM=/s", "PAGER=less", "SSH_ASKPASS=/a", "GIT_ASKPASS=/a",
	})
	want := []string{
		"HOME=/h", "GIT_CONFIG_GLOBAL=/g", "GIT_CONFIG_SYSTEM=/s",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GIT_PAGER=cat", "PAGER=cat", "GIT_OPTIONAL_LOCKS=0", "GIT_NO_LAZY_FETCH=1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environ (-want +got):\n%s", diff)
	}
}

// refused asserts err is a LayoutError whose reason mentions what.
func refused(t *testing.T, err error, changed bool, what string) {
	t.Helper()
	t.Logf("refused: %v", err)
	var le *LayoutError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LayoutError", err)
	}
	if le.Changed != changed || !strings.Contains(le.Reason, what) {
		t.Errorf("LayoutError{Changed: %v, Reason: %q}, want Changed %v and a reason mentioning %q", le.Changed, le.Reason, changed, what)
	}
	if !strings.Contains(err.Error(), "inspect it yourself") {
		t.Errorf("error does not say what to do: %v", err)
	}
}

// TestRefusesPlantedCommondir: a .git/commondir planted after Open points
// git at another config; plain git runs its fsmonitor, gitx refuses.
func TestRefusesPlantedCommondir(t *testing.T) {
	t.Parallel()
	needGit(t)
	ws, tmp := newRepo(t)
	r := open(t, ws)
	marker := filepath.Join(tmp, "marker")
	evil := filepath.Join(tmp, "evil")
	mustGit(t, tmp, "init", "-q", "--bare", evil)
	mustGit(t, evil, "config", "core.bare", "false")
	mustGit(t, evil, "config", "core.fsmonitor", script(t, tmp, marker, "exit 1"))
	mustGit(t, evil, "config", "filter.e.clean", script(t, tmp, marker, "cat"))
	writeFile(t, filepath.Join(ws, ".git", "commondir"), evil+"\n", 0o644)

	plainGit(t, ws, "status")
	if !exists(marker) {
		t.Fatal("control: plain git status did not load the planted common dir's config")
	}
	os.Remove(marker)

	for _, args := range [][]string{{"status"}, {"diff"}, {"log", "-1"}, {"ls-files"}} {
		_, err := r.Run(context.Background(), args...)
		refused(t, err, true, ".git/commondir")
	}
	if exists(marker) {
		t.Error("gitx ran the planted common dir's program")
	}
	// A session started after the plant is refused by Open.
	_, err := Open(context.Background(), ws)
	refused(t, err, false, ".git/commondir")
}

// TestRefusesJunkHeadWithBareRoot: HEAD overwritten with junk and a bare
// repository planted at the work tree root, whose config plain git then
// uses.
func TestRefusesJunkHeadWithBareRoot(t *testing.T) {
	t.Parallel()
	needGit(t)
	ws, tmp := newRepo(t)
	r := open(t, ws)
	marker := filepath.Join(tmp, "marker")
	prog := script(t, tmp, marker, `cat "$1"`)
	// The bare repository: the real objects and refs, a config with a
	// textconv, attributes that apply it.
	for _, d := range []string{"objects", "refs"} {
		if err := os.CopyFS(filepath.Join(ws, d), os.DirFS(filepath.Join(ws, ".git", d))); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(ws, "HEAD"), "ref: refs/heads/main\n", 0o644)
	writeFile(t, filepath.Join(ws, "config"), "[core]\n\tbare = true\n[diff \"x\"]\n\ttextconv = "+prog+"\n", 0o644)
	writeFile(t, filepath.Join(ws, "info", "attributes"), "* diff=x\n", 0o644)
	writeFile(t, filepath.Join(ws, ".git", "HEAD"), "junk\n", 0o644)

	plainGit(t, ws, "log", "-p")
	if !exists(marker) {
		t.Fatal("control: plain git log -p did not take the work tree for a bare repository")
	}
	os.Remove(marker)

	for _, args := range [][]string{{"log", "-p"}, {"status"}, {"diff"}, {"ls-files"}} {
		_, err := r.Run(context.Background(), args...)
		refused(t, err, true, "bare repository")
	}
	if exists(marker) {
		t.Error("gitx ran the planted textconv")
	}
	_, err := Open(context.Background(), ws)
	refused(t, err, false, ".git/HEAD")
}

// TestRefusesChangedLayout covers the other changes Run notices.
func TestRefusesChangedLayout(t *testing.T) {
	t.Parallel()
	needGit(t)
	tests := []struct {
		name   string
		change func(t *testing.T, ws, tmp string)
		reason string
	}{
		{"head junk", func(t *testing.T, ws, _ string) {
			writeFile(t, filepath.Join(ws, ".git", "HEAD"), "ref: HEAD\n", 0o644)
		}, ".git/HEAD is neither"},
		{"head symlink", func(t *testing.T, ws, _ string) {
			head := filepath.Join(ws, ".git", "HEAD")
			os.Remove(head)
			if err := os.Symlink("refs/heads/main", head); err != nil {
				t.Fatal(err)
			}
		}, ".git/HEAD is neither"},
		{"git dir replaced by a gitdir file", func(t *testing.T, ws, tmp string) {
			moved := filepath.Join(tmp, "moved.git")
			if err := os.Rename(filepath.Join(ws, ".git"), moved); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(ws, ".git"), "gitdir: "+moved+"\n", 0o644)
		}, "changed from a directory to a gitdir: file"},
		{"git dir swapped for a copy", func(t *testing.T, ws, tmp string) {
			dotgit := filepath.Join(ws, ".git")
			if err := os.Rename(dotgit, filepath.Join(tmp, "old.git")); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(dotgit, os.DirFS(filepath.Join(tmp, "old.git"))); err != nil {
				t.Fatal(err)
			}
		}, "was replaced"},
		{"git dir gone", func(t *testing.T, ws, _ string) {
			os.RemoveAll(filepath.Join(ws, ".git"))
		}, ".git is gone"},
		{"objects gone", func(t *testing.T, ws, _ string) {
			os.RemoveAll(filepath.Join(ws, ".git", "objects"))
		}, ".git/objects is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, tmp := newRepo(t)
			r := open(t, ws)
			if _, err := r.Run(context.Background(), "status"); err != nil {
				t.Fatalf("before the change: %v", err)
			}
			tt.change(t, ws, tmp)
			_, err := r.Run(context.Background(), "status")
			refused(t, err, true, tt.reason)
		})
	}
}

// TestLinkedWorktree: a legitimate commondir (git worktree add) is
// accepted, pinned, and a redirect of it refused.
func TestLinkedWorktree(t *testing.T) {
	t.Parallel()
	needGit(t)
	ws, tmp := newRepo(t)
	wt := filepath.Join(tmp, "wt")
	mustGit(t, ws, "worktree", "add", "-q", wt)
	sub := filepath.Join(wt, "sub")
	writeFile(t, filepath.Join(sub, "b.txt"), "b\n", 0o644)
	r := open(t, sub)
	l := r.Layout()
	realWs, _ := filepath.EvalSymlinks(ws)
	realWt, _ := filepath.EvalSymlinks(wt)
	want := Layout{WorkTree: realWt, GitDir: filepath.Join(realWs, ".git", "worktrees", "wt"), CommonDir: filepath.Join(realWs, ".git"), DotGitFile: true}
	if diff := cmp.Diff(want, l, cmp.AllowUnexported(Layout{}), cmp.FilterPath(func(p cmp.Path) bool {
		return strings.HasSuffix(p.String(), "Info")
	}, cmp.Ignore())); diff != "" {
		t.Errorf("layout (-want +got):\n%s", diff)
	}
	out, err := r.Run(context.Background(), "ls-files", "-co", "--exclude-standard")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "b.txt\n" { // relative to Open's directory
		t.Errorf("ls-files in sub = %q, want %q", got, "b.txt\n")
	}

	evil := filepath.Join(tmp, "evil")
	mustGit(t, tmp, "init", "-q", "--bare", evil)
	writeFile(t, filepath.Join(l.GitDir, "commondir"), evil+"\n", 0o644)
	_, err = r.Run(context.Background(), "status")
	refused(t, err, true, "commondir")
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	needGit(t)
	t.Run("not a repository", func(t *testing.T) {
		t.Parallel()
		_, err := Open(context.Background(), t.TempDir())
		if !errors.Is(err, ErrNotRepository) {
			t.Errorf("err = %v, want ErrNotRepository", err)
		}
	})
	t.Run("bare repository on the way up", func(t *testing.T) {
		t.Parallel()
		bare := filepath.Join(t.TempDir(), "b")
		mustGit(t, filepath.Dir(bare), "init", "-q", "--bare", bare)
		_, err := Open(context.Background(), filepath.Join(bare, "refs", "heads"))
		refused(t, err, false, "bare repository")
	})
	t.Run("malformed gitdir file", func(t *testing.T) {
		t.Parallel()
		ws := t.TempDir()
		writeFile(t, filepath.Join(ws, ".git"), "gitdir:/nowhere\n", 0o644)
		_, err := Open(context.Background(), ws)
		refused(t, err, false, `does not start with "gitdir: "`)
	})
	t.Run("arguments that undo the hardening", func(t *testing.T) {
		t.Parallel()
		ws, tmp := newRepo(t)
		marker := filepath.Join(tmp, "marker")
		prog := script(t, tmp, marker, `cat "$1"`)
		mustGit(t, ws, "config", "alias.st", "!"+prog)
		plantDriver(t, ws, "textconv", prog)
		r := open(t, ws)
		for _, args := range [][]string{
			{"-c", "core.pager=sh", "log"},
			{"st"},
			{},
			{"diff", "--textconv"},
			{"log", "-p", "--ext-diff"},
		} {
			if _, err := r.Run(context.Background(), args...); err == nil {
				t.Errorf("Run(%q) accepted", args)
			}
		}
		if exists(marker) {
			t.Error("a planted program ran")
		}
		if _, err := r.Run(context.Background(), "diff", "--", "--textconv"); err != nil {
			t.Errorf("a path after -- refused: %v", err)
		}
	})
}

func TestCheckHead(t *testing.T) {
	t.Parallel()
	hex40 := strings.Repeat("a1", 20)
	for content, ok := range map[string]bool{
		"ref: refs/heads/main\n": true,
		"ref:refs/heads/main":    true,
		hex40 + "\n":             true,
		strings.Repeat("0", 64):  true,
		"ref: HEAD\n":            false,
		"ref: refs/heads/a b\n":  false,
		hex40[:39]:               false,
		strings.ToUpper(hex40):   false,
		"":                       false,
		"junk":                   false,
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "HEAD"), content, 0o644)
		if err := checkHead(dir, dir); (err == nil) != ok {
			t.Errorf("HEAD %q: err = %v, want valid %v", content, err, ok)
		}
	}
}

// TestOtherLayouts: a submodule (.git file, no commondir) and a .git
// symlink are accepted and work.
func TestOtherLayouts(t *testing.T) {
	t.Parallel()
	needGit(t)
	t.Run("submodule", func(t *testing.T) {
		t.Parallel()
		lib, tmp := newRepo(t)
		app := filepath.Join(tmp, "app")
		mustGit(t, tmp, "init", "-q", app)
		mustGit(t, app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "lib")
		sub := filepath.Join(app, "lib")
		writeFile(t, filepath.Join(sub, "a.txt"), "changed\n", 0o644)
		r := open(t, sub)
		if l := r.Layout(); !l.DotGitFile || l.CommonDir != l.GitDir || !strings.HasSuffix(l.GitDir, filepath.Join(".git", "modules", "lib")) {
			t.Errorf("layout = %+v", l)
		}
		out, err := r.Run(context.Background(), "status", "--porcelain")
		if err != nil || string(out) != " M a.txt\n" {
			t.Errorf("status = %q, %v", out, err)
		}
		// The superproject sees the submodule's new commit, not its dirt.
		out, err = open(t, app).Run(context.Background(), "status", "--porcelain")
		if err != nil || string(out) != "A  .gitmodules\nA  lib\n" {
			t.Errorf("superproject status = %q, %v", out, err)
		}
	})
	t.Run(".git symlink", func(t *testing.T) {
		t.Parallel()
		ws, tmp := newRepo(t)
		moved := filepath.Join(tmp, "store.git")
		if err := os.Rename(filepath.Join(ws, ".git"), moved); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(moved, filepath.Join(ws, ".git")); err != nil {
			t.Fatal(err)
		}
		r := open(t, ws)
		if l := r.Layout(); !l.DotGitLink {
			t.Errorf("layout = %+v, want DotGitLink", l)
		}
		out, err := r.Run(context.Background(), "diff", "--stat")
		if err != nil || !strings.Contains(string(out), "a.txt") {
			t.Errorf("diff --stat = %q, %v", out, err)
		}
		other := filepath.Join(tmp, "other.git")
		mustGit(t, tmp, "init", "-q", "--bare", other)
		os.Remove(filepath.Join(ws, ".git"))
		if err := os.Symlink(other, filepath.Join(ws, ".git")); err != nil {
			t.Fatal(err)
		}
		_, err = r.Run(context.Background(), "status")
		refused(t, err, true, ".git now points to")
	})
}
