package shell

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// CommandName is the name of Codex's string-command shell tool.
const CommandName = "shell_command"

// ShellCommand is the shell_command tool: a command line run to completion
// by the user's shell (-lc, or -c with "login": false). It is the shell
// tool with another argument form and Codex's text answer: the same
// approvals, sandbox, environment and apply_patch interception.
type ShellCommand struct {
	sh *Tool
	// offered says whether the model is offered this tool (nil: always).
	offered func(model string) bool
}

// NewCommand returns shell_command over sh's options. offered, if set,
// says per model whether it is offered (the model-family choice; see
// model.ChooseShellTool).
func NewCommand(sh *Tool, offered func(model string) bool) *ShellCommand {
	return &ShellCommand{sh: sh, offered: offered}
}

var (
	_ tools.PolicySpecer = (*ShellCommand)(nil)
	_ tools.ModelOffer   = (*ShellCommand)(nil)
	_ tools.ReadOnly     = (*ShellCommand)(nil)
)

const (
	commandHead = `Runs a shell command line with the user's shell and returns its exit code and output (stdout and stderr interleaved).

- "command" is one shell command line: pipes, &&, globs and redirections work. Set "workdir" rather than starting with cd.
- Commands run inside a sandbox: files can be read anywhere but written only in the workspace's writable roots, and network access is usually off. "Permission denied", "Operation not permitted" or "Read-only file system" usually mean the sandbox blocked it.
`
	commandEscalate = `- If a command truly needs to run outside the sandbox (network access, writes elsewhere), set "sandbox_permissions" to "require_escalated" with a one-sentence "justification"; the user is asked to approve. A "prefix_rule" such as ["npm", "install"] lets the user approve later commands starting with it too. Do not escalate to work around an error you can fix.
`
	commandTail = `- Long output is cut in the middle. Prefer rg over grep and fast, non-interactive commands; the default timeout is 10 seconds, raise "timeout_ms" for builds and tests.`
)

func commandParameters(escalate bool) json.RawMessage {
	esc := ""
	if escalate {
		esc = `,
    "sandbox_permissions": {"type": "string", "enum": ["use_default", "require_escalated"], "description": "Use \"require_escalated\" to ask the user to run this command outside the sandbox; \"use_default\" otherwise."},
    "justification": {"type": "string", "description": "Only with require_escalated: the question the user is asked, in one sentence."},
    "prefix_rule": {"type": "array", "items": {"type": "string"}, "description": "Only with require_escalated: a command prefix the user may approve for later commands too, e.g. [\"git\", \"pull\"]."}`
	}
	return json.RawMessage(`{
  "type": "object",
  "properties": {
    "command": {"type": "string", "description": "The shell command line to run."},
    "workdir": {"type": "string", "description": "The working directory; defaults to the session's."},
    "timeout_ms": {"type": "number", "description": "The timeout in milliseconds (default 10000)."},
    "login": {"type": "boolean", "description": "Run the shell as a login shell (-lc, the default) or not (-c)."}` + esc + `
  },
  "required": ["command"],
  "additionalProperties": false
}`)
}

// Spec returns shell_command's spec.
func (c *ShellCommand) Spec() model.ToolSpec { return c.SpecFor(protocol.ApprovalOnRequest) }

// SpecFor leaves out escalation where nobody can approve it.
func (c *ShellCommand) SpecFor(ap protocol.ApprovalPolicy) model.ToolSpec {
	desc := commandHead + commandEscalate + commandTail
	if ap == protocol.ApprovalNever {
		desc = commandHead + descNever + commandTail
	}
	return model.ToolSpec{Kind: model.ToolFunction, Name: CommandName, Description: desc, Parameters: commandParameters(ap != protocol.ApprovalNever)}
}

// OfferedTo reports whether the named model is offered shell_command.
func (c *ShellCommand) OfferedTo(name string) bool { return c.offered == nil || c.offered(name) }

type commandArgs struct {
	Command            string   `json:"command"`
	Workdir            string   `json:"workdir"`
	TimeoutMS          *float64 `json:"timeout_ms"`
	Login              *bool    `json:"login"`
	SandboxPermissions string   `json:"sandbox_permissions"`
	Justification      string   `json:"justification"`
	PrefixRule         []string `json:"prefix_rule"`
	// WithEscalatedPermissions is Codex's older spelling of the request.
	WithEscalatedPermissions *bool `json:"with_escalated_permissions"`
}

// argv is the command line run by the user's shell.
func (c *ShellCommand) argv(a commandArgs) []string {
	sh := userShell(c.sh.opts.Environ())
	if runtime.GOOS == "windows" {
		return []string{sh, "/C", a.Command}
	}
	flag := "-lc"
	if a.Login != nil && !*a.Login {
		flag = "-c"
	}
	return []string{sh, flag, a.Command}
}

// ReadOnly reports whether the call is a known-safe read-only command line
// that does not ask for escalation, so it may run alongside other such
// calls.
func (c *ShellCommand) ReadOnly(call tools.Call) bool {
	var a commandArgs
	if err := json.Unmarshal([]byte(call.Input), &a); err != nil || strings.TrimSpace(a.Command) == "" {
		return false
	}
	if a.SandboxPermissions == PermRequireEscalated || (a.WithEscalatedPermissions != nil && *a.WithEscalatedPermissions) {
		return false
	}
	return approval.IsKnownSafe(c.argv(a))
}

// Handle runs the command line to completion and answers in Codex's
// shell_command format.
func (c *ShellCommand) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a commandArgs
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return res, nil
	}
	if strings.TrimSpace(a.Command) == "" {
		return tools.ErrorResult("command must be a non-empty shell command line"), nil
	}
	r := request{argv: c.argv(a), justification: a.Justification, timeout: c.sh.opts.DefaultTimeout, prefixRule: a.PrefixRule, freeform: true}
	var ok bool
	if r.escalate, ok = escalates(a.SandboxPermissions); !ok {
		return tools.ErrorResult("sandbox_permissions must be %q or %q, not %q", PermUseDefault, PermRequireEscalated, a.SandboxPermissions), nil
	}
	if a.WithEscalatedPermissions != nil && *a.WithEscalatedPermissions {
		r.escalate = true
	}
	if a.TimeoutMS != nil && *a.TimeoutMS > 0 {
		r.timeout = min(time.Duration(*a.TimeoutMS*float64(time.Millisecond)), c.sh.opts.MaxTimeout)
	}
	if r.workdir, ok = workdir(env, a.Workdir); !ok {
		return tools.ErrorResult("workdir %s is not an existing directory", r.workdir), nil
	}
	return c.sh.handle(ctx, env, call, r)
}
