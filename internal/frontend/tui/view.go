package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// frameCache keeps the alternate screen's transcript rows of the last
// frame (the transcript caches the live area).
type frameCache struct {
	transKey [4]int // history version, width, height, scroll
	trans    []string
}

// View composes the frame: [transcript] live area, overlay or modal,
// spinner, composer, popup, status line.
func (m *model) View() tea.View {
	if m.exited {
		return tea.NewView("")
	}
	content, cursor := m.render()
	v := tea.NewView(content)
	v.AltScreen = m.opts.AltScreen
	v.ReportFocus = m.opts.Notify.Enabled
	if m.opts.AltScreen {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.Cursor = cursor
	v.WindowTitle = "kodex"
	return v
}

func (m *model) render() (string, *tea.Cursor) {
	w := max(m.width, 20)
	limit := m.frameLimit()
	modal := m.overlay == nil && m.approvals.active()
	// A modal on a short screen takes the rows of the spinner and the
	// composer: keys go to the modal anyway once it is armed.
	short := modal && m.height < minComposerWithModal
	showComposer := !short
	var bottom []string
	switch {
	case m.quitting:
		bottom = append(bottom, md.Faint("Shutting down…"))
	case short:
	case m.status.turn.running:
		bottom = append(bottom, m.status.turn.line())
	default:
		bottom = append(bottom, "")
	}
	composerAt, crow, ccol := len(bottom), 0, 0
	if showComposer {
		var rows []string
		rows, crow, ccol = m.composer.view(w, m.status.turn.running)
		bottom = append(bottom, rows...)
	}
	if m.popup.active() && m.overlay == nil {
		// The popup takes what the frame has left under the composer.
		bottom = append(bottom, m.popup.view(w, limit-lineCount(strings.Join(bottom, "\n"))-1))
	}
	bottom = append(bottom, m.status.line(w, m.footerHint()))
	bottomText := strings.Join(bottom, "\n")
	bottomRows := lineCount(bottomText)

	var top []string
	if m.overlay != nil { // it fits what the frame leaves it, so nothing is cut from its top
		top = append(top, m.overlay.view(w, max(limit-bottomRows, 1)))
	} else {
		top = append(top, m.transcript.view(w, m.queued)...)
		if modal { // the modal fits the frame; live lines above it give way
			top = append(top, m.approvals.view(w, max(limit-bottomRows, 0)))
		}
	}
	topText := strings.Join(top, "\n")
	topRows := lineCount(topText)
	if avail := limit - bottomRows; topRows > avail && (!m.opts.AltScreen || modal) {
		// Never taller than the frame may be: inline always, in the alt
		// screen while a modal is up (the live lines above it give way).
		topText = lastRows(topText, max(avail, 0))
		topRows = max(avail, 0)
	}
	// The frame: [transcript rows (alt screen)] [top] bottom, one row each,
	// exactly the screen's height in the alt screen.
	parts := make([]string, 0, 3)
	if m.opts.AltScreen {
		if rows := m.transcriptRows(w, m.height-topRows-bottomRows); len(rows) > 0 {
			parts = append(parts, strings.Join(rows, "\n"))
		}
	}
	if topText != "" {
		parts = append(parts, topText)
	}
	before := lineCount(strings.Join(parts, "\n")) // rows above the bottom block
	parts = append(parts, bottomText)
	frame := fitRows(strings.Join(parts, "\n"), w, m.hist.method)
	cursorRow := before + composerAt + crow
	if n := lineCount(frame); n > limit { // a screen too short for the bottom block
		frame = lastRows(frame, limit)
		cursorRow -= n - limit
	}
	var cur *tea.Cursor
	if showComposer && cursorRow >= 0 && m.overlay == nil && !m.quitting && (!modal || !m.approvals.typing()) {
		cur = tea.NewCursor(2+ccol, cursorRow)
	}
	return frame, cur
}

// minComposerWithModal is the screen height under which an approval modal
// hides the spinner and the composer.
const minComposerWithModal = 20

// frameLimit is the most rows a frame may take: the whole screen in the
// alternate screen; inline, the screen less the rows printing into the
// scrollback needs (see history.flush).
func (m *model) frameLimit() int {
	if m.opts.AltScreen {
		return m.height
	}
	return max(m.height-printRoom(m.height), 1)
}

// fitRows cuts the rows of a frame that the terminal would draw wider than
// width: the cells lay out by grapheme cluster, and a terminal that counts
// code points (and Bubble Tea with it) draws some emoji wider; a row that
// wrapped would move every row under it.
func fitRows(frame string, width int, m ansi.Method) string {
	if m == ansi.GraphemeWidth {
		return frame
	}
	rows := strings.Split(frame, "\n")
	cut := false
	for i, r := range rows {
		if m.StringWidth(r) > width {
			rows[i], cut = m.Truncate(r, width, "…"), true
		}
	}
	if !cut {
		return frame
	}
	return strings.Join(rows, "\n")
}

func lineCount(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}

func lastRows(s string, n int) string {
	if n == 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (m *model) footerHint() string {
	switch {
	case m.hint != "":
		return md.Fg(md.Yellow, m.hint)
	case m.opts.AltScreen && m.hist.scroll > 0:
		return md.Faint("scrolled · pgdn to return")
	}
	return ""
}

// transcriptRows renders the visible part of the alt-screen transcript.
func (m *model) transcriptRows(w, h int) []string {
	key := [4]int{m.hist.version, w, h, m.hist.scroll}
	if key != m.frame.transKey || m.frame.trans == nil {
		m.frame.trans = m.hist.view(w, h)
		m.frame.transKey = key
	}
	return m.frame.trans
}
