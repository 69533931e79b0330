package prompt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const secret = "BEGIN OPENSSH PRIVATE KEY"

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

// loadWithin runs LoadProjectDocs, failing the test if it blocks (a named
// pipe opened without O_NONBLOCK waits for a writer forever).
func loadWithin(t *testing.T, opts DocsOptions) (string, []string) {
	t.Helper()
	type result struct {
		text     string
		warnings []string
		err      error
	}
	done := make(chan result, 1)
	go func() {
		text, warnings, err := LoadProjectDocs(opts)
		done <- result{text, warnings, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.text, r.warnings
	case <-time.After(10 * time.Second):
		t.Fatal("LoadProjectDocs blocked")
		return "", nil
	}
}

// TestLoadProjectDocsSkipsUnsafeFiles: an instruction file is read outside
// the sandbox and sent to the model; one that would pump out a secret or
// block is skipped with a warning saying why.
func TestLoadProjectDocsSkipsUnsafeFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, base, repo, home string) // base holds repo, home and outside/
		want  string
		warn  string // "" : no warning
	}{
		{
			name: "symlink to a secret outside the project",
			setup: func(t *testing.T, base, repo, _ string) {
				symlink(t, filepath.Join(base, "outside", "id_rsa"), filepath.Join(repo, "AGENTS.md"))
			},
			warn: "symlink to a path outside the project",
		},
		{
			name: "relative symlink climbing out of the project",
			setup: func(t *testing.T, _, repo, _ string) {
				symlink(t, "../../outside/id_rsa", filepath.Join(repo, "sub", "AGENTS.md"))
			},
			warn: "symlink to a path outside the project",
		},
		{
			name: "symlink through an in-project directory link that leaves it",
			setup: func(t *testing.T, base, repo, _ string) {
				symlink(t, filepath.Join(base, "outside"), filepath.Join(repo, "docs"))
				symlink(t, "docs/id_rsa", filepath.Join(repo, "AGENTS.md"))
			},
			warn: "symlink to a path outside the project",
		},
		{
			name: "symlink to /proc/self/environ",
			setup: func(t *testing.T, _, repo, _ string) {
				if _, err := os.Stat("/proc/self/environ"); err != nil {
					t.Skip("no /proc")
				}
				symlink(t, "/proc/self/environ", filepath.Join(repo, "AGENTS.md"))
			},
			warn: "symlink into /proc",
		},
		{
			name: "named pipe",
			setup: func(t *testing.T, _, repo, _ string) {
				mkfifo(t, filepath.Join(repo, "AGENTS.md"))
			},
			warn: "not a regular file",
		},
		{
			name: "symlink inside the project to a named pipe",
			setup: func(t *testing.T, _, repo, _ string) {
				mkfifo(t, filepath.Join(repo, "pipe"))
				symlink(t, "pipe", filepath.Join(repo, "AGENTS.md"))
			},
			warn: "not a regular file",
		},
		{
			name: "directory named AGENTS.md, fallback to the next name",
			setup: func(t *testing.T, _, repo, _ string) {
				write(t, filepath.Join(repo, "AGENTS.override.md", "x"), "")
				write(t, filepath.Join(repo, "AGENTS.md"), "plain")
			},
			want: "plain",
			warn: "not a regular file",
		},
		{
			name: "symlink inside the project is followed",
			setup: func(t *testing.T, _, repo, _ string) {
				write(t, filepath.Join(repo, "docs", "agents.md"), "shared docs")
				symlink(t, "../docs/agents.md", filepath.Join(repo, "sub", "AGENTS.md"))
			},
			want: "shared docs",
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, _, repo, _ string) {
				symlink(t, "nowhere.md", filepath.Join(repo, "AGENTS.md"))
			},
			warn: "does not resolve",
		},
		{
			name: "global file: a symlink out of KODEX_HOME is the user's and followed",
			setup: func(t *testing.T, base, _, home string) {
				write(t, filepath.Join(base, "dotfiles", "AGENTS.md"), "global from dotfiles")
				symlink(t, filepath.Join(base, "dotfiles", "AGENTS.md"), filepath.Join(home, "AGENTS.md"))
			},
			want: "global from dotfiles",
		},
		{
			name: "global file: never into /proc",
			setup: func(t *testing.T, _, _, home string) {
				if _, err := os.Stat("/proc/self/environ"); err != nil {
					t.Skip("no /proc")
				}
				symlink(t, "/proc/self/environ", filepath.Join(home, "AGENTS.md"))
			},
			warn: "symlink into /proc",
		},
		{
			name: "global file: named pipe",
			setup: func(t *testing.T, _, _, home string) {
				mkfifo(t, filepath.Join(home, "AGENTS.md"))
			},
			warn: "not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			repo, home := filepath.Join(base, "repo"), filepath.Join(base, "home")
			write(t, filepath.Join(base, "outside", "id_rsa"), secret)
			write(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
			if err := os.MkdirAll(filepath.Join(repo, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(home, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, base, repo, home)
			got, warnings := loadWithin(t, DocsOptions{Home: home, Cwd: filepath.Join(repo, "sub")})
			if strings.Contains(got, secret) || strings.Contains(got, "PATH=") {
				t.Fatalf("a secret reached the instructions: %q", got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("docs (-want +got):\n%s", diff)
			}
			joined := strings.Join(warnings, "\n")
			switch {
			case tt.warn == "" && len(warnings) > 0:
				t.Errorf("unexpected warnings: %q", warnings)
			case tt.warn != "" && (len(warnings) != 1 || !strings.Contains(joined, tt.warn) || !strings.Contains(joined, "skipped ")):
				t.Errorf("warnings = %q, want one skip saying %q", warnings, tt.warn)
			}
		})
	}
}

// TestLoadProjectDocsNoSymlinksWhenRootHoldsHome: with the project root at
// or above the home directory, "inside the project" would include ~/.ssh,
// so no project symlink is followed.
func TestLoadProjectDocsNoSymlinksWhenRootHoldsHome(t *testing.T) {
	repo := t.TempDir()
	t.Setenv("HOME", repo)
	t.Setenv("USERPROFILE", repo)
	write(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
	write(t, filepath.Join(repo, ".ssh", "id_rsa"), secret)
	symlink(t, ".ssh/id_rsa", filepath.Join(repo, "AGENTS.md"))
	got, warnings := loadWithin(t, DocsOptions{Cwd: repo})
	if got != "" {
		t.Errorf("docs = %q, want none", got)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "contains your home directory") {
		t.Errorf("warnings = %q, want one saying the root contains the home directory", warnings)
	}
}

// TestLoadProjectDocsHugeFile: a sparse 64 GiB AGENTS.md is read only up to
// the cap.
func TestLoadProjectDocsHugeFile(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	write(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
	f, err := os.Create(filepath.Join(repo, "AGENTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(strings.Repeat("x", 2048)); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 30); err != nil {
		t.Skipf("no sparse files: %v", err)
	}
	f.Close()
	got, warnings := loadWithin(t, DocsOptions{Cwd: repo, MaxBytes: 1000})
	if got != strings.Repeat("x", 1000) {
		t.Errorf("got %d bytes, want the first 1000", len(got))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "truncated") {
		t.Errorf("warnings = %q, want one truncation", warnings)
	}
}

// endless is a reader that never ends and counts what was taken from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestReadBoundedStopsReading(t *testing.T) {
	t.Parallel()
	r := &endless{}
	b, truncated, err := readBounded(r, 100)
	if err != nil || !truncated || len(b) != 100 {
		t.Fatalf("readBounded = %d bytes, truncated %v, err %v", len(b), truncated, err)
	}
	if r.n > 101 {
		t.Errorf("read %d bytes from the file for a 100-byte cap", r.n)
	}
}
