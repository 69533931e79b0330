package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// A cell is one item of the transcript. render returns the cell's text
// wrapped to width, without a trailing newline. Cells are immutable once
// committed to the history, so renderings can be cached by width; the one
// exception, a reasoning cell's expansion, is changed through
// [history.setReasoningExpanded], which drops the cached renderings.
type cell interface {
	render(width int) string
}

// wrap word-wraps s (which may carry ANSI styles) to width.
func wrap(s string, width int) string { return ansi.Wrap(s, max(width, 1), "") }

// indent prefixes every line of s: first for the first line, rest after.
func indent(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = first + l
		} else {
			lines[i] = rest + l
		}
	}
	return strings.Join(lines, "\n")
}

// userCell is a message the user sent.
type userCell struct {
	text   string
	images []string
}

func (c *userCell) render(width int) string {
	body := wrap(termtext.Text(c.text), width-2)
	for _, img := range c.images {
		body += "\n" + md.Fg(md.Magenta, "[image "+img+"]")
	}
	return indent(body, md.Bold(md.Fg(md.Cyan, "›"))+" ", "  ")
}

// agentCell is (a block of) an assistant message, in Markdown.
type agentCell struct {
	src string
	// cont marks a continuation block of a streamed message, drawn without
	// the bullet so the message reads as one.
	cont bool
}

func (c *agentCell) render(width int) string {
	bullet := md.Bold("•") + " "
	if c.cont {
		bullet = "  "
	}
	// The model's text is hostile input: no escape sequence of its own
	// reaches the terminal (OSC 52 would write the clipboard).
	return indent(md.Render(termtext.Text(c.src), width-2), bullet, "  ")
}

// noticeKind picks a notice's colour and glyph.
type noticeKind int

const (
	noticeInfo noticeKind = iota
	noticeWarning
	noticeError
)

// noticeCell is a warning, an error or an informational line, in plain words
// with what to do.
type noticeCell struct {
	kind noticeKind
	text string
	hint string
}

func (c *noticeCell) render(width int) string {
	glyph, color := "•", md.Gray
	switch c.kind {
	case noticeWarning:
		glyph, color = "⚠", md.Yellow
	case noticeError:
		glyph, color = "■", md.Red
	case noticeInfo:
	}
	body := wrap(termtext.Text(c.text), width-2)
	if c.hint != "" {
		body += "\n" + md.Faint(wrap(termtext.Text(c.hint), width-2))
	}
	return indent(md.Fg(color, body), md.Fg(color, glyph)+" ", "  ")
}

func errorNotice(e protocol.ErrorInfo) *noticeCell {
	return &noticeCell{kind: noticeError, text: e.Message, hint: e.Hint}
}

// textCell is preformatted output (/status, /diff, `!cmd`), shown as is
// under a title.
type textCell struct {
	title string
	body  string
	diff  bool // colour as a unified diff
}

// rowsCell is rows already styled and safe to draw (a rendered diff),
// under a title; rows wider than the screen are cut.
type rowsCell struct {
	title string
	rows  []string
}

func (c *rowsCell) render(width int) string {
	out := make([]string, 0, len(c.rows)+1)
	out = append(out, md.Fg(md.Gray, "•")+" "+md.Bold(c.title))
	for _, r := range c.rows {
		out = append(out, ansi.Truncate(r, width, "…"))
	}
	return strings.Join(out, "\n")
}

func (c *textCell) render(width int) string {
	var b strings.Builder
	b.WriteString(md.Bold(c.title))
	for _, l := range strings.Split(strings.TrimRight(sanitize(c.body), "\n"), "\n") {
		if c.diff {
			l = md.DiffLine(l)
		}
		for _, row := range strings.Split(ansi.Hardwrap(l, max(width-4, 1), true), "\n") {
			b.WriteString("\n  ")
			b.WriteString(row)
		}
	}
	return indent(b.String(), md.Fg(md.Gray, "•")+" ", "  ")
}

// planCell is the agent's plan as a checklist.
type planCell struct {
	explanation string
	items       []protocol.PlanItem
}

func (c *planCell) render(width int) string {
	var b strings.Builder
	done := 0
	for _, it := range c.items {
		if it.Status == protocol.PlanCompleted {
			done++
		}
	}
	fmt.Fprintf(&b, "%s %s", md.Bold("Plan"), md.Faint(fmt.Sprintf("(%d/%d done)", done, len(c.items))))
	if c.explanation != "" {
		b.WriteString("\n" + md.Faint(md.Italic(wrap(termtext.Text(c.explanation), width-2))))
	}
	for _, it := range c.items {
		var box, text string
		step := termtext.Line(it.Step)
		switch it.Status {
		case protocol.PlanCompleted:
			box, text = md.Fg(md.Green, "✔"), md.Faint(md.Strike(step))
		case protocol.PlanInProgress:
			box, text = md.Fg(md.Cyan, "□"), md.Bold(step)
		default:
			box, text = "□", step
		}
		b.WriteString("\n" + indent(wrap(text, width-4), box+" ", "  "))
	}
	return indent(b.String(), md.Bold("•")+" ", "  ")
}

// headerCell opens the transcript: what kodex runs as, where, and how
// confined, with the keys to change it.
type headerCell struct {
	version string
	info    StatusInfo
	cwd     string
}

func (c *headerCell) render(width int) string {
	model := c.info.Model
	if c.info.ReasoningEffort != "" {
		model += " " + c.info.ReasoningEffort
	}
	label := func(s string) string { return md.Faint(fmt.Sprintf("%-10s ", s)) }
	title := md.Bold(">_ kodex")
	if c.version != "" {
		title += md.Faint(" (" + termtext.Text(c.version) + ")")
	}
	rows := []string{title, "", label("model:") + termtext.Text(model) + "  " + md.Faint("/model to change")}
	if c.cwd != "" {
		rows = append(rows, label("directory:")+termtext.Text(c.cwd))
	}
	rows = append(rows, label("approvals:")+c.info.approvalLabel()+md.Faint(" · sandbox ")+string(c.info.SandboxMode)+"  "+md.Faint("/approvals"))
	inner := 0
	for _, r := range rows {
		inner = max(inner, ansi.StringWidth(r))
	}
	out := box(strings.Join(rows, "\n"), min(inner+4, max(width, 8)), md.Gray)
	return out + "\n" + md.Faint("  ? for shortcuts · / for commands · @ for files")
}

// tildeHome shows path under home as ~/….
func tildeHome(path, home string) string {
	if home == "" || home == "/" {
		return path
	}
	if path == home {
		return "~"
	}
	if rest, ok := strings.CutPrefix(path, strings.TrimRight(home, "/")+"/"); ok {
		return "~/" + rest
	}
	return path
}
