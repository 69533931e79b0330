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
type humanPrinter struct {
	out, err    io.Writer
	verbose     bool
	outTerminal bool // escape the final message (see Options.OutTerminal)
	// pending holds the latest agent message until we know whether it is
	// the turn's last (stdout) or an intermediate one (stderr).
	pending string
	has     bool
	werr    error
	cwd     string // paths under it are shown relative
}

func newHumanPrinter(out, err io.Writer, verbose, outTerminal bool) *humanPrinter {
	return &humanPrinter{out: out, err: err, verbose: verbose, outTerminal: outTerminal}
}

// logf writes to stderr with every string argument made safe to draw.
func (p *humanPrinter) logf(format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
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
		p.logf("kodex · model %s (%s) · approval %s · sandbox %s [%s]\nsession %s\n",
			m.Model, m.Provider, m.ApprovalPolicy, m.Sandbox.Mode, m.SandboxMechanism, m.SessionID)
	case protocol.Reasoning:
		p.logf("thinking: %s\n", indentTail(m.Text))
	case protocol.ExecBegin:
		p.logf("$ %s\n", command(m.Command))
	case protocol.ExecEnd:
		p.execEnd(m)
	case protocol.PatchApplyEnd:
		p.patchEnd(m)
	case protocol.PlanUpdate:
		p.logf("plan:\n")
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
	case protocol.Warning:
		p.logf("warning: %s\n", m.Message)
	case protocol.Error:
		p.logf("error: %s\n", m.ErrorInfo)
	case protocol.TurnFailed:
		p.logf("error: %s\n", m.Error)
	case protocol.TurnAborted:
		p.logf("interrupted (%s)\n", m.Reason)
	}
}

func (p *humanPrinter) execEnd(m protocol.ExecEnd) {
	d := time.Duration(m.Duration).Round(time.Millisecond)
	switch {
	case m.Declined:
		p.logf("$ %s\n  declined: %s\n", command(m.Command), m.AggregatedOutput)
		return
	case m.TimedOut:
		p.logf("  timed out after %s\n", d)
	case m.SandboxDenied:
		p.logf("  exit %d · %s · likely blocked by the sandbox\n", m.ExitCode, d)
	default:
		p.logf("  exit %d · %s\n", m.ExitCode, d)
	}
	if p.verbose || m.ExitCode != 0 {
		if out := strings.TrimRight(termtext.Output(m.AggregatedOutput), "\n"); out != "" {
			p.logf("%s\n", indent(lastLines(out, 20)))
		}
	}
}

func (p *humanPrinter) patchEnd(m protocol.PatchApplyEnd) {
	if !m.Success {
		p.logf("patch failed: %s\n", indentTail(m.Output))
		return
	}
	for _, c := range m.Changes {
		letter := changeLetter(c.Kind)
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

// changeLetter is the A/M/D mark of a file change, as apply_patch prints it.
func changeLetter(k protocol.ChangeKind) string {
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
