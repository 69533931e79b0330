package tui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// An MCP call asks with the server, the tool and the arguments; "y"
// answers with an ExecApproval for its call id; the call's cell shows its
// progress while it runs and its result after.
func TestMCPApprovalAndCell(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	args := json.RawMessage(`{"message":"hello world"}`)
	h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.McpToolApprovalRequest{CallID: "m1", Server: "ev", Tool: "echo", Arguments: args, Reason: "every MCP tool call asks"})
	frame := h.frame()
	for _, want := range []string{"Allow the MCP tool echo of server ev?", `"message": "hello world"`, "Why: every MCP tool call asks"} {
		if !strings.Contains(frame, want) {
			t.Errorf("the modal lacks %q:\n%s", want, frame)
		}
	}
	h.key("y")
	wantOps(t, h.sink, protocol.ExecApproval{CallID: "m1", Decision: protocol.DecisionApproved})

	h.events(protocol.McpToolCallBegin{CallID: "m1", Server: "ev", Tool: "echo", Arguments: args},
		protocol.McpToolCallProgress{CallID: "m1", Progress: 1, Total: 3, Message: "warming up"})
	if frame := h.frame(); !strings.Contains(frame, "Calling ev/echo") || !strings.Contains(frame, "progress 1/3 · warming up") {
		t.Errorf("the running call:\n%s", frame)
	}
	text, _ := json.Marshal(map[string]string{"type": "text", "text": "Echo: hello world"})
	h.events(protocol.McpToolCallEnd{CallID: "m1", Server: "ev", Tool: "echo", Arguments: args, Result: &protocol.McpToolResult{Content: []json.RawMessage{text}}})
	if sb := h.scrollback(); !strings.Contains(sb, `✓ Called ev/echo({"message":"hello world"})`) || !strings.Contains(sb, "Echo: hello world") {
		t.Errorf("the finished call:\n%s", sb)
	}
}

// /mcp lists the servers with their states and tools; a failed server is
// announced when it fails.
func TestMCPServersCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.McpServerStatus{Server: "ev", State: protocol.McpStarting},
		protocol.McpServerStatus{Server: "ev", State: protocol.McpReady, Tools: 2, ToolNames: []string{"echo", "get-sum"}},
		protocol.McpServerStatus{Server: "broken", State: protocol.McpFailed, Error: "connection closed", Stderr: "Error: no config\n"})
	if sb := h.scrollback(); !strings.Contains(sb, "MCP server broken failed to start: connection closed") || !strings.Contains(sb, "Error: no config") {
		t.Errorf("no failure notice:\n%s", sb)
	}
	h.typeText("/mcp")
	h.key("enter")
	sb := h.scrollback()
	for _, want := range []string{"ev  ready · 2 tools", "  echo", "  get-sum", "broken  failed: connection closed"} {
		if !strings.Contains(sb, want) {
			t.Errorf("/mcp lacks %q:\n%s", want, sb)
		}
	}
}

func TestMcpCommandShowsAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.McpServerStatus{Server: "web", State: protocol.McpReady, Tools: 2, Auth: "o_auth"},
		protocol.McpServerStatus{Server: "docs", State: protocol.McpFailed, Error: "requires login", Auth: "not_logged_in"},
		protocol.McpServerStatus{Server: "fs", State: protocol.McpReady, Tools: 1, Auth: "unsupported"})
	h.typeText("/mcp")
	h.key("enter")
	sb := h.scrollback()
	for _, want := range []string{"web  ready · 2 tools · OAuth", "docs  failed: requires login · not logged in (kodex mcp login docs)", "fs  ready · 1 tool\n"} {
		if !strings.Contains(sb, want) {
			t.Errorf("/mcp lacks %q:\n%s", want, sb)
		}
	}
}
