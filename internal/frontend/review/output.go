package review

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// Output is the reviewer's answer, in the shape of Codex's ReviewOutputEvent.
type Output struct {
	Findings               []Finding `json:"findings"`
	OverallCorrectness     string    `json:"overall_correctness"`
	OverallExplanation     string    `json:"overall_explanation"`
	OverallConfidenceScore float64   `json:"overall_confidence_score"`
}

// Finding is one problem the reviewer flagged.
type Finding struct {
	Title           string   `json:"title"`
	Body            string   `json:"body"`
	ConfidenceScore float64  `json:"confidence_score"`
	Priority        *int     `json:"priority"` // 0 (P0) to 3 (P3); nil: not given
	CodeLocation    Location `json:"code_location"`
}

// Location is where a finding is.
type Location struct {
	AbsoluteFilePath string    `json:"absolute_file_path"`
	LineRange        LineRange `json:"line_range"`
}

// LineRange is an inclusive range of line numbers.
type LineRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Parse reads the reviewer's answer as Codex does: the text as JSON, else
// the span from its first '{' to its last '}' as JSON, else the whole text
// as the overall explanation with no findings.
func Parse(text string) Output {
	var out Output
	if json.Unmarshal([]byte(text), &out) == nil {
		return out
	}
	if i, j := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}'); i >= 0 && i < j {
		out = Output{}
		if json.Unmarshal([]byte(text[i:j+1]), &out) == nil {
			return out
		}
	}
	return Output{OverallExplanation: text}
}

// fallback is what is shown when the reviewer said nothing usable (Codex's
// words).
const fallback = "Reviewer failed to output a response."

// CodexText renders out as Codex's review agent message: the overall
// explanation, then the findings block ("Review comment:" or "Full review
// comments:", each "- title — path:start-end" with its body indented).
func CodexText(out Output) string {
	var sections []string
	if e := strings.TrimSpace(out.OverallExplanation); e != "" {
		sections = append(sections, e)
	}
	if len(out.Findings) > 0 {
		lines := []string{"Review comment:"}
		if len(out.Findings) > 1 {
			lines[0] = "Full review comments:"
		}
		for _, f := range out.Findings {
			lines = append(lines, "", fmt.Sprintf("- %s — %s:%d-%d", f.Title, f.CodeLocation.AbsoluteFilePath, f.CodeLocation.LineRange.Start, f.CodeLocation.LineRange.End))
			for l := range strings.Lines(f.Body) {
				lines = append(lines, "  "+strings.TrimRight(l, "\r\n"))
			}
		}
		sections = append(sections, strings.Join(lines, "\n"))
	}
	if len(sections) == 0 {
		return fallback
	}
	return strings.Join(sections, "\n\n")
}

// Tagged returns the finding's priority tag ("P1") and its title without
// a leading tag. The priority field wins over a tag in the title; with
// neither the tag is "".
func (f Finding) Tagged() (tag, title string) {
	title = strings.TrimSpace(f.Title)
	if len(title) >= 4 && title[0] == '[' && title[1] == 'P' && title[2] >= '0' && title[2] <= '3' && title[3] == ']' {
		title, tag = strings.TrimSpace(title[4:]), title[1:3]
	}
	if f.Priority != nil && *f.Priority >= 0 && *f.Priority <= 3 {
		tag = fmt.Sprintf("P%d", *f.Priority)
	}
	return tag, title
}

// Where is the finding's location, relative to cwd when it is under it:
// "internal/x.go:12-14" (one line: "internal/x.go:12").
func (f Finding) Where(cwd string) string {
	p := f.CodeLocation.AbsoluteFilePath
	if cwd != "" && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(cwd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	r := f.CodeLocation.LineRange
	switch {
	case p == "":
		return ""
	case r.Start <= 0:
		return p
	case r.End <= r.Start:
		return fmt.Sprintf("%s:%d", p, r.Start)
	}
	return fmt.Sprintf("%s:%d-%d", p, r.Start, r.End)
}

// Verdict is the overall verdict in a line: "patch is incorrect
// (confidence 0.80)", or "" when the reviewer gave none.
func (o Output) Verdict() string {
	v := strings.TrimSpace(o.OverallCorrectness)
	if v == "" {
		return ""
	}
	if o.OverallConfidenceScore > 0 {
		v += fmt.Sprintf(" (confidence %.2f)", o.OverallConfidenceScore)
	}
	return v
}

// Format renders out as kodex shows a review in plain text: a heading
// naming the target, each finding as "[P1] title", its location and its
// body, then the verdict and its explanation. Paths under cwd are shown
// relative to it.
func Format(t Target, out Output, cwd string) string {
	var b strings.Builder
	n := len(out.Findings)
	switch n {
	case 0:
		fmt.Fprintf(&b, "Review of %s: no findings\n", t.Hint())
	case 1:
		fmt.Fprintf(&b, "Review of %s: 1 finding\n", t.Hint())
	default:
		fmt.Fprintf(&b, "Review of %s: %d findings\n", t.Hint(), n)
	}
	for _, f := range out.Findings {
		tag, title := f.Tagged()
		b.WriteByte('\n')
		if tag != "" {
			b.WriteString("[" + tag + "] ")
		}
		b.WriteString(title + "\n")
		if w := f.Where(cwd); w != "" {
			b.WriteString("  " + w + "\n")
		}
		for l := range strings.Lines(strings.TrimSpace(f.Body)) {
			b.WriteString("  " + strings.TrimRight(l, "\r\n") + "\n")
		}
	}
	b.WriteByte('\n')
	if v := out.Verdict(); v != "" {
		b.WriteString("Verdict: " + v + "\n")
	}
	if e := strings.TrimSpace(out.OverallExplanation); e != "" {
		b.WriteString(e + "\n")
	} else if out.Verdict() == "" {
		b.WriteString(fallback + "\n")
	}
	return b.String()
}
