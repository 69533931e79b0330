package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// handleEvents routes a batch of events and asks for the next batch.
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

// handleEvent routes one event to the components it concerns and acts on
// their results. Replayed history goes through here too.
func (m *model) handleEvent(ev protocol.EventMsg) tea.Cmd {
	ev = relativize(ev, m.opts.Cwd)
	if _, ok := ev.(protocol.ShutdownComplete); ok {
		if m.quitting {
			return m.exit()
		}
		return nil
	}
	if r, ok := m.undo.update(ev); ok {
		if m.transcript.replaying {
			r = withoutDraft(r) // a rewind's message was sent long ago
		}
		return m.act(r)
	}
	return tea.Batch(m.act(m.status.update(ev)), m.act(m.mcp.update(ev)), m.act(m.transcript.update(ev)))
}

// withoutDraft is r less any offerDraft in it.
func withoutDraft(r tea.Msg) tea.Msg {
	switch x := r.(type) {
	case offerDraft:
		return nil
	case results:
		out := make(results, 0, len(x))
		for _, y := range x {
			if _, ok := y.(offerDraft); !ok {
				out = append(out, y)
			}
		}
		return out
	}
	return r
}

// turnFinished closes the turn once the transcript committed its
// leftovers: unanswered approvals are dropped and the next queued message,
// if any, submitted; after an interrupted turn, the queued messages go back
// to the composer instead.
func (m *model) turnFinished(aborted bool) tea.Cmd {
	m.approvals.clear()
	m.status.turn.running = false
	if m.hint == "Interrupting…" {
		m.hint = ""
	}
	if aborted && len(m.queued) > 0 && !m.quitting {
		// The user stopped the turn to change course: what they queued
		// comes back to the composer to edit or send, as in Codex, above
		// anything typed since.
		var texts, images []string
		for _, q := range m.queued {
			texts = append(texts, q.text)
			images = append(images, q.images...)
		}
		text := strings.Join(texts, "\n")
		if cur := m.composer.value(); strings.TrimSpace(cur) != "" {
			text += "\n" + cur
		}
		m.queued = nil
		if len(images) > 0 && text != "" {
			text += " "
		}
		m.composer.setValue(text)
		for _, img := range images { // their chips, after the text
			m.composer.attachImage(img)
		}
		m.transcript.live.version++
		return nil
	}
	if len(m.queued) > 0 && !m.quitting {
		next := m.queued[0]
		m.queued = m.queued[1:]
		return m.submitText(next.text, next.images)
	}
	return nil
}

// sessionClosed handles the end of the event stream.
func (m *model) sessionClosed() tea.Cmd {
	if m.quitting {
		return m.exit()
	}
	m.status.turn.running = false
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
// The commands its events give are dropped: history asks nothing.
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
	m.transcript.replaying = true
	for _, ev := range items {
		m.handleEvent(ev)
	}
	m.transcript.replaying = false
	m.status.turn.running = false
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
