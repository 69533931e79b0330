package tui

import (
	"strings"

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

// reasoningEvent streams or commits a reasoning summary, unless reasoning
// is hidden.
func (m *model) reasoningEvent(ev protocol.EventMsg) {
	if m.opts.HideReasoning {
		return
	}
	switch e := ev.(type) {
	case protocol.ReasoningDelta:
		if e.ItemID != m.reason.itemID {
			m.reasoningDone() // a new summary: the last one is finished
			m.reason.itemID = e.ItemID
		}
		m.reason.text += e.Delta
	case protocol.Reasoning:
		if m.reason.early[e.ItemID] {
			delete(m.reason.early, e.ItemID)
			break
		}
		if e.ItemID == m.reason.itemID {
			m.reason.text, m.reason.itemID = "", ""
		}
		m.commitReasoning(e.Text)
	}
	m.live.version++
}

// reasoningDone commits the summary being streamed when the model has moved
// on to its next item (an answer, a tool call): the transcript shows items
// in the order the model produced them, though the finished summary only
// arrives with the whole response.
func (m *model) reasoningDone() {
	if strings.TrimSpace(m.reason.text) == "" {
		return
	}
	if m.reason.early == nil {
		m.reason.early = map[string]bool{}
	}
	if m.reason.itemID != "" {
		m.reason.early[m.reason.itemID] = true
	}
	m.commitReasoning(m.reason.text)
	m.reason.text, m.reason.itemID = "", ""
	m.live.version++
}

func (m *model) commitReasoning(text string) {
	if strings.TrimSpace(text) != "" {
		m.commit(&reasoningCell{text: text, expanded: m.reason.expanded})
	}
}

// liveReasoning renders the summary being streamed ("" if none).
func (m *model) liveReasoning(w int) string {
	if strings.TrimSpace(m.reason.text) == "" {
		return ""
	}
	return (&reasoningCell{text: m.reason.text, expanded: m.reason.expanded}).render(w)
}

// toggleReasoning (Ctrl+T) expands or collapses the live reasoning and, in
// the alternate screen, every reasoning cell of the transcript. Inline,
// reasoning already printed to the scrollback cannot change: the toggle
// decides how later reasoning is printed, and the hint line says so once.
func (m *model) toggleReasoning() {
	if m.opts.HideReasoning {
		m.hint = "reasoning is hidden (hide_agent_reasoning)"
		return
	}
	r := &m.reason
	r.expanded = !r.expanded
	m.live.version++
	state := "collapsed"
	if r.expanded {
		state = "expanded"
	}
	switch {
	case m.opts.AltScreen:
		m.hist.setReasoningExpanded(r.expanded)
		m.hint = "reasoning " + state
	case !r.toldInline:
		r.toldInline = true
		m.hint = "reasoning " + state + " from now on; printed reasoning stays as is"
	default:
		m.hint = "reasoning " + state
	}
}
