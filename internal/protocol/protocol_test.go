package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleEvents has one value of every event type, in a plausible order.
func sampleEvents() []EventMsg {
	sb := SandboxPolicy{Mode: SandboxWorkspaceWrite, WritableRoots: []string{"/repo", "/tmp"}, AllowGitWrites: true}
	changes := []FileChange{{Path: "/repo/a.go", Kind: ChangeUpdate, UnifiedDiff: "@@ -1 +1 @@\n-a\n+b\n"}, {Path: "/repo/b.go", Kind: ChangeAdd}}
	return []EventMsg{
		SessionConfigured{SessionID: "s1", ProtocolVersion: Version, Model: "gpt-5.1-codex", Provider: "openai", Cwd: "/repo",
			ApprovalPolicy: ApprovalOnRequest, Sandbox: sb, SandboxMechanism: "landlock+seccomp+namespaces", RolloutPath: "/h/sessions/r.jsonl", ContextWindow: 272000},
		TurnStarted{TurnID: "1"},
		ReasoningDelta{ItemID: "rs_1", Delta: "Look"},
		Reasoning{ItemID: "rs_1", Text: "Looking at the repo."},
		AgentMessageDelta{ItemID: "msg_1", Delta: "I'll "},
		AgentMessage{ItemID: "msg_1", Text: "I'll list the files."},
		ExecApprovalRequest{CallID: "c1", Command: []string{"rm", "-rf", "build"}, Cwd: "/repo", Reason: "not known to be safe", Justification: "clean the build"},
		ExecBegin{CallID: "c1", Command: []string{"ls"}, Cwd: "/repo", Sandbox: "landlock+seccomp+namespaces"},
		ExecOutputDelta{CallID: "c1", Stream: "stdout", Chunk: []byte("a.go\n\xff")},
		ExecEnd{CallID: "c1", ExitCode: 0, Duration: Duration(1500 * time.Millisecond), AggregatedOutput: "a.go\n"},
		PatchApprovalRequest{CallID: "c2", Changes: changes, Reason: "outside the writable roots"},
		PatchApplyBegin{CallID: "c2", Changes: changes, AutoApproved: true},
		PatchApplyEnd{CallID: "c2", Success: true, Changes: changes, Output: "Success. Updated the following files:\nM a.go\nA b.go\n"},
		PlanUpdate{CallID: "c3", Explanation: "two steps", Plan: []PlanItem{{Step: "read", Status: PlanCompleted}, {Step: "fix", Status: PlanInProgress}}},
		TokenCount{Last: TokenUsage{InputTokens: 100, OutputTokens: 10, TotalTokens: 110}, Turn: TokenUsage{InputTokens: 100, OutputTokens: 10, TotalTokens: 110},
			Total: TokenUsage{InputTokens: 300, CachedInputTokens: 200, OutputTokens: 30, ReasoningOutputTokens: 5, TotalTokens: 330}, ContextWindow: 272000, ContextUsed: 110},
		Warning{Message: "model stream interrupted; reconnecting (attempt 1)"},
		ContextCompacted{TokensBefore: 250000, TokensAfter: 12000, Auto: true},
		Retry{Attempt: 2, MaxAttempts: 5, Wait: Duration(1500 * time.Millisecond), Reason: "rate limited", RateLimited: true},
		Error{ErrorInfo{Code: "bad_op", Message: "no approval is pending for call \"x\""}},
		McpServerStatus{Server: "docs", State: McpStarting},
		McpServerStatus{Server: "docs", State: McpReady, Tools: 3},
		McpServerStatus{Server: "broken", State: McpFailed, Required: true, Error: "connection closed", Stderr: "Error: no such file\n"},
		McpToolApprovalRequest{CallID: "c4", Server: "docs", Tool: "search", Arguments: json.RawMessage(`{"q":"x"}`), Reason: "untrusted: every MCP call asks"},
		McpToolCallBegin{CallID: "c4", Server: "docs", Tool: "search", Arguments: json.RawMessage(`{"q":"x"}`)},
		McpElicitationRequest{RequestID: "e1", Server: "docs", Message: "Who are you?", Fields: []McpElicitField{
			{Name: "name", Title: "Name", Type: "string", Required: true}, {Name: "hero", Type: "string", Enum: []string{"h1", "h2"}, EnumTitles: []string{"Superman", "Batman"}, Default: "h1"}}},
		McpToolCallProgress{CallID: "c4", Progress: 1, Total: 2, Message: "half"},
		McpToolCallEnd{CallID: "c4", Server: "docs", Tool: "search", Arguments: json.RawMessage(`{"q":"x"}`), Duration: Duration(20 * time.Millisecond),
			Result: &McpToolResult{Content: []json.RawMessage{json.RawMessage(`{"type":"text","text":"hit"}`)}, StructuredContent: json.RawMessage(`{"n":1}`)}},
		McpToolCallEnd{CallID: "c5", Server: "docs", Tool: "slow", Error: "timed out after 1s"},
		TurnComplete{TurnID: "1", LastMessage: "Done."},
		TurnAborted{TurnID: "2", Reason: "interrupted"},
		TurnFailed{TurnID: "3", Error: ErrorInfo{Code: "auth", Message: "authentication failed: bad key", Hint: "check OPENAI_API_KEY"}},
		ShutdownComplete{},
		// exec_command's live processes
		ExecBegin{CallID: "c6", Command: []string{"/bin/bash", "-lc", "npm run dev"}, Cwd: "/repo", Sandbox: "landlock+seccomp+namespaces", ProcessID: 4242},
		TerminalInteraction{CallID: "c6", ProcessID: 4242, Stdin: "\u0003"},
	}
}

func sampleOps() []Op {
	return []Op{
		UserTurn{Items: []InputItem{{Type: InputText, Text: "fix it"}, {Type: InputLocalImage, Path: "/repo/shot.png"}},
			Model: "gpt-5.1", ApprovalPolicy: ApprovalNever, SandboxMode: ptr(SandboxReadOnly), OutputSchema: json.RawMessage(`{"type":"object"}`)},
		Interrupt{},
		Compact{},
		ExecApproval{CallID: "c1", Decision: DecisionApprovedForSession},
		McpElicitationResponse{RequestID: "e1", Action: ElicitAccept, Content: map[string]any{"name": "Ada", "age": float64(36)}},
		PatchApproval{CallID: "c2", Decision: DecisionDenied, Feedback: "not now"},
		Shutdown{},
		EndProcess{ProcessID: 4242},
	}
}

// TestEventsGolden pins the JSON encoding of every event and checks that it
// decodes back to the same value.
func TestEventsGolden(t *testing.T) {
	var buf bytes.Buffer
	for i, msg := range sampleEvents() {
		ev := Event{Seq: uint64(i + 1), ID: "1", Msg: msg}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal %T: %v", msg, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if diff := cmp.Diff(ev, back); diff != "" {
			t.Errorf("%T round trip mismatch (-want +got):\n%s", msg, diff)
		}
	}
	golden(t, "events.golden.jsonl", buf.Bytes())
}

// TestOpsGolden does the same for ops.
func TestOpsGolden(t *testing.T) {
	var buf bytes.Buffer
	for i, op := range sampleOps() {
		sub := Submission{ID: string(rune('a' + i)), Op: op}
		b, err := json.Marshal(sub)
		if err != nil {
			t.Fatalf("marshal %T: %v", op, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
		var back Submission
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if diff := cmp.Diff(sub, back); diff != "" {
			t.Errorf("%T round trip mismatch (-want +got):\n%s", op, diff)
		}
	}
	golden(t, "ops.golden.jsonl", buf.Bytes())
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"unknown event", `{"seq":1,"msg":{"type":"nope"}}`},
		{"missing tag", `{"seq":1,"msg":{"text":"x"}}`},
		{"not an object", `{"seq":1,"msg":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ev Event
			if err := json.Unmarshal([]byte(tt.in), &ev); err == nil {
				t.Errorf("Unmarshal(%s) = nil error, want one", tt.in)
			}
		})
	}
	var sub Submission
	if err := json.Unmarshal([]byte(`{"id":"1","op":{"type":"dance"}}`), &sub); err == nil {
		t.Error("unknown op decoded without error")
	}
	if _, err := json.Marshal(Event{Seq: 1}); err == nil {
		t.Error("event without payload encoded without error")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func ptr[T any](v T) *T { return &v }
