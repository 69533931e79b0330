package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestMCPPromptsAsSlashCommands(t *testing.T) {
	t.Parallel()
	var got struct {
		server, name string
		args         map[string]string
	}
	listed := 0
	h := newHarness(t, Options{
		MCPPrompts: func(context.Context) ([]MCPPrompt, error) {
			listed++
			return []MCPPrompt{{Server: "docs", Name: "summarize", Description: "Summarize a page",
				Args: []MCPPromptArg{{Name: "url", Required: true}, {Name: "style"}}}}, nil
		},
		MCPPrompt: func(_ context.Context, server, name string, args map[string]string) (string, error) {
			got.server, got.name, got.args = server, name, args
			return "Summarize " + args["url"], nil
		},
	})
	h.typeText("/")
	// The listing runs off the Update goroutine; run it as the runtime would.
	if r := h.m.cmds.refreshMCPPrompts(); r != nil {
		t.Fatalf("a second listing started while one runs")
	}
	h.m.cmds.mcpPrompts.fetching = false
	h.run(h.m.act(h.m.cmds.refreshMCPPrompts()))
	h.typeText("mcp__d")
	if f := h.frame(); !strings.Contains(f, "/mcp__docs__summarize") || !strings.Contains(f, "Summarize a page") {
		t.Fatalf("the MCP prompt is not offered:\n%s", f)
	}
	h.key("enter")
	if v := h.m.composer.value(); v != `/mcp__docs__summarize url="" style=""` {
		t.Fatalf("composer = %q, want the template", v)
	}
	h.key("enter")
	if sb := h.scrollback(); !strings.Contains(sb, "needs url") {
		t.Errorf("a missing required argument is not said:\n%s", sb)
	}
	h.key("ctrl+c")
	h.typeText(`/mcp__docs__summarize url=https://example.com style="short one"`)
	h.run(h.key("enter"))
	if got.server != "docs" || got.name != "summarize" || got.args["url"] != "https://example.com" || got.args["style"] != "short one" {
		t.Errorf("the prompt was got as %+v", got)
	}
	wantOps(t, h.sink, userTurn("Summarize https://example.com"))

	// While the listing is fresh, the popup does not list again; a server
	// that becomes ready makes it stale and lists again at once.
	h.key("ctrl+c")
	if cmd := h.send(keyMsg("/")); cmd != nil {
		t.Errorf("a fresh listing is listed again")
	}
	if cmd := h.events(protocol.McpServerStatus{Server: "docs", State: protocol.McpReady}); cmd == nil {
		t.Errorf("a server that became ready does not list the prompts again")
	}
	if listed != 1 {
		t.Errorf("listed %d times so far, want 1", listed)
	}
}
