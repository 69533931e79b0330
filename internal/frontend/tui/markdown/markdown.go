// Package markdown renders the Markdown an agent writes (headings, lists,
// block quotes, fenced code with syntax highlighting, tables, links, emphasis)
// as ANSI-styled text wrapped to a width.
//
// It is deliberately small and allocation-light instead of a full CommonMark
// implementation: it renders partial input (a message still streaming in)
// sensibly, has no package initialisation cost (highlighting tables are built
// on first use), and produces deterministic output for golden tests. It must
// not do I/O or keep state between calls.
package markdown

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Render renders src at the given width (columns). The result has no
// trailing newline.
func Render(src string, width int) string {
	if width < 10 {
		width = 10
	}
	r := renderer{width: width}
	r.blocks(strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n"))
	return strings.TrimRight(r.out.String(), "\n")
}

type renderer struct {
	width int
	out   strings.Builder
	// blank records that the last thing written was a blank separator line.
	blank bool
}

func (r *renderer) line(s string) {
	r.out.WriteString(s)
	r.out.WriteByte('\n')
	r.blank = false
}

// gap writes one blank line between blocks, never two and never first.
func (r *renderer) gap() {
	if r.out.Len() > 0 && !r.blank {
		r.out.WriteByte('\n')
		r.blank = true
	}
}

// blocks renders a sequence of source lines.
func (r *renderer) blocks(lines []string) {
	for i := 0; i < len(lines); {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			i++
		case isFence(trimmed):
			i = r.code(lines, i)
		case headingLevel(trimmed) > 0:
			r.heading(trimmed)
			i++
		case isRule(trimmed):
			r.gap()
			r.line(Faint(strings.Repeat("─", min(r.width, 40))))
			i++
		case strings.HasPrefix(trimmed, ">"):
			i = r.quote(lines, i)
		case listMarker(line) != nil:
			i = r.list(lines, i)
		case isTableStart(lines, i):
			i = r.table(lines, i)
		default:
			i = r.paragraph(lines, i)
		}
	}
}

func isFence(trimmed string) bool {
	return strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")
}

func headingLevel(s string) int {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (len(s) > n && s[n] != ' ') {
		return 0
	}
	return n
}

func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	c := s[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != c && s[i] != ' ' {
			return false
		}
	}
	return true
}

func (r *renderer) heading(s string) {
	level := headingLevel(s)
	text := Inline(strings.TrimSpace(strings.TrimRight(s[level:], "# ")))
	r.gap()
	switch level {
	case 1:
		text = Bold(Underline(text))
	case 2:
		text = Bold(text)
	default:
		text = Bold(Italic(text))
	}
	r.wrapped(text, "", "")
	r.gap()
}

// code renders a fenced code block starting at lines[i] and returns the index
// after it. An unclosed fence (still streaming) runs to the end.
func (r *renderer) code(lines []string, i int) int {
	open := strings.TrimSpace(lines[i])
	fence := open[:3]
	lang := strings.TrimSpace(strings.TrimLeft(open, fence[:1]))
	var body []string
	j := i + 1
	for ; j < len(lines); j++ {
		if strings.HasPrefix(strings.TrimSpace(lines[j]), fence) {
			j++
			break
		}
		body = append(body, lines[j])
	}
	r.gap()
	for _, l := range Highlight(lang, strings.Join(body, "\n")) {
		l = strings.ReplaceAll(l, "\t", "    ")
		for _, part := range strings.Split(ansi.Hardwrap(l, r.width-2, true), "\n") {
			r.line("  " + part)
		}
	}
	r.gap()
	return j
}

func (r *renderer) quote(lines []string, i int) int {
	var body []string
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(t, ">") {
			break
		}
		body = append(body, strings.TrimPrefix(strings.TrimPrefix(t, ">"), " "))
	}
	sub := renderer{width: r.width - 2}
	sub.blocks(body)
	r.gap()
	for _, l := range strings.Split(strings.TrimRight(sub.out.String(), "\n"), "\n") {
		r.line(Fg(Gray, "│ ") + Italic(l))
	}
	r.gap()
	return i
}

// paragraph joins lines up to the next blank line or block start.
func (r *renderer) paragraph(lines []string, i int) int {
	var parts []string
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || isFence(t) || headingLevel(t) > 0 || strings.HasPrefix(t, ">") ||
			(len(parts) > 0 && listMarker(lines[i]) != nil) {
			break
		}
		// A trailing double space or backslash is a hard break.
		if strings.HasSuffix(lines[i], "  ") || strings.HasSuffix(t, "\\") {
			t = strings.TrimSuffix(t, "\\") + "\n"
		}
		parts = append(parts, t)
	}
	text := strings.ReplaceAll(strings.Join(parts, " "), "\n ", "\n")
	r.gap()
	r.wrapped(Inline(text), "", "")
	return i
}

// wrapped writes text word-wrapped with a first-line prefix and a prefix for
// continuation lines (both of the same display width).
func (r *renderer) wrapped(text, first, rest string) {
	w := r.width - ansi.StringWidth(first)
	for n, l := range strings.Split(ansi.Wrap(text, max(w, 1), ""), "\n") {
		if n == 0 {
			r.line(first + l)
		} else {
			r.line(rest + l)
		}
	}
}

type marker struct {
	indent  int    // columns before the marker
	bullet  string // "-", "*", "+" or "12."
	ordered bool
	task    int // 0 none, 1 unchecked, 2 checked
	text    string
}

// listMarker parses a list item line, or returns nil.
func listMarker(line string) *marker {
	expanded := strings.ReplaceAll(line, "\t", "    ")
	body := strings.TrimLeft(expanded, " ")
	m := &marker{indent: len(expanded) - len(body)}
	switch {
	case len(body) >= 2 && strings.ContainsRune("-*+", rune(body[0])) && body[1] == ' ':
		m.bullet, m.text = body[:1], body[2:]
	default:
		n := 0
		for n < len(body) && n < 9 && body[n] >= '0' && body[n] <= '9' {
			n++
		}
		if n == 0 || n+1 >= len(body) || (body[n] != '.' && body[n] != ')') || body[n+1] != ' ' {
			return nil
		}
		m.bullet, m.text, m.ordered = body[:n+1], body[n+2:], true
	}
	switch {
	case strings.HasPrefix(m.text, "[ ] "):
		m.task, m.text = 1, m.text[4:]
	case strings.HasPrefix(m.text, "[x] "), strings.HasPrefix(m.text, "[X] "):
		m.task, m.text = 2, m.text[4:]
	}
	return m
}

// list renders consecutive list items (with nesting by indentation and lazy
// continuation lines).
func (r *renderer) list(lines []string, i int) int {
	r.gap()
	for i < len(lines) {
		m := listMarker(lines[i])
		if m == nil {
			break
		}
		text := strings.TrimSpace(m.text)
		i++
		// Continuation lines: indented, non-blank, not a new item.
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" && listMarker(lines[i]) == nil &&
			strings.HasPrefix(lines[i], " ") {
			text += " " + strings.TrimSpace(lines[i])
			i++
		}
		pad := strings.Repeat(" ", min(m.indent/2*2, 8))
		bullet := "• "
		if m.indent >= 2 {
			bullet = "◦ "
		}
		if m.ordered {
			bullet = m.bullet + " "
		}
		switch m.task {
		case 1:
			bullet = "☐ "
		case 2:
			bullet = Fg(Green, "✔") + " "
			text = Strike(text)
		}
		first := pad + bullet
		r.wrapped(Inline(text), first, strings.Repeat(" ", ansi.StringWidth(first)))
		// A blank line followed by another item keeps the list together.
		if i+1 < len(lines) && strings.TrimSpace(lines[i]) == "" && listMarker(lines[i+1]) != nil {
			i++
		}
	}
	r.gap()
	return i
}
