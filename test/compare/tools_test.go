//go:build linux

package compare_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// shellTools are the tool names compared per model family: the shell tool
// forms a model may be offered.
var shellTools = []string{"shell", "shell_command", "exec_command", "write_stdin"}

// toolScenarios are the model names (a family each) and feature flags
// whose shell tools kodex offers as Codex 0.169 does: exec_command +
// write_stdin to every model, Codex's catalog models, older OpenAI
// families and unknown local models alike; none with features.shell_tool
// off. (features.unified_exec = false is left out on purpose: Codex 0.169
// ignores it, kodex gives the family's own tool; docs/moving-from-codex.md.)
func toolScenarios() []scenario {
	answer := func(side) []modeltest.Response { return []modeltest.Response{text("Hello.")} }
	var out []scenario
	for _, m := range []string{"gpt-5.5", "gpt-5.1-codex", "gpt-5", "gpt-4.1", "o3", "gpt-oss-20b", "qwen3-coder"} {
		out = append(out, scenario{name: m, model: m, prompts: []string{"say hello"}, script: answer})
	}
	return append(out,
		scenario{name: "o3 without shell_tool", model: "o3", config: "[features]\nshell_tool = false\n", prompts: []string{"say hello"}, script: answer},
		scenario{name: "gpt-5.5 without shell_tool", model: "gpt-5.5", args: []string{"--disable", "shell_tool"}, prompts: []string{"say hello"}, script: answer},
	)
}

// compareTools checks that the first request of each offered the same
// shell tools, and that kodex offers apply_patch in Codex's form wherever
// Codex offers it (kodex also offers it to the models Codex 0.169 leaves
// it out for).
func compareTools(t *testing.T, c, k run) {
	t.Helper()
	if len(c.requests) == 0 || len(k.requests) == 0 {
		t.Fatalf("requests: codex %d, kodex %d\ncodex stderr:\n%s\nkodex stderr:\n%s", len(c.requests), len(k.requests), tail(c.stderr), tail(k.stderr))
	}
	ct, kt := offered(c.requests[0]), offered(k.requests[0])
	pick := func(tools map[string]string) []string {
		var out []string
		for _, name := range shellTools {
			if _, ok := tools[name]; ok {
				out = append(out, name)
			}
		}
		return out
	}
	if diff := cmp.Diff(pick(ct), pick(kt)); diff != "" {
		t.Errorf("shell tools differ (-codex +kodex):\n%s", diff)
	}
	if typ, ok := ct["apply_patch"]; ok && kt["apply_patch"] != typ {
		t.Errorf("apply_patch: codex offers a %q tool, kodex %q", typ, kt["apply_patch"])
	}
}

// offered maps the tool names of a Responses request to their types.
func offered(r modeltest.Request) map[string]string {
	out := map[string]string{}
	tools, _ := r.Body["tools"].([]any)
	for _, x := range tools {
		tool, _ := x.(map[string]any)
		name, _ := tool["name"].(string)
		typ, _ := tool["type"].(string)
		if name != "" {
			out[name] = typ
		}
	}
	return out
}
