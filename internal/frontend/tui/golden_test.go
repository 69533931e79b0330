package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/protocol"
)

const sampleMarkdown = "# Plan\n\nI'll fix the **flaky** test in `internal/sse` and add a [regression test](https://example.com/t).\n\n" +
	"## Steps\n\n1. Read the decoder\n2. Fix the off-by-one\n   in the buffer handling\n- nested *emphasis* and ~~old~~\n\n" +
	"```go\nfunc decode(b []byte) (int, error) {\n\t// comment\n\treturn len(b), nil\n}\n```\n\n" +
	"| File | Change |\n|---|---|\n| sse.go | fix |\n| sse_test.go | new test |\n\n> Note: this is a quote\n\n---\n\nDone."

const sampleDiff = "--- a/internal/sse/sse.go\n+++ b/internal/sse/sse.go\n@@ -10,7 +10,7 @@ func decode(b []byte) (int, error) {\n \tn := 0\n-\tfor i := 0; i <= len(b); i++ {\n+\tfor i := 0; i < len(b); i++ {\n \t\tn++\n \t}\n"

func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestCellsGolden(t *testing.T) {
	t.Parallel()
	running := &execCell{command: []string{"bash", "-lc", "go test ./..."}, running: true}
	running.appendOutput([]byte(numbered(8)))
	cells := []struct {
		name string
		cell cell
	}{
		{"user", &userCell{text: "Fix the flaky test in internal/sse, please.\nIt fails one run in ten.", images: []string{"screenshot.png"}}},
		{"agent", &agentCell{src: sampleMarkdown}},
		{"reasoning", &reasoningCell{text: "**Looking at the decoder**\n\nThe loop bound looks wrong; checking the tests.", expanded: true}},
		{"reasoning_collapsed", &reasoningCell{text: "**Looking at the decoder**\n\nThe loop bound looks wrong; checking the tests."}},
		{"reasoning_collapsed_wrapped", &reasoningCell{text: "The decoder reads one byte past the end of the buffer when the frame ends exactly at a chunk boundary, so the loop bound must be strict."}},
		{"reasoning_one_line", &reasoningCell{text: "Checking the loop bound."}},
		{"exec_running", running},
		{"exec_ok", &execCell{command: []string{"git", "status", "--short"}, output: " M sse.go\n?? sse_test.go\n", duration: 120 * time.Millisecond}},
		{"exec_failed_folded", &execCell{command: []string{"go", "test", "./internal/sse"}, exitCode: 1, output: numbered(30), duration: 2300 * time.Millisecond}},
		{"exec_declined", &execCell{command: []string{"rm", "-rf", "build dir"}, declined: true}},
		{"exec_sandbox_denied", &execCell{command: []string{"curl", "https://example.com"}, exitCode: 6, denied: true, output: "curl: (6) Could not resolve host\n"}},
		{"patch", &patchCell{changes: []protocol.FileChange{
			{Path: "internal/sse/sse.go", Kind: protocol.ChangeUpdate, UnifiedDiff: sampleDiff},
			{Path: "internal/sse/sse_test.go", Kind: protocol.ChangeAdd, UnifiedDiff: "+package sse\n+\n+func TestDecode(t *testing.T) {}\n"},
		}}},
		{"patch_failed", &patchCell{failed: true, output: "verification failed: context not found in sse.go", changes: []protocol.FileChange{
			{Path: "sse.go", Kind: protocol.ChangeUpdate, UnifiedDiff: sampleDiff}}}},
		{"patch_unparsed", &patchCell{failed: true, output: "cannot update missing.txt: the file does not exist"}},
		{"plan", &planCell{explanation: "Fix first, then test.", items: []protocol.PlanItem{
			{Step: "Read the decoder", Status: protocol.PlanCompleted},
			{Step: "Fix the loop bound", Status: protocol.PlanInProgress},
			{Step: "Add a regression test", Status: protocol.PlanPending},
		}}},
		{"warning", &noticeCell{kind: noticeWarning, text: "The model stream was cut; retrying (1/5)."}},
		{"error", errorNotice(protocol.ErrorInfo{Code: "auth", Message: "The API key was rejected (401).", Hint: "Set OPENAI_API_KEY or run `kodex login`."})},
		{"diff_text", &textCell{title: "/diff", body: sampleDiff, diff: true}},
	}
	for _, tt := range cells {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.cell.render(80)
			for _, l := range strings.Split(got, "\n") {
				if w := ansi.StringWidth(l); w > 80 {
					t.Errorf("line wider than 80 (%d): %q", w, l)
				}
			}
			golden(t, "cell_"+tt.name, ansi.Strip(got))
		})
	}
}

func TestApprovalModalGolden(t *testing.T) {
	t.Parallel()
	t.Run("exec", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Options{})
		h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.ExecApprovalRequest{
			CallID: "c1", Command: []string{"bash", "-lc", "npm install left-pad"}, Cwd: "/home/me/project",
			Justification: "Install the dependency the tests need.", Reason: "the command needs network access",
		})
		golden(t, "modal_exec", h.frame())
	})
	t.Run("patch", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Options{})
		h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.PatchApprovalRequest{
			CallID: "p1", Reason: "writes outside the workspace",
			Changes: []protocol.FileChange{{Path: "internal/sse/sse.go", Kind: protocol.ChangeUpdate, UnifiedDiff: sampleDiff}},
		})
		golden(t, "modal_patch", h.frame())
	})
}

func TestSlashPopupGolden(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.key("/")
	golden(t, "popup_slash", h.frame())
	h.typeText("re")
	golden(t, "popup_slash_filtered", h.frame())
}

func TestStatusLineGolden(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Status: StatusInfo{Model: "gpt-5-codex", ReasoningEffort: "high", ApprovalPreset: "auto-edit", SandboxMode: protocol.SandboxWorkspaceWrite}})
	h.events(protocol.TokenCount{Total: protocol.TokenUsage{TotalTokens: 45210}, ContextWindow: 272000, ContextUsed: 68000})
	golden(t, "status_idle", h.frame())
	h.events(protocol.TurnStarted{TurnID: "t1"})
	h.typeText("next please")
	golden(t, "status_running", h.frame())
}
