package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
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

	// Inline mode: the rows waiting for the scrollback, printed at most
	// room rows at a time (see printRoom).
	queue    []string
	printing bool
	// ready: the program's first frame is on the screen. Bubble Tea places
	// printed lines relative to the last frame it drew, so nothing may be
	// printed before there is one (see model.Init).
	ready   bool
	started bool   // a cell was queued
	pending []cell // committed cells not yet rendered into queue
	width   int    // the terminal's columns, to count wrapped rows
	room    int    // the rows one print may take
	// method is how the terminal measures text: by code point until it
	// says it does grapheme clusters (see model.Update, tea.ModeReportMsg).
	method ansi.Method
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
	return &history{alt: alt, cache: map[cell]rendered{}, room: 1}
}

// add commits a finished cell.
func (h *history) add(c cell, width int) {
	h.version++
	if !h.alt {
		h.pending = append(h.pending, c)
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

// flush returns the command that prints the next batch of queued rows, one
// batch at a time so the scrollback keeps their order.
//
// A batch is at most h.room rows: Bubble Tea inserts printed lines by
// scrolling the screen up by their count and redrawing the frame below them,
// which is only exact while the lines and the frame fit the screen together.
// The frame is kept h.room rows short of the screen (see model.frameLimit),
// so a cell of any height reaches the scrollback whole and in order, and no
// part of the frame is ever pushed into the scrollback with it.
func (h *history) flush() tea.Cmd {
	if h.printing || (!h.ready && h.printHook == nil) {
		return nil
	}
	h.renderPending()
	if len(h.queue) == 0 {
		return nil
	}
	n, rows := 0, 0
	for n < len(h.queue) {
		r := h.rowsOf(h.queue[n])
		if n > 0 && rows+r > h.room {
			break
		}
		n, rows = n+1, rows+r
	}
	text := strings.Join(h.queue[:n], "\n")
	h.queue = h.queue[n:]
	if len(h.queue) == 0 {
		h.queue = nil // let the printed rows go
	}
	if h.printHook != nil {
		h.printHook(text)
		return h.flush()
	}
	h.printing = true
	return tea.Sequence(tea.Println(text), func() tea.Msg { return printedMsg{} })
}

// renderPending renders the committed cells into rows at the width of the
// screen they are printed on (not the one they were committed on, which
// before the first frame is only a guess). The rows are one column short of
// the screen: Bubble Tea ends each printed line with an erase-to-the-right,
// which on a full-width line (the cursor waiting on the last column) would
// erase its last character.
func (h *history) renderPending() {
	pw := printWidth(h.width)
	for _, c := range h.pending {
		if h.started { // a blank row between cells
			h.queue = append(h.queue, "")
		}
		h.started = true
		h.queue = append(h.queue, h.fit(strings.Split(c.render(pw), "\n"), pw)...)
	}
	clear(h.pending)
	h.pending = h.pending[:0]
}

// fit wraps the rows the terminal would draw wider than width. Cells lay
// out by grapheme cluster; a terminal that counts code points draws some
// emoji wider. A row that overflows is wrapped, never cut.
func (h *history) fit(rows []string, width int) []string {
	for i := 0; i < len(rows); i++ {
		if h.method.StringWidth(rows[i]) > width {
			wrapped := strings.Split(h.method.Hardwrap(rows[i], width, true), "\n")
			rows = append(rows[:i], append(wrapped, rows[i+1:]...)...)
			i += len(wrapped) - 1
		}
	}
	return rows
}

// idle reports whether everything committed has been printed.
func (h *history) idle() bool { return !h.printing && len(h.queue) == 0 && len(h.pending) == 0 }

// rowsOf is the terminal rows a queued line takes, counted as Bubble Tea
// counts them when it makes room for it.
func (h *history) rowsOf(line string) int {
	if h.width <= 0 {
		return 1
	}
	return 1 + h.method.StringWidth(line)/h.width
}

// setSize records the terminal's size for the prints to come; queued rows
// wider than a narrowed terminal are hard-wrapped to it, so none takes more
// than one batch.
func (h *history) setSize(width, height int) {
	h.width, h.room = width, printRoom(height)
	if width <= 0 {
		return
	}
	h.queue = h.fit(h.queue, printWidth(width))
}

// printWidth is the columns a printed line may take on a screen width
// columns wide (see add).
func printWidth(width int) int { return max(width-1, 1) }

// printRoom is the rows the inline frame leaves free at the top of a screen
// height rows tall, and so the rows one print may take.
func printRoom(height int) int { return max(1, height/5) }

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
	r := rendered{width: width, lines: append([]string{""}, h.fit(strings.Split(c.render(width), "\n"), width)...)}
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
