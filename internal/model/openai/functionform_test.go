package openai

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// freeformWithFunctionForm is a custom tool that names its function form,
// as apply_patch's freeform spec does.
func freeformWithFunctionForm() model.ToolSpec {
	fn := &model.ToolSpec{Kind: model.ToolFunction, Name: "apply_patch", Description: "Edits files (function form).",
		Parameters: json.RawMessage(`{"type":"object","properties":{"input":{"type":"string"}},"required":["input"],"additionalProperties":false}`)}
	return model.ToolSpec{Kind: model.ToolCustom, Name: "apply_patch", Description: "Edits files (freeform).",
		Format: &model.CustomFormat{Type: "grammar", Syntax: "lark", Definition: "start: x"}, FunctionForm: fn}
}

// On the Chat wire a custom tool with a function form is offered as that
// function, and its calls come back as ordinary function calls; on the
// Responses wire it stays a custom tool.
func TestFunctionFormOnChat(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Calls(modeltest.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** End Patch", CallID: "call_p"}))
	c, _ := newClient(t, srv.URL(), WireChat, nil)
	req := simpleRequest()
	req.Tools = []model.ToolSpec{freeformWithFunctionForm()}
	evs, err := collect(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Item{{Type: model.ItemFunctionCall, CallID: "call_p", Name: "apply_patch",
		Arguments: `{"input":"*** Begin Patch\n*** End Patch"}`}}
	if diff := cmp.Diff(want, summarize(t, evs).Done); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
	var body struct {
		Tools []chatTool `json:"tools"`
	}
	if err := json.Unmarshal(srv.Requests()[0].Raw, &body); err != nil {
		t.Fatal(err)
	}
	fn := freeformWithFunctionForm().FunctionForm
	wantTools := []chatTool{{Type: "function", Function: chatFunction{Name: fn.Name, Description: fn.Description, Parameters: fn.Parameters}}}
	if diff := cmp.Diff(wantTools, body.Tools); diff != "" {
		t.Errorf("tools mismatch (-want +got):\n%s", diff)
	}
}

func TestCustomToolStaysCustomOnResponses(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("ok"))
	c, _ := newClient(t, srv.URL(), WireResponses, nil)
	req := simpleRequest()
	req.Tools = []model.ToolSpec{freeformWithFunctionForm()}
	if _, err := collect(t, c, req); err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()[0].Body["tools"]
	want := []any{map[string]any{"type": "custom", "name": "apply_patch", "description": "Edits files (freeform).",
		"format": map[string]any{"type": "grammar", "syntax": "lark", "definition": "start: x"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tools mismatch (-want +got):\n%s", diff)
	}
}
