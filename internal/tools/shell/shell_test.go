//go:build unix

package shell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

var (
	fullAccess = protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
	workspace  = protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}
)

// fakeEnv records events and answers approvals from a script.
type fakeEnv struct {
	t         *testing.T
	mu        sync.Mutex
	events    []protocol.EventMsg
	requests  []protocol.ExecApprovalRequest
	decisions []protocol.ReviewDecision
	session   map[string]bool
}

func newEnv(t *testing.T, policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, decisions ...protocol.ReviewDecision) (*tools.Env, *fakeEnv) {
	f := &fakeEnv{t: t, decisions: decisions, session: map[string]bool{}}
	cwd := t.TempDir()
	sb.WritableRoots = append(sb.WritableRoots, cwd)
	env := &tools.Env{
		SessionID:      "s1",
		TurnID:         "t1",
		Cwd:            cwd,
		ApprovalPolicy: policy,
		Sandbox:        sb,
		Emit: func(m protocol.EventMsg) {
			f.mu.Lock()
			f.events = append(f.events, m)
			f.mu.Unlock()
		},
		Approve: func(_ context.Context, req protocol.EventMsg) (protocol.ReviewDecision, string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			r, ok := req.(protocol.ExecApprovalRequest)
			if !ok {
				f.t.Errorf("Approve(%T), want an ExecApprovalRequest", req)
				return protocol.DecisionDenied, ""
			}
			f.requests = append(f.requests, r)
			if len(f.decisions) == 0 {
				f.t.Errorf("unexpected approval request %+v", r)
				return protocol.DecisionDenied, ""
			}
			d := f.decisions[0]
			f.decisions = f.decisions[1:]
			return d, ""
		},
		Approved: func(key string) bool { f.mu.Lock(); defer f.mu.Unlock(); return f.session[key] },
		Remember: func(key string) { f.mu.Lock(); defer f.mu.Unlock(); f.session[key] = true },
	}
	t.Cleanup(func() {
		if len(f.decisions) > 0 {
			t.Errorf("approval decisions left unused: %v", f.decisions)
		}
	})
	return env, f
}

// types returns the event types, with output deltas collapsed.
func (f *fakeEnv) types() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		typ := e.EventType()
		if typ == "exec_output_delta" && len(out) > 0 && out[len(out)-1] == typ {
			continue
		}
		out = append(out, typ)
	}
	return out
}

func (f *fakeEnv) lastEnd() protocol.ExecEnd {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.events) - 1; i >= 0; i-- {
		if e, ok := f.events[i].(protocol.ExecEnd); ok {
			return e
		}
	}
	f.t.Fatal("no ExecEnd emitted")
	return protocol.ExecEnd{}
}

func call(t *testing.T, a map[string]any) tools.Call {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return tools.Call{ID: "call_1", Name: Name, Kind: "function", Input: string(b)}
}

func decode(t *testing.T, res tools.Result) modelOutput {
	t.Helper()
	var out modelOutput
	if err := json.Unmarshal([]byte(res.Output), &out); err != nil {
		t.Fatalf("output %q is not Codex's JSON: %v", res.Output, err)
	}
	return out
}

func TestEcho(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{"command": []string{"echo", "hello"}}))
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, res)
	if res.Failed || out.Output != "hello\n" || out.Metadata.ExitCode != 0 {
		t.Errorf("Handle = %+v (%+v), want hello and exit 0", res, out)
	}
	if diff := cmp.Diff([]string{"exec_begin", "exec_output_delta", "exec_end"}, f.types()); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	if end := f.lastEnd(); end.ExitCode != 0 || end.AggregatedOutput != "hello\n" || end.CallID != "call_1" {
		t.Errorf("ExecEnd = %+v", end)
	}
	if begin := f.events[0].(protocol.ExecBegin); begin.Cwd != env.Cwd || begin.Sandbox == "" {
		t.Errorf("ExecBegin = %+v, want cwd %s and a mechanism", begin, env.Cwd)
	}
}

func TestNonzeroExit(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalNever, fullAccess)
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"sh", "-c", "echo oops >&2; exit 3"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, res)
	if !res.Failed || out.Output != "oops\n" || out.Metadata.ExitCode != 3 {
		t.Errorf("Handle = %+v, want a failure with exit 3", out)
	}
	if end := f.lastEnd(); end.ExitCode != 3 || end.SandboxDenied {
		t.Errorf("ExecEnd = %+v", end)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"sh", "-c", "echo started; sleep 30"}, "timeout_ms": 200,
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, res)
	if !res.Failed || out.Metadata.ExitCode != -1 || !strings.HasPrefix(out.Output, "command timed out after 200 milliseconds\nstarted\n") {
		t.Errorf("Handle = %+v, want a timeout", out)
	}
	if end := f.lastEnd(); !end.TimedOut {
		t.Errorf("ExecEnd = %+v, want TimedOut", end)
	}
}

func TestTimeoutCapped(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	tool := New(Options{MaxTimeout: 150 * 1e6}) // 150ms
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"sleep", "30"}, "timeout_ms": 3_600_000,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if out := decode(t, res); !strings.HasPrefix(out.Output, "command timed out after 150 milliseconds") {
		t.Errorf("Handle = %+v, want the timeout capped at 150ms", out)
	}
}

func TestApprovalDenied(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalUntrusted, fullAccess, protocol.DecisionDenied)
	target := filepath.Join(env.Cwd, "created")
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"touch", target}, "justification": "make a file",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || res.Output != MsgRejected {
		t.Errorf("Handle = %+v, want %q", res, MsgRejected)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("the declined command ran")
	}
	want := []protocol.ExecApprovalRequest{{
		CallID: "call_1", Command: []string{"touch", target}, Cwd: env.Cwd,
		Reason: approval.ReasonNotKnownSafe, Justification: "make a file", Escalated: true,
	}}
	if diff := cmp.Diff(want, f.requests); diff != "" {
		t.Errorf("approval requests mismatch (-want +got):\n%s", diff)
	}
	if end := f.lastEnd(); !end.Declined || end.ExitCode != -1 {
		t.Errorf("ExecEnd = %+v, want Declined", end)
	}
	if diff := cmp.Diff([]string{"exec_end"}, f.types()); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestApprovedForSessionRemembered(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalUntrusted, fullAccess, protocol.DecisionApprovedForSession)
	tool := New(Options{})
	c := call(t, map[string]any{"command": []string{"bash", "-c", "touch out.txt && ls out.txt"}})
	for i := range 2 {
		res, err := tool.Handle(context.Background(), env, c)
		if err != nil {
			t.Fatal(err)
		}
		if out := decode(t, res); out.Output != "out.txt\n" {
			t.Errorf("run %d: Handle = %+v, want out.txt", i, out)
		}
	}
	if len(f.requests) != 1 {
		t.Errorf("asked %d times, want once", len(f.requests))
	}
	// The same script spelled differently is the same approval.
	c = call(t, map[string]any{"command": []string{"bash", "-c", "touch  'out.txt'&&ls out.txt"}})
	if _, err := tool.Handle(context.Background(), env, c); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 1 {
		t.Errorf("asked %d times, want once", len(f.requests))
	}
}

func TestApprovalAbort(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalUntrusted, fullAccess, protocol.DecisionAbort)
	_, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{"command": []string{"rm", "-rf", "x"}}))
	if !errors.Is(err, ErrAborted) {
		t.Errorf("Handle error = %v, want ErrAborted", err)
	}
}

func TestSafeCommandRunsWithoutAsking(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalUntrusted, fullAccess)
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{"command": []string{"bash", "-c", "echo a | wc -l"}}))
	if err != nil {
		t.Fatal(err)
	}
	if out := decode(t, res); strings.TrimSpace(out.Output) != "1" || len(f.requests) != 0 {
		t.Errorf("Handle = %+v with %d requests, want 1 and none", out, len(f.requests))
	}
}

func TestEscalationUnderNeverDenied(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalNever, workspace)
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"curl", "https://example.com"}, "sandbox_permissions": "require_escalated",
		"justification": "download",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || res.Output != approval.ReasonEscalateDenied {
		t.Errorf("Handle = %+v, want the escalation denied with its reason", res)
	}
	if diff := cmp.Diff([]string{"exec_end"}, f.types()); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestOutputTruncatedForModel(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	tool := New(Options{ModelMaxBytes: 1000, ModelMaxLines: 40})
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"seq", "1", "10000"}}))
	if err != nil {
		t.Fatal(err)
	}
	out := decode(t, res)
	if !strings.HasPrefix(out.Output, "1\n2\n") || !strings.HasSuffix(out.Output, "9999\n10000\n") {
		t.Errorf("output %q: want the head and the tail", out.Output)
	}
	if !strings.Contains(out.Output, " lines) omitted ...]") || strings.Count(out.Output, "\n") > 45 {
		t.Errorf("output %q: want about 40 lines around a marker", out.Output)
	}
	if end := f.lastEnd(); !strings.HasSuffix(end.AggregatedOutput, "10000\n") || len(end.AggregatedOutput) < 40000 {
		t.Errorf("ExecEnd output has %d bytes, want it all (under the 1 MiB cap)", len(end.AggregatedOutput))
	}
}

func TestEnvSecretsStripped(t *testing.T) {
	// Not parallel: sets the process environment.
	t.Setenv("FOO_API_KEY", "sekrit")
	t.Setenv("KODEX_TEST_VISIBLE", "yes")
	env, _ := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	tool := New(Options{EnvPolicy: proc.EnvPolicy{Inherit: proc.InheritAll}})
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{
		"command": []string{"sh", "-c", `echo "key=$FOO_API_KEY visible=$KODEX_TEST_VISIBLE"`},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if out := decode(t, res); out.Output != "key= visible=yes\n" {
		t.Errorf("child saw %q, want the key stripped", out.Output)
	}
}

func TestBadArgs(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	tool := New(Options{})
	for _, input := range []string{
		`{`, `{}`, `{"command": []}`, `{"command": "ls"}`, `{"command": [""]}`,
		`{"command": ["ls"], "sandbox_permissions": "root"}`,
		`{"command": ["ls"], "workdir": "does/not/exist"}`,
	} {
		res, err := tool.Handle(context.Background(), env, tools.Call{ID: "c", Name: Name, Input: input})
		if err != nil || !res.Failed || res.Output == "" {
			t.Errorf("Handle(%s) = %+v, %v; want a failed result", input, res, err)
		}
	}
	if len(f.types()) != 0 {
		t.Errorf("events %v, want none", f.types())
	}
}

func TestWorkdirRelative(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	if err := os.Mkdir(filepath.Join(env.Cwd, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := New(Options{}).Handle(context.Background(), env, call(t, map[string]any{"command": []string{"pwd"}, "workdir": "sub"}))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(env.Cwd, "sub"))
	if got := strings.TrimSpace(decode(t, res).Output); got != want && got != filepath.Join(env.Cwd, "sub") {
		t.Errorf("pwd = %q, want %q", got, want)
	}
}

func TestIntercept(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalUntrusted, workspace)
	var gotArgv []string
	var gotDir string
	tool := New(Options{Intercept: func(_ context.Context, _ *tools.Env, _ tools.Call, argv []string, workdir string) (tools.Result, bool, error) {
		gotArgv, gotDir = argv, workdir
		return tools.Result{Output: "patched"}, argv[0] == "apply_patch", nil
	}})
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"apply_patch", "*** Begin Patch"}}))
	if err != nil || res.Output != "patched" {
		t.Errorf("Handle = %+v, %v; want the interceptor's result", res, err)
	}
	if gotDir != env.Cwd || len(gotArgv) != 2 || len(f.types()) != 0 {
		t.Errorf("intercept saw %q in %s, events %v", gotArgv, gotDir, f.types())
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	tool := New(Options{})
	tests := []struct {
		input string
		want  bool
	}{
		{`{"command": ["ls", "-la"]}`, true},
		{`{"command": ["bash", "-lc", "git status && git diff"]}`, true},
		{`{"command": ["rm", "x"]}`, false},
		{`{"command": ["ls"], "sandbox_permissions": "require_escalated"}`, false},
		{`{"command": ["ls"], "with_escalated_permissions": true}`, false},
		{`{`, false},
	}
	for _, tt := range tests {
		if got := tool.ReadOnly(tools.Call{Name: Name, Input: tt.input}); got != tt.want {
			t.Errorf("ReadOnly(%s) = %v, want %v", tt.input, got, tt.want)
		}
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	s := New(Options{}).Spec()
	var schema struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
		Additional bool                       `json:"additionalProperties"`
	}
	if err := json.Unmarshal(s.Parameters, &schema); err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range schema.Properties {
		names = append(names, n)
	}
	if diff := cmp.Diff([]string{"command", "justification", "prefix_rule", "sandbox_permissions", "timeout_ms", "workdir"}, sortStrings(names)); diff != "" {
		t.Errorf("properties mismatch (-want +got):\n%s", diff)
	}
	if s.Name != "shell" || s.Kind != "function" || schema.Type != "object" || schema.Additional || fmt.Sprint(schema.Required) != "[command]" {
		t.Errorf("spec = %+v / %+v", s, schema)
	}
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// fakeSandbox confines nothing, but reports a mechanism and makes `denied`
// fail like a blocked write when run sandboxed.
func fakeSandbox(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
	argv := req.Argv
	if req.Policy.Mode != protocol.SandboxDangerFullAccess && argv[0] == "denied" {
		argv = []string{"sh", "-c", "echo 'touch: /etc/x: Read-only file system' >&2; exit 1"}
	} else if argv[0] == "denied" {
		argv = []string{"echo", "ok outside"}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = req.Cwd, req.Env
	mech := "fake"
	if req.Policy.Mode == protocol.SandboxDangerFullAccess {
		mech = "none"
	}
	return cmd, sandbox.Info{Mechanism: mech}, nil
}

func TestOnFailureRerunsOutsideSandbox(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnFailure, workspace, protocol.DecisionApprovedForSession)
	tool := New(Options{Sandbox: fakeSandbox})
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"denied"}}))
	if err != nil {
		t.Fatal(err)
	}
	if out := decode(t, res); res.Failed || out.Output != "ok outside\n" {
		t.Errorf("Handle = %+v, want the unsandboxed rerun's output", out)
	}
	if len(f.requests) != 1 || f.requests[0].Reason != approval.ReasonRerun || !f.requests[0].Escalated {
		t.Errorf("requests = %+v, want one rerun request", f.requests)
	}
	want := []string{"exec_begin", "exec_output_delta", "exec_end", "exec_begin", "exec_output_delta", "exec_end"}
	if diff := cmp.Diff(want, f.types()); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	if end := f.events[2].(protocol.ExecEnd); !end.SandboxDenied {
		t.Errorf("first ExecEnd = %+v, want SandboxDenied", end)
	}
	// Approved for the session: the next run goes straight outside.
	res, err = tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"denied"}}))
	if err != nil || decode(t, res).Output != "ok outside\n" || len(f.requests) != 1 {
		t.Errorf("second Handle = %+v, %v after %d requests; want a direct rerun", res, err, len(f.requests))
	}
}

func TestSandboxDenialNotes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy    protocol.ApprovalPolicy
		decisions []protocol.ReviewDecision
		note      string
	}{
		{protocol.ApprovalOnFailure, []protocol.ReviewDecision{protocol.DecisionDenied}, "declined to rerun it outside the sandbox"},
		{protocol.ApprovalOnRequest, nil, `"sandbox_permissions": "require_escalated"`},
		{protocol.ApprovalNever, nil, `not allowed under approval policy "never"`},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, tt.policy, workspace, tt.decisions...)
			res, err := New(Options{Sandbox: fakeSandbox}).Handle(context.Background(), env, call(t, map[string]any{"command": []string{"denied"}}))
			if err != nil {
				t.Fatal(err)
			}
			out := decode(t, res)
			if !res.Failed || !strings.Contains(out.Output, "Read-only file system\n[sandbox fake]") || !strings.Contains(out.Output, tt.note) {
				t.Errorf("output %q, want the failure and a note containing %q", out.Output, tt.note)
			}
		})
	}
}

func TestSandboxUnavailable(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, workspace)
	tool := New(Options{Sandbox: func(context.Context, sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		return nil, sandbox.Info{}, fmt.Errorf("%w: landlock is not enabled; use a newer kernel", sandbox.ErrUnavailable)
	}})
	res, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"ls"}}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || !strings.Contains(res.Output, "sandbox unavailable: landlock is not enabled") {
		t.Errorf("Handle = %+v, want the unavailability told", res)
	}
	if end := f.lastEnd(); !strings.Contains(end.AggregatedOutput, "sandbox unavailable") {
		t.Errorf("ExecEnd = %+v, want the unavailability told", end)
	}
}

func TestCancelAbortsTurn(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalOnRequest, fullAccess)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	emit := env.Emit
	env.Emit = func(m protocol.EventMsg) {
		emit(m)
		if d, ok := m.(protocol.ExecOutputDelta); ok && strings.Contains(string(d.Chunk), "ready") {
			cancel()
		}
	}
	_, err := New(Options{}).Handle(ctx, env, call(t, map[string]any{"command": []string{"sh", "-c", "echo ready; sleep 30"}, "timeout_ms": 60000}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Handle error = %v, want context.Canceled", err)
	}
	if end := f.lastEnd(); end.ExitCode != -1 {
		t.Errorf("ExecEnd = %+v, want exit -1", end)
	}
}

func TestSandboxRequest(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalOnRequest, workspace)
	var got sandbox.Request
	tool := New(Options{Self: "/bin/kodex", Environ: func() []string { return []string{"PATH=/bin", "GH_TOKEN=x"} },
		Sandbox: func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
			got = req
			return exec.CommandContext(ctx, "true"), sandbox.Info{Mechanism: "fake"}, nil
		}})
	if _, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"make"}})); err != nil {
		t.Fatal(err)
	}
	want := sandbox.Request{
		Argv: []string{"make"}, Cwd: env.Cwd, Env: []string{"PATH=/bin"},
		Policy: env.Sandbox, Self: "/bin/kodex",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sandbox request mismatch (-want +got):\n%s", diff)
	}
}

// TestSpecForNeverOffersNoEscalation: under "never" nobody can approve an
// escalation, so the model is not offered one; elsewhere it is.
func TestSpecForNeverOffersNoEscalation(t *testing.T) {
	t.Parallel()
	tool := New(Options{})
	for _, tt := range []struct {
		approval protocol.ApprovalPolicy
		offers   bool
	}{
		{protocol.ApprovalNever, false},
		{protocol.ApprovalOnRequest, true},
		{protocol.ApprovalUntrusted, true},
		{protocol.ApprovalOnFailure, true},
	} {
		spec := tool.SpecFor(tt.approval)
		for _, part := range []string{spec.Description, string(spec.Parameters)} {
			if got := strings.Contains(part, "require_escalated"); got != tt.offers {
				t.Errorf("%s: spec mentions require_escalated = %v, want %v", tt.approval, got, tt.offers)
			}
		}
		if !json.Valid(spec.Parameters) {
			t.Errorf("%s: parameters are not valid JSON", tt.approval)
		}
	}
}

// TestApprovedInReadOnlyRunsInWorkspaceSandbox: in a read-only session
// (suggest), a command the user approves runs confined to the workspace
// sandbox resolved by the policy owner — it may write there, as an approved
// patch does — not read-only and not unconfined.
func TestApprovedInReadOnlyRunsInWorkspaceSandbox(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, protocol.ApprovalUntrusted, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, protocol.DecisionApproved)
	ws := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{env.Cwd}, AllowGitWrites: true}
	env.ResolvePolicy = func(mode protocol.SandboxMode) protocol.SandboxPolicy {
		if mode != protocol.SandboxWorkspaceWrite {
			t.Errorf("resolved %q, want workspace-write", mode)
		}
		return ws
	}
	var got protocol.SandboxPolicy
	tool := New(Options{Sandbox: func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		got = req.Policy
		return exec.CommandContext(ctx, "true"), sandbox.Info{Mechanism: "fake"}, nil
	}})
	if _, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"touch", "x"}})); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ws, got); diff != "" {
		t.Errorf("policy of the approved command (-want +got):\n%s", diff)
	}
}

// TestSandboxWarningsSaidOnce: what the sandbox warns about for a command's
// policy (a writable root that contains the home directory) is said once
// per session, not with every command.
func TestSandboxWarningsSaidOnce(t *testing.T) {
	t.Parallel()
	env, f := newEnv(t, protocol.ApprovalNever, workspace)
	tool := New(Options{Sandbox: func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
		return exec.CommandContext(ctx, "true"), sandbox.Info{Mechanism: "fake", Warnings: []string{"the writable root /home/u contains your home directory"}}, nil
	}})
	for range 2 {
		if _, err := tool.Handle(context.Background(), env, call(t, map[string]any{"command": []string{"true"}})); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, ev := range f.events {
		if w, ok := ev.(protocol.Warning); ok {
			got = append(got, w.Message)
		}
	}
	if diff := cmp.Diff([]string{"sandbox: the writable root /home/u contains your home directory"}, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestSocketHintWithoutNamespaces: a loopback socket refused at the
// Landlock-only level is explained with what to do; elsewhere no hint.
func TestSocketHintWithoutNamespaces(t *testing.T) {
	t.Parallel()
	refused := "--- FAIL: TestServe\n    listen tcp 127.0.0.1:0: socket: operation not permitted\n"
	for _, tt := range []struct {
		name, mech, output string
		network, want      bool
	}{
		{"landlock, socket refused", sandbox.MechLandlock, refused, false, true},
		{"namespaces", sandbox.MechNamespaces, refused, false, false},
		{"network allowed", sandbox.MechLandlock, refused, true, false},
		{"not a socket", sandbox.MechLandlock, "touch: /etc/x: Permission denied\n", false, false},
	} {
		out := outcome{mechanism: tt.mech}
		out.res.Output = tt.output
		got := socketHint(out, protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, NetworkAccess: tt.network})
		if (got != "") != tt.want {
			t.Errorf("%s: hint %q, want one: %v", tt.name, got, tt.want)
		}
	}
}
