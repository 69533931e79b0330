package tui

import (
	"fmt"
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

const popupRows = 8

type popupKind int

const (
	popupNone popupKind = iota
	popupSlash
	popupFile
)

type popupItem struct {
	label, desc string
	none        bool // "no match": shown, never chosen
}

// popupState is the slash-command or @-file popup, derived from the
// composer's text after every edit; src lists what it offers.
type popupState struct {
	src       popupSource
	kind      popupKind
	items     []popupItem
	sel       int
	dismissed string // composer text the popup was closed for
	version   int
}

func (p *popupState) active() bool { return p.kind != popupNone && len(p.items) > 0 }

func (p *popupState) dismiss(text string) {
	p.kind, p.items, p.dismissed = popupNone, nil, text
	p.version++
}

// popupSource is what the popup lists: the slash commands (and prompts)
// whose names start with q, the files q matches.
type popupSource interface {
	matchCommands(q string) []popupItem
	matchFiles(q string) []popupItem
}

// refresh recomputes the popup from the composer's text and the @word its
// cursor is in.
func (p *popupState) refresh(c *textarea) {
	text := c.value()
	p.version++
	p.kind, p.items = popupNone, nil
	if text == p.dismissed && text != "" {
		return
	}
	p.dismissed = ""
	if strings.HasPrefix(text, "/") && !strings.ContainsFunc(text, unicode.IsSpace) {
		p.kind = popupSlash
		p.items = p.src.matchCommands(text[1:])
	} else if q, ok := c.atToken(); ok {
		p.kind = popupFile
		p.items = p.src.matchFiles(q)
	}
	if p.kind != popupNone && len(p.items) == 0 {
		p.items = []popupItem{{desc: "no match", none: true}}
	}
	p.sel = min(p.sel, max(len(p.items)-1, 0))
}

// popupChosen is the item chosen in the popup: completed into the
// composer (Tab, or Enter on a file), or sent as a command (Enter on a
// command).
type popupChosen struct {
	kind  popupKind
	label string
	send  bool
}

// update handles a key while the popup is open: it moves the selection
// itself and returns popupChosen for Tab and Enter. handled is false for
// keys the composer takes (all of them when there is nothing to choose).
func (p *popupState) update(key tea.KeyPressMsg) (result tea.Msg, handled bool) {
	if !p.active() || p.items[p.sel].none {
		return nil, false
	}
	switch key.String() {
	case "up", "ctrl+p":
		p.sel = (p.sel + len(p.items) - 1) % len(p.items)
	case "down", "ctrl+n":
		p.sel = (p.sel + 1) % len(p.items)
	case "tab":
		return popupChosen{kind: p.kind, label: p.items[p.sel].label}, true
	case "enter":
		return popupChosen{kind: p.kind, label: p.items[p.sel].label, send: p.kind == popupSlash}, true
	default:
		return nil, false
	}
	p.version++
	return nil, true
}

// choosePopup completes the item chosen into the composer, or sends the
// command. A prompt with named placeholders is not sent bare: its NAME=""
// pairs are filled in to complete first.
func (m *model) choosePopup(r popupChosen) tea.Cmd {
	if !r.send {
		m.composer.complete(r.label, r.kind == popupFile)
		m.popup.refresh(&m.composer.textarea)
		m.popup.version++
		return nil
	}
	t, ok := m.cmds.promptTemplate(r.label)
	if !ok {
		t, ok = m.cmds.mcpPromptTemplate(r.label)
	}
	if ok {
		m.composer.setValue(t)
		m.popup.dismiss(t)
		return nil
	}
	m.composer.setValue(r.label)
	return m.submitComposer()
}

// view renders at most rows rows (at least one): the items around the
// selection, the commands' names in a column as wide as the longest, and
// where the list is when it does not fit.
func (p *popupState) view(width, rows int) string {
	rows = max(rows, 1)
	shown := min(len(p.items), popupRows, rows)
	more := len(p.items) > shown
	if more && shown > 1 {
		shown-- // a row says where the list is
	}
	col := 0
	if p.kind == popupSlash {
		col = 14 // steady while typing filters the list; longer names widen it
		for _, it := range p.items {
			col = max(col, ansi.StringWidth(it.label))
		}
		col = min(col, max(width/3, 8))
	}
	var lines []string
	first := max(0, p.sel-shown+1)
	for i := first; i < min(len(p.items), first+shown); i++ {
		it := p.items[i]
		if it.none {
			lines = append(lines, "  "+md.Faint(it.desc))
			continue
		}
		label := it.label
		if col > 0 {
			label = ansi.Truncate(label, col, "…")
			label += strings.Repeat(" ", col-ansi.StringWidth(label))
		}
		line := label
		if it.desc != "" {
			line += "  " + md.Faint(it.desc)
		}
		line = ansi.Truncate(line, width-4, "…")
		if i == p.sel {
			line = md.Fg(md.Cyan, "› ") + md.Bold(line)
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	if more && len(lines) < rows {
		lines = append(lines, md.Faint(ansi.Truncate(fmt.Sprintf("  %d–%d of %d · ↑/↓", first+1, first+len(lines), len(p.items)), width, "…")))
	}
	return strings.Join(lines, "\n")
}

// afterEdit refreshes the popup after the composer changed and starts what
// its source needs: the MCP servers' prompts for the slash popup, the file
// index for @ (see completions.load).
func (m *model) afterEdit() tea.Cmd {
	wasFile := m.popup.kind == popupFile
	m.popup.refresh(&m.composer.textarea)
	if m.popup.kind == popupSlash {
		return m.act(m.cmds.refreshMCPPrompts())
	}
	// A new @, or one whose query now matches nothing (the file may have
	// been created while the popup was open), may reload a stale index.
	noMatch := m.popup.kind == popupFile && len(m.popup.items) == 1 && m.popup.items[0].none
	return m.act(m.src.load(m.popup.kind == popupFile && (!wasFile || noMatch)))
}
