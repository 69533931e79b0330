package markdown

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// isTableStart reports a header row followed by a |---|---| separator.
func isTableStart(lines []string, i int) bool {
	if i+1 >= len(lines) || !strings.Contains(lines[i], "|") {
		return false
	}
	sep := strings.TrimSpace(lines[i+1])
	if !strings.Contains(sep, "-") || !strings.Contains(sep, "|") {
		return false
	}
	return strings.Trim(sep, "|-: ") == ""
}

func splitRow(line string) []string {
	t := strings.TrimSpace(line)
	t = strings.TrimPrefix(t, "|")
	t = strings.TrimSuffix(t, "|")
	cells := strings.Split(t, "|")
	for i, c := range cells {
		cells[i] = Inline(strings.TrimSpace(c))
	}
	return cells
}

// table renders a pipe table with aligned columns; columns are shrunk
// proportionally and cells truncated when the table is wider than the width.
func (r *renderer) table(lines []string, i int) int {
	rows := [][]string{splitRow(lines[i])}
	i += 2
	for ; i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != ""; i++ {
		rows = append(rows, splitRow(lines[i]))
	}
	ncol := 0
	for _, row := range rows {
		ncol = max(ncol, len(row))
	}
	widths := make([]int, ncol)
	for _, row := range rows {
		for c, cell := range row {
			widths[c] = max(widths[c], ansi.StringWidth(cell))
		}
	}
	fitColumns(widths, r.width-3*(ncol-1))
	r.gap()
	for n, row := range rows {
		var b strings.Builder
		for c := range ncol {
			cell := ""
			if c < len(row) {
				cell = ansi.Truncate(row[c], widths[c], "…")
			}
			if n == 0 {
				cell = Bold(cell)
			}
			b.WriteString(cell)
			if c < ncol-1 {
				b.WriteString(strings.Repeat(" ", widths[c]-ansi.StringWidth(cell)))
				b.WriteString(Fg(Gray, " │ "))
			}
		}
		r.line(b.String())
		if n == 0 {
			var sep []string
			for _, w := range widths {
				sep = append(sep, strings.Repeat("─", w))
			}
			r.line(Fg(Gray, strings.Join(sep, "─┼─")))
		}
	}
	r.gap()
	return i
}

// fitColumns shrinks the widest columns until the sum fits in total.
func fitColumns(widths []int, total int) {
	sum := 0
	for _, w := range widths {
		sum += w
	}
	for sum > total && sum > len(widths)*3 {
		widest := 0
		for c, w := range widths {
			if w > widths[widest] {
				widest = c
			}
		}
		widths[widest]--
		sum--
	}
}
