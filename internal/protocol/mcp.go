package protocol

import (
	"encoding/json"
	"fmt"
)

// MCP server start-up states (McpServerStatus.State).
const (
	McpStarting = "starting"
	McpReady    = "ready"
	McpFailed   = "failed"
)

// McpServerStatus reports an MCP server's start-up: starting, then ready
// (with the number of tools it offers) or failed (with the reason and the
// tail of its stderr). Every configured, enabled server reports starting
// when the session starts and one of the other two later.
type McpServerStatus struct {
	Server string `json:"server"`
	State  string `json:"state"`
	Tools  int    `json:"tools,omitempty"`
	// ToolNames are the ready server's tools, by their names on the server.
	ToolNames []string `json:"tool_names,omitempty"`
	Required  bool     `json:"required,omitempty"`
	Error     string   `json:"error,omitempty"`
	Stderr    string   `json:"stderr,omitempty"`
	// Auth is how kodex authenticates to the server: unsupported (stdio,
	// or no login asked), not_logged_in, bearer_token or o_auth.
	Auth string `json:"auth,omitempty"`
}

// McpToolCallBegin reports that a call to an MCP server's tool (or to one
// of the MCP resource tools) started.
type McpToolCallBegin struct {
	CallID    string          `json:"call_id"`
	Server    string          `json:"server"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// McpToolCallProgress is a progress notification of a running MCP call.
type McpToolCallProgress struct {
	CallID   string  `json:"call_id"`
	Progress float64 `json:"progress"`
	Total    float64 `json:"total,omitempty"`
	Message  string  `json:"message,omitempty"`
}

// McpToolCallEnd reports an MCP call's outcome: the server's result, or
// Error when there is none (the call failed, timed out or was declined).
type McpToolCallEnd struct {
	CallID    string          `json:"call_id"`
	Server    string          `json:"server"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Duration  Duration        `json:"duration_ms"`
	Result    *McpToolResult  `json:"result,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// Failed reports whether the call failed: no result, or a result the
// server marked as an error.
func (e McpToolCallEnd) Failed() bool { return e.Result == nil || e.Result.IsError }

// McpToolResult is an MCP tools/call result as the server sent it.
type McpToolResult struct {
	// Content holds MCP content blocks (text, image, audio, resource,
	// resource_link) in their wire form.
	Content           []json.RawMessage `json:"content"`
	StructuredContent json.RawMessage   `json:"structured_content,omitempty"`
	IsError           bool              `json:"is_error,omitempty"`
}

// McpToolApprovalRequest asks the user whether an MCP tool may be called.
// Answer with an ExecApproval op carrying the same CallID.
type McpToolApprovalRequest struct {
	CallID    string          `json:"call_id"`
	Server    string          `json:"server"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Reason    string          `json:"reason,omitempty"`
}

// EventType implementations.
func (McpServerStatus) EventType() string        { return "mcp_server_status" }
func (McpToolCallBegin) EventType() string       { return "mcp_tool_call_begin" }
func (McpToolCallProgress) EventType() string    { return "mcp_tool_call_progress" }
func (McpToolCallEnd) EventType() string         { return "mcp_tool_call_end" }
func (McpToolApprovalRequest) EventType() string { return "mcp_tool_approval_request" }

func newMCPEvent(typ string) (EventMsg, error) {
	switch typ {
	case "mcp_server_status":
		return &McpServerStatus{}, nil
	case "mcp_tool_call_begin":
		return &McpToolCallBegin{}, nil
	case "mcp_tool_call_progress":
		return &McpToolCallProgress{}, nil
	case "mcp_tool_call_end":
		return &McpToolCallEnd{}, nil
	case "mcp_tool_approval_request":
		return &McpToolApprovalRequest{}, nil
	case "mcp_elicitation_request":
		return &McpElicitationRequest{}, nil
	}
	if m := newUndoEvent(typ); m != nil {
		return m, nil
	}
	return nil, fmt.Errorf("unknown event type %q", typ)
}
