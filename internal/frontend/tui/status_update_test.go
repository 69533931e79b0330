package tui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	price := func(model string) (Price, bool) {
		return Price{Input: 1, Output: 10}, model == "gpt-5"
	}
	low := &protocol.RateLimits{Requests: &protocol.LimitWindow{Limit: 100, Remaining: 5}}
	tests := []struct {
		name    string
		events  []protocol.EventMsg
		line    string   // the status line at 100 columns
		notices []string // what update returned
		cost    float64
	}{
		{
			name: "the session's configuration replaces the start-up values",
			events: []protocol.EventMsg{protocol.SessionConfigured{Model: "o3", ReasoningEffort: "high", ContextWindow: 100_000,
				ApprovalPolicy: protocol.ApprovalNever, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}}},
			line: " o3 high · full-auto · workspace-write",
		},
		{
			name: "a policy and sandbox that match no preset show the policy",
			events: []protocol.EventMsg{protocol.SessionConfigured{Model: "gpt-5",
				ApprovalPolicy: protocol.ApprovalUntrusted, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}}},
			line: " gpt-5 · untrusted · workspace-write",
		},
		{
			name: "tokens, context and the cost at the model's price",
			events: []protocol.EventMsg{protocol.TokenCount{
				Last:        protocol.TokenUsage{InputTokens: 1_000_000, OutputTokens: 100_000, TotalTokens: 1_100_000},
				Total:       protocol.TokenUsage{TotalTokens: 1_100_000},
				ContextUsed: 50_000,
			}},
			line: " gpt-5 · auto-edit · workspace-write · 25% context used · 1.1M tokens",
			cost: 2,
		},
		{
			name:    "a limit running low warns once",
			events:  []protocol.EventMsg{protocol.TokenCount{RateLimits: low}, protocol.TokenCount{RateLimits: low}},
			line:    " gpt-5 · auto-edit · workspace-write",
			notices: []string{"notice Rate limit: 5 of 100 requests left. [/status shows the provider's limits.]"},
		},
		{
			name:   "compaction frees the context",
			events: []protocol.EventMsg{protocol.TokenCount{ContextUsed: 150_000}, protocol.ContextCompacted{TokensBefore: 150_000, TokensAfter: 20_000}},
			line:   " gpt-5 · auto-edit · workspace-write · 10% context used",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStatus(StatusInfo{Model: "gpt-5", ApprovalPolicy: protocol.ApprovalOnRequest, SandboxMode: protocol.SandboxWorkspaceWrite, ContextWindow: 200_000}, "/work", price)
			var notices []string
			for _, ev := range tt.events {
				notices = append(notices, describeResults(s.update(ev))...)
			}
			if diff := cmp.Diff(tt.notices, notices); diff != "" {
				t.Errorf("results mismatch (-want +got):\n%s", diff)
			}
			if got := ansi.Strip(s.line(100, "")); got != tt.line {
				t.Errorf("line = %q, want %q", got, tt.line)
			}
			if s.cost != tt.cost {
				t.Errorf("cost = %v, want %v", s.cost, tt.cost)
			}
		})
	}
}

// TestStatusTurnTicks: the spinner advances on its own turn's ticks only,
// and stops with the turn.
func TestStatusTurnTicks(t *testing.T) {
	t.Parallel()
	var s statusState
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if s.turn.start(start) == nil {
		t.Fatal("a turn started no tick")
	}
	old := tickMsg{s.turn.tickGen - 1}
	if s.turn.tick(old, start.Add(time.Second)) != nil || s.turn.frame != 0 {
		t.Error("a tick of an older turn advanced the spinner")
	}
	if s.turn.tick(tickMsg{s.turn.tickGen}, start.Add(3*time.Second)) == nil || s.turn.frame != 1 || s.turn.elapsed != 3*time.Second {
		t.Errorf("tick: frame %d, elapsed %v; want 1, 3s and the next tick", s.turn.frame, s.turn.elapsed)
	}
	gen := s.turn.tickGen
	s.reset()
	if s.turn.running || s.turn.tick(tickMsg{gen}, start) != nil {
		t.Error("the spinner ticks after the session was swapped")
	}
}
