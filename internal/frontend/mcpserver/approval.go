package mcpserver

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// An approval goes to the client as a form elicitation with one optional
// field, decision. The answer maps to a review decision:
//
//	accept (decision absent)   → approved
//	accept {decision: D}       → D (approved, approved_for_session, denied, abort)
//	decline                    → denied
//	cancel                     → abort (the turn ends)
//
// Codex's clients answer with {"decision": D} instead of an action; the
// connection turns that into accept {decision: D} (see conn.Read). The
// request's _meta carries Codex's codex_* fields, which the connection also
// copies to the top level of the params, where Codex put them. Each request
// gets its own copy, built when it is sent (not at start-up).
func decisionSchema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"decision": map[string]any{
				"type":        "string",
				"title":       "Decision",
				"description": "approved: this once; approved_for_session: this and the same again; denied: the model is told; abort: end the turn",
				"enum":        []string{"approved", "approved_for_session", "denied", "abort"},
			},
		},
	}
}

func execElicitation(threadID, eventID string, m protocol.ExecApprovalRequest) *mcp.ElicitParams {
	msg := fmt.Sprintf("Allow kodex to run `%s` in `%s`?", termtext.Line(shellJoin(m.Command)), termtext.Line(m.Cwd))
	if m.Reason != "" {
		msg += " " + termtext.Line(m.Reason)
	}
	if m.Justification != "" {
		msg += " The model says: " + termtext.Line(m.Justification)
	}
	return &mcp.ElicitParams{
		Mode:            "form",
		Message:         msg,
		RequestedSchema: decisionSchema(),
		Meta: mcp.Meta{
			"threadId":          threadID,
			"codex_elicitation": "exec-approval",
			"codex_event_id":    eventID,
			"codex_call_id":     m.CallID,
			"codex_command":     m.Command,
			"codex_cwd":         m.Cwd,
			"kodex_escalated":   m.Escalated,
		},
	}
}

func patchElicitation(threadID, eventID string, m protocol.PatchApprovalRequest) *mcp.ElicitParams {
	msg := fmt.Sprintf("Allow kodex to apply proposed code changes to %s?", termtext.Line(files(m.Changes)))
	if m.Reason != "" {
		msg += " " + termtext.Line(m.Reason)
	}
	changes := map[string]any{}
	for _, c := range m.Changes {
		changes[c.Path] = c
	}
	return &mcp.ElicitParams{
		Mode:            "form",
		Message:         msg,
		RequestedSchema: decisionSchema(),
		Meta: mcp.Meta{
			"threadId":          threadID,
			"codex_elicitation": "patch-approval",
			"codex_event_id":    eventID,
			"codex_call_id":     m.CallID,
			"codex_reason":      m.Reason,
			"codex_changes":     changes,
		},
	}
}

func mcpToolElicitation(threadID, eventID string, m protocol.McpToolApprovalRequest) *mcp.ElicitParams {
	msg := fmt.Sprintf("Allow kodex to call the MCP tool `%s` of server `%s`?", termtext.Line(m.Tool), termtext.Line(m.Server))
	if len(m.Arguments) > 0 {
		msg += " Arguments: " + termtext.Line(string(m.Arguments))
	}
	if m.Reason != "" {
		msg += " " + termtext.Line(m.Reason)
	}
	return &mcp.ElicitParams{
		Mode:            "form",
		Message:         msg,
		RequestedSchema: decisionSchema(),
		Meta: mcp.Meta{
			"threadId":          threadID,
			"codex_elicitation": "mcp-tool-approval",
			"codex_event_id":    eventID,
			"codex_call_id":     m.CallID,
			"kodex_mcp_server":  m.Server,
			"kodex_mcp_tool":    m.Tool,
		},
	}
}

// ask sends the elicitation and returns the decision; "" when the call was
// cancelled meanwhile (the turn is being interrupted, nothing to answer).
func (s *server) ask(ctx context.Context, ss *mcp.ServerSession, th *thread, p *mcp.ElicitParams) protocol.ReviewDecision {
	res, err := ss.Elicit(ctx, p)
	switch {
	case ctx.Err() != nil:
		return ""
	case err != nil:
		s.log.Warn("elicitation failed", "thread", th.id, "err", err)
		return protocol.DecisionDenied
	}
	switch res.Action {
	case "accept":
		if d, ok := res.Content["decision"].(string); ok {
			return protocol.ReviewDecision(d)
		}
		return protocol.DecisionApproved
	case "cancel":
		return protocol.DecisionAbort
	}
	return protocol.DecisionDenied
}
