package tui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// A diff as the patch cells and the approval modal show it: each line with
// its number in the file (the new file's for context and added lines, the
// old file's for removed ones), its marker, the code coloured by the file's
// language, and, where a removed line and the added line that replaces it
// differ only in part, that part highlighted on both.

// diffTabWidth is the tab stop of code in diffs.
const diffTabWidth = 4

// diffRow is one line of a hunk.
type diffRow struct {
	kind byte // ' ', '+', '-', '@' (a hunk header), '\\' (no newline at end)
	num  int  // the line's number in its file; 0 for headers
	code string
	// lo, hi: the bytes of code that changed against the paired line (both
	// 0: no word-level highlight).
	lo, hi int
}

// diffRows parses the body of a unified diff (without its ---/+++ header)
// into rows with line numbers and word-level change spans.
func diffRows(lines []string) []diffRow {
	var rows []diffRow
	oldN, newN := 1, 1 // a new file's diff may have no hunk header
	for _, l := range lines {
		if strings.HasPrefix(l, "@@") {
			oldN, newN = hunkStarts(l)
			// The header's context (the enclosing function) is kept; the
			// first hunk's header without one says nothing.
			ctx := ""
			if i := strings.Index(l[2:], "@@"); i >= 0 {
				ctx = strings.TrimSpace(l[2+i+2:])
			}
			if ctx != "" || len(rows) > 0 {
				rows = append(rows, diffRow{kind: '@', code: ctx})
			}
			continue
		}
		kind, code := byte(' '), l
		if l != "" {
			kind, code = l[0], l[1:]
		}
		code = expandTabs(code, diffTabWidth)
		switch kind {
		case '+':
			rows = append(rows, diffRow{kind: '+', num: newN, code: code})
			newN++
		case '-':
			rows = append(rows, diffRow{kind: '-', num: oldN, code: code})
			oldN++
		case '\\':
			rows = append(rows, diffRow{kind: '\\', code: l})
		default:
			rows = append(rows, diffRow{kind: ' ', num: newN, code: code})
			oldN++
			newN++
		}
	}
	pairChanges(rows)
	return rows
}

// hunkStarts reads the first old and new line numbers of "@@ -a,b +c,d @@".
func hunkStarts(h string) (oldStart, newStart int) {
	for _, f := range strings.Fields(h) {
		n, _, _ := strings.Cut(f[min(1, len(f)):], ",")
		v, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(f, "-"):
			oldStart = v
		case strings.HasPrefix(f, "+"):
			newStart = v
		}
	}
	return oldStart, newStart
}

// pairChanges pairs each run of removed lines with the run of added lines
// right after it, line by line, and marks the part of each pair that
// differs, when it is a part and not the whole line.
func pairChanges(rows []diffRow) {
	for i := 0; i < len(rows); {
		if rows[i].kind != '-' {
			i++
			continue
		}
		del := i
		for i < len(rows) && rows[i].kind == '-' {
			i++
		}
		add := i
		for i < len(rows) && rows[i].kind == '+' {
			i++
		}
		for k := 0; k < min(add-del, i-add); k++ {
			markChange(&rows[del+k], &rows[add+k])
		}
	}
}

// markChange sets the differing middles of a removed and an added line,
// between their common prefix and suffix (at word boundaries), unless the
// lines have too little in common for a highlight to help.
func markChange(a, b *diffRow) {
	x, y := a.code, b.code
	p := 0
	for p < len(x) && p < len(y) && x[p] == y[p] {
		p++
	}
	for p > 0 && isWordByte(x[p-1]) && (p < len(x) && isWordByte(x[p]) || p < len(y) && isWordByte(y[p])) {
		p-- // start the change at the word's start
	}
	s := 0
	for s < len(x)-p && s < len(y)-p && x[len(x)-1-s] == y[len(y)-1-s] {
		s++
	}
	for s > 0 && isWordByte(x[len(x)-s]) && (len(x)-s-1 >= p && isWordByte(x[len(x)-s-1]) || len(y)-s-1 >= p && isWordByte(y[len(y)-s-1])) {
		s-- // end it at the word's end
	}
	common := p + s
	if common == 0 || common*3 < max(len(x), len(y)) {
		return // mostly different: the whole line is the change
	}
	if p < len(x)-s {
		a.lo, a.hi = p, len(x)-s
	}
	if p < len(y)-s {
		b.lo, b.hi = p, len(y)-s
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// expandTabs replaces tabs by the spaces up to the next tab stop.
func expandTabs(s string, stop int) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := stop - col%stop
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col += max(ansi.StringWidth(string(r)), 0)
	}
	return b.String()
}

// diffLang is the highlighter's name for a file's language ("" if none).
func diffLang(path string) string {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch filepath.Base(path) {
	case "Makefile", "Dockerfile":
		return "sh"
	}
	return ext
}

// renderDiffRows renders rows for a file in lang, each as one string (to be
// cut or wrapped by the caller): a number gutter as wide as the largest
// number, the marker, the code.
func renderDiffRows(rows []diffRow, lang string) []string {
	nw := 1
	for _, r := range rows {
		nw = max(nw, len(strconv.Itoa(r.num)))
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		switch r.kind {
		case '@':
			line := strings.Repeat(" ", nw) + " ⋮"
			if r.code != "" {
				line += " " + safeLine(r.code)
			}
			out = append(out, md.Faint(line))
			continue
		case '\\':
			out = append(out, md.Faint(strings.Repeat(" ", nw)+"   "+safeLine(strings.TrimPrefix(r.code, `\ `))))
			continue
		}
		gutter := md.Faint(padLeft(strconv.Itoa(r.num), nw)) + " "
		code := sanitize(r.code)
		switch r.kind {
		case '+':
			out = append(out, gutter+md.Fg(md.Green, "+")+" "+changed(code, r, lang, md.Green))
		case '-':
			out = append(out, gutter+md.Fg(md.Red, "-")+" "+changed(code, r, "", md.Red))
		default:
			out = append(out, gutter+"  "+highlight(code, lang))
		}
	}
	return out
}

// changed renders the code of an added or removed line: coloured by lang
// (removed lines: all in color), the changed part in reverse video.
func changed(code string, r diffRow, lang, color string) string {
	paint := func(s string) string {
		if lang == "" {
			return md.Fg(color, s)
		}
		return highlight(s, lang)
	}
	if r.hi <= r.lo || r.hi > len(code) || sanitize(r.code) != r.code {
		return paint(code)
	}
	return paint(code[:r.lo]) + md.Fg(color, "\x1b[7m"+code[r.lo:r.hi]+"\x1b[27m") + paint(code[r.hi:])
}

// highlight colours code in lang (see markdown.Highlight), one line.
func highlight(code, lang string) string {
	if lang == "" {
		return code
	}
	return md.Highlight(lang, code)[0]
}

func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(w-len(s), 0)) + s
}

// gitDiffRows renders the output of git diff file by file, as the patch
// cells show a patch: a summary line per file, then its numbered, coloured
// rows. Lines are not cut or wrapped.
func gitDiffRows(out string) []string {
	var rows []string
	var path string
	var body []string
	flush := func() {
		if path == "" && len(body) == 0 {
			return
		}
		add, del := 0, 0
		for _, l := range body {
			switch {
			case strings.HasPrefix(l, "+"):
				add++
			case strings.HasPrefix(l, "-"):
				del++
			}
		}
		rows = append(rows, "  └ "+md.Bold(safeLine(path))+" ("+statText(add, del)+")")
		for _, r := range renderDiffRows(diffRows(body), diffLang(path)) {
			rows = append(rows, "    "+r)
		}
		path, body = "", nil
	}
	inBody := false
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "diff --git "):
			flush()
			inBody = false
			if _, b, ok := strings.Cut(l, " b/"); ok {
				path = b
			}
		case !inBody && strings.HasPrefix(l, "+++ "):
			if p := strings.TrimPrefix(strings.TrimPrefix(l, "+++ "), "b/"); p != "/dev/null" {
				path = p
			}
		case !inBody && strings.HasPrefix(l, "Binary files "):
			body = append(body, `\ `+l)
		case strings.HasPrefix(l, "@@"):
			inBody = true
			body = append(body, l)
		case inBody:
			body = append(body, l)
		}
	}
	flush()
	return rows
}

// pager shows rows taller than the screen in the frame, scrolled with the
// keys (/diff). Any other key closes it.
type pager struct {
	title string
	rows  []string
	top   int // first row shown
	page  int // rows shown, from the screen's height when last keyed
	// pageRows is how many rows the frame leaves the pager (it changes
	// with the screen's size).
	pageRows func() int
}

func newPager(title string, rows []string, pageRows func() int) *pager {
	p := &pager{title: title, rows: rows, pageRows: pageRows}
	p.fit()
	return p
}

// fit sizes the page to the frame.
func (p *pager) fit() {
	p.page = max(p.pageRows(), 1)
	p.top = min(max(p.top, 0), max(len(p.rows)-p.page, 0))
}

func (p *pager) update(k tea.KeyPressMsg) tea.Msg {
	p.fit()
	switch k.String() {
	case "up", "k":
		p.top--
	case "down", "j", "enter":
		p.top++
	case "pgup", "b":
		p.top -= p.page
	case "pgdown", "space", "f":
		p.top += p.page
	case "home", "g":
		p.top = 0
	case "end", "G":
		p.top = len(p.rows)
	default:
		return closeOverlay{}
	}
	p.fit()
	return nil
}

// view draws the title, the page and the keys in at most height rows: the
// page is sized when a key is pressed (see fit), so after the screen
// shrank it shows fewer rows until the next key rather than lose its
// title.
func (p *pager) view(width, height int) string {
	page := p.page
	if height > 0 {
		page = min(page, max(height-2, 1))
	}
	end := min(p.top+page, len(p.rows))
	out := []string{ansi.Truncate(md.Bold(p.title)+md.Faint(fmt.Sprintf("  rows %d–%d of %d", p.top+1, end, len(p.rows))), width, "…")}
	for _, r := range p.rows[p.top:end] {
		out = append(out, ansi.Truncate(r, width, "…"))
	}
	hint := "↑/↓ pgup/pgdn home/end scroll · q close"
	if ansi.StringWidth(hint) > width {
		hint = ansi.Truncate("↑/↓ pgup/pgdn · q close", width, "…")
	}
	out = append(out, md.Faint(hint))
	return strings.Join(out, "\n")
}
