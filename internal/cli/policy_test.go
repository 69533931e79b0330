package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
)

// policyFixture is a user home and a git project. The user config, if any,
// may name the project as {project}.
type policyFixture struct {
	home, project string
}

func newPolicyFixture(t *testing.T, userConfig string) policyFixture {
	t.Helper()
	dir := t.TempDir()
	fx := policyFixture{home: filepath.Join(dir, "home", ".kodex"), project: filepath.Join(dir, "project")}
	for _, d := range []string{fx.home, filepath.Join(fx.project, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if userConfig != "" {
		userConfig = strings.ReplaceAll(userConfig, "{project}", fx.project)
		if err := os.WriteFile(filepath.Join(fx.home, "config.toml"), []byte(userConfig), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

// runtime loads the configuration the way newRuntime does, with the
// command line args parsed by the real command tree, and chooses the
// starting policy; it builds no model client and probes no sandbox.
func (fx policyFixture) runtime(t *testing.T, headless bool, args ...string) *kodexRuntime {
	t.Helper()
	env := map[string]string{"KODEX_HOME": fx.home, "HOME": filepath.Dir(fx.home)}
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Getenv: func(k string) string { return env[k] },
		Setenv: func(k, v string) error { env[k] = v; return nil },
		Getwd:  func() (string, error) { return fx.project, nil },
	}
	root, g := newRoot(f, nil)
	if err := root.ParseFlags(args); err != nil {
		t.Fatalf("parsing %q: %v", args, err)
	}
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		t.Fatalf("loading config: %v", err)
	}
	return &kodexRuntime{Runtime: session.NewPolicyRuntime(runtimeOptions(f, g, cfg, cwd, headless)), f: f, g: g}
}

// TestStartingPolicy: what a session starts with, from flags, config and
// trust; the policy is always complete (the cwd listed in workspace-write).
func TestStartingPolicy(t *testing.T) {
	t.Parallel()
	const (
		ro    = protocol.SandboxReadOnly
		ww    = protocol.SandboxWorkspaceWrite
		full  = protocol.SandboxDangerFullAccess
		never = protocol.ApprovalNever
		req   = protocol.ApprovalOnRequest
		untr  = protocol.ApprovalUntrusted
	)
	tests := []struct {
		name       string
		userConfig string // {project} is the project path
		headless   bool
		args       []string
		mode       protocol.SandboxMode
		approval   protocol.ApprovalPolicy
		asksTrust  bool
	}{
		{name: "exec, nothing set: read-only, never", headless: true, mode: ro, approval: never},
		{name: "exec --full-auto", headless: true, args: []string{"--full-auto"}, mode: ww, approval: never},
		{name: "exec -s workspace-write", headless: true, args: []string{"-s", "workspace-write"}, mode: ww, approval: never},
		{name: "exec -a on-request", headless: true, args: []string{"-a", "on-request"}, mode: ro, approval: req},
		{name: "exec, yolo", headless: true, args: []string{"--dangerously-bypass-approvals-and-sandbox"}, mode: full, approval: never},
		{name: "exec, config sandbox_mode", headless: true, userConfig: `sandbox_mode = "workspace-write"`, mode: ww, approval: never},
		{name: "exec, -c approval_policy", headless: true, args: []string{"-c", "approval_policy=untrusted"}, mode: ro, approval: untr},
		{name: "exec, profile sets the mode", headless: true, args: []string{"-p", "w"}, userConfig: "[profiles.w]\nsandbox_mode = \"workspace-write\"", mode: ww, approval: never},
		{name: "interactive, undecided: defaults, asks", mode: ww, approval: req, asksTrust: true},
		{name: "interactive -s read-only: not asked", args: []string{"-s", "read-only"}, mode: ro, approval: req},
		{name: "interactive -a never: not asked", args: []string{"-a", "never"}, mode: ww, approval: never},
		{name: "interactive --full-auto: not asked", args: []string{"--full-auto"}, mode: ww, approval: never},
		{name: "interactive, yolo: not asked", args: []string{"--dangerously-bypass-approvals-and-sandbox"}, mode: full, approval: never},
		{name: "interactive, config approval_policy: not asked", userConfig: `approval_policy = "on-failure"`, mode: ww, approval: protocol.ApprovalOnFailure},
		{name: "interactive, trusted", userConfig: "[projects.\"{project}\"]\ntrust_level = \"trusted\"", mode: ww, approval: req},
		{name: "interactive, untrusted: suggest", userConfig: "[projects.\"{project}\"]\ntrust_level = \"untrusted\"", mode: ro, approval: untr},
		{name: "interactive, untrusted, -s kept", args: []string{"-s", "workspace-write"}, userConfig: "[projects.\"{project}\"]\ntrust_level = \"untrusted\"", mode: ww, approval: untr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newPolicyFixture(t, tt.userConfig)
			rt := fx.runtime(t, tt.headless, tt.args...)
			if rt.Sandbox.Mode != tt.mode || rt.Approval != tt.approval {
				t.Errorf("starts with %s, %s; want %s, %s", rt.Sandbox.Mode, rt.Approval, tt.mode, tt.approval)
			}
			if got := rt.trustPrompt(false) != nil; got != tt.asksTrust && !tt.headless {
				t.Errorf("asks trust = %v, want %v", got, tt.asksTrust)
			}
			if rt.trustPrompt(true) != nil {
				t.Errorf("asks trust on resume")
			}
			if tt.mode == ww && (len(rt.Sandbox.WritableRoots) == 0 || rt.Sandbox.WritableRoots[0] != fx.project) {
				t.Errorf("writable roots %v do not start with the project", rt.Sandbox.WritableRoots)
			}
		})
	}
}

// TestUntrustedIsRemembered: "no" to the trust question is recorded for the
// project, and the next session starts read-only with approvals, without
// asking again.
func TestUntrustedIsRemembered(t *testing.T) {
	t.Parallel()
	fx := newPolicyFixture(t, "")
	first := fx.runtime(t, false)
	record := first.trustPrompt(false)
	if record == nil {
		t.Fatal("the trust question is not asked in an undecided project")
	}
	if err := record(false); err != nil {
		t.Fatal(err)
	}
	// A /new in the same process starts from the answer too.
	if got, want := []string{string(first.Sandbox.Mode), string(first.Approval)}, []string{"read-only", "untrusted"}; !cmp.Equal(got, want) {
		t.Errorf("after the answer, this process's sessions start with %v, want %v", got, want)
	}
	rt := fx.runtime(t, false)
	if rt.Config.Project.Trust != config.Untrusted {
		t.Errorf("project trust = %q, want %q", rt.Config.Project.Trust, config.Untrusted)
	}
	if rt.trustPrompt(false) != nil {
		t.Error("asked again after the answer was recorded")
	}
	if got, want := []string{string(rt.Sandbox.Mode), string(rt.Approval)}, []string{"read-only", "untrusted"}; !cmp.Equal(got, want) {
		t.Errorf("next session starts with %v, want %v", got, want)
	}
}

// TestResolverIsComplete: the resolver the agent gets lists the cwd and
// --add-dir for every mode change, and keeps the configured settings.
func TestResolverIsComplete(t *testing.T) {
	t.Parallel()
	fx := newPolicyFixture(t, "[sandbox_workspace_write]\nnetwork_access = true\ndeny_read = [\"/secret\"]\n")
	rt := fx.runtime(t, false, "--add-dir", "gen", "-s", "read-only")
	got := rt.ResolvePolicy(protocol.SandboxWorkspaceWrite, fx.project)
	want := protocol.SandboxPolicy{
		Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{fx.project, filepath.Join(fx.project, "gen")},
		NetworkAccess: true, AllowGitWrites: true, DenyRead: []string{"/secret"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved policy (-want +got):\n%s", diff)
	}
}

// TestHistoryPersistence: history.persistence = "none" gives the TUI no
// place to read or write prompt history.
func TestHistoryPersistence(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ config, want string }{
		{"", "home"},
		{"[history]\npersistence = \"save-all\"\n", "home"},
		{"[history]\npersistence = \"none\"\n", ""},
	} {
		fx := newPolicyFixture(t, tt.config)
		rt := fx.runtime(t, false)
		want := ""
		if tt.want == "home" {
			want = fx.home
		}
		if got := historyHome(rt.Config); got != want {
			t.Errorf("%q: history home %q, want %q", tt.config, got, want)
		}
	}
}
