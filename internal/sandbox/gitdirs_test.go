package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestValidHead(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		head string
		want bool
	}{
		{"ref: refs/heads/main\n", true},
		{"ref: refs/heads/feature/x", true},
		{strings.Repeat("a", 40) + "\n", true},
		{strings.Repeat("0", 64), true},
		{"garbage\n", false},
		{"", false},
		{"ref: ../../config\n", false},
		{"ref: refs/../../x\n", false},
		{"ref: HEAD\n", false},
		{strings.Repeat("a", 39), false},
		{"ref: refs/heads/a b\n", false},
	} {
		if got := validHead([]byte(tt.head)); got != tt.want {
			t.Errorf("validHead(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

func TestGitConfigRunsPrograms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, config string
		want         bool
	}{
		{"git init", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n", false},
		{"clone", "[remote \"origin\"]\n\turl = https://x/y\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n\tmerge = refs/heads/main\n[user]\n\tname = x\n", false},
		{"fsmonitor", "[core]\n\tfsmonitor = touch /tmp/x\n", true},
		{"FSMonitor mixed case", "[Core]\n\tFSMonitor = x\n", true},
		{"hooksPath", "[core]\nhooksPath = /tmp\n", true},
		{"pager", "[core]\n\tpager = evil\n", true},
		{"textconv", "[diff \"x\"]\n\ttextconv = evil\n", true},
		{"diff.external", "[diff]\n\texternal = evil\n", true},
		{"filter", "[filter \"lfs\"]\n\tclean = evil\n", true},
		{"include", "[include]\n\tpath = ../evil\n", true},
		{"includeIf", "[includeIf \"gitdir:/\"]\n\tpath = ../evil\n", true},
		{"credential helper", "[credential]\n\thelper = evil\n", true},
		{"alias", "[alias]\n\tst = !evil\n", true},
		{"same line", "[core] fsmonitor = evil\n", true},
		{"sshCommand", "[core]\n\tsshCommand = evil\n", true},
		{"comment", "# [core] fsmonitor = evil\n[core]\n\tbare = false\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, got := gitConfigRunsPrograms([]byte(tt.config)); got != tt.want {
				t.Errorf("gitConfigRunsPrograms(%q) = %v, want %v", tt.config, got, tt.want)
			}
		})
	}
}

func TestCheckNewRepo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		files map[string]string
		moved bool
	}{
		{"clean init", map[string]string{"config": "[core]\n\tbare = false\n", "HEAD": "ref: refs/heads/main\n", "hooks/pre-commit.sample": "#!/bin/sh\n"}, false},
		{"fsmonitor", map[string]string{"config": "[core]\n\tfsmonitor = evil\n", "HEAD": "ref: refs/heads/main\n"}, true},
		{"hook", map[string]string{"config": "", "hooks/post-checkout": "#!/bin/sh\n"}, true},
		{"commondir", map[string]string{"config": "", "commondir": "../evil\n"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dotgit := filepath.Join(t.TempDir(), ".git")
			for n, c := range tt.files {
				writeFile(t, filepath.Join(dotgit, n), c)
			}
			why, err := checkNewRepo(dotgit)
			if err != nil {
				t.Fatal(err)
			}
			if got := why != ""; got != tt.moved {
				t.Fatalf("moved = %v (%q), want %v", got, why, tt.moved)
			}
			if got := exists(dotgit); got == tt.moved {
				t.Errorf(".git exists = %v after the check, want %v", got, !tt.moved)
			}
			if tt.moved && !exists(dotgit+".kodex-quarantine") {
				t.Errorf("the repository was not kept aside")
			}
		})
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGitDirRestore runs the integrity check around the changes a command
// could make to a git dir: work git records stays, control files and a
// broken HEAD are undone.
func TestGitDirRestore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	gd := filepath.Join(root, ".git")
	writeFile(t, filepath.Join(gd, "HEAD"), "ref: refs/heads/main\n")
	writeFile(t, filepath.Join(gd, "config"), "[core]\n")
	writeFile(t, filepath.Join(gd, "objects/ab/cdef"), "x")
	s := spec{Mode: "workspace-write", Writable: []string{root}}
	var l gitLayout
	l.protectGit(root, gd, true)
	s.Guard, s.Pin, s.GitDirs = l.guard, l.pin, l.gitDirs
	snap, err := takeSpecSnapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	// The command: records work, and tampers.
	writeFile(t, filepath.Join(gd, "index"), "idx")
	writeFile(t, filepath.Join(gd, "ORIG_HEAD"), "x")
	writeFile(t, filepath.Join(gd, "index.lock"), "x")
	writeFile(t, filepath.Join(gd, "refs/heads/main"), strings.Repeat("a", 40))
	writeFile(t, filepath.Join(gd, "commondir"), "../evil\n")
	writeFile(t, filepath.Join(gd, "branches/x"), "x")
	writeFile(t, filepath.Join(gd, "config"), "[core]\n\tfsmonitor = evil\n")
	writeFile(t, filepath.Join(gd, "HEAD"), "garbage\n")
	tampered, err := snap.Restore()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(gd, "HEAD"), filepath.Join(gd, "branches"), filepath.Join(gd, "commondir"), filepath.Join(gd, "config")}
	slices.Sort(want)
	if diff := cmp.Diff(want, tampered); diff != "" {
		t.Errorf("tampered (-want +got):\n%s", diff)
	}
	for n, want := range map[string]string{"HEAD": "ref: refs/heads/main\n", "config": "[core]\n", "index": "idx", "ORIG_HEAD": "x"} {
		if b, _ := os.ReadFile(filepath.Join(gd, n)); string(b) != want {
			t.Errorf("%s = %q, want %q", n, b, want)
		}
	}
	for _, n := range []string{"commondir", "branches"} {
		if exists(filepath.Join(gd, n)) {
			t.Errorf("%s was not removed", n)
		}
	}
}

func TestScanRootFindsNestedReposAndOutsideLinks(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	root := filepath.Join(base, "ws")
	writeFile(t, filepath.Join(base, "outside/a"), "a")
	writeFile(t, filepath.Join(base, "outside/b"), "b")
	writeFile(t, filepath.Join(root, "plain"), "p")
	writeFile(t, filepath.Join(root, ".git/HEAD"), "ref: refs/heads/main\n")
	writeFile(t, filepath.Join(root, "vendor/lib/.git/HEAD"), "ref: refs/heads/main\n")
	writeFile(t, filepath.Join(root, "wt/.git"), "gitdir: /x\n")
	writeFile(t, filepath.Join(root, "mixed/own"), "o")
	writeFile(t, filepath.Join(root, "internal1"), "i")
	link := func(old, new string) {
		if err := os.MkdirAll(filepath.Dir(new), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(old, new); err != nil {
			t.Fatal(err)
		}
	}
	link(filepath.Join(base, "outside/a"), filepath.Join(root, "pkg/x/a"))
	link(filepath.Join(base, "outside/b"), filepath.Join(root, "pkg/x/sub/b"))
	link(filepath.Join(base, "outside/a"), filepath.Join(root, "mixed/a"))
	link(filepath.Join(root, "internal1"), filepath.Join(root, "internal2")) // both links inside
	got := scanRoot(root)
	if diff := cmp.Diff([]string{filepath.Join(root, "vendor/lib/.git"), filepath.Join(root, "wt/.git")}, got.nested); diff != "" {
		t.Errorf("nested (-want +got):\n%s", diff)
	}
	wantLinked := []string{filepath.Join(root, "mixed/a"), filepath.Join(root, "pkg")}
	if diff := cmp.Diff(wantLinked, got.linked); diff != "" {
		t.Errorf("linked (-want +got):\n%s", diff)
	}
}

// TestHomeRootWarnsAndProtects: a writable root that is the home directory
// is said, and its start-up files and git config stay read-only.
func TestHomeRootWarnsAndProtects(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bashrc"), "x")
	writeFile(t, filepath.Join(home, ".gitconfig"), "x")
	s, err := buildSpec(Request{Argv: []string{"true"}, Cwd: home, Home: home, KodexHome: filepath.Join(home, ".kodex"),
		Policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{home}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "is your home directory") {
		t.Errorf("warnings = %q, want one about the home directory", s.Warnings)
	}
	home = canon(home)
	for _, p := range []string{".bashrc", ".gitconfig"} {
		if !slices.Contains(s.Protect, filepath.Join(home, p)) {
			t.Errorf("%s not protected: %q", p, s.Protect)
		}
	}
	if !slices.Contains(s.Guard, filepath.Join(home, ".bash_profile")) {
		t.Errorf("a missing .bash_profile is not guarded: %q", s.Guard)
	}
	other := t.TempDir()
	s, err = buildSpec(Request{Argv: []string{"true"}, Cwd: other, Home: home,
		Policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{other}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 0 || len(s.Protect) != 0 {
		t.Errorf("a project root outside home: warnings %q, protected %q", s.Warnings, s.Protect)
	}
}

// TestScanRootCoarsensLinkedDirs: more package directories of outside hard
// links than mounts allow become one read-only directory, with what else
// lives there (a lock file, a directory without links) writable again.
func TestScanRootCoarsensLinkedDirs(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	root := filepath.Join(base, "ws")
	pnpm := filepath.Join(root, "node_modules/.pnpm")
	for i := range maxLinkedMounts + 1 {
		store := filepath.Join(base, "store", strconv.Itoa(i))
		writeFile(t, store, "x")
		pkg := filepath.Join(pnpm, "pkg"+strconv.Itoa(i), "index.js")
		if err := os.MkdirAll(filepath.Dir(pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(store, pkg); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(pnpm, "lock.yaml"), "lock")
	writeFile(t, filepath.Join(pnpm, "node_modules/.keep"), "")
	writeFile(t, filepath.Join(root, "src/main.js"), "own")
	got := scanRoot(root)
	if diff := cmp.Diff([]string{pnpm}, got.linked); diff != "" {
		t.Errorf("read-only (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{filepath.Join(pnpm, "lock.yaml"), filepath.Join(pnpm, "node_modules")}, got.holes); diff != "" {
		t.Errorf("holes (-want +got):\n%s", diff)
	}
	if len(got.linkedFiles) != maxLinkedMounts+1 {
		t.Errorf("%d linked files, want %d", len(got.linkedFiles), maxLinkedMounts+1)
	}
}

// TestKodexStateInsideWritableRoot: with the cwd inside $KODEX_HOME, kodex's
// state is denied entry by entry, the MCP OAuth tokens (mcp-auth) too.
func TestKodexStateInsideWritableRoot(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	kh := filepath.Join(home, ".kodex")
	work := filepath.Join(kh, "work")
	writeFile(t, filepath.Join(kh, "mcp-auth", "docs.json"), "{}")
	writeFile(t, filepath.Join(kh, "config.toml"), "")
	writeFile(t, filepath.Join(work, "x"), "x")
	s, err := buildSpec(Request{Argv: []string{"true"}, Cwd: work, Home: home, KodexHome: kh,
		Policy: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{work}}})
	if err != nil {
		t.Fatal(err)
	}
	kh = canon(kh)
	for _, p := range []string{"mcp-auth", "config.toml"} {
		if !slices.Contains(s.DenyRead, filepath.Join(kh, p)) {
			t.Errorf("%s is readable: deny %q", p, s.DenyRead)
		}
	}
	if slices.Contains(s.DenyRead, kh) {
		t.Errorf("the whole $KODEX_HOME is denied though the cwd is in it")
	}
}
