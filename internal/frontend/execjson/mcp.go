package execjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// The JSONL shapes of MCP calls (Codex's mcp_tool_call item) and, additively
// (Codex prints none), of MCP servers' start-up states.
type (
	mcpToolCallItem struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
		Result    *mcpResult      `json:"result,omitempty"`
		Error     *errorMessage   `json:"error,omitempty"`
		Status    string          `json:"status"`
	}
	mcpResult struct {
		Content           []json.RawMessage `json:"content"`
		StructuredContent json.RawMessage   `json:"structured_content"`
	}
	mcpServerEvent struct {
		Type   string `json:"type"` // "mcp_server.status"
		Server string `json:"server"`
		State  string `json:"state"`
		Tools  int    `json:"tools,omitempty"`
		Error  string `json:"error,omitempty"`
		Stderr string `json:"stderr,omitempty"`
	}
)

// mcp prints the MCP events; other events are not its.
func (p *jsonPrinter) mcp(msg protocol.EventMsg) error {
	switch m := msg.(type) {
	case protocol.McpServerStatus:
		return p.emit(mcpServerEvent{Type: "mcp_server.status", Server: m.Server, State: m.State, Tools: m.Tools, Error: m.Error, Stderr: m.Stderr})
	case protocol.McpToolCallBegin:
		it := mcpToolCallItem{ID: p.id(), Type: "mcp_tool_call", Server: m.Server, Tool: m.Tool, Arguments: args(m.Arguments), Status: "in_progress"}
		if p.mcpCalls == nil {
			p.mcpCalls = map[string]string{}
		}
		p.mcpCalls[m.CallID] = it.ID
		return p.item("item.started", it)
	case protocol.McpToolCallEnd:
		id, ok := p.mcpCalls[m.CallID]
		if !ok {
			id = p.id()
		}
		delete(p.mcpCalls, m.CallID)
		it := mcpToolCallItem{ID: id, Type: "mcp_tool_call", Server: m.Server, Tool: m.Tool, Arguments: args(m.Arguments), Status: "completed"}
		if m.Result != nil {
			sc := m.Result.StructuredContent
			if len(sc) == 0 {
				sc = json.RawMessage("null")
			}
			it.Result = &mcpResult{Content: m.Result.Content, StructuredContent: sc}
		} else {
			it.Error = &errorMessage{Message: m.Error}
		}
		if m.Failed() {
			it.Status = "failed"
		}
		return p.item("item.completed", it)
	}
	return nil
}

func args(a json.RawMessage) json.RawMessage {
	if len(a) == 0 {
		return json.RawMessage("null")
	}
	return a
}

// mcp prints the MCP events for a person.
func (p *humanPrinter) mcp(msg protocol.EventMsg) {
	switch m := msg.(type) {
	case protocol.McpServerStatus:
		switch m.State {
		case protocol.McpReady:
			p.logf("%s\n", p.style(fmt.Sprintf("mcp: %s ready (%d tools)", m.Server, m.Tools), sgrDim))
		case protocol.McpFailed:
			p.logf("%s %s\n", p.style("mcp: "+m.Server+" failed:", sgrYellow, sgrBold), termtext.Text(m.Error))
			if m.Stderr != "" {
				p.logf("%s\n", p.style(indentTail(termtext.Text(m.Stderr)), sgrDim))
			}
		}
	case protocol.McpToolApprovalRequest:
		p.logf("approval needed to call %s/%s (declined: no one can approve in exec mode)\n", m.Server, m.Tool)
	case protocol.McpToolCallBegin:
		p.logf("%s\n", p.style(fmt.Sprintf("tool %s/%s(%s)", m.Server, m.Tool, termtext.Text(string(m.Arguments))), sgrBold))
	case protocol.McpToolCallEnd:
		d := time.Duration(m.Duration).Round(time.Millisecond)
		switch {
		case m.Result == nil:
			p.logf("%s %s\n", p.style(fmt.Sprintf("tool %s/%s failed in %s:", m.Server, m.Tool, d), sgrRed), termtext.Text(m.Error))
		case m.Result.IsError:
			p.logf("%s\n", p.style(fmt.Sprintf("tool %s/%s returned an error in %s", m.Server, m.Tool, d), sgrRed))
		default:
			p.logf("%s\n", p.style(fmt.Sprintf("tool %s/%s succeeded in %s", m.Server, m.Tool, d), sgrDim))
		}
	}
}
