package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// reasoningMore ends a collapsed reasoning summary.
const reasoningMore = " … (ctrl+t to expand)"

// reasoningCell is a reasoning summary, dimmed. Unless expanded, a summary
// longer than one line shows only its first line and how to expand it.
type reasoningCell struct {
	text     string
	expanded bool
}

func (c *reasoningCell) render(width int) string {
	// Summaries often start with a **Title**; keep it bold-ish.
	rendered := md.Render(termtext.Text(strings.TrimSpace(c.text)), width-2)
	if first, rest, multi := strings.Cut(rendered, "\n"); multi && !c.expanded && strings.TrimSpace(ansi.Strip(rest)) != "" {
		rendered = cutAtWord(first, max(width-2-ansi.StringWidth(reasoningMore), 1)) + reasoningMore
	}
	return dimmed(indent(rendered, "✻ ", "  "))
}

// cutAtWord truncates s (which may carry ANSI styles) to width columns,
// at a space if there is one in the second half.
func cutAtWord(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	t := ansi.Truncate(s, width, "")
	if i := strings.LastIndexByte(t, ' '); i > 0 && ansi.StringWidth(t[:i]) > width/2 {
		t = t[:i]
	}
	return t
}

// dimmed renders s faint and italic throughout: the ends of the bold and
// italic spans inside it (SGR 22 also ends faint) switch them back on.
func dimmed(s string) string {
	s = strings.NewReplacer("\x1b[22m", "\x1b[22m\x1b[2m", "\x1b[23m", "\x1b[23m\x1b[3m").Replace(s)
	return md.Faint(md.Italic(s))
}

// reasoningState is how reasoning summaries are shown.
type reasoningState struct {
	text   string // the summary being streamed
	itemID string // its item
	// early holds the items whose summary was committed when the next
	// item started streaming, before the model's response completed (when
	// the finished summary arrives): it is not committed twice.
	early    map[string]bool
	expanded bool // Ctrl+T
	// toldInline: the hint line has said that the scrollback keeps
	// reasoning as printed.
	toldInline bool
}

// reasoningToggled: Ctrl+T expanded or collapsed reasoning.
type reasoningToggled struct{ expanded bool }

// update streams or commits a reasoning summary; it returns the cell to
// commit (commitCell) or nil.
func (r *reasoningState) update(ev protocol.EventMsg) tea.Msg {
	switch e := ev.(type) {
	case protocol.ReasoningDelta:
		var out tea.Msg
		if e.ItemID != r.itemID {
			out = r.done() // a new summary: the last one is finished
			r.itemID = e.ItemID
		}
		r.text += e.Delta
		return out
	case protocol.Reasoning:
		if r.early[e.ItemID] {
			delete(r.early, e.ItemID)
			return nil
		}
		if e.ItemID == r.itemID {
			r.text, r.itemID = "", ""
		}
		return r.cell(e.Text)
	}
	return nil
}

// done commits the summary being streamed when the model has moved on to
// its next item (an answer, a tool call): the transcript shows items in
// the order the model produced them, though the finished summary only
// arrives with the whole response. nil: nothing was streaming.
func (r *reasoningState) done() tea.Msg {
	if strings.TrimSpace(r.text) == "" {
		return nil
	}
	if r.early == nil {
		r.early = map[string]bool{}
	}
	if r.itemID != "" {
		r.early[r.itemID] = true
	}
	out := r.cell(r.text)
	r.text, r.itemID = "", ""
	return out
}

// end commits what is left at the end of a turn and forgets the turn's
// items.
func (r *reasoningState) end() tea.Msg {
	out := r.cell(r.text)
	r.text, r.itemID, r.early = "", "", nil
	return out
}

// cell is the reasoning cell of a summary to commit, or nil for none.
func (r *reasoningState) cell(text string) tea.Msg {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return commitCell{&reasoningCell{text: text, expanded: r.expanded}}
}

// view renders the summary being streamed ("" if none).
func (r *reasoningState) view(w int) string {
	if strings.TrimSpace(r.text) == "" {
		return ""
	}
	return (&reasoningCell{text: r.text, expanded: r.expanded}).render(w)
}

// toggle (Ctrl+T) expands or collapses the live reasoning and, in the
// alternate screen, every reasoning cell of the transcript. Inline,
// reasoning already printed to the scrollback cannot change: the toggle
// decides how later reasoning is printed, and the hint line says so once.
func (r *reasoningState) toggle(hidden, alt bool) tea.Msg {
	if hidden {
		return setHint{"reasoning is hidden (hide_agent_reasoning)"}
	}
	r.expanded = !r.expanded
	state := "collapsed"
	if r.expanded {
		state = "expanded"
	}
	hint := "reasoning " + state
	if !alt && !r.toldInline {
		r.toldInline = true
		hint = "reasoning " + state + " from now on; printed reasoning stays as is"
	}
	return results{reasoningToggled{r.expanded}, setHint{hint}}
}
