package agent_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// resolver is what internal/cli injects: policy.Resolve with an --add-dir
// and configured settings.
func resolver() func(protocol.SandboxMode, string) protocol.SandboxPolicy {
	return func(mode protocol.SandboxMode, cwd string) protocol.SandboxPolicy {
		return policy.Resolve(policy.Input{
			Mode: mode, Cwd: cwd, ExtraRoots: []string{"/extra"},
			Config: policy.Config{AllowGitWrites: true, DenyRead: []string{"/secrets"}},
		})
	}
}

// sandboxProbe is a tool that reports the policy its call ran under.
func sandboxProbe() (*fnTool, <-chan protocol.SandboxPolicy) {
	seen := make(chan protocol.SandboxPolicy, 8)
	return &fnTool{name: "probe", handle: func(_ context.Context, env *tools.Env, _ tools.Call) (tools.Result, error) {
		seen <- env.Sandbox
		return tools.Result{Output: "ok"}, nil
	}}, seen
}

func modePtr(m protocol.SandboxMode) *protocol.SandboxMode { return &m }

// TestSandboxModeOverrideResolves: a frontend sends a mode, and the next
// commands run under the complete policy for it, the cwd first among the
// writable roots; the policy sticks for later turns.
func TestSandboxModeOverrideResolves(t *testing.T) {
	t.Parallel()
	probe, seen := sandboxProbe()
	start := resolver()(protocol.SandboxReadOnly, "/work")
	h := newHarness(t, agent.Options{
		Settings:      agent.Settings{Cwd: "/work", ApprovalPolicy: protocol.ApprovalUntrusted, Sandbox: start},
		Tools:         router(t, probe),
		ResolvePolicy: resolver(),
	},
		modeltest.Calls(call("c1", "probe", "{}")), modeltest.Text("one"),
		modeltest.Calls(call("c2", "probe", "{}")), modeltest.Text("two"),
		modeltest.Calls(call("c3", "probe", "{}")), modeltest.Text("three"),
	)
	h.next() // SessionConfigured

	ut := userTurn("auto-edit now")
	ut.ApprovalPolicy = protocol.ApprovalOnRequest
	ut.SandboxMode = modePtr(protocol.SandboxWorkspaceWrite)
	h.submit(ut)
	evs := h.until(turnEnd)
	if w := msgsOf[protocol.Warning](evs); len(w) > 0 {
		t.Errorf("unexpected warnings: %+v", w)
	}
	want := protocol.SandboxPolicy{
		Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/work", "/extra"},
		AllowGitWrites: true, DenyRead: []string{"/secrets"},
	}
	if diff := cmp.Diff(want, <-seen); diff != "" {
		t.Errorf("policy after the mode override (-want +got):\n%s", diff)
	}

	h.turn("still auto-edit")
	if diff := cmp.Diff(want, <-seen); diff != "" {
		t.Errorf("policy on the next turn (-want +got):\n%s", diff)
	}

	// A new cwd re-resolves the current mode: the old cwd is no longer
	// writable, the new one is.
	ut = userTurn("elsewhere")
	ut.Cwd = "/other"
	h.submit(ut)
	h.until(turnEnd)
	want.WritableRoots = []string{"/other", "/extra"}
	if diff := cmp.Diff(want, <-seen); diff != "" {
		t.Errorf("policy after the cwd override (-want +got):\n%s", diff)
	}
}

// TestSandboxModeOverrideRefused: a mode the session cannot resolve keeps
// the current policy, and the user is told.
func TestSandboxModeOverrideRefused(t *testing.T) {
	t.Parallel()
	start := resolver()(protocol.SandboxReadOnly, "/work")
	tests := []struct {
		name    string
		resolve func(protocol.SandboxMode, string) protocol.SandboxPolicy
		mode    protocol.SandboxMode
		warning string
	}{
		{"unknown mode", resolver(), "workspace_write", `unknown sandbox mode "workspace_write" (want read-only, workspace-write or danger-full-access); commands keep running under read-only`},
		{"no resolver", nil, protocol.SandboxWorkspaceWrite, "this session cannot change its sandbox; commands keep running under read-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			probe, seen := sandboxProbe()
			h := newHarness(t, agent.Options{
				Settings:      agent.Settings{Cwd: "/work", Sandbox: start},
				Tools:         router(t, probe),
				ResolvePolicy: tt.resolve,
			}, modeltest.Calls(call("c1", "probe", "{}")), modeltest.Text("done"))
			h.next()
			ut := userTurn("go")
			ut.SandboxMode = modePtr(tt.mode)
			h.submit(ut)
			evs := h.until(turnEnd)
			var got []string
			for _, w := range msgsOf[protocol.Warning](evs) {
				got = append(got, w.Message)
			}
			if diff := cmp.Diff([]string{tt.warning}, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(start, <-seen); diff != "" {
				t.Errorf("policy changed (-want +got):\n%s", diff)
			}
		})
	}
}
