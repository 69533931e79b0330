package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

const (
	// quitWindow: a second Ctrl+C within it quits.
	quitWindow = 1500 * time.Millisecond
	// pasteCollapseChars and pasteCollapseLines: larger pastes become a
	// placeholder, expanded on submit.
	pasteCollapseChars = 1000
	pasteCollapseLines = 10
	// shutdownTimeout: quit even if the session never confirms shutdown.
	shutdownTimeout = 5 * time.Second
	// composerRows is the composer's maximum height.
	composerRows = 10
)

// paste is a collapsed paste: placeholder in the composer, text on submit.
type paste struct{ placeholder, text string }

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
		m.live.version++
		return m.act(m.approvals.update(key))
	}
	if cmd, ok := m.globalKey(key); ok {
		return cmd
	}
	if r, ok := m.popup.update(key); ok {
		return m.act(r)
	}
	return m.composerKey(key)
}

// globalKey handles Esc, Ctrl+C, Ctrl+D, Ctrl+T and scrolling.
func (m *model) globalKey(key tea.KeyPressMsg) (tea.Cmd, bool) {
	switch key.String() {
	case "esc":
		if m.popup.active() {
			m.popup.dismiss(m.composer.value())
			return nil, true
		}
		if m.turn.running {
			m.sink.submit(protocol.Interrupt{})
			m.hint = "Interrupting…"
			return nil, true
		}
		return nil, m.escEndsProcesses() || m.escRewind()
	case "ctrl+c":
		return m.ctrlC(), true
	case "ctrl+d":
		if m.composer.empty() {
			return m.quit(), true
		}
	case "ctrl+t":
		m.toggleReasoning()
		return nil, true
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
	case m.turn.running:
		m.sink.submit(protocol.Interrupt{})
	case !m.composer.empty():
		m.composer.reset()
		m.pastes = nil
	}
	m.hint = "Ctrl+C again to quit"
	return nil
}

// quit asks the session to shut down and quits when it confirms.
func (m *model) quit() tea.Cmd {
	if m.session == nil {
		return m.exit()
	}
	m.quitting = true
	m.sink.submit(protocol.Shutdown{})
	return tea.Tick(shutdownTimeout, func(time.Time) tea.Msg {
		return resultMsg(func(m *model) tea.Cmd { return m.exit() })
	})
}

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

// composerKey edits the composer, browses history or submits.
func (m *model) composerKey(key tea.KeyPressMsg) tea.Cmd {
	k := key.String()
	switch k {
	case "?":
		if m.composer.empty() {
			m.overlay = helpOverlay{}
			return nil
		}
	case "enter":
		return m.submitComposer()
	case "up", "down":
		m.historyKey(k)
		return nil
	case "tab":
		return nil
	case "ctrl+v":
		return m.pasteClipboardImage()
	case "ctrl+g":
		return m.openEditor()
	case "ctrl+r":
		m.overlay = newHistorySearch(m.prompts)
		return nil
	}
	m.composer.editKey(k, key.Text)
	return m.afterEdit()
}

func (m *model) historyKey(k string) {
	cur := m.composer.value()
	if !m.prompts.browsing(cur) {
		dir := -1
		if k == "down" {
			dir = 1
		}
		m.composer.vertical(dir, m.composerWidth())
		return
	}
	var text string
	var ok bool
	if k == "up" {
		text, ok = m.prompts.prev(cur)
	} else {
		text, ok = m.prompts.next()
	}
	if ok {
		m.composer.setValue(text)
	}
}

// handlePaste inserts pasted text; a large paste becomes a placeholder and a
// pasted image path becomes an image attachment.
func (m *model) handlePaste(text string) tea.Cmd {
	if m.overlay != nil {
		return nil
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	if m.approvals.paste(text) {
		m.live.version++
		return nil
	}
	if p, ok := imagePath(text, m.opts.Cwd); ok {
		m.attachImage(p)
		return nil
	}
	lines := pasteLines(text)
	if len(text) > pasteCollapseChars || lines > pasteCollapseLines {
		ph := fmt.Sprintf("[Pasted text #%d +%d lines]", len(m.pastes)+1, lines)
		m.pastes = append(m.pastes, paste{ph, text})
		m.composer.atoms = append(m.composer.atoms, ph)
		m.composer.insert(ph)
		return nil
	}
	m.composer.insert(text)
	return m.afterEdit()
}

// pasteLines counts the lines of a paste as an editor does: a final newline
// ends the last line, it does not start another.
func pasteLines(text string) int {
	if text == "" {
		return 0
	}
	return strings.Count(strings.TrimSuffix(text, "\n"), "\n") + 1
}

// imagePath reports whether a paste is the path of an image file.
func imagePath(text, cwd string) (string, bool) {
	p := strings.Trim(strings.TrimSpace(text), `'"`)
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
	default:
		return "", false
	}
	p = strings.TrimPrefix(p, "file://")
	if !filepath.IsAbs(p) && cwd != "" {
		p = filepath.Join(cwd, p)
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return "", false
	}
	return p, true
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
		if c := m.findCommand(word); c != nil {
			m.composer.reset()
			m.refreshPopup()
			return c.run(m, strings.TrimSpace(strings.TrimPrefix(text, word)))
		}
		if commandLike(word) {
			// Not a message to the model: say so and keep what was typed.
			m.notice(noticeError, "Unknown command "+word+".", "Type / to see the commands.")
			return nil
		}
	}
	m.prompts.add(raw, m.now())
	images := m.attachedImages(raw)
	full := m.expandPastes(raw)
	m.composer.reset()
	m.pastes, m.images = nil, nil
	m.refreshPopup()
	if strings.HasPrefix(text, "!") && len(text) > 1 {
		return m.runUserShell(strings.TrimPrefix(text, "!"))
	}
	if m.turn.running {
		m.queued = append(m.queued, full)
		m.live.version++
		return nil
	}
	return m.submitText(full, images)
}

func (m *model) expandPastes(s string) string {
	for _, p := range m.pastes {
		s = strings.Replace(s, p.placeholder, p.text, 1)
	}
	for _, img := range m.images {
		s = strings.Replace(s, imageChip(img), "", 1)
	}
	return strings.TrimSpace(s)
}

// attachedImages returns the images whose chips are still in the text (a
// chip deleted with Backspace drops its image).
func (m *model) attachedImages(text string) []string {
	var out []string
	for _, img := range m.images {
		chip := imageChip(img)
		if i := strings.Index(text, chip); i >= 0 {
			text = text[:i] + text[i+len(chip):]
			out = append(out, img)
		}
	}
	return out
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
		return m.cmdResume(map[string]string{"all": "--all"}[m.opts.PickSession])
	}
	if strings.TrimSpace(m.opts.InitialPrompt) == "" {
		return nil
	}
	m.prompts.add(m.opts.InitialPrompt, m.now())
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
