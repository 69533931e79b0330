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
// proportionally and cells truncated when the table is wider than the width,
// and rows that still do not fit (too many columns) are clipped with "…".
func (r *renderer) table(lines []string, i int) int {
	rows := [][]string{splitRow(lines[i])}
	i += 2
	for ; i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != ""; i++ {
		rows = append(rows, splitRow(lines[i]))
	}
	widths := columnWidths(rows)
	fitColumns(widths, r.width-3*(len(widths)-1))
	r.gap()
	for n, row := range rows {
		r.line(ansi.Truncate(tableRow(row, widths, n == 0), r.width, "…"))
		if n == 0 {
			var sep []string
			for _, w := range widths {
				sep = append(sep, strings.Repeat("─", w))
			}
			r.line(Fg(Gray, ansi.Truncate(strings.Join(sep, "─┼─"), r.width, "")))
		}
	}
	r.gap()
	return i
}

// columnWidths returns the display width of the widest cell of each column.
func columnWidths(rows [][]string) []int {
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
	return widths
}

// tableRow lays out one row: cells truncated and padded to the column
// widths, separated by a gray " │ ". A header row is bold.
func tableRow(row []string, widths []int, header bool) string {
	var b strings.Builder
	for c := range widths {
		cell := ""
		if c < len(row) {
			cell = ansi.Truncate(row[c], widths[c], "…")
		}
		// Measured before styling: invalid UTF-8 next to an escape sequence
		// can measure wider than the column, and the padding must not be
		// negative.
		pad := max(widths[c]-ansi.StringWidth(cell), 0)
		if header {
			cell = Bold(cell)
		}
		b.WriteString(cell)
		if c < len(widths)-1 {
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(Fg(Gray, " │ "))
		}
	}
	return b.String()
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
