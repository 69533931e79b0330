package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

const (
	// typingWindow: a key this recent before the modal appeared means the
	// user was typing something else.
	typingWindow = 500 * time.Millisecond
	// armDelay: while the user was typing, keys in this long after the modal
	// appeared still go to the composer, never to the modal.
	armDelay = 300 * time.Millisecond
)

// approval is a pending approval request shown as a modal.
type approval struct {
	exec  *protocol.ExecApprovalRequest
	patch *protocol.PatchApprovalRequest
	mcp   *protocol.McpToolApprovalRequest // answered like a command

	shownAt time.Time
	// guarded: the user was typing a message when the modal appeared.
	guarded bool
	// feedback is non-nil while the user types why a patch is denied.
	feedback *composer

	// scroll is the first body row shown. page and maxScroll are the body's
	// height and last start row in the last frame drawn (set by view), so
	// paging moves by what the user saw.
	scroll, page, maxScroll int
}

// pushApproval queues a request; the first in the queue is shown.
func (m *model) pushApproval(a *approval) {
	m.approvals = append(m.approvals, a)
	if len(m.approvals) == 1 {
		m.showApproval()
	}
}

func (m *model) showApproval() {
	if len(m.approvals) == 0 {
		return
	}
	a := m.approvals[0]
	a.shownAt = m.now()
	a.guarded = !m.composer.empty() && !m.lastKeyAt.IsZero() && a.shownAt.Sub(m.lastKeyAt) < typingWindow
	m.live.version++
}

// armed reports whether a key pressed now belongs to the modal. Keys that
// arrive right after it appeared while the user was typing were meant for
// the composer.
func (a *approval) armed(now time.Time) bool {
	return !a.guarded || now.Sub(a.shownAt) >= armDelay
}

// approvalKey handles a key for the shown modal: scrolling its body, or
// the decision.
func (m *model) approvalKey(key tea.KeyPressMsg) tea.Cmd {
	a := m.approvals[0]
	if a.feedback != nil {
		return m.feedbackKey(a, key)
	}
	if a.scrollKey(key.String()) {
		m.live.version++
		return nil
	}
	switch key.String() {
	case "y", "Y":
		return m.decide(a, protocol.DecisionApproved, "")
	case "a", "A":
		return m.decide(a, protocol.DecisionApprovedForSession, "")
	case "p", "P":
		if a.exec != nil && len(a.exec.ProposedPrefixRule) > 0 {
			return m.decide(a, protocol.DecisionApprovedPrefixRule, "")
		}
	case "n", "N":
		if a.patch != nil {
			a.feedback = &composer{}
			m.live.version++
			return nil
		}
		return m.decide(a, protocol.DecisionDenied, "")
	case "esc", "ctrl+c":
		return m.decide(a, protocol.DecisionAbort, "")
	}
	return nil
}

func (m *model) feedbackKey(a *approval, key tea.KeyPressMsg) tea.Cmd {
	switch key.String() {
	case "enter":
		return m.decide(a, protocol.DecisionDenied, strings.TrimSpace(a.feedback.value()))
	case "esc":
		a.feedback = nil
	default:
		a.feedback.editKey(key.String(), key.Text)
	}
	m.live.version++
	return nil
}

// scrollKey scrolls the modal's body: j/k and the arrows by a row, PgUp and
// PgDn by a page, Home and End to either end.
func (a *approval) scrollKey(k string) bool {
	switch k {
	case "j", "down":
		a.scroll++
	case "k", "up":
		a.scroll--
	case "pgdown":
		a.scroll += max(a.page-1, 1)
	case "pgup":
		a.scroll -= max(a.page-1, 1)
	case "home":
		a.scroll = 0
	case "end":
		a.scroll = a.maxScroll
	default:
		return false
	}
	a.scroll = min(max(a.scroll, 0), a.maxScroll)
	return true
}

// decide submits the answer and shows the next request.
func (m *model) decide(a *approval, d protocol.ReviewDecision, feedback string) tea.Cmd {
	m.approvals = m.approvals[1:]
	switch {
	case a.exec != nil:
		m.sink.submit(protocol.ExecApproval{CallID: a.exec.CallID, Decision: d})
	case a.mcp != nil:
		m.sink.submit(protocol.ExecApproval{CallID: a.mcp.CallID, Decision: d})
	default:
		m.sink.submit(protocol.PatchApproval{CallID: a.patch.CallID, Decision: d, Feedback: feedback})
		if d == protocol.DecisionDenied || d == protocol.DecisionAbort {
			m.commit(&patchCell{changes: a.patch.Changes, declined: true})
		}
	}
	m.showApproval()
	m.live.version++
	return nil
}

func keyHelp(key, what string) string { return md.Bold(md.Fg(md.Cyan, key)) + " " + what }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// box draws a rounded border around text, padded to width.
func box(text string, width int, color string) string {
	inner := max(width-4, 1)
	var b strings.Builder
	b.WriteString(md.Fg(color, "╭"+strings.Repeat("─", inner+2)+"╮"))
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		l = ansi.Truncate(l, inner, "…")
		pad := inner - ansi.StringWidth(l)
		b.WriteString("\n" + md.Fg(color, "│") + " " + l + strings.Repeat(" ", pad) + " " + md.Fg(color, "│"))
	}
	b.WriteString("\n" + md.Fg(color, "╰"+strings.Repeat("─", inner+2)+"╯"))
	return b.String()
}
