package tui

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestCompactCommand: /compact submits the Compact op; the session's
// ContextCompacted shows as a notice and resets the context meter.
func TestCompactCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TokenCount{ContextUsed: 150000, ContextWindow: 200000})
	if f := h.frame(); !strings.Contains(f, "75% context used") {
		t.Fatalf("context meter before compaction:\n%s", f)
	}
	h.typeText("/compact")
	h.key("enter")
	wantOps(t, h.sink, protocol.Compact{})
	h.events(protocol.TurnStarted{TurnID: "1"}, protocol.ContextCompacted{TokensBefore: 150000, TokensAfter: 12000}, protocol.TurnComplete{TurnID: "1"})
	if sb := h.scrollback(); !strings.Contains(sb, "Context compacted (150k → 12k tokens).") {
		t.Errorf("no compaction notice:\n%s", sb)
	}
	if f := h.frame(); !strings.Contains(f, "6% context used") {
		t.Errorf("context meter not reset after compaction:\n%s", f)
	}
}
