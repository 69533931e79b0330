package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// The approval modal's update, alone: keys in, a decision (or none) out.
func TestApprovalModalUpdate(t *testing.T) {
	t.Parallel()
	exec := func() *approval {
		return &approval{exec: &protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"ls"}}}
	}
	prefix := func() *approval {
		return &approval{exec: &protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"npm", "test"}, ProposedPrefixRule: []string{"npm"}}}
	}
	patch := func() *approval {
		return &approval{patch: &protocol.PatchApprovalRequest{CallID: "p1", Changes: []protocol.FileChange{{Path: "a.go"}}}}
	}
	mcp := func() *approval {
		return &approval{mcp: &protocol.McpToolApprovalRequest{CallID: "m1"}}
	}
	tests := []struct {
		name        string
		req         func() *approval
		keys        []string
		want        protocol.Op // the last key's decision; nil: none
		wantDecline bool        // a declined patch to commit
		wantLeft    int         // requests left in the queue
	}{
		{"yes", exec, []string{"y"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApproved}, false, 0},
		{"session", exec, []string{"A"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApprovedForSession}, false, 0},
		{"no", exec, []string{"n"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionDenied}, false, 0},
		{"abort", exec, []string{"esc"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionAbort}, false, 0},
		{"ctrl+c aborts", exec, []string{"ctrl+c"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionAbort}, false, 0},
		{"scroll keys decide nothing", exec, []string{"j", "k", "down"}, nil, false, 1},
		{"other keys decide nothing", exec, []string{"x"}, nil, false, 1},
		{"no prefix rule to approve", exec, []string{"p"}, nil, false, 1},
		{"prefix rule", prefix, []string{"p"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApprovedPrefixRule}, false, 0},
		{"mcp tool", mcp, []string{"y"}, protocol.ExecApproval{CallID: "m1", Decision: protocol.DecisionApproved}, false, 0},
		{"patch yes", patch, []string{"y"}, protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionApproved}, false, 0},
		{"patch no asks why", patch, []string{"n"}, nil, false, 1},
		{"patch no with feedback", patch, []string{"n", "b", "a", "d", "space", "enter"},
			protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionDenied, Feedback: "bad"}, false, 0}, // the patch's end shows it
		{"patch feedback cancelled", patch, []string{"n", "esc", "y"}, protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionApproved}, false, 0},
		{"patch abort", patch, []string{"esc"}, protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionAbort}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var q approvalModal
			q.push(tt.req(), time.Time{}, time.Time{})
			var got tea.Msg
			for _, k := range tt.keys {
				got = q.update(keyMsg(k))
			}
			var gotOp protocol.Op
			var declined bool
			if d, ok := got.(approvalDecided); ok {
				gotOp = d.op
				c, isPatch := d.commit.(*patchCell)
				declined = isPatch && c.declined
			} else if got != nil {
				t.Fatalf("update returned %T, want approvalDecided or nil", got)
			}
			if diff := cmp.Diff(tt.want, gotOp); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s", diff)
			}
			if declined != tt.wantDecline {
				t.Errorf("declined patch committed = %v, want %v", declined, tt.wantDecline)
			}
			if len(q.queue) != tt.wantLeft {
				t.Errorf("%d requests left, want %d", len(q.queue), tt.wantLeft)
			}
		})
	}
}

// A modal that appears while the user types is not armed at once; the next
// request in the queue is shown when the first is answered.
func TestApprovalModalQueueAndGuard(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var q approvalModal
	q.push(&approval{exec: &protocol.ExecApprovalRequest{CallID: "c1"}}, t0, t0.Add(-100*time.Millisecond))
	q.push(&approval{exec: &protocol.ExecApprovalRequest{CallID: "c2"}}, t0, time.Time{})
	if q.armed(t0.Add(armDelay - time.Millisecond)) {
		t.Error("the modal is armed right after it appeared under the user's typing")
	}
	if !q.armed(t0.Add(armDelay)) {
		t.Error("the modal is not armed after armDelay")
	}
	if d, ok := q.update(keyMsg("y")).(approvalDecided); !ok || d.op.(protocol.ExecApproval).CallID != "c1" {
		t.Fatalf("first answer = %+v, want c1's", d)
	}
	q.show(t0.Add(time.Second), time.Time{})
	if got := q.shown(); got == nil || got.exec.CallID != "c2" || !q.armed(t0.Add(time.Second)) {
		t.Errorf("shown after the first answer = %+v, want c2, armed", got)
	}
	q.clear()
	if q.active() || q.armed(t0) {
		t.Error("the modal is active after clear")
	}
}

// The feedback a denied patch asks for, drawn in the modal.
func TestApprovalModalFeedbackGolden(t *testing.T) {
	t.Parallel()
	var q approvalModal
	q.push(&approval{patch: &protocol.PatchApprovalRequest{CallID: "p1", Reason: "writes outside the workspace",
		Changes: []protocol.FileChange{{Path: "internal/sse/sse.go", Kind: protocol.ChangeUpdate, UnifiedDiff: sampleDiff}}}}, time.Time{}, time.Time{})
	q.update(keyMsg("n"))
	if !q.paste("use the helper instead") || !q.typing() {
		t.Fatal("the modal does not take the feedback")
	}
	golden(t, "modal_patch_feedback", ansi.Strip(q.view(80, 24)))
}
