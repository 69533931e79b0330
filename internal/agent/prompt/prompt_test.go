package prompt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInstructions(t *testing.T) {
	t.Parallel()
	s := Instructions()
	n := strings.Count(s, "\n")
	if n < 100 || n > 300 {
		t.Errorf("instructions have %d lines", n)
	}
	for _, want := range []string{"kodex", "apply_patch", "*** Begin Patch", "update_plan", "rg", "sandbox_permissions", "justification", "git reset --hard"} {
		if !strings.Contains(s, want) {
			t.Errorf("instructions do not mention %q", want)
		}
	}
}

func TestLoadProjectDocs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string // relative to a temp root; "home/" is KODEX_HOME
		cwd      string
		opts     DocsOptions
		want     string
		warnings int
	}{
		{
			name:  "nothing",
			files: map[string]string{"repo/.git/HEAD": ""},
			cwd:   "repo",
			want:  "",
		},
		{
			name: "global then root to cwd",
			files: map[string]string{
				"home/AGENTS.md":       "global\n",
				"repo/.git/HEAD":       "",
				"repo/AGENTS.md":       "root",
				"repo/a/AGENTS.md":     "a",
				"repo/a/b/AGENTS.md":   "b",
				"AGENTS.md":            "above the root: ignored",
				"repo/a/b/c/.keep":     "",
				"repo/other/AGENTS.md": "sibling: ignored",
			},
			cwd:  "repo/a/b/c",
			want: "global\n\n--- project-doc ---\n\nroot\n\na\n\nb",
		},
		{
			name: "override wins, blank skipped, fallback used",
			files: map[string]string{
				"home/AGENTS.override.md": "global override",
				"home/AGENTS.md":          "global plain",
				"repo/.git":               "gitdir: elsewhere", // worktree: .git file
				"repo/AGENTS.override.md": "root override",
				"repo/AGENTS.md":          "root plain",
				"repo/x/AGENTS.md":        "  \n",
				"repo/x/y/CLAUDE.md":      "fallback",
			},
			cwd:  "repo/x/y",
			opts: DocsOptions{FallbackFilenames: []string{"CLAUDE.md"}},
			want: "global override\n\n--- project-doc ---\n\nroot override\n\nfallback",
		},
		{
			name: "no git root: cwd only",
			files: map[string]string{
				"plain/AGENTS.md":     "parent: ignored",
				"plain/sub/AGENTS.md": "cwd",
			},
			cwd:  "plain/sub",
			want: "cwd",
		},
		{
			name: "cap truncates and warns",
			files: map[string]string{
				"repo/.git/HEAD":     "",
				"repo/AGENTS.md":     "0123456789",
				"repo/a/AGENTS.md":   "abcdefghij",
				"repo/a/b/AGENTS.md": "never read",
			},
			cwd:      "repo/a/b",
			opts:     DocsOptions{MaxBytes: 15},
			want:     "0123456789\n\nabcde",
			warnings: 1,
		},
		{
			name: "cap keeps utf-8 whole",
			files: map[string]string{
				"repo/.git/HEAD": "",
				"repo/AGENTS.md": "ééé",
			},
			cwd:      "repo",
			opts:     DocsOptions{MaxBytes: 5},
			want:     "éé",
			warnings: 1,
		},
		{
			name: "negative cap disables project docs",
			files: map[string]string{
				"home/AGENTS.md": "global",
				"repo/.git/HEAD": "",
				"repo/AGENTS.md": "root",
			},
			cwd:  "repo",
			opts: DocsOptions{MaxBytes: -1},
			want: "global",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for p, c := range tt.files {
				write(t, filepath.Join(root, p), c)
			}
			os.MkdirAll(filepath.Join(root, tt.cwd), 0o755)
			opts := tt.opts
			opts.Home = filepath.Join(root, "home")
			opts.Cwd = filepath.Join(root, tt.cwd)
			got, warnings, err := LoadProjectDocs(opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("docs (-want +got):\n%s", diff)
			}
			if len(warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", warnings, tt.warnings)
			}
		})
	}
}

func TestLoadProjectDocsNeedsCwd(t *testing.T) {
	t.Parallel()
	if _, _, err := LoadProjectDocs(DocsOptions{}); err == nil {
		t.Error("no error without a cwd")
	}
}

func TestEnvironmentContext(t *testing.T) {
	t.Parallel()
	got := EnvironmentContext(EnvContext{
		Cwd:            "/work/a&b",
		ApprovalPolicy: protocol.ApprovalOnRequest,
		Sandbox:        protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/work/a&b", "/tmp"}},
		Shell:          "bash",
		Now:            time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC),
		Timezone:       "Europe/Paris",
	})
	want := `<environment_context>
  <cwd>/work/a&amp;b</cwd>
  <approval_policy>on-request</approval_policy>
  <sandbox_mode>workspace-write</sandbox_mode>
  <network_access>restricted</network_access>
  <writable_roots>
    <root>/work/a&amp;b</root>
    <root>/tmp</root>
  </writable_roots>
  <shell>bash</shell>
  <current_date>2026-11-24</current_date>
  <timezone>Europe/Paris</timezone>
</environment_context>`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environment context (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		policy protocol.SandboxPolicy
		net    string
	}{
		{protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, "restricted"},
		{protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, NetworkAccess: true}, "enabled"},
		{protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, "enabled"},
	} {
		got := EnvironmentContext(EnvContext{Cwd: "/w", Sandbox: tt.policy})
		if !strings.Contains(got, "<network_access>"+tt.net+"</network_access>") {
			t.Errorf("%s: %s", tt.policy.Mode, got)
		}
		if strings.Contains(got, "writable_roots") {
			t.Errorf("%s lists writable roots", tt.policy.Mode)
		}
	}
}

func TestInitialItems(t *testing.T) {
	t.Parallel()
	env := EnvContext{Cwd: "/w", ApprovalPolicy: protocol.ApprovalNever, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}}
	items := InitialItems(Initial{DeveloperInstructions: "be terse", ProjectDocs: "use tabs\n", Env: env})
	want := []model.Item{
		{Type: model.ItemMessage, Role: model.RoleDeveloper, Content: []model.ContentPart{{Type: model.PartInputText, Text: "be terse"}}},
		model.UserText("# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>\nuse tabs\n</INSTRUCTIONS>"),
		model.UserText(EnvironmentContext(env)),
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	for _, it := range items[1:] {
		if !IsInjected(it.Text()) {
			t.Errorf("IsInjected(%.30q) = false", it.Text())
		}
	}
	if IsInjected("fix the bug") {
		t.Error("IsInjected(user prompt) = true")
	}
	if !IsInjected(NotePrefix + "The user undid the file changes of turn 2.</kodex_note>") {
		t.Error("IsInjected(kodex's note to the model) = false: a resumed UI shows it as the user's message")
	}
	if got := InitialItems(Initial{Env: env}); len(got) != 1 {
		t.Errorf("without docs: %d items, want 1", len(got))
	}
}

func TestLocalTimezoneAndShell(t *testing.T) {
	if LocalTimezone() == "" {
		t.Error("LocalTimezone is empty")
	}
	t.Setenv("TZ", "Asia/Tokyo")
	if got := LocalTimezone(); got != "Asia/Tokyo" {
		t.Errorf("LocalTimezone with TZ = %q", got)
	}
	t.Setenv("SHELL", "/usr/bin/zsh")
	if got := ShellName(); got != "zsh" {
		t.Errorf("ShellName = %q", got)
	}
}
