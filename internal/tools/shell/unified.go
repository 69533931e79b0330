package shell

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Names of the unified exec tools, Codex's: exec_command starts a command
// that may keep running across calls, write_stdin talks to it.
const (
	ExecCommandName = "exec_command"
	WriteStdinName  = "write_stdin"
)

// Yield times and the output budget, as Codex has them.
const (
	defaultExecYield  = 10 * time.Second
	minYield          = 250 * time.Millisecond
	maxYield          = 30 * time.Second
	defaultWriteYield = 250 * time.Millisecond
	defaultPollYield  = 5 * time.Second
	maxPollYield      = 300 * time.Second
	// DefaultMaxOutputTokens is the output budget of one answer; a token
	// is counted as 4 bytes.
	DefaultMaxOutputTokens = 10_000
	bytesPerToken          = 4
)

const execDescription = `Runs a shell command, in a pseudo-terminal when "tty" is true, and returns its output once it exits or "yield_time_ms" passes. A command still running then keeps running: the answer gives its session ID, and write_stdin sends it input or polls for more output.

- "cmd" is a shell command line (run with the user's shell, -lc; "login": false for -c). Set "workdir" rather than starting with cd.
- Commands run inside the same sandbox as every other command: files can be read anywhere but written only in the workspace's writable roots, and network access is usually off (a private loopback is available: a server started here can be reached by later commands of this session). "Permission denied", "Operation not permitted" or "Read-only file system" usually mean the sandbox blocked it.
- Use it for servers, watchers, REPLs and programs that ask questions ("tty": true). Long output is cut in the middle to "max_output_tokens".
`

const execEscalate = `- If a command truly needs to run outside the sandbox, set "sandbox_permissions" to "require_escalated" with a one-sentence "justification"; the user is asked to approve the command (not what you later write to it). A "prefix_rule" such as ["npm", "install"] lets the user approve later commands starting with it too.
`

const writeDescription = `Writes "chars" to the stdin of a command exec_command started (by its session ID) and returns the output produced since the last answer, once it exits or "yield_time_ms" passes. Empty "chars" only polls. Control characters work with tty=true, e.g. "\u0003" (Ctrl-C) ends a server, "\u0004" sends end-of-file.`

func execParameters(escalate bool) json.RawMessage {
	esc := ""
	if escalate {
		esc = `,
    "sandbox_permissions": {"type": "string", "enum": ["use_default", "require_escalated"], "description": "Use \"require_escalated\" to ask the user to run this command outside the sandbox; \"use_default\" otherwise."},
    "justification": {"type": "string", "description": "Only with require_escalated: the question the user is asked, in one sentence."},
    "prefix_rule": {"type": "array", "items": {"type": "string"}, "description": "Only with require_escalated: a command prefix, e.g. [\"git\", \"pull\"]; the user is asked about the command itself."}`
	}
	return json.RawMessage(`{
  "type": "object",
  "properties": {
    "cmd": {"type": "string", "description": "The shell command line to run."},
    "workdir": {"type": "string", "description": "The working directory; defaults to the session's."},
    "shell": {"type": "string", "description": "The shell binary; defaults to the user's shell."},
    "login": {"type": "boolean", "description": "Run the shell as a login shell (-lc, the default) or not (-c)."},
    "tty": {"type": "boolean", "description": "Give the command a pseudo-terminal (needed for prompts, REPLs and Ctrl-C); pipes otherwise, with stdin closed."},
    "yield_time_ms": {"type": "number", "description": "How long to wait for output before answering: default 10000, between 250 and 30000."},
    "max_output_tokens": {"type": "number", "description": "Output budget of the answer in tokens (default 10000)."}` + esc + `
  },
  "required": ["cmd"],
  "additionalProperties": false
}`)
}

var writeParameters = json.RawMessage(`{
  "type": "object",
  "properties": {
    "session_id": {"type": "number", "description": "The session ID exec_command returned."},
    "chars": {"type": "string", "description": "What to write to stdin; empty only polls."},
    "yield_time_ms": {"type": "number", "description": "How long to wait for output: writes default to 250 (at most 30000), polls to 5000 (5000 to 300000)."},
    "max_output_tokens": {"type": "number", "description": "Output budget of the answer in tokens (default 10000)."}
  },
  "required": ["session_id"],
  "additionalProperties": false
}`)

// ExecCommand is the exec_command tool. It shares the shell tool's
// approval, sandbox and environment (one owner of how a command runs) and
// keeps its processes in a Processes set shared with WriteStdin.
type ExecCommand struct {
	sh    *Tool
	procs *Processes
	// offered says whether the model is offered this tool (nil: always).
	offered func(model string) bool
}

// WriteStdin is the write_stdin tool.
type WriteStdin struct {
	procs   *Processes
	offered func(model string) bool
}

// NewUnified returns exec_command and write_stdin over sh's options and
// procs. offered, if set, says per model whether the pair is offered to it
// (the model-family choice; see model.ShellToolFor).
func NewUnified(sh *Tool, procs *Processes, offered func(model string) bool) (*ExecCommand, *WriteStdin) {
	return &ExecCommand{sh: sh, procs: procs, offered: offered}, &WriteStdin{procs: procs, offered: offered}
}

var (
	_ tools.PolicySpecer = (*ExecCommand)(nil)
	_ tools.ModelOffer   = (*ExecCommand)(nil)
	_ tools.ModelOffer   = (*WriteStdin)(nil)
	_ tools.Interrupter  = (*ExecCommand)(nil)
	_ tools.Watcher      = (*ExecCommand)(nil)
	_ tools.ProcessEnder = (*ExecCommand)(nil)
)

// Spec returns exec_command's spec.
func (e *ExecCommand) Spec() model.ToolSpec { return e.SpecFor(protocol.ApprovalOnRequest) }

// SpecFor leaves out escalation where nobody can approve it.
func (e *ExecCommand) SpecFor(ap protocol.ApprovalPolicy) model.ToolSpec {
	desc := execDescription + execEscalate
	if ap == protocol.ApprovalNever {
		desc = execDescription + descNever
	}
	return model.ToolSpec{Kind: model.ToolFunction, Name: ExecCommandName, Description: desc, Parameters: execParameters(ap != protocol.ApprovalNever)}
}

// OfferedTo reports whether the named model is offered exec_command.
func (e *ExecCommand) OfferedTo(name string) bool { return e.offered == nil || e.offered(name) }

// Interrupt ends every live process: the user interrupted the turn.
func (e *ExecCommand) Interrupt() { e.procs.EndAll() }

// Watch has processes report their output and exit between calls.
func (e *ExecCommand) Watch(emit func(protocol.EventMsg)) (stop func()) { return e.procs.Watch(emit) }

// EndProcess ends one live process (the user's /ps).
func (e *ExecCommand) EndProcess(id int) bool { return e.procs.End(id) }

// Spec returns write_stdin's spec.
func (w *WriteStdin) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: WriteStdinName, Description: writeDescription, Parameters: writeParameters}
}

// OfferedTo reports whether the named model is offered write_stdin.
func (w *WriteStdin) OfferedTo(name string) bool { return w.offered == nil || w.offered(name) }

type execArgs struct {
	Cmd                string   `json:"cmd"`
	Workdir            string   `json:"workdir"`
	Shell              string   `json:"shell"`
	Login              *bool    `json:"login"`
	TTY                bool     `json:"tty"`
	YieldTimeMS        *float64 `json:"yield_time_ms"`
	MaxOutputTokens    *float64 `json:"max_output_tokens"`
	SandboxPermissions string   `json:"sandbox_permissions"`
	Justification      string   `json:"justification"`
	PrefixRule         []string `json:"prefix_rule"`
}

// Handle starts the command and answers with its first output.
func (e *ExecCommand) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a execArgs
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return res, nil
	}
	if strings.TrimSpace(a.Cmd) == "" {
		return tools.ErrorResult("cmd must be a non-empty shell command"), nil
	}
	req, res, ok := e.request(env, a)
	if !ok {
		return res, nil
	}
	env, unsandboxed, done, res, err := e.sh.admit(ctx, env, call, req)
	if done || err != nil {
		return res, err
	}
	ans := answer{yield: yieldFor(a.YieldTimeMS, defaultExecYield, minYield, maxYield), maxBytes: budget(a.MaxOutputTokens)}
	return e.start(ctx, env, call, req, unsandboxed, ans)
}

// answer is how a call answers: after yield, at most maxBytes of output.
type answer struct {
	yield    time.Duration
	maxBytes int
	note     string
	// onDenied, if set, decides what happens when the process exited and
	// the sandbox likely stopped it: a note for the model, or the answer
	// of a rerun outside the sandbox (nil: the policy's note).
	onDenied func() (string, *tools.Result, error)
}

// start runs req as a live process and answers with its first output. A
// sandbox denial under on-failure asks to rerun it outside the sandbox,
// as shell does.
func (e *ExecCommand) start(ctx context.Context, env *tools.Env, call tools.Call, req request, unsandboxed bool, ans answer) (tools.Result, error) {
	t := e.sh
	// The process outlives this call: its command must not end with ctx.
	cmd, info, sandboxed, failed := t.confine(context.WithoutCancel(ctx), env, call, req, unsandboxed)
	if failed != nil {
		return *failed, nil
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1", "PAGER=cat", "GIT_PAGER=cat")
	if req.tty {
		cmd.Env = append(cmd.Env, "TERM=dumb")
	}
	p, err := startLive(cmd, req.tty)
	if err != nil {
		msg := fmt.Sprintf("execution error: %v", err)
		emit(env, protocol.ExecBegin{CallID: call.ID, Command: req.argv, Cwd: req.workdir, Sandbox: info.Mechanism})
		emit(env, protocol.ExecEnd{CallID: call.ID, Command: req.argv, ExitCode: -1, AggregatedOutput: msg})
		return tools.ErrorResult("%s", msg), nil
	}
	p.procs, p.callID, p.argv, p.cwd, p.mechanism, p.sandboxed = e.procs, call.ID, req.argv, req.workdir, info.Mechanism, sandboxed
	evicted, err := e.procs.add(p)
	if err != nil {
		p.reported = true // never begun
		p.run()
		p.end()
		return tools.ErrorResult("command not run: %v", err), nil
	}
	// Begun once it has its id; its output and exit are reported after.
	emit(env, protocol.ExecBegin{CallID: call.ID, Command: req.argv, Cwd: req.workdir, Sandbox: info.Mechanism, ProcessID: p.id})
	p.hold(env.Emit)
	p.run()
	if evicted != nil {
		ans.note = fmt.Sprintf("Note: at most %d processes may run at once; the oldest idle one (session ID %d: %s) was ended.", e.procs.max, evicted.id, execjsonCommand(evicted.argv))
	}
	if !unsandboxed {
		ans.onDenied = func() (string, *tools.Result, error) {
			after := approval.AfterFailure(env.ApprovalPolicy, true)
			if after.Action != approval.Ask {
				return fmt.Sprintf("[sandbox %s] %s", p.mechanism, after.Reason), nil, nil
			}
			ok, _, err := t.ask(ctx, env, call, req, after.Reason, true, sessionKey(req.argv, true))
			if err != nil || !ok {
				return fmt.Sprintf("[sandbox %s] the sandbox likely blocked this command; the user declined to rerun it outside the sandbox", p.mechanism), nil, err
			}
			res, err := e.start(ctx, env, call, req, true, answer{yield: ans.yield, maxBytes: ans.maxBytes})
			return "", &res, err
		}
	}
	return answerLive(ctx, env, e.procs, p, ans)
}

// request builds the command line from the arguments.
func (e *ExecCommand) request(env *tools.Env, a execArgs) (request, tools.Result, bool) {
	sh := a.Shell
	if sh == "" {
		sh = userShell(e.sh.opts.Environ())
	}
	flag := "-lc"
	if a.Login != nil && !*a.Login {
		flag = "-c"
	}
	argv := []string{sh, flag, a.Cmd}
	if runtime.GOOS == "windows" && a.Shell == "" {
		argv = []string{sh, "/C", a.Cmd}
	}
	r := request{argv: argv, justification: a.Justification, tty: a.TTY, live: true, prefixRule: a.PrefixRule}
	var ok bool
	if r.escalate, ok = escalates(a.SandboxPermissions); !ok {
		return request{}, tools.ErrorResult("sandbox_permissions must be %q or %q, not %q", PermUseDefault, PermRequireEscalated, a.SandboxPermissions), false
	}
	if r.workdir, ok = workdir(env, a.Workdir); !ok {
		return request{}, tools.ErrorResult("workdir %s is not an existing directory", r.workdir), false
	}
	return r, tools.Result{}, true
}

// userShell is $SHELL, or bash, or sh.
func userShell(environ []string) string {
	if runtime.GOOS == "windows" {
		return "cmd.exe"
	}
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "SHELL="); ok && filepath.IsAbs(v) {
			return v
		}
	}
	if isFile("/bin/bash") {
		return "/bin/bash"
	}
	return "/bin/sh"
}

type writeArgs struct {
	SessionID       *float64 `json:"session_id"`
	Chars           string   `json:"chars"`
	YieldTimeMS     *float64 `json:"yield_time_ms"`
	MaxOutputTokens *float64 `json:"max_output_tokens"`
}

// Handle writes to a live process and answers with its output since.
func (w *WriteStdin) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a writeArgs
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return res, nil
	}
	if a.SessionID == nil {
		return tools.ErrorResult("session_id is required"), nil
	}
	id := int(*a.SessionID)
	p := w.procs.get(id)
	if p == nil {
		return tools.ErrorResult("write_stdin failed: Unknown process id %d (no process with this session ID is running in this session: it exited and was reported, was ended, or was started before the session was resumed; start it again with exec_command)", id), nil
	}
	p.hold(env.Emit)
	if err := p.write(a.Chars); err != nil {
		p.release()
		return tools.ErrorResult("write_stdin failed: %v", err), nil
	}
	if a.Chars != "" {
		emit(env, protocol.TerminalInteraction{CallID: p.callID, ProcessID: id, Stdin: a.Chars})
	}
	yield := yieldFor(a.YieldTimeMS, defaultWriteYield, minYield, maxYield)
	if a.Chars == "" {
		yield = yieldFor(a.YieldTimeMS, defaultPollYield, defaultPollYield, maxPollYield)
	}
	return answerLive(ctx, env, w.procs, p, answer{yield: yield, maxBytes: budget(a.MaxOutputTokens)})
}

// answerLive waits for p's output and formats it for the model, as Codex
// does: chunk id, wall time, exit code or session id, the original token
// count, then the output cut head+tail to the budget. An exited process is
// reported (ExecEnd) and forgotten. A ctx that ends (the user interrupted
// the turn) ends every live process.
func answerLive(ctx context.Context, env *tools.Env, procs *Processes, p *liveProc, ans answer) (tools.Result, error) {
	start := time.Now()
	note := ans.note
	out, exited, err := p.collect(ctx, ans.yield)
	p.release()
	if err != nil {
		// The turn was interrupted: end every process, this one too (it
		// may not be listed yet, or another goroutine's EndAll may be
		// ending it), and report it killed once it has exited, with the
		// output it printed; never the exit code of a process still
		// running.
		killed := !p.hasExited()
		procs.EndAll()
		p.end()
		if end, ok := p.endEvent(); ok {
			if killed {
				end.ExitCode = -1
			}
			emit(env, end)
		}
		return tools.Result{}, fmt.Errorf("running %s: %w", p.argv[0], context.Cause(ctx))
	}
	wall := time.Since(start)
	var b strings.Builder
	fmt.Fprintf(&b, "Chunk ID: %s\nWall time: %.4f seconds\n", chunkID(), wall.Seconds())
	failed := false
	if exited {
		procs.forget(p)
		fmt.Fprintf(&b, "Process exited with code %d\n", p.exitCode)
		failed = p.exitCode != 0
		if end, ok := p.endEvent(); ok {
			emit(env, end)
		}
		if p.denied() {
			more := fmt.Sprintf("[sandbox %s] %s", p.mechanism, approval.AfterFailure(env.ApprovalPolicy, true).Reason)
			if ans.onDenied != nil {
				var rerun *tools.Result
				if more, rerun, err = ans.onDenied(); err != nil || rerun != nil {
					return deref(rerun), err
				}
			}
			note = strings.TrimSpace(note + "\n" + more)
		}
	} else {
		fmt.Fprintf(&b, "Process running with session ID %d\n", p.id)
	}
	fmt.Fprintf(&b, "Original token count: %d\nOutput:\n", (len(out)+bytesPerToken-1)/bytesPerToken)
	b.WriteString(proc.TruncateLines(out, ans.maxBytes, DefaultModelMaxLines))
	if note != "" {
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(note + "\n")
	}
	return tools.Result{Output: b.String(), Failed: failed}, nil
}

// yieldFor is the yield time asked for (ms), or def, within [lo, hi].
func yieldFor(ms *float64, def, lo, hi time.Duration) time.Duration {
	d := def
	if ms != nil && *ms > 0 {
		d = time.Duration(*ms * float64(time.Millisecond))
	}
	return min(max(d, lo), hi)
}

// budget is the output budget in bytes.
func budget(tokens *float64) int {
	n := DefaultMaxOutputTokens
	if tokens != nil && *tokens > 0 {
		n = int(*tokens)
	}
	return n * bytesPerToken
}

func chunkID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// execjsonCommand shows argv as a shell would read it.
func execjsonCommand(argv []string) string {
	if len(argv) == 3 && (argv[1] == "-lc" || argv[1] == "-c") {
		return argv[2]
	}
	return strings.Join(argv, " ")
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
