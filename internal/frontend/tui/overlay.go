package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// overlay takes the keyboard until it closes: the pickers (/model,
// /approvals, /resume, …), the trust screen, the help, an MCP server's
// form, the history search and the pager. Its update returns what the root
// is to do (see route.go): closeOverlay, pickerChosen, … or nil to stay
// open. Its view is at most height rows (the rows the frame leaves it, see
// model.render) when it can be: it shows fewer items, or scrolls, rather
// than lose its title, borders or keys.
type overlay interface {
	update(k tea.KeyPressMsg) tea.Msg
	view(width, height int) string
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

// view draws the title, the items around the selection and the keys in a
// box of at most height rows: when the items do not all fit, fewer are
// shown, with a row saying where the selection is ("3/18").
func (p *picker) view(width, height int) string {
	inner := max(width-4, 1)
	title := strings.Split(wrap(md.Bold(p.title), inner), "\n")
	footer := p.footer
	if footer == "" {
		footer = "↑/↓ select · enter choose · esc cancel"
		if ansi.StringWidth(footer) > inner {
			footer = "↑/↓ · enter choose · esc cancel"
		}
	}
	keys := strings.Split(wrap(md.Faint(footer), inner), "\n")
	var b strings.Builder
	b.WriteString(strings.Join(title, "\n") + "\n")
	if len(p.items) == 0 {
		b.WriteString(md.Faint("  (nothing to choose)") + "\n")
	}
	// At most pickerRows items, fewer when the box would be taller than
	// height (its borders, title and keys always show).
	shown := pickerRows
	if height > 0 {
		shown = min(shown, height-2-len(title)-len(keys))
	}
	more := len(p.items) > max(shown, 1)
	if more {
		shown-- // a row says where the selection is
	}
	shown = max(shown, 1)
	col := p.labelColumn(width - 6)
	first := max(0, p.sel-shown+1)
	for i := first; i < min(len(p.items), first+shown); i++ {
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
	if more {
		b.WriteString(md.Faint(fmt.Sprintf("  %d/%d", p.sel+1, len(p.items))) + "\n")
	}
	b.WriteString(strings.Join(keys, "\n"))
	return box(b.String(), width, md.Cyan)
}

// labelColumn is where the descriptions start in a row room columns wide:
// after the longest label, which the descriptions give way to (they keep
// at most a third of the row, a mark included), so labels that differ only
// at the end stay apart.
func (p *picker) labelColumn(room int) int {
	col, desc := 0, 0
	for _, it := range p.items {
		col = max(col, ansi.StringWidth(it.label))
		desc = max(desc, ansi.StringWidth(it.desc))
	}
	if p.marked {
		desc += 3 // " ✓ "
	}
	if desc > 0 {
		desc = min(desc+1, room/3)
	}
	return max(min(col, room-desc-1), min(col, 8))
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

func (t *trustScreen) view(width, height int) string {
	var opts strings.Builder
	for i, o := range []string{"Yes, trust this folder (auto-edit)", "No, ask me first (suggest)"} {
		if i == t.sel {
			opts.WriteString(md.Fg(md.Cyan, "› ") + md.Bold(o) + "\n")
		} else {
			opts.WriteString("  " + o + "\n")
		}
	}
	opts.WriteString(md.Faint("y / n, or ↑/↓ and enter"))
	title := wrap(md.Bold("Do you trust the files in this folder?"), width-4)
	cwd := wrap(md.Fg(md.Cyan, t.cwd), width-4)
	why := wrap("Trusting it lets kodex edit files here and run commands in the sandbox without asking "+
		"(auto-edit). Not trusting it keeps kodex read-only and asks before anything else runs (suggest).", width-4)
	// On a short screen the explanation goes first, then the folder: the
	// question, the answers and their keys always show.
	for _, body := range []string{
		title + "\n\n" + cwd + "\n\n" + why + "\n\n" + opts.String(),
		title + "\n\n" + cwd + "\n\n" + opts.String(),
		title + "\n" + cwd + "\n" + opts.String(),
	} {
		if height <= 0 || strings.Count(body, "\n")+3 <= height { // + the box's borders
			return box(body, width, md.Cyan)
		}
	}
	return box(title+"\n"+opts.String(), width, md.Cyan)
}

// helpOverlay lists every key binding (`?` on an empty composer). It
// scrolls when the frame is too short for it; any other key closes it.
type helpOverlay struct {
	top int // first row shown
	// rows and shown are the help's rows and how many it showed when last
	// drawn (they change with the screen's size); the keys scroll by them.
	rows, shown int
}

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

func (h *helpOverlay) update(k tea.KeyPressMsg) tea.Msg {
	switch k.String() {
	case "up", "k":
		h.top--
	case "down", "j":
		h.top++
	case "pgup", "b":
		h.top -= max(h.shown, 1)
	case "pgdown", "space", "f":
		h.top += max(h.shown, 1)
	case "home", "g":
		h.top = 0
	case "end", "G":
		h.top = h.rows
	default:
		return closeOverlay{}
	}
	h.top = min(max(h.top, 0), max(h.rows-h.shown, 0))
	return nil
}

// view draws the keys in at most height rows: the title, the rows from
// top on, and how to scroll when they do not all fit.
func (h *helpOverlay) view(width, height int) string {
	rows := helpRows(width)
	hint := "any key to close"
	shown := len(rows)
	if height > 0 && len(rows)+2 > height {
		hint = "↑/↓ pgup/pgdn scroll · esc close"
		shown = max(height-2, 1)
	}
	h.rows, h.shown = len(rows), shown
	top := min(max(h.top, 0), len(rows)-shown)
	title := md.Bold("Keys")
	if shown < len(rows) {
		title += md.Faint(fmt.Sprintf("  %d–%d of %d", top+1, top+shown, len(rows)))
	}
	out := append([]string{title}, rows[top:top+shown]...)
	out = append(out, md.Faint(hint))
	for i, l := range out {
		out[i] = ansi.Truncate(l, width, "…")
	}
	return strings.Join(out, "\n")
}

// helpRows lays the key bindings out in two columns, wrapping the
// descriptions. On a narrow screen the key column is as wide as the short
// keys; a longer key takes a row of its own above its description.
func helpRows(width int) []string {
	keys := keyBindings()
	col := 0
	for _, kb := range keys {
		col = max(col, ansi.StringWidth(kb[0]))
	}
	if width-col-4 < 28 {
		col = min(col, 8)
	}
	descWidth := max(width-col-4, 10)
	var rows []string
	for _, kb := range keys {
		key := md.Bold(md.Fg(md.Cyan, kb[0]))
		desc := strings.Split(wrap(kb[1], descWidth), "\n")
		if kw := ansi.StringWidth(kb[0]); kw > col {
			rows = append(rows, "  "+key)
		} else {
			rows = append(rows, "  "+key+strings.Repeat(" ", col-kw+2)+desc[0])
			desc = desc[1:]
		}
		for _, d := range desc {
			rows = append(rows, strings.Repeat(" ", col+4)+d)
		}
	}
	return rows
}
