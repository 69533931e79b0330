package pysdk_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// answer is the scripted model of these tests: stateless, so that the
// README's examples can be written as one would for a real model and run
// in any number and order. It follows these conventions:
//
//   - a request with an output schema (text.format json_schema) is answered
//     with a JSON object of the schema's properties (the first enum value,
//     else a string naming the property, true, 1, []);
//   - a prompt with a command in backticks (Run `touch hello.txt`) gets a
//     shell call of that command, then, once its output is back, an answer
//     saying how it went: "`CMD` exited with code N[: OUTPUT]", or "`CMD` was
//     not run: WHY" when it was declined; with "and allow `PREFIX`" after
//     it, the call asks to run outside the sandbox and proposes PREFIX as a
//     prefix rule;
//   - a prompt "Apply this patch: PATCH" gets an apply_patch call of PATCH,
//     then "apply_patch said: OUTPUT";
//   - a prompt naming an MCP tool (a word mcp__SERVER__TOOL) gets a call of
//     that tool without arguments, then "mcp__SERVER__TOOL said: OUTPUT";
//   - any other prompt is answered "You said: PROMPT", with " (and sent N
//     images)" when it came with images.
func answer(r *modeltest.Request) modeltest.Response {
	if format, _ := nested(r.Body, "text", "format").(map[string]any); format != nil && format["type"] == "json_schema" {
		b, _ := json.Marshal(example(format["schema"], ""))
		return modeltest.Text(string(b))
	}
	prompt, images := lastPrompt(r)
	if patch, ok := strings.CutPrefix(prompt, "Apply this patch:"); ok {
		if r.EndsWithToolOutput() {
			return modeltest.Text("apply_patch said: " + strings.TrimSpace(r.LastToolOutput()))
		}
		args, _ := json.Marshal(map[string]any{"input": strings.TrimSpace(patch)})
		return modeltest.Calls(modeltest.FunctionCall("apply_patch", string(args)))
	}
	if tool := mcpTool(prompt); tool != "" {
		if r.EndsWithToolOutput() {
			return modeltest.Text(tool + " said: " + strings.TrimSpace(r.LastToolOutput()))
		}
		return modeltest.Calls(modeltest.FunctionCall(tool, "{}"))
	}
	cmd := backticked(prompt)
	if cmd != "" && r.EndsWithToolOutput() {
		var out struct {
			Output   string `json:"output"`
			Metadata struct {
				ExitCode int `json:"exit_code"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal([]byte(r.LastToolOutput()), &out); err != nil {
			return modeltest.Text(fmt.Sprintf("`%s` was not run: %s", cmd, r.LastToolOutput()))
		}
		text := fmt.Sprintf("`%s` exited with code %d", cmd, out.Metadata.ExitCode)
		if o := strings.TrimSpace(out.Output); o != "" {
			text += ": " + o
		}
		return modeltest.Text(text)
	}
	if cmd != "" {
		call := map[string]any{"command": strings.Fields(cmd)}
		if _, rule, ok := strings.Cut(prompt, "and allow "); ok {
			call["sandbox_permissions"] = "require_escalated"
			call["justification"] = "the user asked for it"
			call["prefix_rule"] = strings.Fields(backticked(rule))
		}
		args, _ := json.Marshal(call)
		return modeltest.Calls(modeltest.FunctionCall("shell", string(args)))
	}
	text := "You said: " + prompt
	if images > 0 {
		text += fmt.Sprintf(" (and sent %d images)", images)
	}
	return modeltest.Text(text)
}

// lastPrompt returns the text of the last user message of the request and
// how many images it carries.
func lastPrompt(r *modeltest.Request) (string, int) {
	in := r.Input()
	for i := len(in) - 1; i >= 0; i-- {
		it := in[i]
		if it.Type != model.ItemMessage || it.Role != "user" {
			continue
		}
		text := strings.TrimSpace(it.Text())
		if strings.HasPrefix(text, "<") { // kodex's environment context, AGENTS.md
			continue
		}
		images := 0
		for _, p := range it.Content {
			if p.Type == model.PartInputImage {
				images++
			}
		}
		return text, images
	}
	return "", 0
}

// mcpTool returns the first word of s that names an MCP tool, or "".
func mcpTool(s string) string {
	for _, w := range strings.Fields(s) {
		if w = strings.Trim(w, "`.,:;!?()"); strings.HasPrefix(w, "mcp__") {
			return w
		}
	}
	return ""
}

func backticked(s string) string {
	_, rest, ok := strings.Cut(s, "`")
	if !ok {
		return ""
	}
	cmd, _, ok := strings.Cut(rest, "`")
	if !ok {
		return ""
	}
	return strings.TrimSpace(cmd)
}

// example returns a value of JSON schema s (name: the property it is for).
func example(s any, name string) any {
	m, _ := s.(map[string]any)
	if enum, _ := m["enum"].([]any); len(enum) > 0 {
		return enum[0]
	}
	switch m["type"] {
	case "object":
		props, _ := m["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := map[string]any{}
		for _, k := range keys {
			out[k] = example(props[k], k)
		}
		return out
	case "array":
		return []any{}
	case "boolean":
		return true
	case "integer", "number":
		return 1
	}
	return "the " + name
}

// nested walks JSON objects by key and returns the value, or nil.
func nested(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
