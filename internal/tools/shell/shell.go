// Package shell is the `shell` tool the model sees, with Codex's schema: an
// argv array, an optional workdir and timeout, and an optional request to run
// outside the sandbox. A call goes: decode → Options.Intercept (the cli wires
// apply_patch-in-a-heredoc there) → approval (internal/approval; asking the
// user through tools.Env) → sandbox (internal/sandbox builds the confined
// command) → proc (internal/proc runs it, streaming output) → a JSON answer
// in Codex's format for the model.
//
// Events, in order, on env.Emit for one call: ExecApprovalRequest is not
// emitted here (env.Approve does that); ExecBegin, ExecOutputDelta*,
// ExecEnd per run (a rerun outside the sandbox under on-failure repeats the
// three with the same call id); a command refused before it runs gets a lone
// ExecEnd with Declined set.
//
// Two kinds of failure are kept apart: a command that fails, is refused or
// cannot be sandboxed is a Result the model sees; an aborted approval
// (ErrAborted) or a cancelled context is a Go error that aborts the turn.
package shell

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Name is the tool's name.
const Name = "shell"

// ErrAborted is returned (the turn is aborted) when the user answers an
// approval request with "abort".
var ErrAborted = tools.ErrAborted

// Messages the model sees.
const (
	MsgRejected = "exec command rejected by user"
)

// Defaults for Options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMaxTimeout = 10 * time.Minute
	// The model sees about 10 KiB of output, head + tail, as Codex gives it
	// (about 10k tokens); the line cap only bounds floods of tiny lines.
	DefaultModelMaxBytes = 10 << 10
	DefaultModelMaxLines = 2048
)

// Options configure the tool. The zero value is usable except for Self,
// which the sandbox needs to re-exec its helper.
type Options struct {
	// Self is the kodex binary the sandbox re-executes as its helper.
	Self string
	// EnvPolicy filters the environment handed to commands.
	EnvPolicy proc.EnvPolicy
	// Environ returns the parent environment (default os.Environ).
	Environ func() []string
	// DefaultTimeout applies when the model gives none (default 10 s);
	// MaxTimeout caps what it may ask for (default 10 min).
	DefaultTimeout time.Duration
	MaxTimeout     time.Duration
	// OutputCap bounds the aggregated output kept per run for ExecEnd
	// (default proc.DefaultOutputCap).
	OutputCap int
	// ModelMaxBytes and ModelMaxLines bound the output the model sees, cut
	// head+tail (default 10 KiB and 256 lines).
	ModelMaxBytes int
	ModelMaxLines int
	// Intercept, if set, sees each call first (after decoding, with workdir
	// resolved). If it reports handled, its Result and error are returned and
	// nothing runs here. The cli uses it for `apply_patch` sent through the
	// shell.
	Intercept func(ctx context.Context, env *tools.Env, call tools.Call, argv []string, workdir string) (tools.Result, bool, error)
	// TmpDir returns the session's private temp dir (TMPDIR of sandboxed
	// commands in workspace-write mode, kept across the session's commands),
	// creating it on first use. Nil or an error: each command gets its own.
	TmpDir func() (string, error)
	// NetNS is the session's shared network namespace, where
	// exec_command's processes run, so that a server one of them starts is
	// reachable from the next (nil: each gets its own). A shell command
	// leaves nothing running behind it, so it keeps a private one (and
	// saves the relay's few milliseconds).
	NetNS *sandbox.NetNS
	// Sandbox builds the confined command (default sandbox.Command); tests
	// substitute a fake.
	Sandbox func(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error)
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Offered, if set, says per model whether the shell tool is offered
	// to it (the model-family choice; nil: always).
	Offered func(model string) bool
	// PrefixRules are the prefix rules the user approved before this
	// session (see approval's "Prefix rules"); SavePrefixRule, if set,
	// keeps one the user approves now for later sessions.
	PrefixRules    [][]string
	SavePrefixRule func(rule []string) error
}

// Tool is the shell tool. It keeps no per-call state and is safe for
// concurrent use; one Tool serves one session.
type Tool struct {
	opts Options
	// warned holds the sandbox warnings already said in this session.
	warned sync.Map
	// rules are the prefix rules approved so far (Options.PrefixRules and
	// those approved in this session).
	rulesMu sync.Mutex
	rules   [][]string
}

// New returns the tool.
func New(opts Options) *Tool {
	if opts.Environ == nil {
		opts.Environ = os.Environ
	}
	if opts.DefaultTimeout <= 0 {
		opts.DefaultTimeout = DefaultTimeout
	}
	if opts.MaxTimeout <= 0 {
		opts.MaxTimeout = DefaultMaxTimeout
	}
	if opts.ModelMaxBytes <= 0 {
		opts.ModelMaxBytes = DefaultModelMaxBytes
	}
	if opts.ModelMaxLines <= 0 {
		opts.ModelMaxLines = DefaultModelMaxLines
	}
	if opts.Sandbox == nil {
		opts.Sandbox = sandbox.Command
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tool{opts: opts, rules: slices.Clone(opts.PrefixRules)}
}

// prefixRules returns the approved prefix rules.
func (t *Tool) prefixRules() [][]string {
	t.rulesMu.Lock()
	defer t.rulesMu.Unlock()
	return slices.Clone(t.rules)
}

// addPrefixRule applies rule to the rest of the session and saves it.
func (t *Tool) addPrefixRule(env *tools.Env, rule []string) {
	t.rulesMu.Lock()
	known := slices.ContainsFunc(t.rules, func(r []string) bool { return slices.Equal(r, rule) })
	if !known {
		t.rules = append(t.rules, slices.Clone(rule))
	}
	t.rulesMu.Unlock()
	if known || t.opts.SavePrefixRule == nil {
		return
	}
	if err := t.opts.SavePrefixRule(rule); err != nil {
		emit(env, protocol.Warning{Message: fmt.Sprintf("the approved prefix rule applies to this session only: saving it failed: %v", err)})
	}
}

// The tool's description: the escalation bullet is offered only where
// someone can approve it.
const (
	descHead = `Runs a command and returns its output (stdout and stderr interleaved) with its exit code.

- "command" is an argv array, not a shell string: ["rg", "-n", "TODO"]. For pipes, &&, globs or redirections, run a shell: ["bash", "-lc", "go test ./... 2>&1 | tail -n 20"].
- Commands run inside a sandbox: files can be read anywhere but written only in the workspace's writable roots, and network access is usually off. A command that fails with "Permission denied", "Operation not permitted" or "Read-only file system" was probably blocked by the sandbox.
`
	descEscalate = `- If a command truly needs to run outside the sandbox (network access, writes elsewhere), set "sandbox_permissions" to "require_escalated" and give a one-sentence "justification"; the user is asked to approve. A "prefix_rule" such as ["npm", "install"] lets the user approve later commands starting with it too. Do not escalate to work around an error you can fix.
`
	descNever = `- Nobody can approve anything in this session (approval policy "never"): commands always run inside the sandbox. If something cannot be done there, do what you can and tell the user what to run.
`
	descTail = `- Set "workdir" rather than starting with cd. Long output is cut in the middle. Prefer rg over grep and fast, non-interactive commands; the default timeout is 10 seconds, raise "timeout_ms" for builds and tests.`

	description      = descHead + descEscalate + descTail
	descriptionNever = descHead + descNever + descTail
)

var parameters = json.RawMessage(`{
  "type": "object",
  "properties": {
    "command": {"type": "array", "items": {"type": "string"}, "description": "The command to run, as an argv array."},
    "workdir": {"type": "string", "description": "The working directory to run the command in; defaults to the session's working directory."},
    "timeout_ms": {"type": "number", "description": "The timeout for the command in milliseconds."},
    "sandbox_permissions": {"type": "string", "enum": ["use_default", "require_escalated"], "description": "Use \"require_escalated\" to ask the user to run this command outside the sandbox."},
    "justification": {"type": "string", "description": "Only with require_escalated: one sentence telling the user why the command needs to run outside the sandbox."},
    "prefix_rule": {"type": "array", "items": {"type": "string"}, "description": "Only with require_escalated: a command prefix the user may approve for later commands too, e.g. [\"git\", \"pull\"]."}
  },
  "required": ["command"],
  "additionalProperties": false
}`)

var parametersNever = json.RawMessage(`{
  "type": "object",
  "properties": {
    "command": {"type": "array", "items": {"type": "string"}, "description": "The command to run, as an argv array."},
    "workdir": {"type": "string", "description": "The working directory to run the command in; defaults to the session's working directory."},
    "timeout_ms": {"type": "number", "description": "The timeout for the command in milliseconds."}
  },
  "required": ["command"],
  "additionalProperties": false
}`)

// Spec returns the tool's spec.
func (t *Tool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: Name, Description: description, Parameters: parameters}
}

// SpecFor returns the spec offered under approval: under "never" the model
// is not invited to ask for an escalation nobody can grant.
func (t *Tool) SpecFor(approval protocol.ApprovalPolicy) model.ToolSpec {
	if approval == protocol.ApprovalNever {
		return model.ToolSpec{Kind: model.ToolFunction, Name: Name, Description: descriptionNever, Parameters: parametersNever}
	}
	return t.Spec()
}

// OfferedTo reports whether the named model is offered the shell tool.
func (t *Tool) OfferedTo(name string) bool { return t.opts.Offered == nil || t.opts.Offered(name) }

// Sandbox permission values.
const (
	PermUseDefault       = "use_default"
	PermRequireEscalated = "require_escalated"
)

// args are the call's arguments.
type args struct {
	Command            []string `json:"command"`
	Workdir            string   `json:"workdir"`
	TimeoutMS          *float64 `json:"timeout_ms"`
	SandboxPermissions string   `json:"sandbox_permissions"`
	Justification      string   `json:"justification"`
	PrefixRule         []string `json:"prefix_rule"`
	// WithEscalatedPermissions is Codex's older spelling of the request.
	WithEscalatedPermissions *bool `json:"with_escalated_permissions"`
}

// request is a decoded, validated call.
type request struct {
	argv          []string
	workdir       string
	timeout       time.Duration
	escalate      bool
	justification string
	tty           bool // exec_command with a terminal
	live          bool // exec_command: may outlive the call
	// prefixRule is the model's proposed prefix rule; proposal is the one
	// offered to the user with the request being asked.
	prefixRule []string
	proposal   []string
	// freeform: answer as Codex's shell_command does (text sections), not
	// as shell's JSON.
	freeform bool
}

// parse validates the call, returning a result for the model on failure.
func (t *Tool) parse(env *tools.Env, call tools.Call) (request, tools.Result, bool) {
	var a args
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return request{}, res, false
	}
	if len(a.Command) == 0 || a.Command[0] == "" {
		return request{}, tools.ErrorResult("command must be a non-empty array of strings, e.g. [\"ls\", \"-la\"]"), false
	}
	r := request{argv: a.Command, justification: a.Justification, timeout: t.opts.DefaultTimeout, prefixRule: a.PrefixRule}
	var ok bool
	if r.escalate, ok = escalates(a.SandboxPermissions); !ok {
		return request{}, tools.ErrorResult("sandbox_permissions must be %q or %q, not %q", PermUseDefault, PermRequireEscalated, a.SandboxPermissions), false
	}
	if a.WithEscalatedPermissions != nil && *a.WithEscalatedPermissions {
		r.escalate = true
	}
	if a.TimeoutMS != nil && *a.TimeoutMS > 0 {
		r.timeout = min(time.Duration(*a.TimeoutMS*float64(time.Millisecond)), t.opts.MaxTimeout)
	}
	if r.workdir, ok = workdir(env, a.Workdir); !ok {
		return request{}, tools.ErrorResult("workdir %s is not an existing directory", r.workdir), false
	}
	return r, tools.Result{}, true
}

// escalates reads sandbox_permissions: whether it asks to run outside the
// sandbox, and whether it is a known value.
func escalates(perm string) (bool, bool) {
	switch perm {
	case "", PermUseDefault:
		return false, true
	case PermRequireEscalated:
		return true, true
	}
	return false, false
}

// workdir resolves the model's workdir (relative to the session's cwd,
// which is the default) and reports whether it is an existing directory.
func workdir(env *tools.Env, dir string) (string, bool) {
	if dir == "" {
		dir = env.Cwd
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(env.Cwd, dir)
	}
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

// ReadOnly reports whether the call is a known-safe read-only command that
// does not ask for escalation, so it may run alongside other such calls.
func (t *Tool) ReadOnly(call tools.Call) bool {
	var a args
	if err := json.Unmarshal([]byte(call.Input), &a); err != nil {
		return false
	}
	if a.SandboxPermissions == PermRequireEscalated || (a.WithEscalatedPermissions != nil && *a.WithEscalatedPermissions) {
		return false
	}
	return approval.IsKnownSafe(a.Command)
}

// Handle runs a call.
func (t *Tool) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	req, res, ok := t.parse(env, call)
	if !ok {
		return res, nil
	}
	return t.handle(ctx, env, call, req)
}

// handle runs a decoded call to completion and answers the model.
func (t *Tool) handle(ctx context.Context, env *tools.Env, call tools.Call, req request) (tools.Result, error) {
	env, unsandboxed, done, res, err := t.admit(ctx, env, call, req)
	if done || err != nil {
		return res, err
	}
	out, failed, err := t.run(ctx, env, call, req, unsandboxed)
	if err != nil || failed != nil {
		return deref(failed), err
	}
	var note string
	if out.sandboxDenied {
		after := approval.AfterFailure(env.ApprovalPolicy, true)
		switch after.Action {
		case approval.Ask:
			ok, _, err := t.ask(ctx, env, call, req, after.Reason, true, sessionKey(req.argv, true))
			if err != nil {
				return tools.Result{}, err
			}
			if ok {
				rerun, failed, err := t.run(ctx, env, call, req, true)
				if err != nil || failed != nil {
					return deref(failed), err
				}
				return t.answer(rerun, req, ""), nil
			}
			note = fmt.Sprintf("[sandbox %s] the sandbox likely blocked this command; the user declined to rerun it outside the sandbox", out.mechanism)
		default:
			note = fmt.Sprintf("[sandbox %s] %s", out.mechanism, after.Reason)
			if hint := socketHint(out, env.Sandbox); hint != "" {
				note += "\n" + hint
			}
		}
	}
	return t.answer(out, req, note), nil
}

// admit is what every command goes through before it runs: the Intercept
// hook, then the approval policy. It returns the env to run with (the
// policy of the mode an approval chose, if any) and whether to run outside
// the sandbox, or done with the result to return (intercepted or refused).
func (t *Tool) admit(ctx context.Context, env *tools.Env, call tools.Call, req request) (*tools.Env, bool, bool, tools.Result, error) {
	if t.opts.Intercept != nil {
		if res, handled, err := t.opts.Intercept(ctx, env, call, req.argv, req.workdir); handled || err != nil {
			return env, false, true, res, err
		}
	}
	unsandboxed, mode, refused, err := t.authorize(ctx, env, call, req)
	if err != nil || refused != nil {
		return env, false, true, deref(refused), err
	}
	if mode != "" && env.ResolvePolicy != nil && !unsandboxed {
		approved := *env
		approved.Sandbox = env.ResolvePolicy(mode)
		env = &approved
	}
	return env, unsandboxed, false, tools.Result{}, nil
}

// socketHint explains a socket refused at the sandbox level without
// namespaces, where even loopback is off with the network: what failed and
// what to do ("" when that is not what happened).
func socketHint(out outcome, pol protocol.SandboxPolicy) string {
	if out.mechanism != sandbox.MechLandlock || pol.NetworkAccess {
		return ""
	}
	lower := strings.ToLower(out.res.Output)
	if !strings.Contains(lower, "operation not permitted") && !strings.Contains(lower, "permission denied") {
		return ""
	}
	for _, w := range []string{"socket", "bind", "listen", "connect", "dial", "address"} {
		if strings.Contains(lower, w) {
			return "Network sockets, loopback included, are refused in this sandbox: with the network off and no user namespaces on this machine there is no private loopback, so tests that bind a local port fail here. Tell the user: they can allow the network (sandbox_workspace_write.network_access = true) or run kodex where user namespaces are available."
		}
	}
	return ""
}

func deref(r *tools.Result) tools.Result {
	if r == nil {
		return tools.Result{}
	}
	return *r
}

// sessionKey is the key under which an approval of argv is remembered; an
// approval to run outside the sandbox is remembered apart from one to run
// inside it.
func sessionKey(argv []string, unsandboxed bool) string {
	if unsandboxed {
		return "unsandboxed " + approval.CanonicalKey(argv)
	}
	return approval.CanonicalKey(argv)
}

// authorize applies the approval policy. It returns whether to run outside
// the sandbox and, for an approved command, the sandbox mode it runs under
// when that is not the session's ("" otherwise), or a result for the model
// when the command must not run.
func (t *Tool) authorize(ctx context.Context, env *tools.Env, call tools.Call, req request) (bool, protocol.SandboxMode, *tools.Result, error) {
	d := approval.ForCommand(env.ApprovalPolicy, env.Sandbox, approval.Command{
		Argv: req.argv, Cwd: req.workdir, Escalate: req.escalate,
		PrefixRule: req.prefixRule, PrefixRules: t.prefixRules(),
	})
	switch d.Action {
	case approval.Run:
		// A rerun outside the sandbox approved for the session under
		// on-failure skips the sandboxed attempt.
		if !d.Unsandboxed && env.ApprovalPolicy == protocol.ApprovalOnFailure && approved(env, sessionKey(req.argv, true)) {
			return true, "", nil, nil
		}
		return d.Unsandboxed, "", nil, nil
	case approval.Ask:
		if approved(env, sessionKey(req.argv, d.Unsandboxed)) {
			return d.Unsandboxed, d.ApprovedMode, nil, nil
		}
		if !d.Unsandboxed && approved(env, sessionKey(req.argv, true)) {
			return true, "", nil, nil // approved for more already
		}
		reason := d.Reason
		if d.ApprovedMode == protocol.SandboxWorkspaceWrite {
			reason += "; if approved it runs in the workspace sandbox and may write there"
		}
		req.proposal = d.ProposedPrefixRule
		ok, feedback, err := t.ask(ctx, env, call, req, reason, d.Unsandboxed, sessionKey(req.argv, d.Unsandboxed))
		if err != nil {
			return false, "", nil, err
		}
		if !ok {
			msg := MsgRejected
			if feedback != "" {
				msg += ": " + feedback
			}
			emit(env, protocol.ExecEnd{CallID: call.ID, Command: req.argv, ExitCode: -1, Declined: true, AggregatedOutput: msg})
			res := tools.ErrorResult("%s", msg)
			return false, "", &res, nil
		}
		return d.Unsandboxed, d.ApprovedMode, nil, nil
	default:
		emit(env, protocol.ExecEnd{CallID: call.ID, Command: req.argv, ExitCode: -1, Declined: true, AggregatedOutput: d.Reason})
		res := tools.ErrorResult("%s", d.Reason)
		return false, "", &res, nil
	}
}

func approved(env *tools.Env, key string) bool {
	return env.Approved != nil && env.Approved(key)
}

// ask asks the user and reports whether the command may run. An abort
// returns ErrAborted; a context that ends while asking returns its error.
func (t *Tool) ask(ctx context.Context, env *tools.Env, call tools.Call, req request, reason string, escalated bool, key string) (bool, string, error) {
	if env.Approve == nil {
		return false, "", nil
	}
	decision, feedback := env.Approve(ctx, protocol.ExecApprovalRequest{
		CallID:        call.ID,
		Command:       req.argv,
		Cwd:           req.workdir,
		Reason:        reason,
		Justification: req.justification,
		Escalated:     escalated,
		// Offered only with the request it was checked against.
		ProposedPrefixRule: req.proposal,
	})
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	t.opts.Logger.Debug("exec approval", "call_id", call.ID, "decision", decision, "escalated", escalated)
	switch decision {
	case protocol.DecisionApproved:
		return true, "", nil
	case protocol.DecisionApprovedForSession:
		if env.Remember != nil {
			env.Remember(key)
		}
		return true, "", nil
	case protocol.DecisionApprovedPrefixRule:
		// Without a proposal (or for a request that was not the one it
		// was checked against) this approves the command once.
		if req.proposal != nil && escalated {
			t.addPrefixRule(env, req.proposal)
		}
		return true, "", nil
	case protocol.DecisionAbort:
		return false, "", ErrAborted
	default:
		return false, feedback, nil
	}
}

func emit(env *tools.Env, msg protocol.EventMsg) {
	if env.Emit != nil {
		env.Emit(msg)
	}
}
