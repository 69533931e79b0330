package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// handleEvents applies a batch of events and asks for the next batch.
func (m *model) handleEvents(msg eventsMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil // a swapped-out session
	}
	cmds := make([]tea.Cmd, 0, 2)
	for _, ev := range msg.events {
		if cmd := m.handleEvent(ev.Msg); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	if msg.closed {
		cmds = append(cmds, m.sessionClosed())
	} else {
		cmds = append(cmds, m.pump())
	}
	return tea.Batch(cmds...)
}

// handleEvent applies one event. Replayed history goes through here too.
func (m *model) handleEvent(ev protocol.EventMsg) tea.Cmd {
	ev = relativize(ev, m.opts.Cwd)
	switch e := ev.(type) {
	case protocol.SessionConfigured:
		m.status.configure(e)
	case protocol.TurnStarted:
		return m.turnStarted()
	case protocol.TurnComplete:
		body := e.LastMessage
		if strings.TrimSpace(body) == "" {
			body = "Turn complete."
		}
		return tea.Batch(m.turnEnded(nil), m.desktopNotify(body))
	case protocol.TurnAborted:
		return m.turnEnded(abortNotice(e))
	case protocol.TurnFailed:
		return tea.Batch(m.turnEnded(errorNotice(e.Error)), m.desktopNotify("Turn failed: "+e.Error.Message))
	case protocol.AgentMessageDelta:
		m.reasoningDone()
		m.agentDelta(e.ItemID, e.Delta)
	case protocol.AgentMessage:
		m.agentMessage(e.ItemID, e.Text)
	case protocol.ReasoningDelta, protocol.Reasoning:
		if !m.opts.HideReasoning {
			m.act(m.reason.update(e))
			m.live.version++
		}
	case protocol.ExecBegin, protocol.ExecOutputDelta, protocol.ExecEnd,
		protocol.PatchApplyBegin, protocol.PatchApplyEnd:
		m.reasoningDone()
		m.toolEvent(ev)
	case protocol.ExecApprovalRequest:
		m.flushStream()
		m.live.remember(e.CallID, e.Command)
		m.approvals.push(&approval{exec: &e}, m.now(), m.typedAt())
		return m.desktopNotify("Approval needed to run " + strings.Join(e.Command, " "))
	case protocol.PatchApprovalRequest:
		m.flushStream()
		m.approvals.push(&approval{patch: &e}, m.now(), m.typedAt())
		return m.desktopNotify("Approval needed to edit files")
	case protocol.PlanUpdate:
		m.flushStream()
		m.commit(&planCell{explanation: e.Explanation, items: e.Plan})
	case protocol.TerminalInteraction:
		m.flushStream()
		return m.act(terminalInput(e, m.live.processes()))
	case protocol.TokenCount:
		m.status.tokens(e)
		m.priceResponse(e.Last)
		for _, w := range m.status.limits.update(e.RateLimits) {
			m.notice(noticeWarning, w, "/status shows the provider's limits.")
		}
	case protocol.ContextCompacted:
		m.status.ctxUsed = e.TokensAfter
		m.notice(noticeInfo, fmt.Sprintf("Context compacted (%s → %s tokens).", formatTokens(e.TokensBefore), formatTokens(e.TokensAfter)), "")
	case protocol.Retry:
		m.notice(noticeWarning, retryText(e), "")
	case protocol.Warning:
		m.notice(noticeWarning, e.Message, "")
	case protocol.Error:
		m.commit(errorNotice(e.ErrorInfo))
	case protocol.ShutdownComplete:
		if m.quitting {
			return m.exit()
		}
	default:
		if r, ok := m.undo.update(ev); ok {
			return m.act(r)
		}
		return m.mcpEvent(ev)
	}
	return nil
}

func abortNotice(e protocol.TurnAborted) *noticeCell {
	if e.Reason == "approval_aborted" {
		return &noticeCell{kind: noticeWarning, text: "Turn aborted at the approval prompt.", hint: "Tell the model what to do differently."}
	}
	return &noticeCell{kind: noticeWarning, text: "Interrupted.", hint: "Tell the model what to do differently."}
}

// toolEvent routes command and patch events to their live cells.
func (m *model) toolEvent(ev protocol.EventMsg) {
	switch e := ev.(type) {
	case protocol.ExecBegin:
		m.flushStream()
		m.live.add(e.CallID, &execCell{callID: e.CallID, command: e.Command, running: true, processID: e.ProcessID, started: m.now()})
	case protocol.ExecOutputDelta:
		if c, ok := m.live.get(e.CallID).(*execCell); ok {
			c.appendOutput(e.Chunk)
			m.live.version++
		}
	case protocol.ExecEnd:
		c, ok := m.live.take(e.CallID).(*execCell)
		if !ok { // declined before it began, or a replay
			c = &execCell{callID: e.CallID, command: m.live.command(e.CallID)}
			if len(c.command) == 0 {
				c.command = e.Command
			}
		}
		c.finish(e)
		m.commit(c)
	case protocol.PatchApplyBegin:
		m.flushStream()
		m.live.add(e.CallID, &patchCell{changes: e.Changes, running: true})
	case protocol.PatchApplyEnd:
		c, ok := m.live.take(e.CallID).(*patchCell)
		if !ok {
			c = &patchCell{}
		}
		c.running, c.failed, c.output = false, !e.Success, e.Output
		if len(e.Changes) > 0 {
			c.changes = e.Changes
		}
		m.commit(c)
	}
}

// stream is an agent message arriving in deltas. Complete blocks (up to the
// last blank line outside a code fence) are committed as they arrive, so
// the live area stays small, finished text reaches the scrollback, and the
// cost of a delta does not grow with the message.
type stream struct {
	itemID    string
	pending   string // not yet committed
	committed int    // bytes committed before pending
	cont      bool
}

func (m *model) agentDelta(itemID, delta string) {
	if m.stream != nil && m.stream.itemID != itemID {
		m.flushStream()
	}
	if m.stream == nil {
		m.stream = &stream{itemID: itemID}
	}
	s := m.stream
	s.pending += delta
	m.live.version++
	if cut := stableCut(s.pending); cut > 0 {
		m.commit(&agentCell{src: s.pending[:cut], cont: s.cont})
		s.pending = s.pending[cut:]
		s.committed += cut
		s.cont = true
	}
}

// stableCut returns the length of the longest prefix of src that ends at a
// blank line outside a code fence (0 if none).
func stableCut(src string) int {
	cut, off, fenced := 0, 0, false
	for {
		nl := strings.IndexByte(src[off:], '\n')
		if nl < 0 {
			return cut
		}
		line := strings.TrimSpace(src[off : off+nl])
		off += nl + 1
		switch {
		case isFenceLine(line):
			fenced = !fenced
		case line == "" && !fenced && strings.TrimSpace(src[:off]) != "":
			cut = off
		}
	}
}

func isFenceLine(l string) bool { return strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~") }

// agentMessage completes a message: the part not yet committed is committed
// (taken from the final text, which wins over the deltas).
func (m *model) agentMessage(itemID, text string) {
	m.lastAnswer = text
	s := m.stream
	if s == nil || s.itemID != itemID {
		m.flushStream()
		if strings.TrimSpace(text) != "" {
			m.commit(&agentCell{src: text})
		}
		return
	}
	m.stream = nil
	m.live.version++
	rest := s.pending
	if len(text) >= s.committed {
		rest = text[s.committed:]
	}
	if strings.TrimSpace(rest) != "" {
		m.commit(&agentCell{src: rest, cont: s.cont})
	}
}

// flushStream commits whatever is left of a streamed message.
func (m *model) flushStream() {
	if s := m.stream; s != nil {
		m.stream = nil
		m.live.version++
		if strings.TrimSpace(s.pending) != "" {
			m.commit(&agentCell{src: s.pending, cont: s.cont})
		}
	}
}

func (m *model) turnStarted() tea.Cmd {
	m.hasContent = true
	m.turn = turnState{running: true, started: m.now(), tickGen: m.turn.tickGen + 1}
	m.live.version++
	return m.scheduleTick()
}

// turnEnded closes the turn: leftovers are committed, unanswered approvals
// dropped, and the next queued message, if any, submitted.
func (m *model) turnEnded(n *noticeCell) tea.Cmd {
	m.act(m.reason.end())
	m.flushStream()
	for _, c := range m.live.drain() {
		if m.live.keepProcess(c) {
			continue
		}
		if e, ok := c.(*execCell); ok && e.running {
			e.running, e.aborted = false, true
		}
		m.commit(c)
	}
	if n != nil {
		m.commit(n)
	}
	m.approvals.clear()
	m.turn.running = false
	if m.hint == "Interrupting…" {
		m.hint = ""
	}
	m.live.version++
	if len(m.queued) > 0 && !m.quitting {
		next := m.queued[0]
		m.queued = m.queued[1:]
		return m.submitText(next, nil)
	}
	return nil
}

// sessionClosed handles the end of the event stream.
func (m *model) sessionClosed() tea.Cmd {
	if m.quitting {
		return m.exit()
	}
	m.turn.running = false
	m.notice(noticeError, "The session ended.", "Press Ctrl+C twice or Ctrl+D to exit, or /new to start another.")
	m.session = nil
	return nil
}

// UserMessage is a user's message in replayed history ([Replayer]); the
// protocol has no event for it because a live frontend knows what it sent.
type UserMessage struct{ Text string }

// EventType implements protocol.EventMsg.
func (UserMessage) EventType() string { return "user_message" }

// replay renders a resumed session's recorded history as finished cells.
func (m *model) replay(s Session) {
	r, ok := s.(Replayer)
	if !ok {
		return
	}
	items := r.Replay()
	m.hasContent = m.hasContent || len(items) > 0
	if !m.opts.AltScreen && len(items) > maxReplay {
		m.notice(noticeInfo, "… earlier history not shown; /resume in --alt-screen mode to browse it all.", "")
		items = items[len(items)-maxReplay:]
	}
	for _, ev := range items {
		switch e := ev.(type) {
		case UserMessage:
			m.commit(&userCell{text: e.Text})
		case protocol.ExecApprovalRequest, protocol.PatchApprovalRequest, protocol.TurnStarted:
			// Answered long ago; no spinner for history.
		case protocol.TurnComplete: // no notification for history
			m.turnEnded(nil)
		case protocol.TurnAborted:
			m.turnEnded(abortNotice(e))
		case protocol.TurnFailed:
			m.turnEnded(errorNotice(e.Error))
		case protocol.ExecBegin:
			e.ProcessID = 0 // its process ended with the earlier run
			m.handleEvent(e)
		default:
			m.handleEvent(ev)
		}
	}
	m.turn.running = false
	m.approvals.clear()
}

// relativize shows the paths of file changes relative to cwd when they are
// inside it, as a person reads them.
func relativize(ev protocol.EventMsg, cwd string) protocol.EventMsg {
	if cwd == "" {
		return ev
	}
	switch e := ev.(type) {
	case protocol.PatchApprovalRequest:
		e.Changes = relChanges(e.Changes, cwd)
		return e
	case protocol.PatchApplyBegin:
		e.Changes = relChanges(e.Changes, cwd)
		return e
	case protocol.PatchApplyEnd:
		e.Changes = relChanges(e.Changes, cwd)
		return e
	}
	return ev
}

func relChanges(changes []protocol.FileChange, cwd string) []protocol.FileChange {
	out := make([]protocol.FileChange, len(changes))
	for i, c := range changes {
		c.Path, c.MovePath = relPath(c.Path, cwd), relPath(c.MovePath, cwd)
		out[i] = c
	}
	return out
}

func relPath(p, cwd string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	if r, err := filepath.Rel(cwd, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return r
	}
	return p
}

// retryText says why the turn waits: "Rate limited; retrying in 12 s
// (2/5)." or "Model request failed (reason); retrying in 0.4 s (1/5)."
func retryText(r protocol.Retry) string {
	d := time.Duration(r.Wait)
	wait := fmt.Sprintf("%.1f s", d.Seconds())
	if d >= 10*time.Second {
		wait = fmt.Sprintf("%.0f s", d.Seconds())
	}
	what := "Model request failed (" + r.Reason + ")"
	if r.RateLimited {
		what = "Rate limited"
	}
	return fmt.Sprintf("%s; retrying in %s (%d/%d).", what, wait, r.Attempt, r.MaxAttempts)
}
