package pysdk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeWants is what each ```python block of sdk/python/README.md prints,
// in order (a test fails when the README gains or loses an example without
// this table following).
var readmeWants = [][]string{ //nolint:gochecknoglobals // a table
	{"You said: Say hello\nTrue\n"},                                                      // quick start
	{"You said: Which number did I ask you to remember?\n"},                              // resume
	{"completed: command_execution\n", "completed: agent_message\n", "turn completed\n"}, // stream
	{"kodex asks to run: touch hello.txt\n", "`touch hello.txt` exited with code 0"},     // approval
	{ // MCP server's form
		"everything asks: Please provide inputs for the following fields:\n", "required: ['name']\n",
		"mcp__everything__trigger-elicitation-request said: ", "- Name: Ada Lovelace",
	},
	{"ok\n"}, // structured output
	{"You said: Describe these images (and sent 2 images)\n"}, // images
	{"turn failed: "}, // interrupt
	{"You said: Try another plan\n", "1 archived\n"},                                                 // fork, list, archive
	{"no kodex: kodex not found at /opt/nowhere/kodex", "kodex said: thread/resume: "},               // errors
	{"You said: Say hello asynchronously\n", "turn.started\n", "item.started\n", "turn.completed\n"}, // asyncio
}

// readmeMCP is the example (its index in readmeWants) that runs with
// server-everything configured as MCP server "everything", as its text
// says.
const readmeMCP = 4

// pythonBlocks returns the ```python blocks of a Markdown document.
func pythonBlocks(md string) []string {
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```python":
			cur = &strings.Builder{}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line)
		}
	}
	return blocks
}

// TestREADMEExamples runs every ```python block of the SDK's README,
// verbatim, one after another in one repository and KODEX_HOME, with kodex
// on PATH and the scripted model behind it; each must succeed and print
// what readmeWants says. The approval example's command must have run.
// The form example gets config.toml with server-everything added.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile(filepath.Join(root, "sdk", "python", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := pythonBlocks(string(md))
	if len(blocks) != len(readmeWants) {
		t.Fatalf("README has %d python examples, readmeWants %d: update the table", len(blocks), len(readmeWants))
	}
	e := newEnv(t)
	cfgPath := filepath.Join(e.home, "config.toml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	withMCP := fmt.Sprintf("%s\n[mcp_servers.everything]\ncommand = \"node\"\nargs = [%q, \"stdio\"]\n", cfg, everything(t))
	for i, code := range blocks {
		c := cfg
		if i == readmeMCP {
			c = []byte(withMCP)
		}
		if err := os.WriteFile(cfgPath, c, 0o600); err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(e.dir, fmt.Sprintf("example%d.py", i+1))
		if err := os.WriteFile(script, []byte(code), 0o600); err != nil {
			t.Fatal(err)
		}
		out := e.python(t, nil, script)
		t.Logf("example %d printed:\n%s", i+1, out)
		for _, want := range readmeWants[i] {
			if !strings.Contains(out, want) {
				t.Errorf("example %d printed %q, want it to contain %q\n%s", i+1, out, want, code)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(e.work, "hello.txt")); err != nil {
		t.Errorf("the approved command of the approval example did not run: %v", err)
	}
}
