package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// overlay takes the keyboard until it closes: the pickers (/model,
// /approvals, /resume, …), the trust screen, the help, an MCP server's
// form, the history search and the pager. Its update returns what the root
// is to do (see route.go): closeOverlay, pickerChosen, … or nil to stay
// open.
type overlay interface {
	update(k tea.KeyPressMsg) tea.Msg
	view(width int) string
}

// Results of the overlays.
type (
	// closeOverlay closes the overlay with nothing done.
	closeOverlay struct{}
	// pickerChosen closes the picker; the root acts on p.choose(i).
	pickerChosen struct {
		p *picker
		i int
	}
	// pickerKey is a key the picker leaves to its extra handler.
	pickerKey struct {
		p   *picker
		key string
	}
	// trustAnswered is the trust screen's answer.
	trustAnswered struct{ trusted bool }
	// quitAsked asks to quit kodex.
	quitAsked struct{}
)

// picker is a list to choose one item from.
type picker struct {
	title  string
	footer string
	items  []popupItem
	sel    int
	choose func(i int) tea.Msg // a result for the root (see route.go)
	// current is the item in force now, marked ✓ (-1 or unset: none; use
	// markCurrent, which also selects it).
	current int
	marked  bool
	// extra handles keys the picker does not (e.g. Tab in /resume).
	extra func(k string) tea.Msg
}

const pickerRows = 10

func (p *picker) update(k tea.KeyPressMsg) tea.Msg {
	switch k.String() {
	case "up", "ctrl+p", "k":
		p.sel = (p.sel + len(p.items) - 1) % max(len(p.items), 1)
	case "down", "ctrl+n", "j":
		p.sel = (p.sel + 1) % max(len(p.items), 1)
	case "enter":
		if len(p.items) == 0 {
			return closeOverlay{}
		}
		return pickerChosen{p, p.sel}
	case "esc", "ctrl+c", "q":
		return closeOverlay{}
	default:
		if p.extra != nil {
			return pickerKey{p, k.String()}
		}
	}
	return nil
}

// markCurrent marks item i as the one in force and selects it.
func (p *picker) markCurrent(i int) {
	if i >= 0 && i < len(p.items) {
		p.current, p.marked, p.sel = i, true, i
	}
}

func (p *picker) view(width int) string {
	var b strings.Builder
	b.WriteString(md.Bold(p.title) + "\n")
	if len(p.items) == 0 {
		b.WriteString(md.Faint("  (nothing to choose)") + "\n")
	}
	// The descriptions start in one column, after the longest label (up
	// to a third of the width).
	col := 0
	for _, it := range p.items {
		col = max(col, ansi.StringWidth(it.label))
	}
	col = min(col, max((width-6)/3, 8))
	first := max(0, p.sel-pickerRows+1)
	for i := first; i < min(len(p.items), first+pickerRows); i++ {
		it := p.items[i]
		line := it.label
		mark := ""
		if p.marked { // a column of its own, before the descriptions
			mark = "  "
			if i == p.current {
				mark = md.Fg(md.Green, "✓") + " "
			}
		}
		if it.desc != "" || mark != "" {
			line = ansi.Truncate(line, col, "…")
			line += strings.Repeat(" ", col-ansi.StringWidth(line)) + " " + mark + " " + md.Faint(it.desc)
		}
		line = ansi.Truncate(line, width-6, "…")
		if i == p.sel {
			b.WriteString(md.Fg(md.Cyan, "› ") + md.Bold(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	footer := "↑/↓ select · enter choose · esc cancel"
	if p.footer != "" {
		footer = p.footer
	}
	b.WriteString(md.Faint(footer))
	return box(b.String(), width, md.Cyan)
}

// trustScreen asks whether to trust the working directory.
type trustScreen struct {
	cwd string
	sel int
}

func newTrustScreen(cwd string) *trustScreen { return &trustScreen{cwd: cwd} }

func (t *trustScreen) update(k tea.KeyPressMsg) tea.Msg {
	switch k.String() {
	case "up", "down", "tab", "k", "j":
		t.sel = 1 - t.sel
		return nil
	case "y", "1":
		t.sel = 0
	case "n", "2":
		t.sel = 1
	case "enter":
	case "ctrl+c", "ctrl+d":
		return quitAsked{}
	default:
		return nil
	}
	return trustAnswered{t.sel == 0}
}

// answerTrust records the answer, applies its preset and sends the
// initial prompt.
func (m *model) answerTrust(trusted bool) tea.Cmd {
	m.overlay = nil
	if err := m.opts.TrustPrompt(trusted); err != nil {
		m.notice(noticeError, "Could not save the trust setting: "+err.Error(), "You will be asked again next time.")
	}
	name := "suggest"
	if trusted {
		name = "auto-edit"
	}
	p := presetByName(name)
	m.overrides.setPreset(p)
	m.status.choosePolicy(p.policy, p.mode)
	return m.submitInitial()
}

func (t *trustScreen) view(width int) string {
	var b strings.Builder
	b.WriteString(md.Bold("Do you trust the files in this folder?") + "\n\n")
	b.WriteString(wrap(md.Fg(md.Cyan, t.cwd), width-4) + "\n\n")
	b.WriteString(wrap("Trusting it lets kodex edit files here and run commands in the sandbox without asking "+
		"(auto-edit). Not trusting it keeps kodex read-only and asks before anything else runs (suggest).", width-4) + "\n\n")
	opts := []string{"Yes, trust this folder (auto-edit)", "No, ask me first (suggest)"}
	for i, o := range opts {
		if i == t.sel {
			b.WriteString(md.Fg(md.Cyan, "› ") + md.Bold(o) + "\n")
		} else {
			b.WriteString("  " + o + "\n")
		}
	}
	b.WriteString(md.Faint("y / n, or ↑/↓ and enter"))
	return box(b.String(), width, md.Cyan)
}

// helpOverlay lists every key binding (`?` on an empty composer).
type helpOverlay struct{}

// keyBindings are the keys of the TUI, as the help overlay shows them.
func keyBindings() [][2]string {
	return [][2]string{
		{"enter", "send (queued while a turn runs)"},
		{"shift+enter, ctrl+j", "new line"},
		{"↑ / ↓", "prompt history (empty composer)"},
		{"esc", "interrupt the turn · close a popup"},
		{"esc esc", "rewind to an earlier message"},
		{"ctrl+c", "interrupt or clear; twice to quit"},
		{"ctrl+d", "quit (empty composer)"},
		{"ctrl+t", "expand or collapse reasoning"},
		{"ctrl+g", "edit the message in $VISUAL / $EDITOR"},
		{"ctrl+r", "search the prompt history"},
		{"ctrl+v", "attach the clipboard's image"},
		{"pgup / pgdn", "scroll the transcript (alt screen)"},
		{"/", "commands"},
		{"@", "find a file to mention"},
		{"!cmd", "run cmd yourself"},
		{"y / a / n / esc", "approval: yes, for the session, no, abort"},
	}
}

func (helpOverlay) update(tea.KeyPressMsg) tea.Msg { return closeOverlay{} }

func (helpOverlay) view(width int) string {
	keys := keyBindings()
	keyWidth := 0
	for _, kb := range keys {
		keyWidth = max(keyWidth, ansi.StringWidth(kb[0]))
	}
	var b strings.Builder
	b.WriteString(md.Bold("Keys") + "\n")
	for _, kb := range keys {
		line := "  " + md.Bold(md.Fg(md.Cyan, kb[0])) + strings.Repeat(" ", keyWidth-ansi.StringWidth(kb[0])+2) + kb[1]
		b.WriteString(ansi.Truncate(line, width, "…") + "\n")
	}
	b.WriteString(md.Faint("any key to close"))
	return b.String()
}
