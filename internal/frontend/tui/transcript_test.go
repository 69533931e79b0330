package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// describeResults flattens a transcript result into one line per result, a
// committed cell as its text without styles and with whitespace collapsed.
func describeResults(msg tea.Msg) []string {
	switch r := msg.(type) {
	case nil:
		return nil
	case results:
		var out []string
		for _, x := range r {
			out = append(out, describeResults(x)...)
		}
		return out
	case commitCell:
		return []string{"commit " + strings.Join(strings.Fields(ansi.Strip(r.c.render(80))), " ")}
	case showNotice:
		return []string{"notice " + r.text + ifSet(" [", r.hint, "]")}
	case turnBegan:
		return []string{"turn began"}
	case turnFinished:
		return []string{"turn finished"}
	case notify:
		return []string{"notify " + r.body}
	case approvalAsked:
		switch {
		case r.a.exec != nil:
			return []string{"approval exec " + strings.Join(r.a.exec.Command, " ")}
		case r.a.patch != nil:
			return []string{"approval patch"}
		default:
			return []string{"approval mcp " + r.a.mcp.Tool}
		}
	case elicitAsked:
		return []string{"elicit " + r.req.Server}
	case submitOp:
		return []string{fmt.Sprintf("submit %T", r.op)}
	}
	return []string{fmt.Sprintf("%T", msg)}
}

func newTestTranscript() *transcript {
	c := newClock()
	return &transcript{now: c.now}
}

func TestTranscriptUpdate(t *testing.T) {
	t.Parallel()
	exec := protocol.ExecBegin{CallID: "c1", Command: []string{"go", "test"}}
	tests := []struct {
		name      string
		hide      bool
		replaying bool
		events    []protocol.EventMsg
		want      []string
	}{
		{
			name: "a streamed message commits complete blocks, the final text wins",
			events: []protocol.EventMsg{
				protocol.AgentMessageDelta{ItemID: "m", Delta: "Hello\n\nWor"},
				protocol.AgentMessageDelta{ItemID: "m", Delta: "ld"},
				protocol.AgentMessage{ItemID: "m", Text: "Hello\n\nWorld!"},
			},
			want: []string{"commit • Hello", "commit World!"},
		},
		{
			name: "a tool call flushes the stream and commits when it ends",
			events: []protocol.EventMsg{
				protocol.AgentMessageDelta{ItemID: "m", Delta: "Running the tests"},
				exec,
				protocol.ExecEnd{CallID: "c1", ExitCode: 0, AggregatedOutput: "ok\n"},
			},
			want: []string{"commit • Running the tests", "commit ✓ Ran go test └ ok exit 0"},
		},
		{
			name: "a turn begins and ends, a running command aborted, with a notification",
			events: []protocol.EventMsg{
				protocol.TurnStarted{},
				exec,
				protocol.TurnComplete{LastMessage: "All green."},
			},
			want: []string{"turn began", "commit ✗ Interrupted go test └ interrupted", "turn finished", "notify All green."},
		},
		{
			name:   "a failed turn says why",
			events: []protocol.EventMsg{protocol.TurnFailed{Error: protocol.ErrorInfo{Message: "no network", Hint: "check the proxy"}}},
			want:   []string{"commit ■ no network check the proxy", "turn finished", "notify Turn failed: no network"},
		},
		{
			name:   "an interrupted turn",
			events: []protocol.EventMsg{protocol.TurnAborted{Reason: "interrupted"}},
			want:   []string{"commit ⚠ Interrupted. Tell the model what to do differently.", "turn finished"},
		},
		{
			name: "an approval goes to the modal; the declined command keeps its name",
			events: []protocol.EventMsg{
				protocol.ExecApprovalRequest{CallID: "c2", Command: []string{"rm", "x"}},
				protocol.ExecEnd{CallID: "c2", ExitCode: -1, Declined: true},
			},
			want: []string{"approval exec rm x", "notify Approval needed to run rm x", "commit ✗ Declined rm x"},
		},
		{
			name: "a declined patch is one cell, with the policy's reason or the user's words",
			events: []protocol.EventMsg{
				protocol.PatchApprovalRequest{CallID: "p1", Changes: []protocol.FileChange{{Path: "a.txt", Kind: protocol.ChangeAdd, UnifiedDiff: "+x\n"}}},
				protocol.PatchApplyEnd{CallID: "p1", Changes: []protocol.FileChange{{Path: "a.txt", Kind: protocol.ChangeAdd, UnifiedDiff: "+x\n"}}, Output: "patch rejected by user", Declined: true},
				protocol.PatchApplyEnd{CallID: "p2", Changes: []protocol.FileChange{{Path: "/etc/b", Kind: protocol.ChangeAdd, UnifiedDiff: "+y\n"}}, Output: "patch rejected: writing outside the workspace", Declined: true},
			},
			want: []string{"approval patch", "notify Approval needed to edit files",
				"commit ✗ Declined edits to 1 file (+1 -0) └ A a.txt (+1 -0)",
				"commit ✗ Declined edits to 1 file (+1 -0) └ A /etc/b (+1 -0) patch rejected: writing outside the workspace"},
		},
		{
			name: "a retry commits what the broken attempt streamed before its warning",
			events: []protocol.EventMsg{
				protocol.AgentMessageDelta{ItemID: "m", Delta: "The first half"},
				protocol.Retry{Attempt: 1, MaxAttempts: 5, Reason: "stream disconnected"},
				protocol.AgentMessage{ItemID: "m2", Text: "The whole answer."},
			},
			want: []string{"commit • The first half", "notice " + retryText(protocol.Retry{Attempt: 1, MaxAttempts: 5, Reason: "stream disconnected"}), "commit • The whole answer."},
		},
		{
			name: "history asks nothing and starts no spinner",
			events: []protocol.EventMsg{
				UserMessage{Text: "hi"},
				protocol.TurnStarted{},
				protocol.ExecApprovalRequest{CallID: "c2", Command: []string{"rm", "x"}},
				protocol.AgentMessage{ItemID: "m", Text: "Done."},
				protocol.TurnComplete{LastMessage: "Done."},
			},
			replaying: true,
			want:      []string{"commit › hi", "commit • Done.", "turn finished"},
		},
		{
			name: "reasoning is committed when the answer starts",
			events: []protocol.EventMsg{
				protocol.ReasoningDelta{ItemID: "r", Delta: "Thinking it over."},
				protocol.AgentMessageDelta{ItemID: "m", Delta: "Yes"},
				protocol.Reasoning{ItemID: "r", Text: "Thinking it over."},
			},
			want: []string{"commit ✻ Thinking it over."},
		},
		{
			name: "hidden reasoning is not shown",
			hide: true,
			events: []protocol.EventMsg{
				protocol.ReasoningDelta{ItemID: "r", Delta: "Thinking."},
				protocol.Reasoning{ItemID: "r", Text: "Thinking."},
			},
		},
		{
			name: "notices",
			events: []protocol.EventMsg{
				protocol.Warning{Message: "Low disk."},
				protocol.Retry{Attempt: 1, MaxAttempts: 5, Wait: protocol.Duration(400 * time.Millisecond), Reason: "EOF"},
				protocol.ContextCompacted{TokensBefore: 150000, TokensAfter: 12000},
				protocol.McpServerStatus{Server: "docs", State: protocol.McpFailed, Error: "exit 1", Stderr: "boom\nbad token\n"},
				protocol.McpServerStatus{Server: "web", State: protocol.McpReady},
			},
			want: []string{
				"notice Low disk.",
				"notice Model request failed (EOF); retrying in 0.4 s (1/5).",
				"notice Context compacted (150k → 12k tokens).",
				"notice MCP server docs failed to start: exit 1 [Its stderr ends with: bad token]",
			},
		},
		{
			name:   "an MCP form goes to the overlay",
			events: []protocol.EventMsg{protocol.McpElicitationRequest{Server: "docs"}},
			want:   []string{"elicit docs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTestTranscript()
			tr.hideReasoning, tr.replaying = tt.hide, tt.replaying
			var got []string
			for _, ev := range tt.events {
				got = append(got, describeResults(tr.update(ev))...)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("results mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTranscriptProcesses: a process the model left running stays live
// after its turn (not in history, whose processes ended with the run).
func TestTranscriptProcesses(t *testing.T) {
	t.Parallel()
	for _, replaying := range []bool{false, true} {
		tr := newTestTranscript()
		tr.replaying = replaying
		tr.update(protocol.ExecBegin{CallID: "p", Command: []string{"npm", "run", "dev"}, ProcessID: 7})
		tr.update(protocol.TurnComplete{})
		want := 1
		if replaying {
			want = 0
		}
		if got := len(tr.live.processes()); got != want {
			t.Errorf("replaying %v: %d processes live, want %d", replaying, got, want)
		}
	}
}

// TestTranscriptGolden renders the cells a whole turn commits, and the live
// area while it runs.
func TestTranscriptGolden(t *testing.T) {
	t.Parallel()
	tr := newTestTranscript()
	var b strings.Builder
	commit := func(msg tea.Msg) {
		var walk func(tea.Msg)
		walk = func(msg tea.Msg) {
			switch r := msg.(type) {
			case results:
				for _, x := range r {
					walk(x)
				}
			case commitCell:
				b.WriteString(ansi.Strip(r.c.render(60)) + "\n\n")
			}
		}
		walk(msg)
	}
	for _, ev := range []protocol.EventMsg{
		protocol.TurnStarted{},
		protocol.ReasoningDelta{ItemID: "r", Delta: "**Reading the decoder**\n\nThe bound looks wrong."},
		protocol.AgentMessageDelta{ItemID: "m", Delta: "I'll fix the loop bound.\n\nFirst the "},
		protocol.ExecBegin{CallID: "c1", Command: []string{"go", "test", "./internal/sse"}},
		protocol.ExecOutputDelta{CallID: "c1", Chunk: []byte("--- FAIL: TestDecode\n")},
	} {
		commit(tr.update(ev))
	}
	b.WriteString("--- live:\n" + ansi.Strip(strings.Join(tr.view(60, []queuedMsg{{text: "and add a test"}}), "\n")) + "\n--- committed at the end:\n")
	for _, ev := range []protocol.EventMsg{
		protocol.ExecEnd{CallID: "c1", ExitCode: 1, AggregatedOutput: "--- FAIL: TestDecode\nFAIL\n", Duration: protocol.Duration(1200 * time.Millisecond)},
		protocol.PlanUpdate{Plan: []protocol.PlanItem{{Step: "Fix the bound", Status: protocol.PlanCompleted}}},
		protocol.AgentMessage{ItemID: "m2", Text: "Fixed."},
		protocol.TurnComplete{},
	} {
		commit(tr.update(ev))
	}
	golden(t, "transcript_turn", b.String())
}
