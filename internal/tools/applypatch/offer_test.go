package applypatch_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
	"github.com/kodex-cli/kodex/internal/tools/applypatch"
)

// codexGrammar is the Lark grammar Codex 0.169 sends with its freeform
// apply_patch tool (captured with ../shared/tools/codex-compare, -m gpt-5.5).
const codexGrammar = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`

// offered sends one request with the router's tools for modelName over wire
// and returns the apply_patch entry of the request body's tools.
func offered(t *testing.T, wire, modelName string) map[string]any {
	t.Helper()
	r, err := tools.NewRouter(applypatch.New(applypatch.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	srv := modeltest.New(t, modeltest.Text("ok"))
	c, err := openai.New(openai.Options{ProviderID: "test", BaseURL: srv.URL(), WireAPI: wire, APIKey: "sk-test",
		StreamIdleTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	req := &model.Request{Model: modelName, Input: []model.Item{model.UserText("hi")},
		Tools: r.SpecsFor(protocol.ApprovalNever, modelName)}
	for _, err := range c.Stream(context.Background(), req) {
		if err != nil {
			t.Fatal(err)
		}
	}
	body := srv.Requests()[0].Body
	ts, _ := body["tools"].([]any)
	for _, x := range ts {
		tool, _ := x.(map[string]any)
		if tool["name"] == applypatch.Name {
			return tool
		}
		if fn, ok := tool["function"].(map[string]any); ok && fn["name"] == applypatch.Name {
			return tool
		}
	}
	t.Fatalf("no apply_patch in the tools of %s", srv.Requests()[0].Raw)
	return nil
}

func TestFreeformForCodexFamilies(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"gpt-5.1-codex", "gpt-5.5", "codex-mini-latest"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := offered(t, openai.WireResponses, name)
			want := map[string]any{
				"type": "custom", "name": "apply_patch", "description": got["description"],
				"format": map[string]any{"type": "grammar", "syntax": "lark", "definition": codexGrammar},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("apply_patch offered to %s mismatch (-want +got):\n%s", name, diff)
			}
		})
	}
}

// wantFunction checks that tool is the JSON function form: one required
// string argument, "input".
func wantFunction(t *testing.T, tool map[string]any) {
	t.Helper()
	var schema struct {
		Type       string `json:"type"`
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	params, err := json.Marshal(tool["parameters"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(params, &schema); err != nil {
		t.Fatal(err)
	}
	if tool["type"] != "function" || schema.Type != "object" || schema.Properties["input"].Type != "string" ||
		!cmp.Equal(schema.Required, []string{"input"}) {
		t.Errorf("apply_patch = %v, want the function form with a required string \"input\"", tool)
	}
	if _, ok := tool["format"]; ok {
		t.Errorf("the function form carries a grammar: %v", tool)
	}
}

func TestFunctionForOtherModels(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"test-model", "gpt-4.1", "gpt-oss:20b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wantFunction(t, offered(t, openai.WireResponses, name))
		})
	}
}

func TestFunctionOnChatWire(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"gpt-5.1-codex", "test-model"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tool := offered(t, openai.WireChat, name)
			fn, _ := tool["function"].(map[string]any)
			if tool["type"] != "function" || fn == nil {
				t.Fatalf("apply_patch on the chat wire = %v, want a function", tool)
			}
			fn["type"] = tool["type"]
			wantFunction(t, fn)
			if got, want := fn["description"], applypatch.New(applypatch.Options{}).Spec().Description; got != want {
				t.Errorf("description = %q, want the function form's %q", got, want)
			}
		})
	}
}
