package appserver

import (
	"context"
	"encoding/json"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// An MCP server's form (elicitation) goes to the client as Codex's
// mcpServer/elicitation/request, its fields as the flat object schema MCP
// defines; the answer ({action, content}) goes back to the server. An error
// answer (a client that does not handle the method) declines it.

// askElicitation sends the form of m to the client.
func (t *threadState) askElicitation(turnID string, m protocol.McpElicitationRequest) {
	params := map[string]any{
		"threadId": t.id, "turnId": turnID, "serverName": m.Server,
		"mode": "form", "message": m.Message, "requestedSchema": formSchema(m.Fields),
	}
	t.ask("mcpServer/elicitation/request", params, pendingApproval{t: t, elicit: m.RequestID})
}

// formSchema is the MCP form schema of fields.
func formSchema(fields []protocol.McpElicitField) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fields {
		p := map[string]any{"type": f.Type}
		if f.Title != "" {
			p["title"] = f.Title
		}
		if f.Description != "" {
			p["description"] = f.Description
		}
		if f.Format != "" && f.Type == "string" {
			p["format"] = f.Format
		}
		switch {
		case f.Type == "array":
			items := map[string]any{"type": "string", "enum": f.Enum}
			if len(f.EnumTitles) == len(f.Enum) && len(f.Enum) > 0 {
				items = map[string]any{"anyOf": options(f)}
			}
			p["items"] = items
		case len(f.Enum) > 0 && len(f.EnumTitles) == len(f.Enum):
			p["oneOf"] = options(f)
		case len(f.Enum) > 0:
			p["enum"] = f.Enum
		}
		if f.Default != nil {
			p["default"] = f.Default
		}
		props[f.Name] = p
		if f.Required {
			required = append(required, f.Name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema
}

func options(f protocol.McpElicitField) []map[string]any {
	out := make([]map[string]any, len(f.Enum))
	for i, e := range f.Enum {
		out[i] = map[string]any{"const": e, "title": f.EnumTitles[i]}
	}
	return out
}

// answerElicitation turns the client's answer to a form into the op that
// answers the server.
func (c *conn) answerElicitation(ctx context.Context, id string, p pendingApproval, m *jsonrpc.Message) {
	r := protocol.McpElicitationResponse{RequestID: p.elicit, Action: protocol.ElicitDecline}
	var res struct {
		Action  string         `json:"action"`
		Content map[string]any `json:"content"`
	}
	if m.Error == nil && json.Unmarshal(m.Result, &res) == nil {
		switch res.Action {
		case protocol.ElicitAccept:
			r.Action, r.Content = res.Action, res.Content
		case protocol.ElicitCancel:
			r.Action = res.Action
		}
	}
	c.notify("serverRequest/resolved", map[string]any{"threadId": p.t.id, "requestId": id})
	c.notify("thread/status/changed", statusNote{ThreadID: p.t.id, Status: threadStatus{Type: "active", ActiveFlags: []string{}}})
	go func() { _, _ = p.t.th.Submit(ctx, r) }()
}
