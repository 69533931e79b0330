package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// drive runs one turn of th with prompt and returns the call's result. It
// forwards every event of the turn to the client, asks the client for the
// approvals, and interrupts the turn when ctx (the call) is cancelled.
func (s *server) drive(ctx context.Context, req *mcp.CallToolRequest, th *thread, prompt string) *mcp.CallToolResult {
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.closed {
		return errorResult(th.id, "the session has ended; start a new one with the kodex tool")
	}
	if ctx.Err() != nil { // cancelled while another turn of the thread ran
		return errorResult(th.id, "cancelled before the turn started")
	}
	turn := protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: prompt}}}
	if _, err := th.sess.Submit(ctx, turn); err != nil {
		return errorResult(th.id, fmt.Sprintf("submitting the prompt: %v", err))
	}
	p := &progress{token: req.Params.GetProgressToken(), ss: req.Session}
	reqID := req.Params.Meta[requestIDKey]
	events, done := th.sess.Events(), ctx.Done()
	interrupted := false
	for {
		select {
		case <-done:
			// The client cancelled the call: interrupt the turn and go on
			// reading until it ends (the result is not sent).
			done, interrupted = nil, true
			go func() { _, _ = th.sess.Submit(context.WithoutCancel(ctx), protocol.Interrupt{}) }()
		case ev, ok := <-events:
			if !ok {
				th.closed = true
				if th.close != nil {
					th.close()
				}
				return errorResult(th.id, "the session ended before the turn did")
			}
			s.notify(ctx, th.id, reqID, ev)
			p.step(ctx, ev.Msg)
			if res := s.handle(ctx, req.Session, th, ev, interrupted); res != nil {
				return res
			}
		}
	}
}

// handle acts on one event of a turn: answers approval requests, and
// returns the result when the turn has ended.
func (s *server) handle(ctx context.Context, ss *mcp.ServerSession, th *thread, ev protocol.Event, interrupted bool) *mcp.CallToolResult {
	switch m := ev.Msg.(type) {
	case protocol.ExecApprovalRequest:
		d := s.ask(ctx, ss, th, execElicitation(th.id, ev.ID, m))
		if d != "" {
			s.answer(ctx, th, protocol.ExecApproval{CallID: m.CallID, Decision: d})
		}
	case protocol.PatchApprovalRequest:
		d := s.ask(ctx, ss, th, patchElicitation(th.id, ev.ID, m))
		if d != "" {
			s.answer(ctx, th, protocol.PatchApproval{CallID: m.CallID, Decision: d})
		}
	case protocol.McpToolApprovalRequest: // answered with ExecApproval, as in the TUI
		d := s.ask(ctx, ss, th, mcpToolElicitation(th.id, ev.ID, m))
		if d != "" {
			s.answer(ctx, th, protocol.ExecApproval{CallID: m.CallID, Decision: d})
		}
	case protocol.TurnComplete:
		return result(th.id, m.LastMessage, th.notice, false)
	case protocol.TurnFailed:
		return result(th.id, m.Error.String(), th.notice, true)
	case protocol.TurnAborted:
		msg := "the turn was interrupted"
		if !interrupted && m.Reason == "approval_aborted" {
			msg = "the turn was aborted: an approval was cancelled"
		}
		return result(th.id, msg, th.notice, true)
	}
	return nil
}

// answer submits an approval decision without blocking the event stream.
func (s *server) answer(ctx context.Context, th *thread, op protocol.Op) {
	go func() { _, _ = th.sess.Submit(context.WithoutCancel(ctx), op) }()
}

// notify sends ev to the client as a kodex/event notification:
// {"_meta": {"threadId": …, "requestId": …}, "seq": …, "id": …, "msg":
// {"type": …, …}}, requestId being the id of the tools/call it belongs to.
func (s *server) notify(ctx context.Context, threadID string, requestID any, ev protocol.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		s.log.Warn("encoding event", "err", err)
		return
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(b, &params); err != nil {
		return
	}
	meta := map[string]any{"threadId": threadID}
	if requestID != nil {
		meta["requestId"] = requestID
	}
	params["_meta"], _ = json.Marshal(meta)
	if err := s.ct.conn.notify(context.WithoutCancel(ctx), EventMethod, params); err != nil {
		s.log.Debug("sending event notification", "err", err)
	}
}

// progress reports a turn's steps as progress notifications, when the
// client asked for them (a progress token on the call).
type progress struct {
	token any
	ss    *mcp.ServerSession
	n     float64
}

func (p *progress) step(ctx context.Context, msg protocol.EventMsg) {
	if p.token == nil {
		return
	}
	text := stepText(msg)
	if text == "" {
		return
	}
	p.n++
	_ = p.ss.NotifyProgress(context.WithoutCancel(ctx), &mcp.ProgressNotificationParams{
		ProgressToken: p.token, Progress: p.n, Message: text,
	})
}

// stepText names the step an event begins or ends; "" for the events that
// are not a step (deltas, token counts).
func stepText(msg protocol.EventMsg) string {
	switch m := msg.(type) {
	case protocol.TurnStarted:
		return "turn started"
	case protocol.Reasoning:
		return "thinking: " + firstLine(m.Text)
	case protocol.ExecBegin:
		return "running " + shellJoin(m.Command)
	case protocol.ExecEnd:
		return fmt.Sprintf("ran %s (exit code %d)", shellJoin(m.Command), m.ExitCode)
	case protocol.ExecApprovalRequest:
		return "waiting for approval to run " + shellJoin(m.Command)
	case protocol.PatchApprovalRequest:
		return fmt.Sprintf("waiting for approval to change %s", files(m.Changes))
	case protocol.McpToolApprovalRequest:
		return fmt.Sprintf("waiting for approval to call %s/%s", m.Server, m.Tool)
	case protocol.PatchApplyBegin:
		return "editing " + files(m.Changes)
	case protocol.PatchApplyEnd:
		if m.Success {
			return "edited " + files(m.Changes)
		}
		return "failed to edit " + files(m.Changes)
	case protocol.PlanUpdate:
		for _, it := range m.Plan {
			if it.Status == protocol.PlanInProgress {
				return "plan: " + it.Step
			}
		}
		return "plan updated"
	case protocol.AgentMessage:
		return "answered"
	case protocol.Retry:
		return m.String()
	case protocol.TurnComplete:
		return "turn complete"
	case protocol.TurnFailed:
		return "turn failed: " + m.Error.Message
	case protocol.TurnAborted:
		return "turn aborted (" + m.Reason + ")"
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func files(changes []protocol.FileChange) string {
	if len(changes) == 1 {
		return changes[0].Path
	}
	return fmt.Sprintf("%d files", len(changes))
}

// shellJoin renders argv for a message: words with spaces or quotes are
// quoted.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
