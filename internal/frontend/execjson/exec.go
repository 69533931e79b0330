// Package execjson is the headless frontend behind `kodex exec`: it submits
// one user turn to a session, translates the session's Events into either
// human-readable progress (stderr) plus the final answer (stdout), or the
// JSONL event stream `codex exec --json` prints, and reports how the turn
// ended. It knows only the protocol.
package execjson

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Session is the part of a kodex session the exec frontend needs.
type Session interface {
	Submit(ctx context.Context, op protocol.Op) (string, error)
	Events() <-chan protocol.Event
}

// Options configure a Run.
type Options struct {
	Out io.Writer // final message (human) or JSONL
	Err io.Writer // progress (human mode)
	// JSON selects JSONL output.
	JSON bool
	// LastMessageFile, if set, receives the final agent message.
	LastMessageFile string
	// Verbose shows command output in human mode.
	Verbose bool
	// OutTerminal: Out is a terminal, so the final message is escaped like
	// everything else drawn there (piped, it is written as the model sent it).
	OutTerminal bool
	// Color styles the human progress on Err with ANSI colours: bold
	// headers and commands, red failures, dim command output.
	Color bool
}

// Outcome is how the turn ended.
type Outcome struct {
	SessionID   string
	LastMessage string
	Usage       protocol.TokenUsage
	// Exactly one of these is set when the turn did not complete.
	Failed      *protocol.ErrorInfo
	Interrupted bool
}

// SchemaVersion is the version of the JSONL shape, printed on thread.started.
const SchemaVersion = 1

// Run submits turn, prints the session's events until the session shuts
// down, and returns the outcome. Cancelling ctx interrupts the turn (the
// session is expected to share that context and shut itself down).
func Run(ctx context.Context, s Session, turn protocol.UserTurn, opts Options) (Outcome, error) {
	var p printer
	if opts.JSON {
		p = newJSONPrinter(opts.Out)
	} else {
		p = newHumanPrinter(opts)
	}
	var out Outcome
	submitted := false
	for ev := range s.Events() {
		if err := p.print(ev); err != nil {
			return out, fmt.Errorf("writing output: %w", err)
		}
		switch m := ev.Msg.(type) {
		case protocol.SessionConfigured:
			out.SessionID = m.SessionID
			if !submitted {
				submitted = true
				if _, err := s.Submit(ctx, turn); err != nil {
					return out, fmt.Errorf("submitting the prompt: %w", err)
				}
			}
		case protocol.TokenCount:
			out.Usage = m.Total
		case protocol.TurnComplete:
			out.LastMessage = m.LastMessage
			shutdown(ctx, s)
		case protocol.TurnFailed:
			info := m.Error
			out.Failed = &info
			shutdown(ctx, s)
		case protocol.TurnAborted:
			out.Interrupted = true
			shutdown(ctx, s)
		}
	}
	if opts.LastMessageFile != "" {
		if err := os.WriteFile(opts.LastMessageFile, []byte(out.LastMessage), 0o644); err != nil {
			return out, fmt.Errorf("writing the last message: %w", err)
		}
	}
	return out, nil
}

// shutdown asks the session to end; if ctx is already cancelled the session
// is shutting down on its own.
func shutdown(ctx context.Context, s Session) {
	if ctx.Err() != nil {
		return
	}
	go func() { _, _ = s.Submit(ctx, protocol.Shutdown{}) }()
}

type printer interface {
	print(ev protocol.Event) error
}

// ShellJoin renders argv as a POSIX shell command line.
func ShellJoin(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%^", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeJSONLine writes v as one line of JSON with &, < and > as they are
// (as Codex writes them), not as \u0026, \u003c, \u003e.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
