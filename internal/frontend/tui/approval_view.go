package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// The approval modal must never lie about what it approves: the command is
// shown from its first line, every character of it visible (see termtext),
// with its line count, and a body taller than the screen scrolls inside the
// modal instead of being cut at the top. Parts under the body give way, least
// important first, before the body shrinks below minModalBody rows.

// minModalBody is the fewest body rows the modal shows while less
// important parts can still give way.
const minModalBody = 3

// modalPart is a block of rows of the modal.
type modalPart struct {
	rows []string
	// drop orders what gives way when rows are short: the highest first;
	// 0 is never dropped.
	drop int
	body bool // the scrollable body; rows are its rows
}

// Drop priorities of the modal's parts.
const (
	keep        = 0 // the title, the keys, "outside the sandbox"
	dropCwd     = 1
	dropReason  = 2
	dropJustify = 3
	dropSpacer  = 4
)

// view renders the modal width columns wide in at most height rows (when
// that many are enough for its borders, title, a body row and the keys). It
// records the body's page size for the scroll keys.
func (a *approval) view(width, height int) string {
	inner := max(width-4, 1)
	var parts []modalPart
	var body []string
	var hint func(first, last int) string
	switch {
	case a.exec != nil:
		parts, body, hint = a.execParts(inner)
	case a.mcp != nil:
		parts, body, hint = a.mcpParts(inner)
	default:
		parts, body, hint = a.patchParts(inner)
	}
	parts = append(parts, modalPart{drop: dropSpacer, rows: []string{""}}, modalPart{rows: a.keyRows(inner)})

	rows := a.fit(parts, body, height-2) // the borders take two rows
	out := make([]string, 0, rows+8)
	for _, p := range parts {
		if !p.body {
			out = append(out, p.rows...)
			continue
		}
		end := min(a.scroll+rows, len(body))
		out = append(out, body[a.scroll:end]...)
		if len(body) > rows {
			out = append(out, md.Faint(hint(a.scroll, end-1)))
		}
	}
	return box(strings.Join(out, "\n"), width, md.Yellow)
}

// fit drops parts (in place) until the body gets minModalBody rows or
// nothing more can go, clamps the scroll, and returns the body's rows.
func (a *approval) fit(parts []modalPart, body []string, avail int) int {
	for {
		used := 0
		for _, p := range parts {
			if !p.body {
				used += len(p.rows)
			}
		}
		rows := avail - used
		if len(body) > rows {
			rows-- // the scroll hint
		}
		worst := -1
		for i, p := range parts {
			if p.drop > keep && len(p.rows) > 0 && (worst < 0 || p.drop > parts[worst].drop) {
				worst = i
			}
		}
		if rows >= min(minModalBody, len(body)) || worst < 0 {
			rows = min(max(rows, 1), len(body))
			a.page, a.maxScroll = rows, max(len(body)-rows, 0)
			a.scroll = min(max(a.scroll, 0), a.maxScroll)
			return rows
		}
		parts[worst].rows = nil
	}
}

// execParts lays out a command approval: the title with the line count,
// the command (numbered when it has several lines), where it runs and why.
func (a *approval) execParts(inner int) ([]modalPart, []string, func(int, int) string) {
	e := a.exec
	lines := strings.Split(strings.TrimRight(displayCommand(e.Command), "\n"), "\n")
	title := "Allow this command?"
	if len(lines) > 1 {
		title += fmt.Sprintf(" (%d lines)", len(lines))
	}
	body, lineOf := commandRows(lines, inner)
	hint := func(first, last int) string {
		return fmt.Sprintf("lines %d–%d of %d · %s", lineOf[first], lineOf[last], len(lines), scrollKeys(inner))
	}
	parts := []modalPart{
		{rows: strings.Split(wrap(md.Bold(title), inner), "\n")},
		{drop: dropSpacer, rows: []string{""}},
		{body: true},
		{drop: dropCwd, rows: hardRows(md.Faint("in "+safeLine(e.Cwd)), inner)},
	}
	if e.Justification != "" {
		parts = append(parts, modalPart{drop: dropSpacer, rows: []string{""}},
			modalPart{drop: dropJustify, rows: strings.Split(wrap(md.Italic(safeText(e.Justification)), inner), "\n")})
	}
	if e.Reason != "" {
		parts = append(parts, modalPart{drop: dropSpacer, rows: []string{""}},
			modalPart{drop: dropReason, rows: strings.Split(md.Faint(wrap("Why: "+safeText(e.Reason), inner)), "\n")})
	}
	if e.Escalated {
		parts = append(parts, modalPart{rows: strings.Split(md.Fg(md.Red, wrap("This would run outside the sandbox.", inner)), "\n")})
	}
	return parts, body, hint
}

// commandRows renders a command's lines hard-wrapped to width, so no
// character is lost at a wrap. A one-line command starts with "$ "; the
// lines of a longer one are numbered. lineOf maps a row to its line (1-based).
func commandRows(lines []string, width int) (rows []string, lineOf []int) {
	prefix := func(i int, first bool) string {
		switch {
		case len(lines) == 1 && first:
			return md.Bold(md.Fg(md.Yellow, "$")) + " "
		case len(lines) == 1:
			return "  "
		case first:
			return md.Faint(fmt.Sprintf("%*d", len(strconv.Itoa(len(lines))), i+1)) + " "
		}
		return strings.Repeat(" ", len(strconv.Itoa(len(lines)))+1)
	}
	textWidth := max(width-ansi.StringWidth(prefix(0, false)), 1)
	for i, l := range lines {
		for j, r := range hardRows(safeLine(l), textWidth) {
			rows = append(rows, prefix(i, j == 0)+md.Bold(r))
			lineOf = append(lineOf, i+1)
		}
	}
	return rows, lineOf
}

// patchParts lays out a patch approval: the files and their diffs scroll.
func (a *approval) patchParts(inner int) ([]modalPart, []string, func(int, int) string) {
	p := a.patch
	files := len(p.Changes)
	title := fmt.Sprintf("Apply these changes to %d file%s?", files, plural(files))
	body := strings.Split(renderChangesFull(p.Changes, inner), "\n")
	hint := func(first, last int) string {
		return fmt.Sprintf("rows %d–%d of %d · %s", first+1, last+1, len(body), scrollKeys(inner))
	}
	parts := []modalPart{
		{rows: strings.Split(wrap(md.Bold(title), inner), "\n")},
		{drop: dropSpacer, rows: []string{""}},
		{body: true},
	}
	if p.Reason != "" {
		parts = append(parts, modalPart{drop: dropSpacer, rows: []string{""}},
			modalPart{drop: dropReason, rows: strings.Split(md.Faint(wrap("Why: "+safeText(p.Reason), inner)), "\n")})
	}
	return parts, body, hint
}

// keyRows is the decision keys, or the feedback prompt while the user says
// why a patch is denied.
func (a *approval) keyRows(inner int) []string {
	if a.feedback != nil {
		text := md.Bold("Tell the model why (Enter to send, empty to just deny, Esc to go back):") + "\n" +
			"› " + a.feedback.value()
		return strings.Split(wrap(text, inner), "\n")
	}
	help := keyHelp("y", "yes") + "   " + keyHelp("a", "yes, for this session") + "   " +
		keyHelp("n", "no") + "   " + keyHelp("esc", "abort the turn")
	if inner < narrowModal {
		help = keyHelp("y", "yes") + "  " + keyHelp("a", "session") + "  " + keyHelp("n", "no") + "  " + keyHelp("esc", "abort")
	}
	rows := strings.Split(wrap(help, inner), "\n")
	if a.exec != nil && len(a.exec.ProposedPrefixRule) > 0 {
		// The model's prefix rule: approving it lets later commands that
		// start with it run without asking, outside the sandbox.
		prefix := safeLine(strings.Join(a.exec.ProposedPrefixRule, " "))
		rule := keyHelp("p", "yes, and don't ask again for commands that start with ") + md.Bold(prefix)
		rows = append(strings.Split(wrap(rule, inner), "\n"), rows...)
	}
	return rows
}

// narrowModal is the inner width under which the modal's help is short.
const narrowModal = 60

func scrollKeys(inner int) string {
	if inner < narrowModal {
		return "↑/↓ scroll"
	}
	return "↑/↓ pgup/pgdn home/end"
}

// hardRows hard-wraps s to width, keeping every space.
func hardRows(s string, width int) []string {
	return strings.Split(ansi.Hardwrap(s, max(width, 1), true), "\n")
}

// safeText makes untrusted text (a command, a path, the model's words) safe
// to draw, keeping its line breaks; the escapes termtext inserts are drawn
// in reverse video so they stand apart from a literal backslash.
func safeText(s string) string { return termtext.Marked(s, false, reverse) }

// safeLine is safeText on one line: a newline is shown as \n.
func safeLine(s string) string { return termtext.Marked(s, true, reverse) }

func reverse(s string) string { return "\x1b[7m" + s + "\x1b[27m" }
