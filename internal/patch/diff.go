package patch

import (
	"fmt"
	"strings"
)

// maxEditDistance bounds the Myers search; beyond it the differing middle
// is shown as one replacement (still a correct diff, just not minimal).
const maxEditDistance = 2000

type editKind byte

const (
	editEqual  editKind = ' '
	editDelete editKind = '-'
	editInsert editKind = '+'
)

type edit struct {
	kind editKind
	line string // with its "\n" if it had one
}

// UnifiedDiff returns a unified diff of oldText to newText with context
// lines around each change: "@@ -l,n +l,n @@" hunks only, no file header
// lines. A last line without a newline is followed by "\ No newline at end
// of file". Equal texts give "".
func UnifiedDiff(oldText, newText string, context int) string {
	if oldText == newText {
		return ""
	}
	edits := diffLines(splitLinesKeep(oldText), splitLinesKeep(newText))
	var b strings.Builder
	for _, h := range hunks(edits, context) {
		writeHunk(&b, edits, h)
	}
	return b.String()
}

// splitLinesKeep splits s after each "\n".
func splitLinesKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines returns an edit script turning a into b: the common prefix and
// suffix, and a Myers diff of the middle.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]edit, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		out = append(out, edit{editEqual, l})
	}
	out = append(out, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, edit{editEqual, l})
	}
	return out
}

// myers is Myers' O((N+M)D) shortest edit script. It keeps the frontier of
// every step (O(D²) memory) to walk back; D is capped by maxEditDistance.
func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	maxD := min(n+m, maxEditDistance)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int // trace[d] is v[off-d-1 : off+d+2] before step d
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace)
			}
		}
	}
	return replaceAll(a, b)
}

func backtrack(a, b []string, trace [][]int) []edit {
	x, y := len(a), len(b)
	var rev []edit
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d+1] } // v[off+k] of that step
		k := x - y
		var prevK int
		if k == -d || k != d && at(k-1) < at(k+1) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, edit{editEqual, a[x-1]})
			x, y = x-1, y-1
		}
		if d > 0 {
			if x == prevX {
				rev = append(rev, edit{editInsert, b[y-1]})
			} else {
				rev = append(rev, edit{editDelete, a[x-1]})
			}
		}
		x, y = prevX, prevY
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

func replaceAll(a, b []string) []edit {
	out := make([]edit, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, edit{editDelete, l})
	}
	for _, l := range b {
		out = append(out, edit{editInsert, l})
	}
	return out
}

// hunkRange is a half-open range of edits shown as one hunk.
type hunkRange struct{ start, end int }

// hunks groups changes with context equal lines around them, merging
// groups whose context would touch or overlap.
func hunks(edits []edit, context int) []hunkRange {
	var out []hunkRange
	for i := 0; i < len(edits); i++ {
		if edits[i].kind == editEqual {
			continue
		}
		start := max(0, i-context)
		end := i + 1
		for end < len(edits) {
			if edits[end].kind != editEqual {
				end++
				continue
			}
			j := end
			for j < len(edits) && edits[j].kind == editEqual {
				j++
			}
			if j == len(edits) || j-end > 2*context {
				break
			}
			end = j
		}
		end = min(len(edits), end+context)
		out = append(out, hunkRange{start, end})
		i = end - 1
	}
	return out
}

func writeHunk(b *strings.Builder, edits []edit, h hunkRange) {
	oldStart, newStart := 0, 0
	for _, e := range edits[:h.start] {
		if e.kind != editInsert {
			oldStart++
		}
		if e.kind != editDelete {
			newStart++
		}
	}
	oldN, newN := 0, 0
	for _, e := range edits[h.start:h.end] {
		if e.kind != editInsert {
			oldN++
		}
		if e.kind != editDelete {
			newN++
		}
	}
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkSpan(oldStart, oldN), hunkSpan(newStart, newN))
	for _, e := range edits[h.start:h.end] {
		b.WriteByte(byte(e.kind))
		b.WriteString(e.line)
		if !strings.HasSuffix(e.line, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkSpan formats a hunk range as diff(1) does: "l,n", "l" for one line,
// and the line before for an empty range.
func hunkSpan(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
