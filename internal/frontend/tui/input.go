package tui

import (
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

const (
	// quitWindow: a second Ctrl+C within it quits.
	quitWindow = 1500 * time.Millisecond
	// shutdownTimeout: quit even if the session never confirms shutdown.
	shutdownTimeout = 5 * time.Second
)

// handleKey routes a key to whatever has the focus: a quitting notice, the
// trust screen or a picker, the approval modal, global keys, the slash or @
// popup, then the composer.
func (m *model) handleKey(key tea.KeyPressMsg) tea.Cmd {
	m.lastKeyAt = m.now()
	m.hint = ""
	switch {
	case m.quitting:
		if key.String() == "ctrl+c" {
			return m.exit() // the session did not answer; do not hang
		}
		return nil
	case m.overlay != nil:
		return m.act(m.overlay.update(key))
	case m.approvals.armed(m.lastKeyAt):
		m.transcript.live.version++
		return m.act(m.approvals.update(key))
	}
	if cmd, ok := m.globalKey(key); ok {
		return cmd
	}
	if r, ok := m.popup.update(key); ok {
		return m.act(r)
	}
	return m.act(m.composer.update(key, max(m.width, 20)))
}

// globalKey handles Esc, Ctrl+C, Ctrl+D, Ctrl+T and scrolling.
func (m *model) globalKey(key tea.KeyPressMsg) (tea.Cmd, bool) {
	switch key.String() {
	case "esc":
		if m.popup.active() {
			m.popup.dismiss(m.composer.value())
			return nil, true
		}
		if m.status.turn.running {
			m.sink.submit(protocol.Interrupt{})
			m.hint = "Interrupting…"
			return nil, true
		}
		if m.escEndsProcesses() {
			return nil, true
		}
		if !m.composer.empty() {
			return nil, false
		}
		r, ok := m.undo.escape(m.now())
		return m.act(r), ok
	case "ctrl+c":
		return m.ctrlC(), true
	case "ctrl+d":
		if m.composer.empty() {
			return m.quit(), true
		}
	case "ctrl+t":
		return m.act(m.transcript.reason.toggle(m.opts.HideReasoning, m.opts.AltScreen)), true
	case "pgup":
		m.hist.scrollBy(max(m.height-composerRows, 1))
		return nil, true
	case "pgdown":
		m.hist.scrollBy(-max(m.height-composerRows, 1))
		return nil, true
	}
	return nil, false
}

// ctrlC interrupts a running turn or clears the composer; a second press
// within quitWindow quits.
func (m *model) ctrlC() tea.Cmd {
	now := m.now()
	if !m.ctrlCAt.IsZero() && now.Sub(m.ctrlCAt) <= quitWindow {
		return m.quit()
	}
	m.ctrlCAt = now
	switch {
	case m.status.turn.running:
		m.sink.submit(protocol.Interrupt{})
	case !m.composer.empty():
		m.composer.clear()
	}
	m.hint = quitHint
	return tea.Tick(quitWindow, func(time.Time) tea.Msg { return later{quitHintExpired{now}} })
}

// quitHint is the hint a first Ctrl+C shows until its window closes.
const quitHint = "Ctrl+C again to quit"

// quitHintExpired ends the quit hint of the Ctrl+C pressed at at, when
// the window for the second press has closed: a hint that stayed would
// promise a quit the next press no longer does.
type quitHintExpired struct{ at time.Time }

// quit asks the session to shut down and quits when it confirms.
func (m *model) quit() tea.Cmd {
	if m.session == nil {
		return m.exit()
	}
	m.quitting = true
	m.sink.submit(protocol.Shutdown{})
	return tea.Tick(shutdownTimeout, func(time.Time) tea.Msg { return later{shutdownTimedOut{}} })
}

// shutdownTimedOut: the session did not confirm the shutdown within
// shutdownTimeout; quit anyway.
type shutdownTimedOut struct{}

// exit quits the program; the last frame is empty, so the scrollback ends
// with the transcript, not a stale composer.
func (m *model) exit() tea.Cmd {
	m.exited = true
	return m.quitWhenPrinted()
}

// quitWhenPrinted quits once every committed cell has reached the terminal's
// scrollback; until then the printedMsg handler calls it again. Quitting
// earlier would drop the last lines of the transcript (a print racing
// tea.Quit).
func (m *model) quitWhenPrinted() tea.Cmd {
	if m.hist.printHook != nil {
		m.hist.flush() // tests print synchronously
	}
	if m.hist.alt || m.hist.idle() {
		return tea.Quit
	}
	return nil
}

// handlePaste routes pasted text to a denied patch's feedback or the
// composer (an overlay takes none).
func (m *model) handlePaste(text string) tea.Cmd {
	m.hint = "" // as a key does
	if m.overlay != nil {
		return nil
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	if m.approvals.paste(text) {
		m.transcript.live.version++
		return nil
	}
	return m.act(m.composer.paste(text, m.opts.Cwd))
}

// submitComposer sends (or queues) the composer's text, or runs a slash
// command or `!cmd`.
func (m *model) submitComposer() tea.Cmd {
	raw := m.composer.value()
	text := strings.TrimSpace(raw)
	if text == "" { // image chips are text too
		return nil
	}
	if strings.HasPrefix(text, "/") && !strings.ContainsAny(text, "\n") {
		word := strings.Fields(text)[0]
		if c := m.cmds.find(word); c != nil {
			if m.status.turn.running && !duringTurn(c.name) {
				// Kept in the composer, to run once the turn has ended.
				m.notice(noticeWarning, "/"+c.name+" is not available while a turn is running.", "Wait for it to end, or press Esc to interrupt it.")
				return nil
			}
			m.composer.reset()
			m.popup.refresh(&m.composer.textarea)
			return m.act(c.run(&m.cmds, strings.TrimSpace(strings.TrimPrefix(text, word))))
		}
		if commandLike(word) {
			// Not a message to the model: say so and keep what was typed.
			m.notice(noticeError, "Unknown command "+word+".", "Type / to see the commands.")
			return nil
		}
	}
	full, images := m.composer.take(m.now())
	m.popup.refresh(&m.composer.textarea)
	if strings.HasPrefix(text, "!") && len(text) > 1 {
		return m.act(m.cmds.runUserShell(strings.TrimPrefix(text, "!")))
	}
	if m.status.turn.running {
		m.queued = append(m.queued, queuedMsg{full, images})
		m.transcript.live.version++
		return nil
	}
	return m.submitText(full, images)
}

// submitText starts a turn with the text (and images), carrying any
// overrides chosen with /model or /approvals.
func (m *model) submitText(text string, images []string) tea.Cmd {
	if m.session == nil {
		m.notice(noticeError, "No session is running.", "Use /new to start one, or quit with Ctrl+D.")
		return nil
	}
	m.commit(&userCell{text: text, images: baseNames(images)})
	items := []protocol.InputItem{}
	if text != "" {
		items = append(items, protocol.InputItem{Type: protocol.InputText, Text: text})
	}
	for _, img := range images {
		items = append(items, protocol.InputItem{Type: protocol.InputLocalImage, Path: img})
	}
	m.sink.submit(m.userTurn(items))
	return nil
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

func (m *model) submitInitial() tea.Cmd {
	if m.opts.PickSession != "" {
		return m.act(m.cmds.cmdResume(map[string]string{"all": "--all"}[m.opts.PickSession]))
	}
	if strings.TrimSpace(m.opts.InitialPrompt) == "" {
		return nil
	}
	m.composer.prompts.add(m.opts.InitialPrompt, m.now())
	return m.submitText(m.opts.InitialPrompt, nil)
}

// commandLike reports whether word reads as a slash command (/compact)
// rather than the start of a message (/etc/hosts is odd).
func commandLike(word string) bool {
	name := strings.TrimPrefix(word, "/")
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && r != '-' && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
