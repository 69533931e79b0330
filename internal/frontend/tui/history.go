package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

const (
	// maxTranscript bounds the cells the alt-screen transcript keeps.
	maxTranscript = 10000
	// maxRenderCache bounds the cached renderings of transcript cells.
	maxRenderCache = 512
	// maxReplay bounds the replayed history cells printed in inline mode.
	maxReplay = 200
)

// printedMsg reports that a batch of scrollback lines was printed.
type printedMsg struct{}

// history holds finished cells. Inline, it renders each once, queues it for
// printing above the program and forgets it. In the alternate screen, it is
// a bounded transcript rendered lazily, bottom up, for the visible rows only.
type history struct {
	alt bool

	// Inline mode.
	queue    []string
	printing bool
	// printHook replaces tea.Println (tests).
	printHook func(string)

	// Alt-screen mode.
	cells   []cell
	cache   map[cell]rendered
	scroll  int // rows scrolled up from the bottom
	version int // bumps when cells or scroll change
}

type rendered struct {
	width int
	lines []string
}

func newHistory(alt bool) *history {
	return &history{alt: alt, cache: map[cell]rendered{}}
}

// add commits a finished cell.
func (h *history) add(c cell, width int) {
	h.version++
	if !h.alt {
		h.queue = append(h.queue, "\n"+c.render(width))
		return
	}
	if len(h.cells) >= maxTranscript {
		drop := len(h.cells) - maxTranscript + 1
		for _, old := range h.cells[:drop] {
			delete(h.cache, old)
		}
		h.cells = append(h.cells[:0], h.cells[drop:]...)
	}
	h.cells = append(h.cells, c)
}

// flush returns the command that prints queued cells, one batch at a time
// so the scrollback keeps their order.
func (h *history) flush() tea.Cmd {
	if h.printing || len(h.queue) == 0 {
		return nil
	}
	text := strings.Join(h.queue, "\n")
	h.queue = h.queue[:0]
	if h.printHook != nil {
		h.printHook(text)
		return nil
	}
	h.printing = true
	return tea.Sequence(tea.Println(text), func() tea.Msg { return printedMsg{} })
}

func (h *history) printed() tea.Cmd {
	h.printing = false
	return h.flush()
}

// lines renders a cell through the bounded cache.
func (h *history) lines(c cell, width int) []string {
	if r, ok := h.cache[c]; ok && r.width == width {
		return r.lines
	}
	if len(h.cache) >= maxRenderCache {
		clear(h.cache)
	}
	r := rendered{width: width, lines: append([]string{""}, strings.Split(c.render(width), "\n")...)}
	h.cache[c] = r
	return r.lines
}

// view renders the bottom height rows of the transcript, scrolled up by
// h.scroll rows, touching only the cells that are visible.
func (h *history) view(width, height int) []string {
	if height <= 0 {
		return nil
	}
	need := height + h.scroll
	var rows [][]string // cells bottom up
	total := 0
	for i := len(h.cells) - 1; i >= 0 && total < need; i-- {
		l := h.lines(h.cells[i], width)
		rows = append(rows, l)
		total += len(l)
	}
	if total < need && h.scroll > 0 { // scrolled past the top
		h.scroll = max(0, total-height)
	}
	out := make([]string, 0, total)
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i]...)
	}
	end := len(out) - h.scroll
	start := max(0, end-height)
	out = out[start:end]
	for len(out) < height {
		out = append([]string{""}, out...)
	}
	return out
}

func (h *history) scrollBy(rows int) {
	h.scroll = max(0, h.scroll+rows)
	h.version++
}

// setReasoningExpanded expands or collapses every reasoning cell of the
// alt-screen transcript and drops their cached renderings.
func (h *history) setReasoningExpanded(on bool) {
	for _, c := range h.cells {
		if r, ok := c.(*reasoningCell); ok && r.expanded != on {
			r.expanded = on
			delete(h.cache, c)
		}
	}
	h.version++
}
