package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

const (
	execTailBytes = 8 << 10 // live output kept while a command runs
	execTailLines = 5       // live output lines shown while running
	execFoldAfter = 10      // finished output longer than this is folded
	execFoldHead  = 5
	execFoldTail  = 4
)

// execCell is one command: live while running, then its outcome.
type execCell struct {
	callID  string
	command []string
	running bool
	tail    []byte // the last execTailBytes of output while running

	exitCode int
	duration time.Duration
	output   string
	timedOut bool
	denied   bool // sandbox denied
	declined bool // approval denied
	aborted  bool // the turn ended while it ran

	// processID is set for an exec_command process, which may keep
	// running after its turn (see ps.go); started is when it began.
	processID int
	started   time.Time
}

func (c *execCell) appendOutput(chunk []byte) {
	c.tail = append(c.tail, chunk...)
	if over := len(c.tail) - execTailBytes; over > 0 {
		c.tail = append(c.tail[:0], c.tail[over:]...)
	}
}

func (c *execCell) finish(e protocol.ExecEnd) {
	c.running = false
	c.exitCode, c.duration = e.ExitCode, time.Duration(e.Duration)
	c.output, c.timedOut, c.denied, c.declined = e.AggregatedOutput, e.TimedOut, e.SandboxDenied, e.Declined
	c.tail = nil
}

// displayCommand shows argv as a user would type it; `bash -lc script`
// shows just the script.
func displayCommand(argv []string) string {
	if len(argv) == 3 && (argv[1] == "-lc" || argv[1] == "-c") &&
		(strings.HasSuffix(argv[0], "sh") || strings.HasSuffix(argv[0], "bash") || strings.HasSuffix(argv[0], "zsh")) {
		return argv[2]
	}
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (c *execCell) render(width int) string {
	var b strings.Builder
	cmd := md.Bold(safeText(displayCommand(c.command)))
	switch {
	case c.running && c.processID != 0:
		b.WriteString(md.Fg(md.Cyan, "•") + " Running " + cmd + md.Faint(fmt.Sprintf(" · process %d", c.processID)))
	case c.running:
		b.WriteString(md.Fg(md.Cyan, "•") + " Running " + cmd)
	case c.declined:
		b.WriteString(md.Fg(md.Red, "✗") + " Declined " + cmd)
	case c.aborted:
		b.WriteString(md.Fg(md.Yellow, "✗") + " Interrupted " + cmd)
	case c.exitCode == 0:
		b.WriteString(md.Fg(md.Green, "✓") + " Ran " + cmd)
	default:
		b.WriteString(md.Fg(md.Red, "✗") + " Ran " + cmd)
	}
	head := indent(wrap(b.String(), width-4), "", "    ")
	var out []string
	switch {
	case c.running:
		out = lastLines(sanitize(string(c.tail)), execTailLines)
	case !c.declined:
		out = fold(splitOutput(c.output), execFoldAfter, execFoldHead, execFoldTail)
		out = append(out, md.Faint(c.outcome()))
	}
	if len(out) == 0 {
		return head
	}
	for i, l := range out {
		l = ansi.Truncate(l, width-4, "…")
		if i == 0 {
			out[i] = md.Faint("  └ ") + md.Faint(l)
		} else {
			out[i] = "    " + md.Faint(l)
		}
	}
	return head + "\n" + strings.Join(out, "\n")
}

// outcome is the exit code and duration line, in words.
func (c *execCell) outcome() string {
	var parts []string
	switch {
	case c.aborted:
		parts = append(parts, "interrupted")
	case c.timedOut:
		parts = append(parts, "timed out")
	case c.denied:
		parts = append(parts, fmt.Sprintf("exit %d — blocked by the sandbox", c.exitCode))
	case c.exitCode == -1:
		parts = append(parts, "killed")
	default:
		parts = append(parts, fmt.Sprintf("exit %d", c.exitCode))
	}
	if c.duration > 0 {
		parts = append(parts, formatDuration(c.duration))
	}
	return strings.Join(parts, " · ")
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// sanitize makes command output safe to draw (see termtext.Output).
func sanitize(s string) string { return termtext.Output(s) }

func splitOutput(s string) []string {
	s = strings.TrimRight(sanitize(s), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// fold keeps head and tail lines of a long output with a count between.
func fold(lines []string, after, head, tail int) []string {
	if len(lines) <= after {
		return lines
	}
	out := append([]string{}, lines[:head]...)
	out = append(out, fmt.Sprintf("… +%d lines", len(lines)-head-tail))
	return append(out, lines[len(lines)-tail:]...)
}
