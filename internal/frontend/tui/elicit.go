package tui

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// An MCP server's form (elicitation): the server's message and its fields,
// filled in place. Enter sends it (accept), Ctrl+D declines, Esc cancels.
// Forms that arrive while another overlay is open wait their turn.

type elicitForm struct {
	req    protocol.McpElicitationRequest
	fields []formField
	sel    int
	top    int    // the first field shown when they do not all fit
	err    string // why the last Enter did not send
}

type formField struct {
	f      protocol.McpElicitField
	text   textarea // string, number, integer, array (comma-separated)
	on     bool     // boolean
	choice int      // string with Enum: the index chosen (-1: none)
}

func newElicitForm(req protocol.McpElicitationRequest) *elicitForm {
	form := &elicitForm{req: req}
	for _, f := range req.Fields {
		ff := formField{f: f, choice: -1}
		switch {
		case f.Type == "boolean":
			ff.on, _ = f.Default.(bool)
		case len(f.Enum) > 0 && f.Type != "array":
			for i, e := range f.Enum {
				if fmt.Sprint(f.Default) == e {
					ff.choice = i
				}
			}
		case f.Default != nil:
			switch d := f.Default.(type) {
			case []any:
				var parts []string
				for _, x := range d {
					parts = append(parts, fmt.Sprint(x))
				}
				ff.text.setValue(strings.Join(parts, ", "))
			default:
				ff.text.setValue(fmt.Sprint(d))
			}
		}
		form.fields = append(form.fields, ff)
	}
	return form
}

// elicitation shows a server's form, or queues it behind the overlay open.
func (m *model) elicitation(req protocol.McpElicitationRequest) tea.Cmd {
	if m.overlay != nil {
		m.elicitQueue = append(m.elicitQueue, req)
		return nil
	}
	m.overlay = newElicitForm(req)
	return m.desktopNotify("MCP server " + req.Server + " asks for input")
}

// nextElicitation shows the next queued form, if any, once the overlay
// closed.
func (m *model) nextElicitation() {
	if m.overlay == nil && len(m.elicitQueue) > 0 {
		m.overlay = newElicitForm(m.elicitQueue[0])
		m.elicitQueue = m.elicitQueue[1:]
	}
}

// elicitAnswered is the form's answer, for the root to send.
type elicitAnswered struct {
	server string
	resp   protocol.McpElicitationResponse
}

// update edits the form; Enter, Ctrl+D and Esc answer it (elicitAnswered).
func (e *elicitForm) update(k tea.KeyPressMsg) tea.Msg {
	answer := func(action string, content map[string]any) tea.Msg {
		return elicitAnswered{e.req.Server, protocol.McpElicitationResponse{RequestID: e.req.RequestID, Action: action, Content: content}}
	}
	e.err = ""
	switch k.String() {
	case "esc", "ctrl+c":
		return answer(protocol.ElicitCancel, nil)
	case "ctrl+d":
		return answer(protocol.ElicitDecline, nil)
	case "enter":
		content, err, at := e.content()
		if err != "" {
			e.err, e.sel = err, at // on the field to fix
			return nil
		}
		return answer(protocol.ElicitAccept, content)
	case "tab", "down":
		e.sel = (e.sel + 1) % max(len(e.fields), 1)
		return nil
	case "shift+tab", "up":
		e.sel = (e.sel + len(e.fields) - 1) % max(len(e.fields), 1)
		return nil
	}
	if len(e.fields) == 0 {
		return nil
	}
	f := &e.fields[e.sel]
	switch {
	case f.f.Type == "boolean":
		if k.String() == "space" || k.String() == "left" || k.String() == "right" || k.String() == "x" {
			f.on = !f.on
		}
	case len(f.f.Enum) > 0 && f.f.Type != "array":
		switch k.String() {
		case "right", "space":
			f.choice = (f.choice + 1) % len(f.f.Enum)
		case "left":
			f.choice = (max(f.choice, 0) + len(f.f.Enum) - 1) % len(f.f.Enum)
		}
	default:
		f.text.editKey(k.String(), k.Text)
	}
	return nil
}

// content is the form's answer, or why it cannot be sent and the field to
// fix.
func (e *elicitForm) content() (map[string]any, string, int) {
	out := map[string]any{}
	for i, f := range e.fields {
		name := cmp.Or(f.f.Title, f.f.Name)
		switch {
		case f.f.Type == "boolean":
			out[f.f.Name] = f.on
			continue
		case len(f.f.Enum) > 0 && f.f.Type != "array":
			if f.choice >= 0 {
				out[f.f.Name] = f.f.Enum[f.choice]
			} else if f.f.Required {
				return nil, name + " needs a choice", i
			}
			continue
		}
		v := strings.TrimSpace(f.text.value())
		if v == "" {
			if f.f.Required {
				return nil, name + " is required", i
			}
			continue
		}
		switch f.f.Type {
		case "number":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, name + " must be a number", i
			}
			out[f.f.Name] = n
		case "integer":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, name + " must be a whole number", i
			}
			out[f.f.Name] = n
		case "array":
			var items []string
			for _, it := range strings.Split(v, ",") {
				if it = strings.TrimSpace(it); it != "" {
					items = append(items, it)
				}
			}
			out[f.f.Name] = items
		default:
			out[f.f.Name] = v
		}
	}
	return out, "", 0
}

// view draws the form in a box of at most height rows when it can: on a
// short screen the blank rows go first, then the message's last lines,
// then the focused field's description, then the fields away from the
// focused one (a row says which field it is, "field 3/7"); the title, the
// focused field, its error and the keys always show (on a tiny screen the
// error stands in for the keys until the next key).
func (e *elicitForm) view(width, height int) string {
	inner := max(width-4, 10)
	title := md.Bold("MCP server " + safeLine(e.req.Server) + " asks:")
	msg := strings.Split(wrap(safeText(e.req.Message), inner), "\n")
	var errRow []string
	if e.err != "" {
		errRow = []string{md.Fg(md.Red, e.err)}
	}
	hint := md.Faint(elicitHint(inner))
	desc := e.sel < len(e.fields) && e.fields[e.sel].f.Description != ""

	rows := append([]string{title}, msg...)
	if len(e.fields) > 0 {
		rows = append(rows, "")
	}
	rows = append(rows, e.fieldRows(inner, 0, len(e.fields), true)...)
	rows = append(append(rows, errRow...), "", hint)
	if height <= 0 || len(rows)+2 <= height { // + the box's borders
		return box(strings.Join(rows, "\n"), width, md.Cyan)
	}

	room := height - 2 - 2 - len(errRow) // less the borders, the title and the keys
	if room < 1 && errRow != nil {
		// No row for the error: it takes the keys' until the next key
		// clears it.
		hint, errRow = errRow[0], nil
		room++
	}
	n := len(e.fields)
	rows = []string{title}
	switch {
	case n+b2i(desc) <= room: // every field, and what the message has room for
		if k := min(len(msg), room-n-b2i(desc)); k > 0 {
			shown := msg[:k]
			if k < len(msg) {
				shown[k-1] = ansi.Truncate(shown[k-1], inner-1, "") + "…"
			}
			rows = append(rows, shown...)
		}
		rows = append(rows, e.fieldRows(inner, 0, n, true)...)
	case n <= room || n == 0:
		rows = append(rows, e.fieldRows(inner, 0, n, false)...)
	default: // the fields around the focused one, and where it is
		k := max(room-1, 1)
		withDesc := desc && k >= 3
		if withDesc {
			k--
		}
		e.top = min(max(e.top, e.sel-k+1), e.sel)
		e.top = min(max(e.top, 0), n-k)
		rows = append(rows, e.fieldRows(inner, e.top, e.top+k, withDesc)...)
		if room > 1 {
			rows = append(rows, md.Faint(fmt.Sprintf("  field %d/%d", e.sel+1, n)))
		}
	}
	rows = append(append(rows, errRow...), hint)
	return box(strings.Join(rows, "\n"), width, md.Cyan)
}

// fieldRows are the rows of the fields from up to to, one each, and the
// focused field's description under it when desc is set.
func (e *elicitForm) fieldRows(inner, from, to int, desc bool) []string {
	labelW := 0
	for _, f := range e.fields {
		labelW = max(labelW, ansi.StringWidth(fieldLabel(f.f)))
	}
	labelW = min(labelW, inner/3)
	var rows []string
	for i := from; i < to; i++ {
		f := e.fields[i]
		label := ansi.Truncate(fieldLabel(f.f), labelW, "…")
		label += strings.Repeat(" ", labelW-ansi.StringWidth(label))
		var value string
		switch {
		case f.f.Type == "boolean":
			value = "[ ]"
			if f.on {
				value = "[x]"
			}
		case len(f.f.Enum) > 0 && f.f.Type != "array":
			value = md.Faint("(choose with ←/→)")
			if f.choice >= 0 {
				shown := f.f.Enum[f.choice]
				if f.choice < len(f.f.EnumTitles) && f.f.EnumTitles[f.choice] != "" {
					shown = f.f.EnumTitles[f.choice]
				}
				value = "‹ " + safeLine(shown) + " ›"
			}
		default:
			value = safeLine(f.text.value())
			if i == e.sel {
				value += "▏"
			}
			if f.f.Type == "array" && len(f.f.Enum) > 0 && f.text.value() == "" {
				value += md.Faint(strings.Join(f.f.Enum, ", "))
			}
		}
		prefix := "  "
		if i == e.sel {
			prefix = md.Fg(md.Cyan, "› ")
			label = md.Bold(label)
		}
		rows = append(rows, ansi.Truncate(prefix+label+"  "+value, inner, "…"))
		if desc && i == e.sel && f.f.Description != "" {
			rows = append(rows, md.Faint(ansi.Truncate("    "+safeLine(f.f.Description), inner, "…")))
		}
	}
	return rows
}

// elicitHint is the form's keys in inner columns: all of them while at
// most the last word is cut, then shorter ones that keep sending,
// declining and cancelling.
func elicitHint(inner int) string {
	const full = "tab field · space/←→ choose · enter send · ctrl+d decline · esc cancel"
	if ansi.StringWidth(full)-len("cancel")+1 <= inner {
		return ansi.Truncate(full, inner, "…")
	}
	short := []string{
		"tab field · enter send · ctrl+d decline · esc cancel",
		"enter send · ctrl+d decline · esc cancel",
		"enter send · ^d decline · esc cancel",
		"enter · ^d decline · esc cancel",
	}
	for _, h := range short {
		if ansi.StringWidth(h) <= inner {
			return h
		}
	}
	return ansi.Truncate(short[len(short)-1], inner, "…")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fieldLabel(f protocol.McpElicitField) string {
	l := cmp.Or(f.Title, f.Name)
	if f.Required {
		l += "*"
	}
	return l
}
