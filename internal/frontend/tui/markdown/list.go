package markdown

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

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

// prefixes returns the item's first-line prefix (indentation and bullet)
// and the prefix of its continuation lines (spaces of the same width).
func (m *marker) prefixes() (first, rest string) {
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
	}
	first = pad + bullet
	return first, strings.Repeat(" ", ansi.StringWidth(first))
}

// list renders consecutive list items (with nesting by indentation, lazy
// continuation lines and fenced code blocks inside items).
func (r *renderer) list(lines []string, i int) int {
	r.gap()
	for i < len(lines) {
		m := listMarker(lines[i])
		if m == nil {
			break
		}
		i = r.item(m, lines, i+1)
		// A blank line followed by another item keeps the list together.
		if i+1 < len(lines) && isBlank(lines[i]) && listMarker(lines[i+1]) != nil {
			i++
		}
	}
	r.gap()
	return i
}

// item renders the list item m, whose continuation lines start at lines[i],
// and returns the index after it. Indented fenced code blocks (also after a
// blank line) are part of the item, as is indented text after them.
func (r *renderer) item(m *marker, lines []string, i int) int {
	first, rest := m.prefixes()
	text, i := continuation(strings.TrimSpace(m.text), lines, i)
	styled := Inline(text)
	if m.task == 2 {
		styled = Strike(styled)
	}
	r.wrapped(styled, first, rest)
	for i < len(lines) {
		j := i
		if isBlank(lines[j]) && j+1 < len(lines) {
			j++
		}
		if !isIndentedFence(lines[j]) {
			break
		}
		i = r.nestedCode(lines, j, rest)
		if text, i = continuation("", lines, i); text != "" {
			r.wrapped(Inline(text), rest, rest)
		}
	}
	return i
}

// continuation appends to text the item's continuation lines starting at
// lines[i]: indented, non-blank, neither a new item nor a fence. It returns
// the text and the index after them.
func continuation(text string, lines []string, i int) (string, int) {
	for ; i < len(lines) && strings.HasPrefix(lines[i], " ") && !isBlank(lines[i]) &&
		listMarker(lines[i]) == nil && !isFence(strings.TrimSpace(lines[i])); i++ {
		if text != "" {
			text += " "
		}
		text += strings.TrimSpace(lines[i])
	}
	return text, i
}

func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

func isIndentedFence(line string) bool {
	return strings.HasPrefix(line, " ") && isFence(strings.TrimSpace(line))
}

// nestedCode renders the fenced code block opening at lines[i] inside a list
// item, each line after prefix, and returns the index after it. The fence's
// own indentation is removed from the code lines.
func (r *renderer) nestedCode(lines []string, i int, prefix string) int {
	indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
	lang, body, next := fenced(lines, i)
	code := make([]string, len(body))
	for n, l := range body {
		code[n] = dedent(l, indent)
	}
	sub := renderer{width: max(r.width-ansi.StringWidth(prefix), 1)}
	sub.codeBlock(lang, code)
	for _, l := range strings.Split(strings.TrimRight(sub.out.String(), "\n"), "\n") {
		r.line(prefix + l)
	}
	return next
}

// dedent removes up to n leading spaces from line.
func dedent(line string, n int) string {
	k := 0
	for k < n && k < len(line) && line[k] == ' ' {
		k++
	}
	return line[k:]
}
