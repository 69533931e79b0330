package appserver_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestMCPElicitation: a real MCP server's form (server-everything's
// trigger-elicitation-request) reaches the client as Codex's
// mcpServer/elicitation/request, validated against Codex's schema; the
// client's accept with content goes back to the server, whose answer
// reaches the model. A client that answers with an error declines.
func TestMCPElicitation(t *testing.T) {
	t.Parallel()
	everything, err := filepath.Abs("../mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "q1", Name: "mcp__ev__trigger-elicitation-request", Arguments: `{}`}),
		modeltest.Text("Thanks."),
		modeltest.Calls(modeltest.Call{CallID: "q2", Name: "mcp__ev__trigger-elicitation-request", Arguments: `{}`}),
		modeltest.Text("Declined, then."),
	)
	e := newEnv(t, srv.URL())
	e.extraConfig = "[mcp_servers.ev]\ncommand = \"node\"\nargs = [\"" + everything + "\", \"stdio\"]\n"
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": "workspace-write"})

	startTurn(t, s, thread, "ask me")
	ask := s.next("mcpServer/elicitation/request")
	form := params[struct {
		ThreadID, ServerName, Mode, Message string
		RequestedSchema                     struct {
			Properties map[string]map[string]any
			Required   []string
		}
	}](t, ask)
	if form.ThreadID != thread || form.ServerName != "ev" || form.Mode != "form" || form.Message == "" ||
		form.RequestedSchema.Properties["name"]["type"] != "string" || len(form.RequestedSchema.Required) != 1 {
		t.Errorf("form request: %s", ask.raw)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"action":"accept","content":{"name":"Ada Lovelace","integer":7}}}`)
	s.until("turn/completed")
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1].LastToolOutput(), "- Name: Ada Lovelace") || !strings.Contains(reqs[1].LastToolOutput(), "- Favorite Integer: 7") {
		t.Fatalf("the server's answer to the form did not reach the model: %q", reqs[len(reqs)-1].LastToolOutput())
	}

	startTurn(t, s, thread, "ask me again")
	ask = s.next("mcpServer/elicitation/request")
	s.send(`{"id":` + string(ask.ID) + `,"error":{"code":-32601,"message":"not handled"}}`)
	s.until("turn/completed")
	reqs = srv.Requests()
	if len(reqs) != 4 || !strings.Contains(reqs[3].LastToolOutput(), "declined") {
		t.Errorf("an error answer did not decline the form: %q", reqs[len(reqs)-1].LastToolOutput())
	}
}
