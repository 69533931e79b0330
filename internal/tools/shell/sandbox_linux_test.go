package shell

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
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
