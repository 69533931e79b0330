package shell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"

	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

// outcome is one finished run.
type outcome struct {
	res           proc.Result
	mechanism     string
	sandboxDenied bool
}

// run runs the command once, inside the sandbox unless unsandboxed, emitting
// ExecBegin, deltas and ExecEnd. A command that could not be started or
// sandboxed is returned as a result for the model; a cancelled ctx as an
// error.
func (t *Tool) run(ctx context.Context, env *tools.Env, call tools.Call, req request, unsandboxed bool) (outcome, *tools.Result, error) {
	cmd, info, sandboxed, failed := t.confine(ctx, env, call, req, unsandboxed)
	if failed != nil {
		return outcome{}, failed, nil
	}
	emit(env, protocol.ExecBegin{CallID: call.ID, Command: req.argv, Cwd: req.workdir, Sandbox: info.Mechanism})
	res, err := proc.Run(ctx, cmd, proc.RunOptions{
		Timeout:   req.timeout,
		OutputCap: t.opts.OutputCap,
		OnOutput: func(stream string, chunk []byte) {
			emit(env, protocol.ExecOutputDelta{CallID: call.ID, Stream: stream, Chunk: chunk})
		},
	})
	if err != nil {
		msg := fmt.Sprintf("execution error: %v", err)
		emit(env, protocol.ExecEnd{CallID: call.ID, Command: req.argv, ExitCode: -1, Duration: protocol.Duration(res.Duration), AggregatedOutput: msg})
		if cerr := ctx.Err(); cerr != nil {
			return outcome{}, nil, cerr
		}
		r := tools.ErrorResult("%s", msg)
		return outcome{}, &r, nil
	}
	res.Output = dropProfileNoise(req.argv, res.Output)
	// The seam's placeholder reports "none (unsandboxed)": nothing could
	// have been denied by a sandbox then.
	confined := sandboxed && info.Mechanism != "" && !strings.HasPrefix(info.Mechanism, "none")
	out := outcome{
		res:           res,
		mechanism:     info.Mechanism,
		sandboxDenied: confined && !res.TimedOut && !res.Canceled && proc.LikelySandboxDenied(res.ExitCode, res.Signal, res.Output),
	}
	emit(env, protocol.ExecEnd{
		CallID:           call.ID,
		Command:          req.argv,
		ExitCode:         res.ExitCode,
		Duration:         protocol.Duration(res.Duration),
		AggregatedOutput: res.Output,
		TimedOut:         res.TimedOut,
		SandboxDenied:    out.sandboxDenied,
	})
	if res.Canceled {
		return outcome{}, nil, fmt.Errorf("running %s: %w", req.argv[0], context.Cause(ctx))
	}
	return out, nil, nil
}

// confine builds the command for req: inside the sandbox under env's
// policy, or outside it when unsandboxed, with the session's temp dir. It
// reports whether the command is sandboxed. A command that cannot be built
// (no sandbox here) gets ExecBegin and ExecEnd and a result for the model.
func (t *Tool) confine(ctx context.Context, env *tools.Env, call tools.Call, req request, unsandboxed bool) (*exec.Cmd, sandbox.Info, bool, *tools.Result) {
	pol := env.Sandbox
	if unsandboxed {
		pol.Mode = protocol.SandboxDangerFullAccess
	}
	var tmp string
	if t.opts.TmpDir != nil && pol.Mode == protocol.SandboxWorkspaceWrite {
		if dir, err := t.opts.TmpDir(); err == nil {
			tmp = dir
		} else {
			t.opts.Logger.Warn("session temp dir unavailable; the command gets its own", "err", err)
		}
	}
	var netns *sandbox.NetNS
	if req.live {
		netns = t.opts.NetNS
	}
	// The sandbox adds KODEX_SANDBOX and KODEX_SANDBOX_NETWORK_DISABLED.
	cmd, info, err := t.opts.Sandbox(ctx, sandbox.Request{
		Argv:   req.argv,
		Cwd:    req.workdir,
		Env:    proc.BuildEnv(t.opts.Environ(), t.opts.EnvPolicy),
		Policy: pol,
		Self:   t.opts.Self,
		TmpDir: tmp,
		TTY:    req.tty,
		NetNS:  netns,
	})
	if err != nil {
		msg := fmt.Sprintf("command not run: %v", err)
		if errors.Is(err, sandbox.ErrUnavailable) {
			msg = fmt.Sprintf("command not run: %v (kodex never runs a sandboxed command without its sandbox)", err)
		}
		emit(env, protocol.ExecBegin{CallID: call.ID, Command: req.argv, Cwd: req.workdir, Sandbox: "unavailable"})
		emit(env, protocol.ExecEnd{CallID: call.ID, Command: req.argv, ExitCode: -1, AggregatedOutput: msg})
		res := tools.ErrorResult("%s", msg)
		return nil, info, false, &res
	}
	for _, w := range info.Warnings { // e.g. a writable root that contains the home directory
		if _, said := t.warned.LoadOrStore(w, true); !said {
			emit(env, protocol.Warning{Message: "sandbox: " + w})
		}
	}
	return cmd, info, pol.Mode != protocol.SandboxDangerFullAccess, nil
}

// modelOutput is Codex's function_call_output for the shell tool.
type modelOutput struct {
	Output   string        `json:"output"`
	Metadata modelMetadata `json:"metadata"`
}

type modelMetadata struct {
	ExitCode        int     `json:"exit_code"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Sandbox names the confinement the command ran under (kodex's
	// addition to Codex's metadata), e.g. "landlock+seccomp+namespaces".
	Sandbox string `json:"sandbox,omitempty"`
}

// answer formats a finished run for the model: the output, cut head+tail,
// then note (if any) on its own line, as Codex's JSON.
func (t *Tool) answer(out outcome, req request, note string) tools.Result {
	text := out.res.Output
	if out.res.TimedOut {
		text = fmt.Sprintf("command timed out after %d milliseconds\n%s", req.timeout.Milliseconds(), text)
	} else if out.res.Signal != "" {
		text = fmt.Sprintf("%s\n[process killed by %s]", text, out.res.Signal)
	}
	full := text
	text = proc.TruncateLines(text, t.opts.ModelMaxBytes, t.opts.ModelMaxLines)
	if req.freeform {
		return freeformAnswer(out, full, text, note)
	}
	if note != "" {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += note
	}
	b, err := json.Marshal(modelOutput{
		Output: text,
		Metadata: modelMetadata{
			ExitCode:        out.res.ExitCode,
			DurationSeconds: math.Round(out.res.Duration.Seconds()*10) / 10,
			Sandbox:         out.mechanism,
		},
	})
	if err != nil { // cannot happen: strings and numbers only
		return tools.ErrorResult("encoding command output: %v", err)
	}
	return tools.Result{Output: string(b), Failed: out.res.ExitCode != 0 || out.res.TimedOut}
}

// freeformAnswer is Codex's shell_command output: text sections, the
// total line count only when the output was cut, then the output (full
// before the cut, text after it) and kodex's note, if any, on its own line.
func freeformAnswer(out outcome, full, text, note string) tools.Result {
	var b strings.Builder
	fmt.Fprintf(&b, "Exit code: %d\n", out.res.ExitCode)
	secs := math.Round(out.res.Duration.Seconds()*10) / 10
	fmt.Fprintf(&b, "Wall time: %s seconds\n", strconv.FormatFloat(secs, 'f', -1, 64))
	if n := countLines(full); n != countLines(text) {
		fmt.Fprintf(&b, "Total output lines: %d\n", n)
	}
	b.WriteString("Output:\n")
	b.WriteString(text)
	if note != "" {
		if text != "" && !strings.HasSuffix(text, "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(note)
	}
	return tools.Result{Output: b.String(), Failed: out.res.ExitCode != 0 || out.res.TimedOut}
}

// countLines counts lines as Rust's str::lines does: a final newline ends
// the last line rather than starting another.
func countLines(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(strings.TrimSuffix(s, "\n"), "\n") + 1
}
