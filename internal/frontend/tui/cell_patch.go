package tui

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// patchDiffLines is how many diff lines a patch cell shows before folding.
const patchDiffLines = 80

// rejectedByUser is what a patch the user declined without a word says:
// the cell says "Declined" already.
const rejectedByUser = "patch rejected by user"

// patchCell is a patch being applied, then its outcome.
type patchCell struct {
	changes  []protocol.FileChange
	running  bool
	failed   bool
	declined bool   // the user or the policy said no: summary and why
	output   string // the error, when failed; why, when declined
}

// diffStat counts added and removed lines of a unified diff.
func diffStat(diff string) (add, del int) {
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		case strings.HasPrefix(l, "+"):
			add++
		case strings.HasPrefix(l, "-"):
			del++
		}
	}
	return add, del
}

func statText(add, del int) string {
	return md.Fg(md.Green, fmt.Sprintf("+%d", add)) + " " + md.Fg(md.Red, fmt.Sprintf("-%d", del))
}

func (c *patchCell) render(width int) string {
	var b strings.Builder
	verb, glyph := "Edited", md.Fg(md.Green, "✓")
	switch {
	case c.running:
		verb, glyph = "Editing", md.Fg(md.Cyan, "•")
	case c.failed:
		verb, glyph = "Failed to edit", md.Fg(md.Red, "✗")
	case c.declined:
		verb, glyph = "Declined edits to", md.Fg(md.Red, "✗")
	}
	add, del := 0, 0
	for _, ch := range c.changes {
		a, d := diffStat(ch.UnifiedDiff)
		add, del = add+a, del+d
	}
	files := "1 file"
	if len(c.changes) != 1 {
		files = fmt.Sprintf("%d files", len(c.changes))
	}
	if c.failed && len(c.changes) == 0 {
		// The patch did not parse or apply: there are no files to count.
		b.WriteString(glyph + " " + md.Bold("Edit failed"))
		if c.output != "" {
			b.WriteString("\n" + indent(md.Fg(md.Red, wrap(sanitize(c.output), width-4)), "  ", "  "))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s %s (%s)", glyph, verb, files, statText(add, del))
	budget := patchDiffLines
	if c.declined {
		budget = 0
	}
	b.WriteString("\n" + renderChanges(c.changes, width, budget))
	if c.failed && c.output != "" {
		b.WriteString("\n" + indent(md.Fg(md.Red, wrap(sanitize(c.output), width-4)), "  ", "  "))
	}
	if c.declined && c.output != "" && c.output != rejectedByUser {
		// The policy's reason, or what the user told the model.
		b.WriteString("\n" + indent(md.Faint(wrap(sanitize(c.output), width-4)), "  ", "  "))
	}
	return b.String()
}

// renderChanges renders a per-file summary line and the coloured diff of
// each change, with at most budget diff lines in all (negative: no limit),
// long lines cut at the width.
func renderChanges(changes []protocol.FileChange, width, budget int) string {
	return changesView(changes, width, budget, false)
}

// renderChangesFull renders every line of every change, long ones wrapped,
// for an approval that scrolls: nothing of what would be written is hidden.
func renderChangesFull(changes []protocol.FileChange, width int) string {
	return changesView(changes, width, -1, true)
}

func changesView(changes []protocol.FileChange, width, budget int, full bool) string {
	var out []string
	for _, ch := range changes {
		add, del := diffStat(ch.UnifiedDiff)
		kind := map[protocol.ChangeKind]string{protocol.ChangeAdd: "A", protocol.ChangeDelete: "D", protocol.ChangeUpdate: "M"}[ch.Kind]
		name := safeLine(ch.Path)
		if ch.MovePath != "" {
			name += " → " + safeLine(ch.MovePath)
		}
		head := fmt.Sprintf("  └ %s %s (%s)", md.Bold(kind), md.Bold(name), statText(add, del))
		if full {
			out = append(out, indentRows(hardRows(head, width-4), "", "    ")...)
		} else {
			out = append(out, head)
		}
		lines := renderDiffRows(diffRows(diffBody(ch.UnifiedDiff)), diffLang(cmp.Or(ch.MovePath, ch.Path)))
		if budget == 0 {
			continue
		}
		if budget > 0 && len(lines) > budget {
			lines = append(lines[:budget:budget], md.Faint(fmt.Sprintf("… +%d lines", len(lines)-budget)))
			budget = 0
		} else if budget > 0 {
			budget -= len(lines)
		}
		for _, l := range lines {
			if full {
				out = append(out, indentRows(hardRows(l, width-4), "    ", "    ")...)
				continue
			}
			out = append(out, "    "+ansi.Truncate(l, width-4, "…"))
		}
	}
	return strings.Join(out, "\n")
}

// indentRows prefixes the first row with first and the others with rest.
func indentRows(rows []string, first, rest string) []string {
	for i := range rows {
		if i == 0 {
			rows[i] = first + rows[i]
		} else {
			rows[i] = rest + rows[i]
		}
	}
	return rows
}

// diffBody drops a diff's ---/+++ header lines, which the summary line
// already shows. The lines are raw: renderDiffRows makes them safe to draw.
func diffBody(diff string) []string {
	diff = strings.TrimRight(diff, "\n")
	if diff == "" {
		return nil
	}
	lines := strings.Split(diff, "\n")
	for len(lines) > 0 && (strings.HasPrefix(lines[0], "---") || strings.HasPrefix(lines[0], "+++") ||
		strings.HasPrefix(lines[0], "diff ") || strings.HasPrefix(lines[0], "index ")) {
		lines = lines[1:]
	}
	return lines
}
