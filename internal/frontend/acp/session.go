package acp

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// sessionState is an open session of the connection: its pump turns the
// session's events into session/update notifications, in order, and
// answers the running prompt when its turn ends.
type sessionState struct {
	c    *conn
	sess Session
	id   string
	done chan struct{}

	mu        sync.Mutex
	running   *runningPrompt
	mode      string                  // the current mode's id
	modeSet   bool                    // set_mode chose it: the next prompt applies it
	approvals map[string]approvalKind // call id → what is asked, while the client is asked

	// read and written by the pump only
	tools    map[string]*toolCall // tool calls started, by call id
	streamed map[string]bool      // message and reasoning items that got deltas
	shutOnce sync.Once
}

type runningPrompt struct {
	m       *jsonrpc.Message
	sub     string // its submission (the turn's id); "" until Submit returns
	started bool   // the pump saw its turn start
}

type approvalKind int

const (
	approveExec approvalKind = iota
	approvePatch
)

func newSessionState(c *conn, sess Session, info SessionInfo) *sessionState {
	return &sessionState{
		c: c, sess: sess, id: info.ID, done: make(chan struct{}), mode: modeOf(info.Approval, info.Sandbox),
		approvals: map[string]approvalKind{}, tools: map[string]*toolCall{}, streamed: map[string]bool{},
	}
}

func (s *sessionState) start() { go s.pump() }

// pump writes the session's events until it ends, then closes it. Once
// the client is gone writes fail at once and events are drained, so the
// session never blocks on a dead connection.
func (s *sessionState) pump() {
	defer close(s.done)
	for ev := range s.sess.Events() {
		s.event(ev)
	}
	s.mu.Lock()
	p := s.running
	s.running = nil
	s.mu.Unlock()
	if p != nil {
		s.c.reply(p.m, map[string]any{"stopReason": "cancelled"}, nil)
	}
	s.sess.Close()
}

// shutdown interrupts the running turn and ends the session; the pump
// drains what is left.
func (s *sessionState) shutdown() {
	s.shutOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-s.done
			cancel()
		}()
		_, _ = s.sess.Submit(ctx, protocol.Interrupt{})
		_, _ = s.sess.Submit(ctx, protocol.Shutdown{})
		<-s.done
	})
	<-s.done
}

// prompt starts a turn with the user's input; the pump answers m when it
// ends.
func (s *sessionState) prompt(ctx context.Context, m *jsonrpc.Message, items []protocol.InputItem) error {
	s.mu.Lock()
	if s.running != nil {
		s.mu.Unlock()
		return jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "a prompt is running in session %s; wait for it or session/cancel it", s.id)
	}
	p := &runningPrompt{m: m}
	s.running = p
	turn := protocol.UserTurn{Items: items}
	if s.modeSet {
		for _, md := range modes {
			if md.id == s.mode {
				mode := md.sandbox
				turn.ApprovalPolicy, turn.SandboxMode = md.approval, &mode
			}
		}
		s.modeSet = false
	}
	s.mu.Unlock()
	sub, err := s.sess.Submit(ctx, turn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.running == p {
			s.running = nil
		}
		return err
	}
	p.sub = sub
	return nil
}

// cancel interrupts the running turn (and a pending permission request's
// wait: the turn ends; the client's late answer is ignored). A prompt whose
// turn has not started is answered at once: the session drops a turn
// interrupted before it starts without a word.
func (s *sessionState) cancel() {
	s.mu.Lock()
	p := s.running
	if p != nil && !p.started {
		s.running = nil
	} else {
		p = nil
	}
	s.mu.Unlock()
	// Submitted in order: a prompt sent after the cancel is not interrupted.
	s.submit(protocol.Interrupt{})
	if p != nil {
		s.c.reply(p.m, map[string]any{"stopReason": "cancelled"}, nil)
	}
}

// turnStarted notes that the running prompt's turn started.
func (s *sessionState) turnStarted(turnID string) {
	s.mu.Lock()
	if p := s.running; p != nil && (p.sub == "" || p.sub == turnID) {
		p.started = true
	}
	s.mu.Unlock()
}

// setMode chooses the approval mode of the next prompts.
func (s *sessionState) setMode(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == s.mode {
		return nil
	}
	for _, md := range modes {
		if md.id == id {
			s.mode, s.modeSet = id, true
			return nil
		}
	}
	return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: unknown modeId %q (want read-only, auto or full-access)", id)
}

// modeState is the session's SessionModeState.
func (s *sessionState) modeState() map[string]any {
	s.mu.Lock()
	cur := s.mode
	s.mu.Unlock()
	avail := make([]map[string]any, 0, len(modes)+1)
	if cur == startMode {
		avail = append(avail, map[string]any{"id": startMode, "name": "As Configured", "description": "The approval policy and sandbox of kodex's configuration"})
	}
	for _, md := range modes {
		avail = append(avail, map[string]any{"id": md.id, "name": md.name, "description": md.description})
	}
	return map[string]any{"currentModeId": cur, "availableModes": avail}
}

// modeOf is the mode a session's policy is, or startMode.
func modeOf(a protocol.ApprovalPolicy, sb protocol.SandboxMode) string {
	for _, md := range modes {
		if md.approval == a && md.sandbox == sb {
			return md.id
		}
	}
	return startMode
}

// turnEnded answers the running prompt with stop reason (or err).
func (s *sessionState) turnEnded(turnID, stop string, err error) {
	s.mu.Lock()
	p := s.running
	if p == nil || (p.sub != "" && p.sub != turnID) {
		s.mu.Unlock()
		return
	}
	s.running = nil
	for k := range s.approvals {
		delete(s.approvals, k)
	}
	s.mu.Unlock()
	if err != nil {
		s.c.reply(p.m, nil, err)
		return
	}
	s.c.reply(p.m, map[string]any{"stopReason": stop}, nil)
}

// event translates one session event (see docs/acp.md for the map).
func (s *sessionState) event(ev protocol.Event) {
	switch m := ev.Msg.(type) {
	case protocol.TurnStarted:
		s.turnStarted(m.TurnID)
	case protocol.TurnComplete:
		s.turnEnded(m.TurnID, "end_turn", nil)
	case protocol.TurnAborted:
		s.turnEnded(m.TurnID, "cancelled", nil)
	case protocol.TurnFailed:
		if m.Error.Code == "context_window" {
			s.update(textChunk("agent_message_chunk", m.Error.String()))
			s.turnEnded(m.TurnID, "max_tokens", nil)
			return
		}
		s.turnEnded(m.TurnID, "", &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: m.Error.String()})
	case protocol.AgentMessageDelta:
		s.streamed[m.ItemID] = true
		s.update(textChunk("agent_message_chunk", m.Delta))
	case protocol.AgentMessage:
		if !s.streamed[m.ItemID] && m.Text != "" {
			s.update(textChunk("agent_message_chunk", m.Text))
		}
		delete(s.streamed, m.ItemID)
	case protocol.ReasoningDelta:
		s.streamed[m.ItemID] = true
		s.update(textChunk("agent_thought_chunk", m.Delta))
	case protocol.Reasoning:
		if !s.streamed[m.ItemID] && m.Text != "" {
			s.update(textChunk("agent_thought_chunk", m.Text))
		}
		delete(s.streamed, m.ItemID)
	case protocol.ExecApprovalRequest:
		s.toolStarted(execCall(m.CallID, m.Command, m.Cwd, "pending"))
		s.ask(m.CallID, approveExec, s.tools[m.CallID], execReason(m), m.ProposedPrefixRule)
	case protocol.ExecBegin:
		s.toolStarted(execCall(m.CallID, m.Command, m.Cwd, "in_progress"))
	case protocol.ExecEnd:
		s.toolStarted(execCall(m.CallID, m.Command, "", "in_progress"))
		s.toolEnded(m.CallID, execEnd(m))
	case protocol.PatchApprovalRequest:
		s.toolStarted(patchCall(m.CallID, m.Changes, "pending"))
		s.ask(m.CallID, approvePatch, s.tools[m.CallID], m.Reason, nil)
	case protocol.PatchApplyBegin:
		s.toolStarted(patchCall(m.CallID, m.Changes, "in_progress"))
	case protocol.PatchApplyEnd:
		s.toolStarted(patchCall(m.CallID, m.Changes, "in_progress"))
		s.toolEnded(m.CallID, patchEnd(m))
	case protocol.McpToolApprovalRequest:
		s.toolStarted(mcpCall(m.CallID, m.Server, m.Tool, nil, "pending"))
		s.ask(m.CallID, approveExec, s.tools[m.CallID], m.Reason, nil)
	case protocol.McpToolCallBegin:
		s.toolStarted(mcpCall(m.CallID, m.Server, m.Tool, m.Arguments, "in_progress"))
	case protocol.McpToolCallEnd:
		s.toolStarted(mcpCall(m.CallID, m.Server, m.Tool, m.Arguments, "in_progress"))
		s.toolEnded(m.CallID, mcpEnd(m))
	case protocol.PlanUpdate:
		s.update(planUpdate(m))
	case protocol.TokenCount:
		if m.ContextWindow > 0 {
			s.update(map[string]any{"sessionUpdate": "usage_update", "used": m.ContextUsed, "size": m.ContextWindow})
		}
	case protocol.Error:
		s.update(textChunk("agent_message_chunk", "\n\nkodex: "+m.ErrorInfo.String()+"\n"))
	}
}

func (s *sessionState) update(u any) { s.c.update(s.id, u) }

// toolStarted announces a tool call (tool_call) the first time it is
// seen, and its new status (tool_call_update) after.
func (s *sessionState) toolStarted(tc *toolCall) {
	old, ok := s.tools[tc.ID]
	if !ok {
		s.tools[tc.ID] = tc
		s.update(tc.start())
		return
	}
	if old.Status != tc.Status || (len(tc.Content) > 0 && !sameContent(old.Content, tc.Content)) {
		u := map[string]any{"sessionUpdate": "tool_call_update", "toolCallId": tc.ID, "status": tc.Status}
		if len(tc.Content) > 0 && !sameContent(old.Content, tc.Content) {
			u["content"] = tc.Content
			old.Content = tc.Content
		}
		old.Status = tc.Status
		s.update(u)
	}
}

// toolEnded sends a tool call's last update.
func (s *sessionState) toolEnded(id string, u map[string]any) {
	delete(s.tools, id)
	u["sessionUpdate"] = "tool_call_update"
	u["toolCallId"] = id
	s.update(u)
}

// ask sends session/request_permission and, when the client answers,
// submits the decision. The pump goes on meanwhile (the session waits for
// the decision; session/cancel ends that wait).
func (s *sessionState) ask(callID string, kind approvalKind, tc *toolCall, reason string, prefix []string) {
	s.mu.Lock()
	s.approvals[callID] = kind
	s.mu.Unlock()
	call := map[string]any{"toolCallId": callID, "status": "pending"}
	if tc != nil {
		call["title"], call["kind"] = tc.Title, tc.Kind
		if len(tc.Content) > 0 {
			call["content"] = tc.Content
		}
		if len(tc.Locations) > 0 {
			call["locations"] = tc.Locations
		}
	}
	if reason != "" {
		call["rawInput"] = map[string]any{"reason": reason}
		if tc != nil && tc.RawInput != nil {
			raw := map[string]any{"reason": reason}
			for k, v := range tc.RawInput {
				raw[k] = v
			}
			call["rawInput"] = raw
		}
	}
	params := map[string]any{"sessionId": s.id, "toolCall": call, "options": permissionOptions(prefix)}
	ch, _, err := s.c.send("session/request_permission", params)
	if err != nil {
		s.decide(callID, protocol.DecisionDenied)
		return
	}
	go func() {
		select {
		case m := <-ch:
			dec := protocol.DecisionDenied
			if m.Error == nil {
				var res struct {
					Outcome json.RawMessage `json:"outcome"`
				}
				if json.Unmarshal(m.Result, &res) == nil {
					dec = decision(res.Outcome, len(prefix) > 0)
				}
			}
			s.decide(callID, dec)
		case <-s.done:
		case <-s.c.gone:
		}
	}()
}

// decide submits the client's decision, unless the turn that asked has
// ended meanwhile.
func (s *sessionState) decide(callID string, dec protocol.ReviewDecision) {
	s.mu.Lock()
	kind, ok := s.approvals[callID]
	delete(s.approvals, callID)
	s.mu.Unlock()
	if !ok {
		return
	}
	var op protocol.Op = protocol.ExecApproval{CallID: callID, Decision: dec}
	if kind == approvePatch {
		op = protocol.PatchApproval{CallID: callID, Decision: dec}
	}
	s.submit(op)
}

// submit sends op to the session unless it has ended.
func (s *sessionState) submit(op protocol.Op) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	_, _ = s.sess.Submit(ctx, op)
}
