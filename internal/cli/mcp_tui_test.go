package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTUIMCPApproval runs the real binary in a pseudo-terminal with the
// real server-everything: under untrusted the model's call of its echo
// tool asks, showing the server, the tool and the arguments; "y" runs it,
// its cell shows the result, and /mcp lists the server and its tools.
func TestTUIMCPApproval(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "call_1", Name: "mcp__ev__echo", Arguments: `{"message": "from the tui"}`}),
		modeltest.Text("Echoed."),
	)
	everything, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n\n"+
		"[mcp_servers.ev]\ncommand = \"node\"\nargs = [\""+everything+"\", \"stdio\"]\n")
	tui := startTUI(t, fx.project, fx.home, 120, 40, "-a", "untrusted")
	term, wait := tui.term, tui.wait
	wait("Ask kodex to do anything")
	_ = term.Type("echo something")
	_ = term.Press("enter")
	wait("Allow the MCP tool echo of server ev?")
	if screen := term.Screen(); !strings.Contains(screen, `"message": "from the tui"`) {
		t.Errorf("the approval does not show the arguments:\n%s", screen)
	}
	_ = term.Type("y")
	wait("Echoed.")
	wait("Echo: from the tui")
	_ = term.Type("/mcp")
	_ = term.Press("enter")
	wait("ev  ready")
	if reqs := srv.Requests(); len(reqs) != 2 || !strings.Contains(reqs[1].LastToolOutput(), "Echo: from the tui") {
		t.Errorf("the model was not given the tool's result: %d requests", len(reqs))
	}
	tui.quit()
}

// TestTUIMCPPrompts: the prompts of a real server (server-everything's
// args-prompt) are slash commands; arguments fill them, a missing required
// one is said, and the server's text is what the model gets.
func TestTUIMCPPrompts(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("Sunny."))
	everything, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n\n"+
		"[mcp_servers.ev]\ncommand = \"node\"\nargs = [\""+everything+"\", \"stdio\"]\n")
	tui := startTUI(t, fx.project, fx.home, 120, 40)
	term, wait := tui.term, tui.wait
	wait("Ask kodex to do anything")
	_ = term.Type("/mcp__ev__args")
	wait("/mcp__ev__args-prompt")
	_ = term.Press("enter") // completes the template: city="" state=""
	wait(`/mcp__ev__args-prompt city="" state=""`)
	_ = term.Press("enter")
	wait("needs city")
	_ = term.Press("ctrl+u")
	_ = term.Type(`/mcp__ev__args-prompt city=Paris state="Île-de-France"`)
	_ = term.Press("enter")
	wait("Sunny.")
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Raw), "What's weather in Paris, Île-de-France?") {
		t.Errorf("the model did not get the server's prompt: %d requests", len(reqs))
	}
	tui.quit()
}

// TestTUIMCPElicitation: a real server's form (server-everything's
// trigger-elicitation-request) in the TUI: its fields with their defaults,
// a required one; Enter sends it and the server's answer reaches the model.
func TestTUIMCPElicitation(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "q1", Name: "mcp__ev__trigger-elicitation-request", Arguments: `{}`}),
		modeltest.Text("Thanks."),
	)
	everything, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n\n"+
		"[mcp_servers.ev]\ncommand = \"node\"\nargs = [\""+everything+"\", \"stdio\"]\n")
	tui := startTUI(t, fx.project, fx.home, 120, 50, "-a", "never")
	term, wait := tui.term, tui.wait
	wait("Ask kodex to do anything")
	_ = term.Type("ask me")
	_ = term.Press("enter")
	wait("MCP server ev asks:")
	screen := term.Screen()
	for _, want := range []string{"Please provide inputs for the following fields:", "String*", "Your full, legal name", "42", "‹ Monica ›", "‹ Superman ›", "‹ Cats ›"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the form lacks %q:\n%s", want, screen)
		}
	}
	_ = term.Press("enter")
	wait("String is required")
	_ = term.Type("Ada Lovelace")
	_ = term.Press("enter")
	wait("Thanks.")
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1].LastToolOutput(), "- Name: Ada Lovelace") || !strings.Contains(reqs[1].LastToolOutput(), "- Favorite Integer: 42") {
		t.Errorf("the model did not get the server's answer to the form: %q", reqs[len(reqs)-1].LastToolOutput())
	}
	tui.quit()
}

// On a 40×12 inline screen the server's form keeps its title and keys,
// shows the fields around the focused one with where it is, and leaves
// nothing in the scrollback once answered (issue 12).
func TestTUIMCPElicitationShortScreen(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "q1", Name: "mcp__ev__trigger-elicitation-request", Arguments: `{}`}),
		modeltest.Text("Thanks."),
	)
	everything, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n\n"+
		"[mcp_servers.ev]\ncommand = \"node\"\nargs = [\""+everything+"\", \"stdio\"]\n")
	tui := startTUI(t, fx.project, fx.home, 40, 12, "-a", "never")
	term, wait := tui.term, tui.wait
	wait("Ask kodex to do anything")
	_ = term.Type("ask me")
	_ = term.Press("enter")
	wait("MCP server ev asks:")
	wait("field 1/")
	for _, want := range []string{"MCP server ev asks:", "› String*", "esc cancel"} {
		if screen := term.Screen(); !strings.Contains(screen, want) {
			t.Errorf("the form lacks %q:\n%s", want, screen)
		}
	}
	_ = term.Press("up") // to the last field
	wait("field 1/")     // the screen may still show the first field
	if _, err := term.WaitFor(tuiTimeout, func(string) bool {
		s := term.Screen()
		return strings.Contains(s, "MCP server ev asks:") && strings.Contains(s, "esc cancel") && !strings.Contains(s, "field 1/")
	}); err != nil {
		t.Fatalf("the last field is not shown with the title and keys:\n%s", term.Screen())
	}
	_ = term.Press("esc")
	wait("Thanks.")
	if _, err := term.WaitFor(tuiTimeout, func(string) bool { return !strings.Contains(term.Screen(), "MCP server ev asks:") }); err != nil {
		t.Fatalf("the cancelled form is still drawn:\n%s", term.Screen())
	}
	tui.quit()
	all := term.All()
	for _, stale := range []string{"MCP server ev asks:", "esc cancel", "field 1/"} {
		if strings.Contains(all, stale) {
			t.Errorf("the form's %q is left in the scrollback:\n%s", stale, all)
		}
	}
}
