package tui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func elicitReq() protocol.McpElicitationRequest {
	return protocol.McpElicitationRequest{RequestID: "e1", Server: "ev", Message: "Please provide inputs:", Fields: []protocol.McpElicitField{
		{Name: "name", Title: "Name", Type: "string", Required: true, Description: "Your full name"},
		{Name: "check", Title: "Agree", Type: "boolean"},
		{Name: "n", Title: "Count", Type: "integer", Default: float64(42)},
		{Name: "hero", Title: "Hero", Type: "string", Enum: []string{"h1", "h2"}, EnumTitles: []string{"Superman", "Batman"}, Default: "h1"},
		{Name: "tools", Title: "Tools", Type: "array", Enum: []string{"Guitar", "Piano"}},
	}}
}

func TestElicitFormAccept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"}, elicitReq())
	f := h.frame()
	for _, want := range []string{"MCP server ev asks:", "Please provide inputs:", "› Name*", "Your full name", "[ ]", "42", "‹ Superman ›", "enter send"} {
		if !strings.Contains(f, want) {
			t.Errorf("form lacks %q:\n%s", want, f)
		}
	}
	h.key("enter") // Name is required
	if f := h.frame(); !strings.Contains(f, "Name is required") {
		t.Errorf("a missing required field is not said:\n%s", f)
	}
	h.typeText("Ada")
	h.key("tab")
	h.key("space") // Agree
	h.key("tab")
	h.key("backspace")
	h.key("backspace")
	h.typeText("7")
	h.key("tab")
	h.key("right") // Batman
	h.key("tab")
	h.typeText("Guitar, Piano")
	h.key("enter")
	ops := h.sink.reset()
	if len(ops) != 1 {
		t.Fatalf("ops = %v", ops)
	}
	r, ok := ops[0].(protocol.McpElicitationResponse)
	if !ok || r.RequestID != "e1" || r.Action != protocol.ElicitAccept {
		t.Fatalf("answer = %#v", ops[0])
	}
	want := map[string]any{"name": "Ada", "check": true, "n": int64(7), "hero": "h2", "tools": []string{"Guitar", "Piano"}}
	if !reflect.DeepEqual(r.Content, want) {
		t.Errorf("content = %#v\nwant %#v", r.Content, want)
	}
	if h.m.overlay != nil {
		t.Errorf("the form stays open after sending")
	}
}

func TestElicitFormDeclineCancelAndQueue(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	second := elicitReq()
	second.RequestID, second.Message = "e2", "A second form"
	h.events(protocol.TurnStarted{TurnID: "t1"}, elicitReq(), second)
	h.key("ctrl+d")
	if f := h.frame(); !strings.Contains(f, "A second form") {
		t.Errorf("the queued form does not follow:\n%s", f)
	}
	h.key("esc")
	wantOps(t, h.sink,
		protocol.McpElicitationResponse{RequestID: "e1", Action: protocol.ElicitDecline},
		protocol.McpElicitationResponse{RequestID: "e2", Action: protocol.ElicitCancel})
}
