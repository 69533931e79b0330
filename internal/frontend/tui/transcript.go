package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// transcript turns the session's events into cells: it streams the agent's
// message, keeps the running tool calls (and the processes they leave
// running) in the live area, and hands every finished cell to the root to
// commit. Its update returns what the root is to do (see route.go):
// commitCell and showNotice, turnBegan and turnFinished, approvalAsked,
// elicitAsked, notify. It knows nothing of the modal, the composer or the
// history it commits to.
type transcript struct {
	now           func() time.Time
	hideReasoning bool
	// replaying: the events are a resumed session's recorded history:
	// no spinner, no approvals, no notifications, no live processes.
	replaying bool

	live   liveArea
	stream *stream // the agent message being streamed
	reason reasoningState
	// lastAnswer is the last agent message, for /copy.
	lastAnswer string

	viewKey [3]int // live version, width, stream length
	rows    []string
}

// Results of the transcript.
type (
	// turnBegan: a turn started (the spinner runs).
	turnBegan struct{}
	// turnFinished: the turn ended (aborted: interrupted, or an approval
	// was aborted); its leftovers are committed already.
	turnFinished struct{ aborted bool }
	// approvalAsked: an approval request for the modal.
	approvalAsked struct{ a *approval }
	// elicitAsked: an MCP server's form for the overlay.
	elicitAsked struct {
		req protocol.McpElicitationRequest
	}
	// notify asks for a desktop notification (sent only when unfocused).
	notify struct{ body string }
)

// update takes one event (relativized by the root) and returns what the
// root is to do, or nil.
func (t *transcript) update(ev protocol.EventMsg) tea.Msg {
	switch e := ev.(type) {
	case UserMessage: // replayed history only
		return commitCell{&userCell{text: e.Text}}
	case protocol.TurnStarted:
		if t.replaying { // no spinner for history
			return nil
		}
		t.live.version++
		return turnBegan{}
	case protocol.TurnComplete, protocol.TurnAborted, protocol.TurnFailed:
		return t.turnEnded(ev)
	case protocol.AgentMessageDelta:
		return results{t.reasoningDone(), t.agentDelta(e.ItemID, e.Delta)}
	case protocol.AgentMessage:
		return t.agentMessage(e.ItemID, e.Text)
	case protocol.ReasoningDelta, protocol.Reasoning:
		if t.hideReasoning {
			return nil
		}
		t.live.version++
		return t.reason.update(e)
	case protocol.ExecBegin, protocol.ExecOutputDelta, protocol.ExecEnd,
		protocol.PatchApplyBegin, protocol.PatchApplyEnd:
		return results{t.reasoningDone(), t.toolEvent(ev)}
	case protocol.McpToolCallBegin, protocol.McpToolCallProgress, protocol.McpToolCallEnd:
		return t.mcpToolEvent(ev)
	case protocol.ExecApprovalRequest, protocol.PatchApprovalRequest, protocol.McpToolApprovalRequest:
		return t.approval(ev)
	case protocol.McpElicitationRequest:
		return results{t.flush(), elicitAsked{e}}
	case protocol.PlanUpdate:
		return results{t.flush(), commitCell{&planCell{explanation: e.Explanation, items: e.Plan}}}
	case protocol.TerminalInteraction:
		return results{t.flush(), terminalInput(e, t.live.processes())}
	case protocol.ContextCompacted:
		return showNotice{noticeInfo, fmt.Sprintf("Context compacted (%s → %s tokens).", formatTokens(e.TokensBefore), formatTokens(e.TokensAfter)), ""}
	case protocol.Retry:
		// What the broken attempt streamed goes first: the retry's
		// warning comes after it, and the answer starts again below.
		return results{t.reason.end(), t.flush(), showNotice{noticeWarning, retryText(e), ""}}
	case protocol.Warning:
		return showNotice{noticeWarning, e.Message, ""}
	case protocol.Error:
		return commitCell{errorNotice(e.ErrorInfo)}
	case protocol.McpServerStatus:
		return mcpFailed(e)
	}
	return nil
}

// turnEnded closes the turn: leftovers are committed (running commands
// marked aborted, processes kept live), then the turn's notice, then
// turnFinished and, live, a notification.
func (t *transcript) turnEnded(ev protocol.EventMsg) tea.Msg {
	var n *noticeCell
	var body string
	switch e := ev.(type) {
	case protocol.TurnComplete:
		body = e.LastMessage
		if strings.TrimSpace(body) == "" {
			body = "Turn complete."
		}
	case protocol.TurnAborted:
		n = abortNotice(e)
	case protocol.TurnFailed:
		n, body = errorNotice(e.Error), "Turn failed: "+e.Error.Message
	}
	out := results{t.reason.end(), t.flush()}
	for _, c := range t.live.drain() {
		if t.live.keepProcess(c) {
			continue
		}
		if e, ok := c.(*execCell); ok && e.running {
			e.running, e.aborted = false, true
		}
		out = append(out, commitCell{c})
	}
	if n != nil {
		out = append(out, commitCell{n})
	}
	_, aborted := ev.(protocol.TurnAborted)
	out = append(out, turnFinished{aborted: aborted})
	if body != "" && !t.replaying { // no notification for history
		out = append(out, notify{body})
	}
	t.live.version++
	return out
}

func abortNotice(e protocol.TurnAborted) *noticeCell {
	if e.Reason == "approval_aborted" {
		return &noticeCell{kind: noticeWarning, text: "Turn aborted at the approval prompt.", hint: "Tell the model what to do differently."}
	}
	return &noticeCell{kind: noticeWarning, text: "Interrupted.", hint: "Tell the model what to do differently."}
}

// approval hands an approval request to the modal (answered long ago in
// history: nothing to ask).
func (t *transcript) approval(ev protocol.EventMsg) tea.Msg {
	if t.replaying {
		if _, ok := ev.(protocol.McpToolApprovalRequest); ok {
			return t.flush()
		}
		return nil
	}
	out := results{t.flush()}
	switch e := ev.(type) {
	case protocol.ExecApprovalRequest:
		t.live.remember(e.CallID, e.Command)
		out = append(out, approvalAsked{&approval{exec: &e}}, notify{"Approval needed to run " + strings.Join(e.Command, " ")})
	case protocol.PatchApprovalRequest:
		out = append(out, approvalAsked{&approval{patch: &e}}, notify{"Approval needed to edit files"})
	case protocol.McpToolApprovalRequest:
		out = append(out, approvalAsked{&approval{mcp: &e}}, notify{fmt.Sprintf("Approval needed to call %s/%s", e.Server, e.Tool)})
	}
	return out
}

// toolEvent routes command and patch events to their live cells.
func (t *transcript) toolEvent(ev protocol.EventMsg) tea.Msg {
	switch e := ev.(type) {
	case protocol.ExecBegin:
		if t.replaying {
			e.ProcessID = 0 // its process ended with the earlier run
		}
		out := t.flush()
		t.live.add(e.CallID, &execCell{callID: e.CallID, command: e.Command, running: true, processID: e.ProcessID, started: t.now()})
		return out
	case protocol.ExecOutputDelta:
		if c, ok := t.live.get(e.CallID).(*execCell); ok {
			c.appendOutput(e.Chunk)
			t.live.version++
		}
	case protocol.ExecEnd:
		c, ok := t.live.take(e.CallID).(*execCell)
		if !ok { // declined before it began, or a replay
			c = &execCell{callID: e.CallID, command: t.live.command(e.CallID)}
			if len(c.command) == 0 {
				c.command = e.Command
			}
		}
		c.finish(e)
		return commitCell{c}
	case protocol.PatchApplyBegin:
		out := t.flush()
		t.live.add(e.CallID, &patchCell{changes: e.Changes, running: true})
		return out
	case protocol.PatchApplyEnd:
		c, ok := t.live.take(e.CallID).(*patchCell)
		if !ok {
			c = &patchCell{}
		}
		c.running, c.failed, c.declined, c.output = false, !e.Success && !e.Declined, e.Declined, e.Output
		if len(e.Changes) > 0 {
			c.changes = e.Changes
		}
		return commitCell{c}
	}
	return nil
}

// mcpToolEvent routes MCP tool call events to their live cells.
func (t *transcript) mcpToolEvent(ev protocol.EventMsg) tea.Msg {
	switch e := ev.(type) {
	case protocol.McpToolCallBegin:
		out := t.flush()
		t.live.add(e.CallID, &mcpCell{server: e.Server, tool: e.Tool, args: e.Arguments, running: true})
		return out
	case protocol.McpToolCallProgress:
		if c, ok := t.live.get(e.CallID).(*mcpCell); ok {
			c.progress = &e
			t.live.version++
		}
	case protocol.McpToolCallEnd:
		c, ok := t.live.take(e.CallID).(*mcpCell)
		if !ok { // declined before it began, or a replay
			c = &mcpCell{server: e.Server, tool: e.Tool, args: e.Arguments}
		}
		c.running, c.end = false, &e
		return commitCell{c}
	}
	return nil
}

// mcpFailed is the notice of a server that failed to start, or nil.
func mcpFailed(e protocol.McpServerStatus) tea.Msg {
	if e.State != protocol.McpFailed {
		return nil
	}
	hint := "Run /mcp to see the servers."
	if e.Stderr != "" {
		hint = "Its stderr ends with: " + lastLine(e.Stderr)
	}
	return showNotice{noticeWarning, fmt.Sprintf("MCP server %s failed to start: %s", e.Server, e.Error), hint}
}

// reasoningDone commits the summary being streamed, if any (see done).
func (t *transcript) reasoningDone() tea.Msg {
	r := t.reason.done()
	if r != nil {
		t.live.version++
	}
	return r
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

func (t *transcript) agentDelta(itemID, delta string) tea.Msg {
	var out results
	if t.stream != nil && t.stream.itemID != itemID {
		out = append(out, t.flush())
	}
	if t.stream == nil {
		t.stream = &stream{itemID: itemID}
	}
	s := t.stream
	s.pending += delta
	t.live.version++
	if cut := stableCut(s.pending); cut > 0 {
		out = append(out, commitCell{&agentCell{src: s.pending[:cut], cont: s.cont}})
		s.pending = s.pending[cut:]
		s.committed += cut
		s.cont = true
	}
	return out
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
func (t *transcript) agentMessage(itemID, text string) tea.Msg {
	t.lastAnswer = text
	s := t.stream
	if s == nil || s.itemID != itemID {
		out := results{t.flush()}
		if strings.TrimSpace(text) != "" {
			out = append(out, commitCell{&agentCell{src: text}})
		}
		return out
	}
	t.stream = nil
	t.live.version++
	rest := s.pending
	if len(text) >= s.committed {
		rest = text[s.committed:]
	}
	if strings.TrimSpace(rest) != "" {
		return commitCell{&agentCell{src: rest, cont: s.cont}}
	}
	return nil
}

// flush commits whatever is left of a streamed message (nil: nothing).
func (t *transcript) flush() tea.Msg {
	s := t.stream
	if s == nil {
		return nil
	}
	t.stream = nil
	t.live.version++
	if strings.TrimSpace(s.pending) != "" {
		return commitCell{&agentCell{src: s.pending, cont: s.cont}}
	}
	return nil
}

// reset forgets the session's live state when the session is swapped; what
// was left of a streamed message is committed.
func (t *transcript) reset() tea.Msg {
	out := t.flush()
	t.live.drain()
	t.reason.text = ""
	return out
}

// view renders the live area: the running cells, the reasoning and the
// message being streamed, and the queued messages, cached until one of
// them changes (the root bumps live.version when queued changes).
func (t *transcript) view(w int, queued []queuedMsg) []string {
	streamLen := 0
	if t.stream != nil {
		streamLen = t.stream.committed + len(t.stream.pending)
	}
	key := [3]int{t.live.version, w, streamLen}
	if key == t.viewKey && t.rows != nil {
		return t.rows
	}
	var out []string
	for _, c := range t.live.cells {
		out = append(out, "", c.render(w))
	}
	if r := t.reason.view(w); r != "" {
		out = append(out, "", r)
	}
	if s := t.stream; s != nil && strings.TrimSpace(s.pending) != "" {
		out = append(out, "", (&agentCell{src: s.pending, cont: s.cont}).render(w))
	}
	for _, q := range queued {
		first, _, _ := strings.Cut(q.text, "\n")
		out = append(out, md.Faint(ansi.Truncate("↳ queued: "+first, w, "…")))
	}
	if out == nil {
		out = []string{}
	}
	t.viewKey, t.rows = key, out
	return out
}
