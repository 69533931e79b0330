package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Components do not reach into the root model. A component's update takes
// a message (a key, a paste) and returns a typed result for the root, or
// nil when the root has nothing to do: the approval modal an
// approvalDecided, and so on. The root acts on the result at once, on the
// same Update, so a key's effect is complete when Update returns (the
// frame drawn next, and the Ops submitted, never lag a key behind).

// Results any component may return.
type (
	// submitOp submits an Op to the session.
	submitOp struct{ op protocol.Op }
	// showNotice commits a notice to the transcript.
	showNotice struct {
		kind       noticeKind
		text, hint string
	}
	// commitCell commits a finished cell to the transcript.
	commitCell struct{ c cell }
	// setHint shows a hint in the status line until the next key.
	setHint struct{ text string }
	// offerDraft puts text in the composer if it is empty.
	offerDraft struct{ text string }
	// results are several results, acted on in order.
	results []tea.Msg
)

// act carries out a component's result.
func (m *model) act(msg tea.Msg) tea.Cmd {
	switch r := msg.(type) {
	case approvalDecided:
		m.sink.submit(r.op)
		if r.commit != nil {
			m.commit(r.commit)
		}
		m.approvals.show(m.now(), m.typedAt())
		m.transcript.live.version++
	case closeOverlay:
		m.overlay = nil
	case pickerChosen:
		m.overlay = nil
		return m.act(r.p.choose(r.i))
	case pickerKey:
		return m.act(r.p.extra(r.key))
	case trustAnswered:
		return m.answerTrust(r.trusted)
	case quitAsked:
		return m.quit()
	case elicitAnswered:
		m.overlay = nil
		m.sink.submit(r.resp)
		what := map[string]string{protocol.ElicitAccept: "sent", protocol.ElicitDecline: "declined", protocol.ElicitCancel: "cancelled"}[r.resp.Action]
		m.notice(noticeInfo, fmt.Sprintf("Form of MCP server %s %s.", r.server, what), "")
		m.nextElicitation()
	case openOverlay:
		m.overlay = r.o
	case shutdownTimedOut:
		return m.exit()
	case quitHintExpired:
		if m.ctrlCAt.Equal(r.at) && m.hint == quitHint {
			m.hint = ""
		}
	case submitOp:
		m.sink.submit(r.op)
	case showNotice:
		m.notice(r.kind, r.text, r.hint)
	case commitCell:
		m.commit(r.c)
	case setHint:
		m.hint = r.text
	case offerDraft:
		if m.composer.empty() {
			m.composer.setValue(r.text)
		}
	case results:
		cmds := make([]tea.Cmd, 0, len(r))
		for _, x := range r {
			cmds = append(cmds, m.act(x))
		}
		return tea.Batch(cmds...)
	case reasoningToggled:
		m.transcript.live.version++
		if m.opts.AltScreen {
			m.hist.setReasoningExpanded(r.expanded)
		}
	default:
		if cmd, ok := m.actComposer(msg); ok {
			return cmd
		}
		if cmd, ok := m.actEvent(msg); ok {
			return cmd
		}
		return m.actCommand(msg)
	}
	return nil
}

// actComposer carries out the results of the composer, the popup and what
// they asked for (the editor, the clipboard, the history search); ok is
// false for other results.
func (m *model) actComposer(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch r := msg.(type) {
	case submitAsked:
		return m.submitComposer(), true
	case edited:
		return m.afterEdit(), true
	case popupChosen:
		return m.choosePopup(r), true
	case editorAsked:
		return m.act(openEditor(m.ctx, m.opts.Editor, m.opts.Cwd, m.composer.value())), true
	case editorDoneMsg:
		return m.act(m.composer.editorDone(r, m.opts.Editor)), true
	case imagePasteAsked:
		return m.act(pasteClipboardImage(m.ctx, m.opts.ClipboardImage)), true
	case imagePasted:
		return m.act(m.composer.pasted(r)), true
	case historyChosen:
		m.overlay = nil
		m.composer.setValue(r.text)
		return m.afterEdit(), true
	}
	return nil, false
}

// actEvent carries out the results of the session's events (see
// transcript); ok is false for other results.
func (m *model) actEvent(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch r := msg.(type) {
	case turnBegan:
		m.hasContent = true
		return m.status.turn.start(m.now()), true
	case turnFinished:
		return m.turnFinished(r.aborted), true
	case approvalAsked:
		m.approvals.push(r.a, m.now(), m.typedAt())
	case elicitAsked:
		return m.elicitation(r.req), true
	case notify:
		return m.desktopNotify(r.body), true
	case mcpReady:
		m.cmds.mcpPrompts.invalidate()
		if m.popup.kind == popupSlash {
			return m.act(m.cmds.refreshMCPPrompts()), true
		}
	default:
		return nil, false
	}
	return nil, true
}

// actCommand carries out the results of the slash commands and their
// pickers (see commander).
func (m *model) actCommand(msg tea.Msg) tea.Cmd {
	switch r := msg.(type) {
	case background:
		return r.cmd
	case modelChosen:
		m.overrides.model, m.overrides.effort = r.model, r.effort
		m.status.setModel(r.model, r.effort)
		m.notice(noticeInfo, fmt.Sprintf("Model set to %s%s; it applies from your next message.", r.model, ifSet(" (", r.effort, ")")), "")
	case presetChosen:
		m.overrides.setPreset(r.p)
		m.status.choosePolicy(r.p.policy, r.p.mode)
		m.notice(noticeInfo, r.p.chosenText(), "")
	case resumeChosen:
		return m.act(m.cmds.resume(r.id))
	case resumeListAsked:
		return m.act(m.cmds.listForResume(r.all, r.from))
	case sessionsListed:
		if r.from != nil && m.overlay != overlay(r.from) {
			return nil // closed while loading
		}
		return m.act(m.cmds.showSessions(r))
	case sessionOpened:
		return m.swapped(r.s, r.err, r.note)
	case reviewChosen:
		return m.act(m.cmds.startReview(r.t))
	case sendText:
		if m.status.turn.running {
			m.queued = append(m.queued, queuedMsg{text: r.text})
			m.transcript.live.version++
			return nil
		}
		return m.submitText(r.text, nil)
	case keepCommand:
		m.composer.setValue(r.text)
		m.popup.dismiss(m.composer.value())
	case rememberPrompt:
		m.composer.prompts.add(r.text, m.now())
	case insertText:
		m.composer.insert(r.text)
		return m.afterEdit()
	case diffReady:
		m.showDiff(r.out)
	case rewindAsked:
		return m.act(m.undo.rewind())
	case mcpPromptsListed:
		next := m.cmds.keepPrompts(r)
		m.popup.refresh(&m.composer.textarea)
		return m.act(next)
	case filesListed:
		m.src.keep(r)
		m.popup.refresh(&m.composer.textarea)
	case mcpPromptRun:
		return m.act(m.cmds.runListed(r))
	}
	return nil
}

// typedAt is when the user last typed into the composer while it holds
// text (zero: the composer is empty), so a modal appearing under their
// fingers is guarded.
func (m *model) typedAt() time.Time {
	if m.composer.empty() {
		return time.Time{}
	}
	return m.lastKeyAt
}
