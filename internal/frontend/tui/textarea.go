package tui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// textarea is a multi-line text editor: the composer's text, a form's
// field, a denied patch's feedback. It is a plain rune buffer with a
// cursor; the view hard-wraps it to the width and reports where the
// terminal's own cursor goes (no blinking, so nothing ticks while idle).
type textarea struct {
	buf []rune
	cur int
	// atoms are placeholders (collapsed pastes, image chips) that Backspace
	// deletes whole.
	atoms   []string
	version int
}

func (c *textarea) value() string { return string(c.buf) }
func (c *textarea) empty() bool   { return len(c.buf) == 0 }

func (c *textarea) setValue(s string) {
	c.buf = []rune(s)
	c.cur = len(c.buf)
	c.version++
}

func (c *textarea) reset() {
	c.buf, c.cur, c.atoms = c.buf[:0], 0, nil
	c.version++
}

func (c *textarea) insert(s string) {
	r := []rune(s)
	c.buf = append(c.buf[:c.cur], append(r, c.buf[c.cur:]...)...)
	c.cur += len(r)
	c.version++
}

func (c *textarea) backspace() {
	if c.cur == 0 {
		return
	}
	n := 1
	before := string(c.buf[:c.cur])
	for _, a := range c.atoms {
		if strings.HasSuffix(before, a) {
			n = len([]rune(a))
			break
		}
	}
	c.buf = append(c.buf[:c.cur-n], c.buf[c.cur:]...)
	c.cur -= n
	c.version++
}

func (c *textarea) deleteForward() {
	if c.cur < len(c.buf) {
		c.buf = append(c.buf[:c.cur], c.buf[c.cur+1:]...)
		c.version++
	}
}

func (c *textarea) move(to int) {
	c.cur = max(0, min(to, len(c.buf)))
	c.version++
}

func (c *textarea) lineStart() int {
	i := c.cur
	for i > 0 && c.buf[i-1] != '\n' {
		i--
	}
	return i
}

func (c *textarea) lineEnd() int {
	i := c.cur
	for i < len(c.buf) && c.buf[i] != '\n' {
		i++
	}
	return i
}

func (c *textarea) wordLeft() int {
	i := c.cur
	for i > 0 && unicode.IsSpace(c.buf[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(c.buf[i-1]) {
		i--
	}
	return i
}

func (c *textarea) wordRight() int {
	i := c.cur
	for i < len(c.buf) && unicode.IsSpace(c.buf[i]) {
		i++
	}
	for i < len(c.buf) && !unicode.IsSpace(c.buf[i]) {
		i++
	}
	return i
}

// deleteTo deletes between the cursor and i.
func (c *textarea) deleteTo(i int) {
	lo, hi := min(i, c.cur), max(i, c.cur)
	c.buf = append(c.buf[:lo], c.buf[hi:]...)
	c.cur = lo
	c.version++
}

// editKey applies an editing key and reports whether it was one.
func (c *textarea) editKey(key string, text string) bool {
	switch key {
	case "backspace", "ctrl+h":
		c.backspace()
	case "delete", "ctrl+d":
		c.deleteForward()
	case "left", "ctrl+b":
		c.move(c.cur - 1)
	case "right", "ctrl+f":
		c.move(c.cur + 1)
	case "home", "ctrl+a":
		c.move(c.lineStart())
	case "end", "ctrl+e":
		c.move(c.lineEnd())
	case "alt+left", "ctrl+left", "alt+b":
		c.move(c.wordLeft())
	case "alt+right", "ctrl+right", "alt+f":
		c.move(c.wordRight())
	case "ctrl+w", "alt+backspace", "ctrl+backspace":
		c.deleteTo(c.wordLeft())
	case "alt+d", "ctrl+delete":
		c.deleteTo(c.wordRight())
	case "ctrl+u":
		c.deleteTo(c.lineStart())
	case "ctrl+k":
		c.deleteTo(c.lineEnd())
	case "shift+enter", "ctrl+j", "alt+enter":
		c.insert("\n")
	default:
		if text == "" {
			return false
		}
		c.insert(text)
	}
	return true
}

// atToken returns the @word the cursor is in, without the @.
func (c *textarea) atToken() (string, bool) {
	word := string(c.buf[c.wordStart():c.cur])
	if !strings.HasPrefix(word, "@") {
		return "", false
	}
	return word[1:], true
}

// wordStart is where the word the cursor is in (or after) starts.
func (c *textarea) wordStart() int {
	start := c.cur
	for start > 0 && !unicode.IsSpace(c.buf[start-1]) {
		start--
	}
	return start
}

// complete puts a popup's item in: a command replaces the text, a file
// the word the cursor is in (quoted when it holds a space).
func (c *textarea) complete(item string, file bool) {
	if !file {
		c.setValue(item + " ")
		return
	}
	c.deleteTo(c.wordStart())
	if strings.ContainsRune(item, ' ') {
		item = `"` + item + `"`
	}
	c.insert(item + " ")
}

// vline is one visual row: buf[start:end].
type vline struct{ start, end int }

// layout hard-wraps the buffer to width columns.
func (c *textarea) layout(width int) []vline {
	width = max(width, 2)
	var out []vline
	start, col := 0, 0
	for i, r := range c.buf {
		if r == '\n' {
			out = append(out, vline{start, i})
			start, col = i+1, 0
			continue
		}
		w := runeWidth(r)
		if col+w > width {
			out = append(out, vline{start, i})
			start, col = i, 0
		}
		col += w
	}
	return append(out, vline{start, len(c.buf)})
}

func runeWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	return max(ansi.StringWidth(string(r)), 0)
}

// cursorPos returns the cursor's visual row and column.
func (c *textarea) cursorPos(lines []vline) (row, col int) {
	for i, l := range lines {
		if c.cur >= l.start && (c.cur < l.end || c.cur == l.end && (i == len(lines)-1 || lines[i+1].start != l.end)) {
			return i, c.width(l.start, c.cur)
		}
	}
	last := len(lines) - 1
	return last, c.width(lines[last].start, c.cur)
}

func (c *textarea) width(from, to int) int {
	w := 0
	for _, r := range c.buf[from:to] {
		w += runeWidth(r)
	}
	return w
}

// vertical moves the cursor one visual row up (-1) or down (+1) and reports
// whether it could.
func (c *textarea) vertical(dir, width int) bool {
	lines := c.layout(width)
	row, col := c.cursorPos(lines)
	row += dir
	if row < 0 || row >= len(lines) {
		return false
	}
	l := lines[row]
	i, w := l.start, 0
	for i < l.end && w+runeWidth(c.buf[i]) <= col {
		w += runeWidth(c.buf[i])
		i++
	}
	c.move(i)
	return true
}

// view renders at most maxRows rows around the cursor and returns them with
// the cursor's row (within the returned rows) and column.
func (c *textarea) view(width, maxRows int) (rows []string, crow, ccol int) {
	lines := c.layout(width)
	crow, ccol = c.cursorPos(lines)
	first := 0
	if len(lines) > maxRows {
		first = min(max(0, crow-maxRows+1), len(lines)-maxRows)
	}
	for _, l := range lines[first:min(len(lines), first+maxRows)] {
		rows = append(rows, string(c.buf[l.start:l.end]))
	}
	return rows, crow - first, ccol
}
