package tui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"github.com/kodex-cli/kodex/internal/frontend/filesearch"
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
// composer's text after every edit.
type popupState struct {
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
func (p *popupState) refresh(c *textarea, src popupSource) {
	text := c.value()
	p.version++
	p.kind, p.items = popupNone, nil
	if text == p.dismissed && text != "" {
		return
	}
	p.dismissed = ""
	if strings.HasPrefix(text, "/") && !strings.ContainsFunc(text, unicode.IsSpace) {
		p.kind = popupSlash
		p.items = src.matchCommands(text[1:])
	} else if q, ok := c.atToken(); ok {
		p.kind = popupFile
		p.items = src.matchFiles(q)
	}
	if p.kind != popupNone && len(p.items) == 0 {
		p.items = []popupItem{{desc: "no match", none: true}}
	}
	p.sel = min(p.sel, max(len(p.items)-1, 0))
}

// matchCommands lists the built-in commands, then the custom prompts,
// whose names start with q; with none, the built-in ones q fuzzily matches.
func (m *model) matchCommands(q string) []popupItem {
	var out []popupItem
	cmds := commands()
	for _, c := range cmds {
		if strings.HasPrefix(c.name, q) {
			out = append(out, popupItem{label: "/" + c.name, desc: c.desc})
		}
	}
	out = append(out, m.cmds.promptItems(q)...)
	out = append(out, m.cmds.mcpPromptItems(q)...)
	if len(out) == 0 && q != "" {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.name
		}
		for _, match := range fuzzy.Find(q, names) {
			c := cmds[match.Index]
			out = append(out, popupItem{label: "/" + c.name, desc: c.desc})
		}
	}
	return out
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
		m.refreshPopup()
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

// refreshPopup recomputes the popup after the composer changed.
func (m *model) refreshPopup() { m.popup.refresh(&m.composer.textarea, m) }

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

// fileIndex is the repository's file list for @ search, loaded once.
type fileIndex struct {
	files      []string
	loading    bool
	started    bool
	refreshing bool      // a reload runs; the old list is shown meanwhile
	loadedAt   time.Time // when files was listed
}

// matchFiles fuzzy-matches the index, loading it first if needed.
func (m *model) matchFiles(q string) []popupItem {
	if m.files == nil {
		m.files = &fileIndex{loading: true}
		return []popupItem{{label: "…", desc: "indexing files"}}
	}
	if m.files.loading {
		return []popupItem{{label: "…", desc: "indexing files"}}
	}
	var out []popupItem
	if q == "" {
		for _, f := range m.files.files[:min(popupRows, len(m.files.files))] {
			out = append(out, popupItem{label: f})
		}
		return out
	}
	for _, match := range fuzzy.Find(q, m.files.files) {
		out = append(out, popupItem{label: match.Str})
		if len(out) == popupRows*4 {
			break
		}
	}
	return out
}

// afterEdit refreshes the popup after the composer changed, loading the
// file index the first time an @ appears, and again in the background when
// a new @ starts and the index is older than fileIndexTTL, so files created
// since show up.
func (m *model) afterEdit() tea.Cmd {
	wasFile := m.popup.kind == popupFile
	m.refreshPopup()
	if m.popup.kind == popupSlash {
		return m.act(m.cmds.refreshMCPPrompts())
	}
	f := m.files
	if f == nil {
		return nil
	}
	switch {
	case f.loading && !f.started:
	case !f.loading && !f.refreshing && m.popup.kind == popupFile && !wasFile && m.now().Sub(f.loadedAt) > fileIndexTTL:
		f.refreshing = true
	default:
		return nil
	}
	f.started = true
	ctx, dir, git := m.ctx, m.opts.Cwd, m.opts.Git
	return func() tea.Msg {
		files := listFiles(ctx, dir, git)
		return resultMsg(func(m *model) tea.Cmd {
			m.files.files, m.files.loading, m.files.refreshing = files, false, false
			m.files.loadedAt = m.now()
			m.refreshPopup()
			return nil
		})
	}
}

// fileIndexTTL is how long the @ file index is trusted before a new @
// reloads it.
const fileIndexTTL = 2 * time.Second

// listFiles lists the workspace's files for the @ popup (see
// internal/frontend/filesearch).
func listFiles(ctx context.Context, dir string, git func(context.Context, ...string) ([]byte, error)) []string {
	return filesearch.List(ctx, dir, git)
}
