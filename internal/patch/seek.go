package patch

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Match levels of seekSequence, strictest first (Codex's seek_sequence).
var matchLevels = []func(string) string{
	func(s string) string { return s },
	func(s string) string { return strings.TrimRight(s, " \t\r\n\v\f") },
	strings.TrimSpace,
	normalise,
}

// punct maps typographic punctuation and odd spaces to ASCII. Built on
// first use, so that starting kodex does not pay for it.
var punct = sync.OnceValue(func() *strings.Replacer {
	return strings.NewReplacer(
		"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2015", "-", "\u2212", "-",
		"\u2018", "'", "\u2019", "'", "\u201A", "'", "\u201B", "'",
		"\u201C", `"`, "\u201D", `"`, "\u201E", `"`, "\u201F", `"`,
		"\u00A0", " ", "\u2002", " ", "\u2003", " ", "\u2004", " ", "\u2005", " ", "\u2006", " ",
		"\u2007", " ", "\u2008", " ", "\u2009", " ", "\u200A", " ", "\u202F", " ", "\u205F", " ", "\u3000", " ",
	)
})

func normalise(s string) string { return punct().Replace(strings.TrimSpace(s)) }

// seekSequence returns the index of the first occurrence of pattern in lines
// at or after start, or -1. Each match level is tried over the whole range
// before the next, more lenient one. With eof, a match ending at the last
// line is preferred; if there is none, the search falls back to start.
func seekSequence(lines, pattern []string, start int, eof bool) int {
	if len(pattern) == 0 {
		return start
	}
	last := len(lines) - len(pattern)
	if last < 0 || start > last {
		return -1
	}
	if eof {
		if i := seekLevels(lines, pattern, last, last); i >= 0 {
			return i
		}
	}
	return seekLevels(lines, pattern, start, last)
}

func seekLevels(lines, pattern []string, from, to int) int {
	for _, norm := range matchLevels {
		pat := mapLines(pattern, norm)
		var got []string
		for i := from; i <= to; i++ {
			ok := true
			for j, p := range pat {
				if lines[i+j] == p {
					continue
				}
				if got == nil {
					got = mapLines(lines, norm)
				}
				if got[i+j] != p {
					ok = false
					break
				}
			}
			if ok {
				return i
			}
		}
	}
	return -1
}

func mapLines(lines []string, f func(string) string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = f(l)
	}
	return out
}

type replacement struct {
	start, oldLen int
	lines         []string
	// from is, for each of lines, the index in the file of the unchanged
	// line it keeps, or -1 for a line the patch adds.
	from []int
}

// applyChunks applies an update's chunks to lines (the file without line
// terminators). It returns the new lines and, for each, the index of the
// file line it keeps unchanged, or -1 for a line the patch adds (so the
// caller can keep each unchanged line's own terminator). name is used in
// errors.
func applyChunks(name string, lines []string, chunks []Chunk) ([]string, []int, error) {
	var repls []replacement
	idx := 0
	for _, c := range chunks {
		ctxAt := -1
		if c.Context != "" {
			ctxAt = seekSequence(lines, []string{c.Context}, idx, false)
			if ctxAt < 0 {
				return nil, nil, fmt.Errorf("Failed to find context '%s' in %s", c.Context, name) //nolint:staticcheck // Codex's wording, which models know
			}
			idx = ctxAt + 1
		}
		if len(c.Old) == 0 {
			from := make([]int, len(c.New))
			for i := range from {
				from[i] = -1
			}
			repls = append(repls, replacement{insertionPoint(lines, c, ctxAt, idx), 0, c.New, from})
			continue
		}
		at, old, nw := locate(lines, c, idx, ctxAt)
		if at < 0 {
			return nil, nil, fmt.Errorf("Failed to find expected lines in %s:\n%s", name, strings.Join(c.Old, "\n")) //nolint:staticcheck // Codex's wording, which models know
		}
		texts, from := keepContext(lines[at:at+len(old)], at, old, nw)
		repls = append(repls, replacement{at, len(old), texts, from})
		idx = at + len(old)
	}
	sort.SliceStable(repls, func(i, j int) bool { return repls[i].start < repls[j].start })
	out := make([]string, 0, len(lines))
	outFrom := make([]int, 0, len(lines))
	keep := func(lo, hi int) {
		out = append(out, lines[lo:hi]...)
		for i := lo; i < hi; i++ {
			outFrom = append(outFrom, i)
		}
	}
	pos := 0
	for _, r := range repls {
		if r.start < pos {
			return nil, nil, fmt.Errorf("patch chunks overlap in %s", name)
		}
		keep(pos, r.start)
		out = append(out, r.lines...)
		outFrom = append(outFrom, r.from...)
		pos = r.start + r.oldLen
	}
	keep(pos, len(lines))
	return out, outFrom, nil
}

// insertionPoint is where a chunk with no old lines goes: after its @@
// context line if it has one, else at the end of the file (before a final
// blank line, as Codex does).
func insertionPoint(lines []string, c Chunk, ctxAt, idx int) int {
	if ctxAt >= 0 && !c.EOF {
		return idx
	}
	if n := len(lines); n > 0 && lines[n-1] == "" {
		return n - 1
	}
	return len(lines)
}

// locate finds c's old lines at or after idx. It retries from the @@
// context line itself (models often repeat it as the first context line)
// and without trailing blank lines (a blank line before the next marker is
// parsed as an empty context line).
func locate(lines []string, c Chunk, idx, ctxAt int) (at int, old, nw []string) {
	old, nw = c.Old, c.New
	for {
		if at = seekSequence(lines, old, idx, c.EOF); at >= 0 {
			return at, old, nw
		}
		if ctxAt >= 0 {
			if at = seekSequence(lines, old, ctxAt, c.EOF); at >= 0 {
				return at, old, nw
			}
		}
		if len(old) < 2 || old[len(old)-1] != "" {
			return -1, nil, nil
		}
		old = old[:len(old)-1]
		if len(nw) > 0 && nw[len(nw)-1] == "" {
			nw = nw[:len(nw)-1]
		}
	}
}

// keepContext returns nw with its context lines (those equal to a line of
// old) taken from found, the file's lines old matched at index at, and for
// each returned line the index of the file line it keeps (-1 for an added
// line). After a fuzzy match this keeps the file's whitespace and
// punctuation on lines the patch did not change, where Codex would rewrite
// them with the patch's text.
func keepContext(found []string, at int, old, nw []string) ([]string, []int) {
	out := make([]string, 0, len(nw))
	from := make([]int, 0, len(nw))
	i := 0 // index in old
	for _, e := range diffLines(old, nw) {
		switch e.kind {
		case editEqual:
			out = append(out, found[i])
			from = append(from, at+i)
			i++
		case editDelete:
			i++
		case editInsert:
			out = append(out, e.line)
			from = append(from, -1)
		}
	}
	return out, from
}
