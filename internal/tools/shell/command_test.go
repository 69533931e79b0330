//go:build unix

package shell

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

// shEnviron gives commands /bin/sh as the user's shell.
func shEnviron() []string { return []string{"SHELL=/bin/sh", "PATH=/usr/bin:/bin"} }

func commandCall(t *testing.T, a map[string]any) tools.Call {
	t.Helper()
	c := call(t, a)
	c.Name = CommandName
	return c
}

func TestShellCommandSpec(t *testing.T) {
	t.Parallel()
	c := NewCommand(New(Options{}), nil)
	for _, tt := range []struct {
		policy protocol.ApprovalPolicy
		want   []string
	}{
		{protocol.ApprovalOnRequest, []string{"command", "justification", "login", "prefix_rule", "sandbox_permissions", "timeout_ms", "workdir"}},
		{protocol.ApprovalNever, []string{"command", "login", "timeout_ms", "workdir"}},
	} {
		s := c.SpecFor(tt.policy)
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(s.Parameters, &schema); err != nil {
			t.Fatal(err)
		}
		var names []string
		for n := range schema.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		if diff := cmp.Diff(tt.want, names); diff != "" {
			t.Errorf("%s: properties mismatch (-want +got):\n%s", tt.policy, diff)
		}
		if s.Name != "shell_command" || s.Kind != "function" || !slices.Equal(schema.Required, []string{"command"}) {
			t.Errorf("spec = %+v, required %v", s, schema.Required)
		}
	}
}

// The answer is Codex's shell_command text: exit code, wall time, output.
func TestShellCommandRunsAShellLine(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, workspace)
	var argv []string
	var mu sync.Mutex
	sb := func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		mu.Lock()
		argv = req.Argv
		mu.Unlock()
		return fakeSandbox(ctx, req)
	}
	c := NewCommand(New(Options{Sandbox: sb, Environ: shEnviron}), nil)
	res, err := c.Handle(context.Background(), env, commandCall(t, map[string]any{"command": "echo one; echo two >&2; exit 3", "login": false}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/bin/sh", "-c", "echo one; echo two >&2; exit 3"}; !slices.Equal(argv, want) {
		t.Errorf("argv = %q, want %q", argv, want)
	}
	re := regexp.MustCompile(`^Exit code: 3\nWall time: [0-9]+(\.[0-9])? seconds\nOutput:\n(one\ntwo|two\none)\n$`)
	if !re.MatchString(res.Output) || !res.Failed {
		t.Errorf("answer = %q (failed %v), want Codex's shell_command format", res.Output, res.Failed)
	}
	if got := f.types(); !slices.Equal(got, []string{"exec_begin", "exec_output_delta", "exec_end"}) {
		t.Errorf("events = %v", got)
	}
}

func TestShellCommandTotalLinesWhenCut(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalOnRequest, workspace)
	c := NewCommand(New(Options{Sandbox: fakeSandbox, ModelMaxLines: 10, Environ: shEnviron}), nil)
	res, err := c.Handle(context.Background(), env, commandCall(t, map[string]any{"command": "seq 1 100"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "\nTotal output lines: 100\nOutput:\n1\n") || res.Failed {
		t.Errorf("answer = %q, want the total line count before the cut output", res.Output)
	}
}

// An escalation with a prefix rule offers the rule; once the user approves
// it, later commands covered by it run outside the sandbox without asking,
// others still ask, and the rule is saved.
func TestPrefixRuleApprovedOnce(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, workspace, protocol.DecisionApprovedPrefixRule, protocol.DecisionDenied)
	var saved [][]string
	var modes []protocol.SandboxMode
	var mu sync.Mutex
	sb := func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		mu.Lock()
		modes = append(modes, req.Policy.Mode)
		mu.Unlock()
		req.Argv = []string{"true"}
		return fakeSandbox(ctx, req)
	}
	sh := New(Options{Sandbox: sb, Environ: shEnviron, SavePrefixRule: func(r []string) error { saved = append(saved, r); return nil }})
	c := NewCommand(sh, nil)
	run := func(a map[string]any) tools.Result {
		t.Helper()
		res, err := c.Handle(context.Background(), env, commandCall(t, a))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	esc := func(cmd string, rule ...string) map[string]any {
		return map[string]any{"command": cmd, "sandbox_permissions": "require_escalated", "prefix_rule": rule}
	}
	run(esc("git pull origin main", "git", "pull"))
	run(esc("git pull --tags", "git", "pull"))             // covered: no question
	run(map[string]any{"command": "git pull && git pull"}) // covered without escalation too
	if res := run(esc("git pull && rm -rf build", "git", "pull")); !res.Failed {
		t.Errorf("a command not covered ran without asking: %q", res.Output)
	}
	if len(f.requests) != 2 {
		t.Fatalf("approval requests = %d, want 2 (the first and the uncovered one)", len(f.requests))
	}
	if diff := cmp.Diff([]string{"git", "pull"}, f.requests[0].ProposedPrefixRule); diff != "" {
		t.Errorf("first request's proposal mismatch (-want +got):\n%s", diff)
	}
	if f.requests[1].ProposedPrefixRule != nil {
		t.Errorf("a rule that does not cover its command was proposed: %q", f.requests[1].ProposedPrefixRule)
	}
	if diff := cmp.Diff([][]string{{"git", "pull"}}, saved); diff != "" {
		t.Errorf("saved rules mismatch (-want +got):\n%s", diff)
	}
	want := []protocol.SandboxMode{protocol.SandboxDangerFullAccess, protocol.SandboxDangerFullAccess, protocol.SandboxDangerFullAccess}
	if diff := cmp.Diff(want, modes); diff != "" {
		t.Errorf("sandbox modes mismatch (-want +got):\n%s", diff)
	}
}

// Approving the command once, or for the session, adds no rule; a rule
// from an earlier session applies, but not under approval policy never.
func TestPrefixRuleNeedsItsOwnApproval(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, workspace, protocol.DecisionApproved, protocol.DecisionApprovedForSession, protocol.DecisionApproved)
	c := NewCommand(New(Options{Sandbox: fakeSandbox, Environ: shEnviron}), nil)
	for _, cmd := range []string{"make a", "make b", "make c"} {
		if _, err := c.Handle(context.Background(), env, commandCall(t, map[string]any{"command": cmd, "sandbox_permissions": "require_escalated", "prefix_rule": []string{"make"}})); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.requests) != 3 {
		t.Errorf("approval requests = %d, want 3", len(f.requests))
	}

	var modes []protocol.SandboxMode
	var mu sync.Mutex
	sb := func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		mu.Lock()
		modes = append(modes, req.Policy.Mode)
		mu.Unlock()
		return fakeSandbox(ctx, req)
	}
	prior := NewCommand(New(Options{Sandbox: sb, Environ: shEnviron, PrefixRules: [][]string{{"echo", "hi"}}}), nil)
	never, _ := newEnv(t, protocol.ApprovalNever, workspace)
	onRequest, _ := newEnv(t, protocol.ApprovalOnRequest, workspace)
	for _, env := range []*tools.Env{never, onRequest} {
		if _, err := prior.Handle(context.Background(), env, commandCall(t, map[string]any{"command": "echo hi there"})); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]protocol.SandboxMode{protocol.SandboxWorkspaceWrite, protocol.SandboxDangerFullAccess}, modes); diff != "" {
		t.Errorf("sandbox modes (never, on-request) mismatch (-want +got):\n%s", diff)
	}
}
