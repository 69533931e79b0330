package execjson

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// humanPrinter shows progress on stderr and only the final answer on stdout,
// so `kodex exec "…" > answer.md` captures just the answer.
//
// Everything it writes to stderr from an event (commands, their output,
// paths, the model's words) goes through termtext in logf: no control
// character or invisible code point reaches the terminal. The answer on
// stdout is written as the model wrote it, since it is the product.
//
// With Options.Color, kodex's own words are styled as Codex's exec styles
// them, with restraint: the header and commands bold, failures red, command
// output and reasoning dim, file changes coloured by kind. The styles are
// added around text termtext already made safe ([styled]), never inside it.
type humanPrinter struct {
	out, err    io.Writer
	verbose     bool
	outTerminal bool // escape the final message (see Options.OutTerminal)
	color       bool
	// pending holds the latest agent message until we know whether it is
	// the turn's last (stdout) or an intermediate one (stderr).
	pending string
	has     bool
	werr    error
	cwd     string // paths under it are shown relative
}

func newHumanPrinter(opts Options) *humanPrinter {
	return &humanPrinter{out: opts.Out, err: opts.Err, verbose: opts.Verbose, outTerminal: opts.OutTerminal, color: opts.Color}
}

// styled is text already made safe to draw, with the SGR sequences of its
// style around it; logf writes it as it is.
type styled string

// SGR parameters of the styles used.
const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrItalic = "3"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

// style makes s safe to draw (termtext) and, with colour on, wraps each of
// its lines in the SGR parameters given (joined with ";") and a reset, so a
// line read alone (a pager, a log) is still balanced.
func (p *humanPrinter) style(s string, sgr ...string) styled {
	s = termtext.Text(s)
	if !p.color || len(sgr) == 0 || s == "" {
		return styled(s)
	}
	on := "\x1b[" + strings.Join(sgr, ";") + "m"
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = on + l + "\x1b[0m"
		}
	}
	return styled(strings.Join(lines, "\n"))
}

// logf writes to stderr with every string argument made safe to draw
// (styled ones already are).
func (p *humanPrinter) logf(format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case styled:
		case string:
			args[i] = termtext.Text(v)
		case fmt.Stringer:
			args[i] = termtext.Text(v.String())
		}
	}
	if p.werr == nil {
		_, p.werr = fmt.Fprintf(p.err, format, args...)
	}
}

// flush moves a pending intermediate message to stderr.
func (p *humanPrinter) flush() {
	if p.has {
		p.logf("%s\n", p.pending)
		p.pending, p.has = "", false
	}
}

func (p *humanPrinter) print(ev protocol.Event) error {
	switch m := ev.Msg.(type) {
	case protocol.AgentMessageDelta, protocol.ReasoningDelta, protocol.ExecOutputDelta,
		protocol.TokenCount, protocol.PatchApplyBegin, protocol.ShutdownComplete:
		return p.werr
	case protocol.AgentMessage:
		p.flush()
		p.pending, p.has = m.Text, true
		return p.werr
	case protocol.TurnComplete:
		p.has = false
		if m.LastMessage != "" {
			msg := m.LastMessage
			if p.outTerminal {
				msg = termtext.Text(msg)
			}
			if _, err := fmt.Fprintln(p.out, msg); err != nil {
				return err
			}
		}
		return p.werr
	}
	p.flush()
	p.other(ev.Msg)
	return p.werr
}

func (p *humanPrinter) other(msg protocol.EventMsg) {
	switch m := msg.(type) {
	case protocol.SessionConfigured:
		p.cwd = m.Cwd
		p.logf("%s · model %s (%s) · approval %s · sandbox %s [%s]\n%s\n", p.style("kodex", sgrBold),
			m.Model, m.Provider, m.ApprovalPolicy, m.Sandbox.Mode, m.SandboxMechanism, p.style("session "+m.SessionID, sgrDim))
	case protocol.Reasoning:
		p.logf("%s %s\n", p.style("thinking:", sgrItalic), p.style(indentTail(m.Text), sgrDim, sgrItalic))
	case protocol.ExecBegin:
		p.logf("%s\n", p.style("$ "+command(m.Command), sgrBold))
	case protocol.ExecEnd:
		p.execEnd(m)
	case protocol.PatchApplyEnd:
		p.patchEnd(m)
	case protocol.PlanUpdate:
		p.logf("%s\n", p.style("plan:", sgrBold))
		for _, s := range m.Plan {
			mark := "[ ]"
			switch s.Status {
			case protocol.PlanCompleted:
				mark = "[x]"
			case protocol.PlanInProgress:
				mark = "[>]"
			case protocol.PlanPending:
			}
			p.logf("  %s %s\n", mark, s.Step)
		}
	case protocol.ExecApprovalRequest:
		p.logf("approval needed to run %s (declined: no one can approve in exec mode)\n", command(m.Command))
	case protocol.PatchApprovalRequest:
		p.logf("approval needed to apply a patch (declined: no one can approve in exec mode)\n")
	case protocol.ContextCompacted:
		p.logf("context compacted (%d → %d tokens)\n", m.TokensBefore, m.TokensAfter)
	case protocol.Retry:
		p.logf("warning: %s\n", m)
	case protocol.Warning:
		p.logf("%s %s\n", p.style("warning:", sgrYellow, sgrBold), m.Message)
	case protocol.Error:
		p.logf("%s %s\n", p.style("error:", sgrRed, sgrBold), m.ErrorInfo)
	case protocol.TurnFailed:
		p.logf("%s %s\n", p.style("error:", sgrRed, sgrBold), m.Error)
	case protocol.TurnAborted:
		p.logf("%s\n", p.style("interrupted ("+string(m.Reason)+")", sgrRed))
	default:
		p.mcp(msg)
	}
}

func (p *humanPrinter) execEnd(m protocol.ExecEnd) {
	d := time.Duration(m.Duration).Round(time.Millisecond)
	switch {
	case m.Declined:
		p.logf("%s\n  %s\n", p.style("$ "+command(m.Command), sgrBold), p.style("declined: "+m.AggregatedOutput, sgrRed))
		return
	case m.TimedOut:
		p.logf("  %s\n", p.style(fmt.Sprintf("timed out after %s", d), sgrRed))
	case m.SandboxDenied:
		p.logf("  %s\n", p.style(fmt.Sprintf("exit %d · %s · likely blocked by the sandbox", m.ExitCode, d), sgrRed))
	case m.ExitCode != 0:
		p.logf("  %s\n", p.style(fmt.Sprintf("exit %d · %s", m.ExitCode, d), sgrRed))
	default:
		p.logf("  %s\n", p.style(fmt.Sprintf("exit %d · %s", m.ExitCode, d), sgrGreen))
	}
	if p.verbose || m.ExitCode != 0 {
		if out := strings.TrimRight(termtext.Output(m.AggregatedOutput), "\n"); out != "" {
			p.logf("%s\n", p.style(indent(lastLines(out, 20)), sgrDim))
		}
	}
}

func (p *humanPrinter) patchEnd(m protocol.PatchApplyEnd) {
	if !m.Success {
		p.logf("%s %s\n", p.style("patch failed:", sgrRed, sgrBold), indentTail(m.Output))
		return
	}
	for _, c := range m.Changes {
		letter := p.style(ChangeLetter(c.Kind), changeColor(c.Kind), sgrBold)
		if c.MovePath != "" {
			p.logf("  %s %s → %s\n", letter, p.rel(c.Path), p.rel(c.MovePath))
			continue
		}
		p.logf("  %s %s\n", letter, p.rel(c.Path))
	}
}

// rel shows path relative to the session's cwd when it is inside it.
func (p *humanPrinter) rel(path string) string {
	if p.cwd == "" {
		return path
	}
	if r, err := filepath.Rel(p.cwd, path); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return r
	}
	return path
}

// command shows argv as a shell command line, every character visible; the
// lines after the first of a multi-line command start with "> ", as the
// shell's continuation prompt, so none of them reads as kodex's own output.
func command(argv []string) string {
	return strings.ReplaceAll(termtext.Text(ShellJoin(argv)), "\n", "\n> ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("… %d lines above\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func indentTail(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ") }

// changeColor is the colour of a file change's mark, as git colours them.
func changeColor(k protocol.ChangeKind) string {
	switch k {
	case protocol.ChangeAdd:
		return sgrGreen
	case protocol.ChangeDelete:
		return sgrRed
	case protocol.ChangeUpdate:
		return sgrYellow
	}
	return sgrCyan
}

// ChangeLetter is the A/M/D mark of a file change, as apply_patch prints
// it (and git status).
func ChangeLetter(k protocol.ChangeKind) string {
	switch k {
	case protocol.ChangeAdd:
		return "A"
	case protocol.ChangeDelete:
		return "D"
	case protocol.ChangeUpdate:
		return "M"
	}
	return "?"
}
