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
	feedback *textarea

	// scroll is the first body row shown. page and maxScroll are the body's
	// height and last start row in the last frame drawn (set by view), so
	// paging moves by what the user saw.
	scroll, page, maxScroll int
}

// approvalModal is the approval modal: the requests the session waits on,
// the first shown. It handles its own keys (scrolling the body, the
// decision, the reason a patch is denied) and hands the root an
// approvalDecided; it never submits anything itself.
type approvalModal struct {
	queue []*approval
}

// approvalDecided is the modal's answer to the request it showed: the Op
// for the session, and a cell for the transcript (a declined patch) or nil.
type approvalDecided struct {
	op     protocol.Op
	commit cell
}

func (q *approvalModal) active() bool { return len(q.queue) > 0 }

// shown is the request on screen, or nil.
func (q *approvalModal) shown() *approval {
	if len(q.queue) == 0 {
		return nil
	}
	return q.queue[0]
}

// push queues a request; the first in the queue is shown. typedAt is when
// the user last typed into a non-empty composer (zero: not typing).
func (q *approvalModal) push(a *approval, now, typedAt time.Time) {
	q.queue = append(q.queue, a)
	if len(q.queue) == 1 {
		q.show(now, typedAt)
	}
}

// show marks the first request as shown now, guarded when the user was
// typing a message (typedAt within typingWindow).
func (q *approvalModal) show(now, typedAt time.Time) {
	if a := q.shown(); a != nil {
		a.shownAt = now
		a.guarded = !typedAt.IsZero() && now.Sub(typedAt) < typingWindow
	}
}

// clear drops every request (the turn ended, the session was swapped).
func (q *approvalModal) clear() { q.queue = nil }

// armed reports whether a key pressed now belongs to the modal.
func (q *approvalModal) armed(now time.Time) bool {
	a := q.shown()
	return a != nil && a.armed(now)
}

// typing reports whether the user types why a patch is denied (the
// composer's cursor is hidden then).
func (q *approvalModal) typing() bool {
	a := q.shown()
	return a != nil && a.feedback != nil
}

// armed reports whether a key pressed now belongs to the modal. Keys that
// arrive right after it appeared while the user was typing were meant for
// the composer.
func (a *approval) armed(now time.Time) bool {
	return !a.guarded || now.Sub(a.shownAt) >= armDelay
}

// update handles a key for the shown request: scrolling its body, the
// feedback of a denied patch, or the decision, which it returns as an
// approvalDecided (nil: no decision yet).
func (q *approvalModal) update(key tea.KeyPressMsg) tea.Msg {
	a := q.shown()
	if a == nil {
		return nil
	}
	if a.feedback != nil {
		return q.feedbackKey(a, key)
	}
	if a.scrollKey(key.String()) {
		return nil
	}
	switch key.String() {
	case "y", "Y":
		return q.decide(protocol.DecisionApproved, "")
	case "a", "A":
		return q.decide(protocol.DecisionApprovedForSession, "")
	case "p", "P":
		if a.exec != nil && len(a.exec.ProposedPrefixRule) > 0 {
			return q.decide(protocol.DecisionApprovedPrefixRule, "")
		}
	case "n", "N":
		if a.patch != nil {
			a.feedback = &textarea{}
			return nil
		}
		return q.decide(protocol.DecisionDenied, "")
	case "esc", "ctrl+c":
		return q.decide(protocol.DecisionAbort, "")
	}
	return nil
}

func (q *approvalModal) feedbackKey(a *approval, key tea.KeyPressMsg) tea.Msg {
	switch key.String() {
	case "enter":
		return q.decide(protocol.DecisionDenied, strings.TrimSpace(a.feedback.value()))
	case "esc":
		a.feedback = nil
	default:
		a.feedback.editKey(key.String(), key.Text)
	}
	return nil
}

// paste inserts pasted text into a denied patch's feedback and reports
// whether it did.
func (q *approvalModal) paste(text string) bool {
	if !q.typing() {
		return false
	}
	q.queue[0].feedback.insert(text)
	return true
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

// decide drops the shown request and returns its answer.
func (q *approvalModal) decide(d protocol.ReviewDecision, feedback string) approvalDecided {
	a := q.queue[0]
	q.queue = q.queue[1:]
	switch {
	case a.exec != nil:
		return approvalDecided{op: protocol.ExecApproval{CallID: a.exec.CallID, Decision: d}}
	case a.mcp != nil:
		return approvalDecided{op: protocol.ExecApproval{CallID: a.mcp.CallID, Decision: d}}
	}
	out := approvalDecided{op: protocol.PatchApproval{CallID: a.patch.CallID, Decision: d, Feedback: feedback}}
	if d == protocol.DecisionAbort { // the turn ends: no event shows the patch (a denial's does)
		out.commit = &patchCell{changes: a.patch.Changes, declined: true}
	}
	return out
}

// view renders the shown request in at most height rows.
func (q *approvalModal) view(width, height int) string {
	return q.queue[0].view(width, height)
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
