package applypatch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/patch"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// fakeEnv records events and answers approvals from a script.
type fakeEnv struct {
	mu         sync.Mutex
	events     []protocol.EventMsg
	requests   []protocol.PatchApprovalRequest
	decision   protocol.ReviewDecision
	feedback   string
	remembered map[string]bool
}

func (f *fakeEnv) env(cwd string) *tools.Env {
	f.remembered = map[string]bool{}
	return &tools.Env{
		Cwd:            cwd,
		ApprovalPolicy: protocol.ApprovalOnRequest,
		Sandbox:        protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{cwd}},
		Emit: func(m protocol.EventMsg) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.events = append(f.events, m)
		},
		Approve: func(ctx context.Context, req protocol.EventMsg) (protocol.ReviewDecision, string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.requests = append(f.requests, req.(protocol.PatchApprovalRequest))
			return f.decision, f.feedback
		},
		Approved: func(key string) bool { return f.remembered[key] },
		Remember: func(key string) { f.remembered[key] = true },
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func functionCall(t *testing.T, patchText string) tools.Call {
	t.Helper()
	in, err := json.Marshal(map[string]string{"input": patchText})
	if err != nil {
		t.Fatal(err)
	}
	return tools.Call{ID: "call-1", Name: Name, Kind: model.ToolFunction, Input: string(in)}
}

const updatePatch = "*** Begin Patch\n*** Update File: a.txt\n@@\n one\n-two\n+TWO\n*** End Patch\n"

func TestFunctionForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "one\ntwo\n")
	var f fakeEnv
	res, err := New(Options{}).Handle(context.Background(), f.env(dir), functionCall(t, updatePatch))
	if err != nil {
		t.Fatal(err)
	}
	want := tools.Result{Output: "Success. Updated the following files:\nM a.txt\n"}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
	if got := read(t, filepath.Join(dir, "a.txt")); got != "one\nTWO\n" {
		t.Errorf("a.txt = %q", got)
	}
	changes := []protocol.FileChange{{
		Path: filepath.Join(dir, "a.txt"), Kind: protocol.ChangeUpdate,
		UnifiedDiff: "@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n",
	}}
	wantEvents := []protocol.EventMsg{
		protocol.PatchApplyBegin{CallID: "call-1", Changes: changes, AutoApproved: true},
		protocol.PatchApplyEnd{CallID: "call-1", Success: true, Changes: changes, Output: want.Output},
	}
	if diff := cmp.Diff(wantEvents, f.events); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestFreeformForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var f fakeEnv
	tool := New(Options{Freeform: true})
	if s := tool.Spec(); s.Kind != model.ToolCustom || s.Format == nil || s.Format.Syntax != "lark" {
		t.Fatalf("spec = %+v, want a custom tool with a lark grammar", s)
	}
	call := tools.Call{ID: "c", Name: Name, Kind: model.ToolCustom,
		Input: "*** Begin Patch\n*** Add File: new/file.txt\n+hi\n*** End Patch"}
	res, err := tool.Handle(context.Background(), f.env(dir), call)
	if err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	if got := read(t, filepath.Join(dir, "new/file.txt")); got != "hi\n" {
		t.Errorf("file = %q", got)
	}
}

func TestFunctionSpec(t *testing.T) {
	t.Parallel()
	s := New(Options{}).Spec()
	if s.Kind != model.ToolFunction || s.Name != "apply_patch" {
		t.Fatalf("spec = %+v", s)
	}
	var schema struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
		Additional bool                       `json:"additionalProperties"`
	}
	if err := json.Unmarshal(s.Parameters, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Type != "object" || schema.Properties["input"] == nil || !cmp.Equal(schema.Required, []string{"input"}) || schema.Additional {
		t.Errorf("schema = %s", s.Parameters)
	}
}

func TestShellForms(t *testing.T) {
	t.Parallel()
	body := "*** Begin Patch\n*** Update File: a.txt\n@@\n-two\n+2\n*** End Patch"
	tests := []struct {
		name string
		argv []string
		file string // relative to the session cwd
	}{
		{"direct", []string{"apply_patch", body}, "a.txt"},
		{"heredoc", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body + "\nEOF\n"}, "a.txt"},
		{"cd heredoc", []string{"zsh", "-c", "cd sub && applypatch <<EOF\n" + body + "\nEOF"}, "sub/a.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, tt.file, "one\ntwo\n")
			text, workdir, ok := patch.ExtractFromShell(tt.argv)
			if !ok {
				t.Fatalf("ExtractFromShell(%q) not recognised", tt.argv)
			}
			var f fakeEnv
			call := tools.Call{ID: "s", Name: "shell", Kind: model.ToolFunction}
			res, err := New(Options{}).HandleShell(context.Background(), f.env(dir), call, text, workdir)
			if err != nil || res.Failed {
				t.Fatalf("HandleShell = %+v, %v", res, err)
			}
			if got := read(t, filepath.Join(dir, tt.file)); got != "one\n2\n" {
				t.Errorf("file = %q", got)
			}
		})
	}
}

func TestFailingPatchChangesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "one\ntwo\n")
	var f fakeEnv
	p := "*** Begin Patch\n*** Add File: b.txt\n+b\n*** Update File: a.txt\n@@\n-three\n+3\n*** End Patch"
	res, err := New(Options{}).Handle(context.Background(), f.env(dir), functionCall(t, p))
	if err != nil {
		t.Fatal(err)
	}
	want := tools.Result{Output: "Failed to find expected lines in a.txt:\nthree", Failed: true}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("b.txt was created: %v", err)
	}
	// Nothing began; the failure is reported as a failed edit.
	wantEvents := []protocol.EventMsg{protocol.PatchApplyEnd{CallID: "call-1", Success: false, Output: "Failed to find expected lines in a.txt:\nthree"}}
	if diff := cmp.Diff(wantEvents, f.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestParseErrorReported(t *testing.T) {
	t.Parallel()
	var f fakeEnv
	res, err := New(Options{}).Handle(context.Background(), f.env(t.TempDir()), functionCall(t, "hello"))
	if err != nil || !res.Failed || !strings.Contains(res.Output, "*** Begin Patch") {
		t.Errorf("Handle = %+v, %v", res, err)
	}
	res, _ = New(Options{}).Handle(context.Background(), f.env(t.TempDir()), tools.Call{Kind: model.ToolFunction, Input: `{}`})
	if !res.Failed || !strings.Contains(res.Output, `"input"`) {
		t.Errorf("missing input: %+v", res)
	}
}

func TestSymlinkRefused(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir, outside := t.TempDir(), t.TempDir()
	write(t, outside, "target.txt", "secret\n")
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "target.txt"), filepath.Join(dir, "file-link")); err != nil {
		t.Fatal(err)
	}
	patches := map[string]string{
		"add through dir link":    "*** Begin Patch\n*** Add File: link/evil.txt\n+x\n*** End Patch",
		"update through dir link": "*** Begin Patch\n*** Update File: link/target.txt\n@@\n-secret\n+pwned\n*** End Patch",
		"update file link":        "*** Begin Patch\n*** Update File: file-link\n@@\n-secret\n+pwned\n*** End Patch",
		"delete through dir link": "*** Begin Patch\n*** Delete File: link/target.txt\n*** End Patch",
	}
	for name, p := range patches {
		var f fakeEnv
		res, err := New(Options{}).Handle(context.Background(), f.env(dir), functionCall(t, p))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !res.Failed || !strings.Contains(res.Output, "symlink") {
			t.Errorf("%s: result = %+v, want a symlink refusal", name, res)
		}
	}
	if got := read(t, filepath.Join(outside, "target.txt")); got != "secret\n" {
		t.Errorf("target = %q", got)
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("evil.txt written outside: %v", err)
	}
}

func TestSymlinkAllowedInFullAccess(t *testing.T) {
	t.Parallel()
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	var f fakeEnv
	env := f.env(dir)
	env.Sandbox = protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
	p := "*** Begin Patch\n*** Add File: link/ok.txt\n+x\n*** End Patch"
	if res, err := New(Options{}).Handle(context.Background(), env, functionCall(t, p)); err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	if got := read(t, filepath.Join(outside, "ok.txt")); got != "x\n" {
		t.Errorf("ok.txt = %q", got)
	}
}

func askPolicy(reason string) func(protocol.ApprovalPolicy, protocol.SandboxPolicy, string, []string) approval.Decision {
	return func(protocol.ApprovalPolicy, protocol.SandboxPolicy, string, []string) approval.Decision {
		return approval.Decision{Action: approval.Ask, Reason: reason}
	}
}

func TestApprovalDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		decision   protocol.ReviewDecision
		feedback   string
		wantErr    error
		wantOutput string
		applied    bool
	}{
		{"approved", protocol.DecisionApproved, "", nil, "Success. Updated the following files:\nM a.txt\n", true},
		{"approved for session", protocol.DecisionApprovedForSession, "", nil, "Success. Updated the following files:\nM a.txt\n", true},
		{"denied", protocol.DecisionDenied, "use b.txt instead", nil, "patch rejected by user: use b.txt instead", false},
		{"abort", protocol.DecisionAbort, "", ErrAborted, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, "a.txt", "one\ntwo\n")
			f := fakeEnv{decision: tt.decision, feedback: tt.feedback}
			tool := New(Options{})
			tool.forPatch = askPolicy("writes outside the workspace")
			res, err := tool.Handle(context.Background(), f.env(dir), functionCall(t, updatePatch))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if res.Output != tt.wantOutput {
				t.Errorf("output = %q, want %q", res.Output, tt.wantOutput)
			}
			if len(f.requests) != 1 || f.requests[0].Reason != "writes outside the workspace" || len(f.requests[0].Changes) != 1 {
				t.Errorf("requests = %+v", f.requests)
			}
			applied := read(t, filepath.Join(dir, "a.txt")) == "one\nTWO\n"
			if applied != tt.applied {
				t.Errorf("applied = %v, want %v", applied, tt.applied)
			}
			if tt.name == "denied" {
				// A refused patch is a declined edit the user sees, with why.
				if len(f.events) != 1 || f.events[0].(protocol.PatchApplyEnd).Success || !f.events[0].(protocol.PatchApplyEnd).Declined ||
					f.events[0].(protocol.PatchApplyEnd).Output != tt.wantOutput {
					t.Errorf("events = %v, want one declined PatchApplyEnd", f.events)
				}
			} else if !tt.applied && len(f.events) != 0 {
				t.Errorf("events = %v, want none", f.events)
			}
			if tt.applied && f.events[0].(protocol.PatchApplyBegin).AutoApproved {
				t.Error("AutoApproved set for a patch the user approved")
			}
		})
	}
}

func TestApprovedForSessionRemembered(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "one\ntwo\n")
	f := fakeEnv{decision: protocol.DecisionApprovedForSession}
	env := f.env(dir)
	tool := New(Options{})
	tool.forPatch = askPolicy("needs approval")
	if _, err := tool.Handle(context.Background(), env, functionCall(t, updatePatch)); err != nil {
		t.Fatal(err)
	}
	back := "*** Begin Patch\n*** Update File: a.txt\n@@\n-TWO\n+two\n*** End Patch"
	res, err := tool.Handle(context.Background(), env, functionCall(t, back))
	if err != nil || res.Failed {
		t.Fatalf("second Handle = %+v, %v", res, err)
	}
	if len(f.requests) != 1 {
		t.Errorf("asked %d times, want once", len(f.requests))
	}
}

func TestPolicyDeny(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "one\ntwo\n")
	var f fakeEnv
	tool := New(Options{})
	tool.forPatch = func(protocol.ApprovalPolicy, protocol.SandboxPolicy, string, []string) approval.Decision {
		return approval.Decision{Action: approval.Deny, Reason: "read-only sandbox"}
	}
	res, err := tool.Handle(context.Background(), f.env(dir), functionCall(t, updatePatch))
	if err != nil || res.Output != "patch rejected: read-only sandbox" || !res.Failed {
		t.Errorf("Handle = %+v, %v", res, err)
	}
	if len(f.requests) != 0 || read(t, filepath.Join(dir, "a.txt")) != "one\ntwo\n" {
		t.Error("denied patch asked or applied")
	}
}

func TestPolicySeesAbsolutePaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.txt", "one\ntwo\n")
	var got []string
	tool := New(Options{})
	tool.forPatch = func(_ protocol.ApprovalPolicy, _ protocol.SandboxPolicy, cwd string, paths []string) approval.Decision {
		got = paths
		return approval.Decision{Action: approval.Run}
	}
	p := "*** Begin Patch\n*** Update File: a.txt\n*** Move to: .git/hooks/x\n@@\n-two\n+2\n*** End Patch"
	var f fakeEnv
	if res, err := tool.Handle(context.Background(), f.env(dir), functionCall(t, p)); err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	want := []string{filepath.Join(dir, "a.txt"), filepath.Join(dir, ".git/hooks/x")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths mismatch (-want +got):\n%s", diff)
	}
}

func TestCRLFEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "win.txt", "\ufeffline1\r\nline2\r\nline3\r\n")
	var f fakeEnv
	p := "*** Begin Patch\n*** Update File: win.txt\n@@\n line1\n-line2\n+LINE2\n+added\n line3\n*** End Patch"
	res, err := New(Options{}).Handle(context.Background(), f.env(dir), functionCall(t, p))
	if err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	if got, want := read(t, filepath.Join(dir, "win.txt")), "\ufeffline1\r\nLINE2\r\nadded\r\nline3\r\n"; got != want {
		t.Errorf("win.txt = %q, want %q", got, want)
	}
	diff := f.events[0].(protocol.PatchApplyBegin).Changes[0].UnifiedDiff
	if strings.Contains(diff, "\r") {
		t.Errorf("diff has CRs: %q", diff)
	}
}

// TestRealPolicy goes through approval.ForPatch: a path outside the
// writable roots asks (and is written once approved) or, under "never", is
// refused.
func TestRealPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy   protocol.ApprovalPolicy
		decision protocol.ReviewDecision
		asked    bool
		written  bool
	}{
		{protocol.ApprovalOnRequest, protocol.DecisionApproved, true, true},
		{protocol.ApprovalOnRequest, protocol.DecisionDenied, true, false},
		{protocol.ApprovalNever, protocol.DecisionApproved, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+"/"+string(tt.decision), func(t *testing.T) {
			t.Parallel()
			dir, outside := t.TempDir(), t.TempDir()
			target := filepath.Join(outside, "out.txt")
			f := fakeEnv{decision: tt.decision}
			env := f.env(dir)
			env.ApprovalPolicy = tt.policy
			p := "*** Begin Patch\n*** Add File: " + target + "\n+x\n*** End Patch"
			res, err := New(Options{}).Handle(context.Background(), env, functionCall(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if asked := len(f.requests) == 1; asked != tt.asked {
				t.Errorf("asked = %v, want %v", asked, tt.asked)
			}
			_, statErr := os.Stat(target)
			if written := statErr == nil; written != tt.written {
				t.Errorf("written = %v, want %v (result %+v)", written, tt.written, res)
			}
			if res.Failed == tt.written {
				t.Errorf("result = %+v", res)
			}
		})
	}
}
