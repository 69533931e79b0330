package shell

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

// TestMain makes the test binary double as the sandbox helper, as kodex's
// main does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == sandbox.HelperArg {
		os.Exit(sandbox.HelperMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestRealSandbox runs through the real sandbox: a write in the workspace
// works, a write outside it is reported as a likely sandbox denial, and
// under on-failure the user is asked to rerun it outside.
func TestRealSandbox(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env, f := newEnv(t, protocol.ApprovalOnFailure, workspace, protocol.DecisionDenied)
	tool := New(Options{Self: self})

	inside := filepath.Join(env.Cwd, "inside")
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"touch", inside}}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Output, "sandbox unavailable") {
		f.decisions = nil
		t.Skipf("no sandbox here: %s", res.Output)
	}
	if out := decode(t, res); res.Failed || out.Metadata.ExitCode != 0 {
		t.Fatalf("touch in the workspace = %+v", out)
	}
	begin := f.events[0].(protocol.ExecBegin)
	if strings.HasPrefix(begin.Sandbox, "none") {
		t.Errorf("ExecBegin.Sandbox = %q, want a real mechanism", begin.Sandbox)
	}

	// Not a writable root, and not under /tmp, which the sandbox may make
	// private.
	outside := "/etc/kodex-shell-test-outside"
	t.Cleanup(func() { _ = os.Remove(outside) })
	res, err = tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"touch", outside}}))
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, res)
	if !res.Failed || !strings.Contains(out.Output, "[sandbox "+begin.Sandbox+"]") {
		t.Errorf("touch outside = %+v, want a failure noted as a sandbox denial", out)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Error("the write outside the workspace happened")
	}
	if len(f.requests) != 1 || f.requests[0].Reason != approval.ReasonRerun {
		t.Errorf("requests = %+v, want one rerun request", f.requests)
	}
	if end := f.lastEnd(); !end.SandboxDenied {
		t.Errorf("ExecEnd = %+v, want SandboxDenied", end)
	}
}

// BenchmarkShellCallSandboxed is one shell call as the agent makes it
// (approval check, sandboxed run, output for the model) of `true`, at each
// sandbox level; compare with the unconfined run for the sandbox's cost.
func BenchmarkShellCallSandboxed(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cwd := b.TempDir()
	args, _ := json.Marshal(map[string]any{"command": []string{"true"}})
	for _, lvl := range []struct {
		name  string
		mode  protocol.SandboxMode
		nonNS bool
	}{
		{"unconfined", protocol.SandboxDangerFullAccess, false},
		{"namespaces", protocol.SandboxWorkspaceWrite, false},
		{"landlock", protocol.SandboxWorkspaceWrite, true},
	} {
		b.Run(lvl.name, func(b *testing.B) {
			tool := New(Options{Self: self, Sandbox: func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
				req.NoNamespaces = lvl.nonNS
				return sandbox.Command(ctx, req)
			}})
			env := &tools.Env{Cwd: cwd, ApprovalPolicy: protocol.ApprovalNever, Emit: func(protocol.EventMsg) {},
				Sandbox: protocol.SandboxPolicy{Mode: lvl.mode, WritableRoots: []string{cwd}}}
			c := tools.Call{ID: "c", Name: Name, Input: string(args)}
			for b.Loop() {
				res, err := tool.Handle(context.Background(), env, c)
				if err != nil || res.Failed {
					b.Fatalf("shell call: %v %+v", err, res)
				}
			}
		})
	}
}

// TestRealSandboxTerminal: a command in a terminal (exec_command, tty) is
// confined exactly as a shell command: it writes in the workspace, a write
// outside it is denied and reported as a sandbox denial, and it has the
// terminal as its controlling terminal.
func TestRealSandboxTerminal(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env, f := newEnv(t, protocol.ApprovalNever, workspace)
	procs := NewProcesses(0)
	defer procs.Close()
	ns := sandbox.NewNetNS()
	defer ns.Close()
	ex, _ := NewUnified(New(Options{Self: self, NetNS: ns}), procs, nil)
	inside := filepath.Join(env.Cwd, "inside")
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{
		"cmd": "tty >/dev/null && ps -o tty= -p $$ | grep -q pts && touch " + inside + " && echo ok", "tty": true}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "Process exited with code 0\n") || !strings.Contains(outputOf(res), "ok") {
		t.Fatalf("terminal command in the workspace = %q", res.Output)
	}
	if begin := f.events[0].(protocol.ExecBegin); begin.Sandbox != sandbox.MechNamespaces && begin.Sandbox != sandbox.MechLandlock {
		t.Errorf("ExecBegin.Sandbox = %q, want a real mechanism", begin.Sandbox)
	}
	outside := "/etc/kodex-pty-test-outside"
	t.Cleanup(func() { _ = os.Remove(outside) })
	res, err = ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "touch " + outside, "tty": true}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || !strings.Contains(res.Output, "Process exited with code 1\n") || !strings.Contains(res.Output, "[sandbox ") {
		t.Errorf("touch outside = %q, want a failure noted as a sandbox denial", res.Output)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Error("the write outside the workspace happened")
	}
	if end := f.lastEnd(); !end.SandboxDenied {
		t.Errorf("ExecEnd = %+v, want SandboxDenied", end)
	}
}

// BenchmarkExecCommandSandboxed is one exec_command call of a command that
// exits at once (`true`), as the agent makes it, unconfined and at the
// namespace level, where it goes through the session's network namespace
// (relay + holder); compare with BenchmarkShellCallSandboxed.
func BenchmarkExecCommandSandboxed(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cwd := b.TempDir()
	for _, lvl := range []struct {
		name string
		mode protocol.SandboxMode
	}{
		{"unconfined", protocol.SandboxDangerFullAccess},
		{"namespaces-shared-net", protocol.SandboxWorkspaceWrite},
	} {
		b.Run(lvl.name, func(b *testing.B) {
			ns := sandbox.NewNetNS()
			defer ns.Close()
			procs := NewProcesses(0)
			defer procs.Close()
			ex, _ := NewUnified(New(Options{Self: self, NetNS: ns}), procs, nil)
			env := &tools.Env{Cwd: cwd, ApprovalPolicy: protocol.ApprovalNever, Emit: func(protocol.EventMsg) {},
				Sandbox: protocol.SandboxPolicy{Mode: lvl.mode, WritableRoots: []string{cwd}}}
			c := unifiedCall(b, ExecCommandName, map[string]any{"cmd": "true", "yield_time_ms": 10000})
			for b.Loop() {
				res, err := ex.Handle(context.Background(), env, c)
				if err != nil || res.Failed || !strings.Contains(res.Output, "Process exited with code 0") {
					b.Fatalf("exec_command: %v %+v", err, res)
				}
			}
		})
	}
}

// BenchmarkWriteStdinPollSandboxed is BenchmarkWriteStdinPoll with the
// terminal session inside the sandbox (namespace level, shared network):
// what a write_stdin costs beyond its yield time (250 ms).
func BenchmarkWriteStdinPollSandboxed(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cwd := b.TempDir()
	ns := sandbox.NewNetNS()
	defer ns.Close()
	procs := NewProcesses(0)
	defer procs.Close()
	ex, ws := NewUnified(New(Options{Self: self, NetNS: ns}), procs, nil)
	env := &tools.Env{Cwd: cwd, ApprovalPolicy: protocol.ApprovalNever, Emit: func(protocol.EventMsg) {},
		Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{cwd}}}
	res, err := ex.Handle(context.Background(), env, unifiedCall(b, ExecCommandName, map[string]any{"cmd": "cat", "tty": true, "yield_time_ms": 250}))
	if err != nil {
		b.Fatal(err)
	}
	benchPoll(b, ws, env, sessionID(b, res))
}
