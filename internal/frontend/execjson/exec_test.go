package execjson

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeSession replays a scripted event stream and records the ops.
type fakeSession struct {
	events chan protocol.Event
	mu     sync.Mutex
	ops    []protocol.Op
}

func newFakeSession(msgs []protocol.EventMsg) *fakeSession {
	s := &fakeSession{events: make(chan protocol.Event, len(msgs))}
	for i, m := range msgs {
		s.events <- protocol.Event{Seq: uint64(i + 1), Msg: m}
	}
	close(s.events)
	return s
}

func (s *fakeSession) Submit(_ context.Context, op protocol.Op) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = append(s.ops, op)
	return "1", nil
}

func (s *fakeSession) Events() <-chan protocol.Event { return s.events }

// turn is a full turn: reasoning, a plan, a command, a failing command, a
// declined command, a patch, a warning and the answer.
func turn() []protocol.EventMsg {
	changes := []protocol.FileChange{{Path: "/repo/a.go", Kind: protocol.ChangeUpdate}, {Path: "/repo/b.go", Kind: protocol.ChangeAdd}}
	return []protocol.EventMsg{
		protocol.SessionConfigured{SessionID: "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000", Model: "gpt-5.1-codex", Provider: "openai",
			Cwd: "/repo", ApprovalPolicy: protocol.ApprovalNever, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, SandboxMechanism: "landlock+seccomp+namespaces"},
		protocol.TurnStarted{TurnID: "1"},
		protocol.ReasoningDelta{ItemID: "rs", Delta: "Reading"},
		protocol.Reasoning{ItemID: "rs", Text: "Reading the code."},
		protocol.PlanUpdate{Plan: []protocol.PlanItem{{Step: "run tests", Status: protocol.PlanInProgress}, {Step: "fix", Status: protocol.PlanPending}}},
		protocol.AgentMessage{ItemID: "m1", Text: "Running the tests first."},
		protocol.ExecBegin{CallID: "c1", Command: []string{"go", "test", "./..."}, Cwd: "/repo"},
		protocol.ExecOutputDelta{CallID: "c1", Stream: "stdout", Chunk: []byte("ok\n")},
		protocol.ExecEnd{CallID: "c1", ExitCode: 0, Duration: protocol.Duration(1234 * time.Millisecond), AggregatedOutput: "ok\n"},
		protocol.ExecBegin{CallID: "c2", Command: []string{"bash", "-lc", "touch /etc/x"}, Cwd: "/repo"},
		protocol.ExecEnd{CallID: "c2", ExitCode: 1, Duration: protocol.Duration(5 * time.Millisecond), AggregatedOutput: "touch: cannot touch '/etc/x': Read-only file system\n", SandboxDenied: true},
		protocol.ExecEnd{CallID: "c3", Command: []string{"rm", "-rf", "build"}, ExitCode: -1, Declined: true, AggregatedOutput: "exec command rejected by user"},
		protocol.PatchApplyBegin{CallID: "c4", Changes: changes, AutoApproved: true},
		protocol.PatchApplyEnd{CallID: "c4", Success: true, Changes: changes, Output: "Success."},
		protocol.PlanUpdate{Plan: []protocol.PlanItem{{Step: "run tests", Status: protocol.PlanCompleted}, {Step: "fix", Status: protocol.PlanCompleted}}},
		protocol.Warning{Message: "model stream interrupted; reconnecting (attempt 1)"},
		protocol.AgentMessageDelta{ItemID: "m2", Delta: "Fixed"},
		protocol.AgentMessage{ItemID: "m2", Text: "Fixed the bug in `a.go`."},
		protocol.TokenCount{Turn: protocol.TokenUsage{InputTokens: 2000, CachedInputTokens: 1500, OutputTokens: 300, ReasoningOutputTokens: 100, TotalTokens: 2300},
			Total: protocol.TokenUsage{InputTokens: 5000, CachedInputTokens: 3500, OutputTokens: 700, ReasoningOutputTokens: 200, TotalTokens: 5700}},
		protocol.TurnComplete{TurnID: "1", LastMessage: "Fixed the bug in `a.go`."},
		protocol.ShutdownComplete{},
	}
}

func failedTurn() []protocol.EventMsg {
	return []protocol.EventMsg{
		protocol.SessionConfigured{SessionID: "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001", Model: "m", Provider: "openai"},
		protocol.TurnStarted{TurnID: "1"},
		protocol.TurnFailed{TurnID: "1", Error: protocol.ErrorInfo{Code: "auth", Message: "authentication failed: Incorrect API key", Hint: "check OPENAI_API_KEY"}},
		protocol.ShutdownComplete{},
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []protocol.EventMsg
		json   bool
	}{
		{"turn.jsonl", turn(), true},
		{"turn.human", turn(), false},
		{"failed.jsonl", failedTurn(), true},
		{"failed.human", failedTurn(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeSession(tt.events)
			var out, errOut bytes.Buffer
			res, err := Run(context.Background(), s, protocol.UserTurn{}, Options{Out: &out, Err: &errOut, JSON: tt.json})
			if err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !tt.json {
				got = "--- stdout\n" + out.String() + "--- stderr\n" + errOut.String()
			} else if errOut.Len() != 0 {
				t.Errorf("JSON mode wrote to stderr: %q", errOut.String())
			}
			golden(t, tt.name, got)
			// The prompt is submitted once, after SessionConfigured.
			s.mu.Lock()
			first := s.ops[0]
			s.mu.Unlock()
			if _, ok := first.(protocol.UserTurn); !ok {
				t.Errorf("first op = %T, want UserTurn", first)
			}
			if res.SessionID == "" {
				t.Error("outcome has no session id")
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), newFakeSession(turn()), protocol.UserTurn{}, Options{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	want := Outcome{SessionID: "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000", LastMessage: "Fixed the bug in `a.go`.",
		Usage: protocol.TokenUsage{InputTokens: 5000, CachedInputTokens: 3500, OutputTokens: 700, ReasoningOutputTokens: 200, TotalTokens: 5700}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("outcome mismatch (-want +got):\n%s", diff)
	}
	res, _ = Run(context.Background(), newFakeSession(failedTurn()), protocol.UserTurn{}, Options{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	if res.Failed == nil || res.Failed.Code != "auth" {
		t.Errorf("failed outcome = %+v, want code auth", res.Failed)
	}
}

func TestLastMessageFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "last.txt")
	if _, err := Run(context.Background(), newFakeSession(turn()), protocol.UserTurn{}, Options{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, LastMessageFile: path}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "Fixed the bug in `a.go`."; got != want {
		t.Errorf("last message file = %q, want %q", got, want)
	}
}

func TestShellJoin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"ls", "-la"}, "ls -la"},
		{[]string{"bash", "-lc", "echo 'hi' && ls"}, `bash -lc 'echo '\''hi'\'' && ls'`},
		{[]string{"echo", ""}, "echo ''"},
		{[]string{"go", "test", "./..."}, "go test ./..."},
	}
	for _, tt := range tests {
		if got := ShellJoin(tt.argv); got != tt.want {
			t.Errorf("ShellJoin(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TestFinalMessageOnTerminal: on a terminal, the final message is escaped
// like everything else kodex draws there; piped, it is the model's text.
func TestFinalMessageOnTerminal(t *testing.T) {
	t.Parallel()
	const evil = "done \x1b]52;c;ZXZpbA==\x07"
	events := []protocol.EventMsg{
		protocol.TurnStarted{TurnID: "1"},
		protocol.AgentMessage{ItemID: "m", Text: evil},
		protocol.TurnComplete{TurnID: "1", LastMessage: evil},
		protocol.ShutdownComplete{},
	}
	for _, tt := range []struct {
		terminal bool
		want     string
	}{
		{false, evil + "\n"},
		{true, `done \e]52;c;ZXZpbA==\a` + "\n"},
	} {
		var out bytes.Buffer
		if _, err := Run(context.Background(), newFakeSession(events), protocol.UserTurn{}, Options{Out: &out, Err: &bytes.Buffer{}, OutTerminal: tt.terminal}); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != tt.want {
			t.Errorf("terminal=%v: stdout = %q, want %q", tt.terminal, got, tt.want)
		}
	}
}

// TestJSONLKeepsHTMLCharacters: &, < and > are written as they are, as
// Codex's JSONL has them ("a && b" stays readable to tools that grep it).
func TestJSONLKeepsHTMLCharacters(t *testing.T) {
	t.Parallel()
	events := []protocol.EventMsg{
		protocol.TurnStarted{TurnID: "1"},
		protocol.AgentMessage{ItemID: "m", Text: "run a && b > c <d>"},
		protocol.TurnComplete{TurnID: "1", LastMessage: "run a && b > c <d>"},
		protocol.ShutdownComplete{},
	}
	var out bytes.Buffer
	if _, err := Run(context.Background(), newFakeSession(events), protocol.UserTurn{}, Options{Out: &out, Err: &bytes.Buffer{}, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, `"text":"run a && b > c <d>"`) || strings.Contains(got, `\u0026`) {
		t.Errorf("JSONL escapes HTML characters:\n%s", got)
	}
}
