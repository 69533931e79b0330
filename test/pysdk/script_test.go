package pysdk_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestSDK runs sdk/python/tests/test_kodex.py (approvals, MCP servers'
// forms, event order, structured output, images, resume, fork/list/archive,
// interrupts, the errors, the asyncio API) against the real binary, then
// checks what reached the model: the output schema as text.format, both
// images, the model set with config, the answer to an accepted form.
func TestSDK(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script, err := filepath.Abs(filepath.Join(root, "sdk", "python", "tests", "test_kodex.py"))
	if err != nil {
		t.Fatal(err)
	}
	e.python(t, []string{"KODEX_TEST_EVERYTHING=" + everything(t)}, script)

	reqs := e.model.Requests()
	find := func(prompt string) *modeltest.Request {
		t.Helper()
		for i := range reqs {
			if p, _ := lastPrompt(&reqs[i]); p == prompt {
				return &reqs[i]
			}
		}
		t.Fatalf("no model request for the prompt %q", prompt)
		return nil
	}

	structured := find("Answer in JSON")
	if typ := nested(structured.Body, "text", "format", "type"); typ != "json_schema" {
		t.Errorf("text.format.type = %v, want json_schema; text = %v", typ, nested(structured.Body, "text"))
	}
	required, _ := nested(structured.Body, "text", "format", "schema", "required").([]any)
	if !slices.Equal(required, []any{"kodex_sdk_test_answer"}) {
		t.Errorf("text.format.schema.required = %v, want the SDK's schema's; text = %v", required, nested(structured.Body, "text"))
	}
	if f := nested(find("Which model are you?").Body, "text", "format"); f != nil {
		t.Errorf("a turn without an output schema has text.format %v", f)
	}

	var urls []string
	in := find("Compare these images").Input()
	for _, it := range in {
		if it.Type == model.ItemMessage && it.Role == "user" {
			for _, p := range it.Content {
				if p.Type == model.PartInputImage {
					urls = append(urls, p.ImageURL)
				}
			}
		}
	}
	if len(urls) != 2 || !strings.HasPrefix(urls[0], "data:image/png;base64,") || urls[1] != "https://example.com/kodex-sdk-test.png" {
		t.Errorf("the images reached the model as %.80q, want the local PNG as a data URL, then the URL", urls)
	}

	if m := nested(find("Which model are you?").Body, "model"); m != "kodex-sdk-test-model" {
		t.Errorf("Kodex(config={model: …}) sent model %v, want kodex-sdk-test-model", m)
	}
	if effort := nested(find("Which model are you?").Body, "reasoning", "effort"); effort != "high" {
		t.Errorf("Kodex(config={model_reasoning_effort: high}) sent reasoning.effort %v", effort)
	}
	if effort := nested(find("Think a little").Body, "reasoning", "effort"); effort != "low" {
		t.Errorf("start_thread(model_reasoning_effort=low) sent reasoning.effort %v", effort)
	}

	// The MCP server's answer to the accepted form is the tool output the
	// model gets next.
	form := "Sign me up with mcp__ev__trigger-elicitation-request please"
	if !slices.ContainsFunc(reqs, func(r modeltest.Request) bool {
		p, _ := lastPrompt(&r)
		return p == form && r.EndsWithToolOutput() && strings.Contains(r.LastToolOutput(), "- Name: Ada Lovelace")
	}) {
		t.Errorf("no model request for %q ends with the server's answer to the accepted form", form)
	}

	// The resumed thread, in another kodex process, carries its history.
	second := find("second turn")
	if !slices.ContainsFunc(second.Input(), func(it model.Item) bool {
		return it.Type == model.ItemMessage && it.Role == "assistant" && it.Text() == "You said: first turn"
	}) {
		t.Error("the resumed thread's request lacks the first turn's answer")
	}
}
