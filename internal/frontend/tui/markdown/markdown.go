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
			r.line(Faint(strings.Repeat("─", max(min(r.width, 40), 1))))
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
	_, n := fenceRun(trimmed)
	return n >= 3
}

// fenceRun returns the fence character (` or ~) that trimmed starts with and
// how many times it repeats, or 0, 0.
func fenceRun(trimmed string) (byte, int) {
	if trimmed == "" || (trimmed[0] != '`' && trimmed[0] != '~') {
		return 0, 0
	}
	n := 1
	for n < len(trimmed) && trimmed[n] == trimmed[0] {
		n++
	}
	return trimmed[0], n
}

// closesFence reports whether trimmed closes a fence opened with n c's: a
// run of at least n c's and nothing else (CommonMark).
func closesFence(trimmed string, c byte, n int) bool {
	return len(trimmed) >= n && strings.Trim(trimmed, string(c)) == ""
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
	text := Inline(headingText(s[level:]))
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

// headingText strips the spaces around a heading's text and an optional
// closing run of '#'s, which must be preceded by a space or be all there is:
// "Title ##" is "Title", "Learn C#" stays as it is.
func headingText(s string) string {
	s = strings.TrimSpace(s)
	if t := strings.TrimRight(s, "#"); t == "" || strings.HasSuffix(t, " ") {
		return strings.TrimSpace(t)
	}
	return s
}

// code renders a fenced code block starting at lines[i] and returns the index
// after it. An unclosed fence (still streaming) runs to the end.
func (r *renderer) code(lines []string, i int) int {
	lang, body, next := fenced(lines, i)
	r.codeBlock(lang, body)
	return next
}

// fenced splits the fenced code block opening at lines[i] into its info
// string and body lines, and returns the index after its closing fence (the
// end of lines if it is not closed yet).
func fenced(lines []string, i int) (lang string, body []string, next int) {
	open := strings.TrimSpace(lines[i])
	c, n := fenceRun(open)
	j := i + 1
	for j < len(lines) && !closesFence(strings.TrimSpace(lines[j]), c, n) {
		j++
	}
	body = lines[i+1 : j]
	if j < len(lines) {
		j++
	}
	return strings.TrimSpace(open[n:]), body, j
}

// codeBlock writes highlighted, indented and hard-wrapped code.
func (r *renderer) codeBlock(lang string, body []string) {
	r.gap()
	for _, l := range Highlight(lang, strings.Join(body, "\n")) {
		l = strings.ReplaceAll(l, "\t", "    ")
		for _, part := range strings.Split(ansi.Hardwrap(l, max(r.width-2, 1), true), "\n") {
			r.line("  " + part)
		}
	}
	r.gap()
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
	// Nested quotes narrow the width; keep it positive however deep they go.
	sub := renderer{width: max(r.width-2, 1)}
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
			(len(parts) > 0 && (listMarker(lines[i]) != nil || isTableStart(lines, i))) {
			break
		}
		// A trailing double space or backslash is a hard break.
		if strings.HasSuffix(lines[i], "  ") || strings.HasSuffix(t, "\\") {
			t = strings.TrimSuffix(t, "\\") + "\n"
		}
		parts = append(parts, t)
	}
	// A hard break at the end of a paragraph is ignored, and its backslash is
	// literal text (CommonMark).
	if n := len(parts); n > 0 && strings.HasSuffix(parts[n-1], "\n") {
		parts[n-1] = strings.TrimSpace(lines[i-1])
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
