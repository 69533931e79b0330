package mcp

import (
	"context"
	"reflect"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestFormFields(t *testing.T) {
	t.Parallel()
	schema := map[string]any{
		"type":     "object",
		"required": []any{"name"},
		"properties": map[string]any{
			"age":  map[string]any{"type": "integer", "default": 42},
			"name": map[string]any{"type": "string", "title": "Name"},
			"pet":  map[string]any{"type": "string", "enum": []any{"p1", "p2"}, "enumNames": []any{"Cats", "Dogs"}},
			"hero": map[string]any{"type": "string", "oneOf": []any{map[string]any{"const": "h1", "title": "Superman"}}},
			"fish": map[string]any{"type": "array", "items": map[string]any{"anyOf": []any{map[string]any{"const": "f1", "title": "Tuna"}}}},
		},
	}
	got, err := formFields(schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []protocol.McpElicitField{
		{Name: "name", Title: "Name", Type: "string", Required: true},
		{Name: "age", Type: "integer", Default: float64(42)},
		{Name: "fish", Type: "array", Enum: []string{"f1"}, EnumTitles: []string{"Tuna"}},
		{Name: "hero", Type: "string", Enum: []string{"h1"}, EnumTitles: []string{"Superman"}},
		{Name: "pet", Type: "string", Enum: []string{"p1", "p2"}, EnumTitles: []string{"Cats", "Dogs"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("formFields =\n%#v\nwant\n%#v", got, want)
	}
	if _, err := formFields(map[string]any{"properties": map[string]any{"x": map[string]any{"type": "object"}}}); err == nil {
		t.Errorf("a nested object is accepted")
	}
}

// Without a way to ask (no Elicit), and for a URL to visit, the answer is
// decline; a form's answer goes back as given.
func TestElicitationHandler(t *testing.T) {
	t.Parallel()
	req := &sdk.ElicitRequest{Params: &sdk.ElicitParams{Message: "hi", RequestedSchema: map[string]any{"type": "object"}}}
	if res, _ := elicitationHandler("s", nil)(context.Background(), req); res.Action != protocol.ElicitDecline {
		t.Errorf("no Elicit: %q", res.Action)
	}
	var seen protocol.McpElicitationRequest
	h := elicitationHandler("s", func(_ context.Context, r protocol.McpElicitationRequest) protocol.McpElicitationResponse {
		seen = r
		return protocol.McpElicitationResponse{Action: protocol.ElicitAccept, Content: map[string]any{"a": "b"}}
	})
	res, _ := h(context.Background(), req)
	if res.Action != protocol.ElicitAccept || res.Content["a"] != "b" || seen.Server != "s" || seen.Message != "hi" {
		t.Errorf("form: %+v, seen %+v", res, seen)
	}
	url := &sdk.ElicitRequest{Params: &sdk.ElicitParams{Mode: "url", URL: "https://x", Message: "go"}}
	if res, _ := h(context.Background(), url); res.Action != protocol.ElicitDecline {
		t.Errorf("url mode: %q", res.Action)
	}
}
