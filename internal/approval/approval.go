// Package approval is kodex's pure approval policy: given the approval
// policy, the sandbox policy and a command or a patch, it decides whether to
// run it (inside or outside the sandbox), ask the user, or refuse. It also
// owns the list of known-safe read-only commands, a small parser for the
// `bash -lc "<script>"` subset those may be combined in, the protected
// locations a patch may not write without asking, the canonical form of an
// argv used to remember "approved for this session", and the named presets.
//
// It does no I/O and keeps no state: callers resolve paths (symlinks
// included) before asking, remember session approvals themselves, and
// enforce the answer (internal/tools/shell, internal/sandbox). It must not
// approve anything that could execute or write whatever the repository or
// working tree contains, unless the sandbox confines it.
//
// # Known-safe commands
//
// [Classify] sorts commands into two tiers. SafeAnywhere commands (cat, ls,
// grep, head, wc, sed -n Np, find without -exec, rg without --pre, ...)
// cannot run another program or write a file whatever the repository
// contains. SafeInSandbox commands (git's read subcommands; go version, env
// and list) only read, but obey configuration the repository controls that
// can name programs (textconv, diff drivers, fsmonitor, filters, pager; the
// toolchain a go.mod asks for), so they run without asking only inside the
// sandbox. Options that write or run programs in any case (git -c,
// --git-dir, --ext-diff, --output; go list -mod=mod, -toolexec; rg --pre;
// find -fprint; sort --compress-program; ...) make a command not safe at
// all. Wrappers (env, xargs, timeout, nice) and pagers (less, man) are not
// on the list.
//
// # Policies
//
//   - untrusted: SafeAnywhere commands run without asking (in the sandbox,
//     or outside it in danger-full-access); SafeInSandbox commands run
//     without asking only when sandboxed (read-only or workspace-write) and
//     ask in danger-full-access; every other command, and every patch, asks
//     first.
//   - on-failure: commands run in the sandbox without asking; when one fails
//     because the sandbox blocked it, [AfterFailure] says to ask whether to
//     rerun it outside the sandbox.
//   - on-request (the default): commands run in the sandbox; the user is asked
//     only when the model requests escalation (sandbox_permissions =
//     "require_escalated"), which would run the command outside the sandbox.
//   - never: nobody is asked. Commands run in the sandbox, escalation requests
//     and patches outside the writable roots or into a protected location
//     are denied with a reason the model sees, and a sandbox denial is simply
//     reported to the model.
//
// In danger-full-access mode commands run outside the sandbox, and only
// untrusted still asks (for commands that are not SafeAnywhere, and
// patches).
//
// # Patches
//
// A patch runs without asking only when every path is inside a writable
// root (an empty list of roots means nothing is writable) and in no
// protected location: .git or .kodex at any depth, and shell start-up and
// tool configuration files (.bashrc, .profile, .zshrc, .gitconfig, .ssh,
// .config/fish, .config/git, ...) at any depth below a root, names compared
// as case-insensitive and Windows file systems resolve them (see
// protect.go).
//
// # Prefix rules
//
// A prefix rule is a command prefix such as ["git", "pull"] that the user
// approved, at the model's proposal (the prefix_rule argument of
// exec_command, shell_command and shell, only with an escalation request),
// for commands to run outside the sandbox without asking: Codex's
// execpolicy amendments, `prefix_rule(pattern=[...], decision="allow")`.
//
// A command is covered by the rules when every simple command in it starts
// with one of them, word for word. A command line run by a shell
// (`bash -lc "<script>"`) is looked into only when its script is in the
// subset [ParseScript] accepts (plain and quoted words joined by |, &&, ||
// and ;): `git pull && git push` needs both prefixes, and a script with a
// redirection, a substitution, a variable, a glob, a subshell or anything
// else ParseScript refuses is never covered, whatever it starts with.
//
// A proposal is offered to the user only when it covers the command it
// comes with (so the user sees the rule applied to a real command), is not
// empty and has no empty word, and does not start with a shell, an
// interpreter or a wrapper that can run any program (bash, python3 -c, env,
// sudo, xargs, ...): such a rule would approve arbitrary code.
//
// [ForCommand] runs a covered command outside the sandbox without asking
// under every approval policy but never, whose promise is that commands
// always run inside the sandbox (Codex applies its rules there too).
//
// # Presets
//
// The presets map to (approval policy, sandbox mode) pairs:
//
//	suggest    read-only       + untrusted   everything but safe reads asks
//	auto-edit  workspace-write + on-request  edits in the workspace and commands run sandboxed; escalation asks
//	full-auto  workspace-write + never       commands run without asking, inside the sandbox, network off
//
// full-auto uses never rather than on-failure or on-request because its
// promise is "without asking": a command the sandbox blocks is reported to
// the model (with a note that the sandbox likely caused it), which can then
// work around it; the user is never interrupted.
package approval

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Action is what to do with a command or patch.
type Action int

// Actions.
const (
	Run  Action = iota + 1 // run it (sandboxed unless Decision.Unsandboxed)
	Ask                    // ask the user first
	Deny                   // refuse without asking; tell the model Reason
)

// String returns the action's name, for logs and test failures.
func (a Action) String() string {
	switch a {
	case Run:
		return "run"
	case Ask:
		return "ask"
	case Deny:
		return "deny"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Decision is the outcome of a policy check.
type Decision struct {
	Action Action
	// Unsandboxed: run outside the sandbox (danger-full-access, or an
	// escalation, once approved).
	Unsandboxed bool
	// Reason says why approval is needed or why it was denied, in words fit
	// for the user and the model.
	Reason string
	// ApprovedMode, when set on an Ask, is the sandbox mode the command runs
	// under once approved (still confined): in a read-only session, a
	// command the user approves may write in the workspace, as an approved
	// patch does.
	ApprovedMode protocol.SandboxMode
	// ProposedPrefixRule, on an Ask to run outside the sandbox, is the
	// model's prefix rule to offer the user with it (see "Prefix rules").
	ProposedPrefixRule []string
}

// Command describes a command the model wants to run.
type Command struct {
	Argv []string
	Cwd  string
	// Escalate: the model asked to run outside the sandbox
	// (sandbox_permissions = "require_escalated").
	Escalate bool
	// PrefixRule is the model's proposed prefix rule (its prefix_rule
	// argument); PrefixRules are those the user approved.
	PrefixRule  []string
	PrefixRules [][]string
}

// Reasons shown to the user and the model.
const (
	ReasonNotKnownSafe   = "command is not on the list of known-safe read-only commands"
	ReasonEscalation     = "the model asks to run this command outside the sandbox"
	ReasonRerun          = "command failed in the sandbox; rerun without it?"
	ReasonEscalateDenied = `escalation denied: the approval policy is "never", so commands always run inside the sandbox and the user is not asked; do the task without it or tell the user what is needed`
	ReasonEmptyCommand   = "empty command"
	ReasonPrefixRule     = "every command in it starts with a prefix the user approved"
)

// normalize maps an unset or unknown policy to the default, on-request.
func normalize(p protocol.ApprovalPolicy) protocol.ApprovalPolicy {
	switch p {
	case protocol.ApprovalUntrusted, protocol.ApprovalOnFailure, protocol.ApprovalOnRequest, protocol.ApprovalNever:
		return p
	}
	return protocol.ApprovalOnRequest
}

// ForCommand decides what to do with cmd before it runs. An Ask decision
// with Unsandboxed set means the command runs outside the sandbox once
// approved; without it, the approved command still runs sandboxed.
func ForCommand(policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, cmd Command) Decision {
	if len(cmd.Argv) == 0 || cmd.Argv[0] == "" {
		return Decision{Action: Deny, Reason: ReasonEmptyCommand}
	}
	full := sb.Mode == protocol.SandboxDangerFullAccess
	if normalize(policy) != protocol.ApprovalNever && CoveredByPrefixRules(cmd.Argv, cmd.PrefixRules) {
		return Decision{Action: Run, Unsandboxed: true, Reason: ReasonPrefixRule}
	}
	d := forCommand(policy, sb, cmd, full)
	if d.Action == Ask && d.Unsandboxed && !full && cmd.Escalate {
		d.ProposedPrefixRule, _ = PrefixRuleProposal(cmd.Argv, cmd.PrefixRule)
	}
	return d
}

func forCommand(policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, cmd Command, full bool) Decision {
	switch normalize(policy) {
	case protocol.ApprovalUntrusted:
		if !cmd.Escalate {
			switch safety, why := Classify(cmd.Argv); safety {
			case SafeAnywhere:
				return Decision{Action: Run, Unsandboxed: full}
			case SafeInSandbox:
				if confined(sb.Mode) {
					return Decision{Action: Run}
				}
				return Decision{Action: Ask, Unsandboxed: full, Reason: why}
			case NotSafe:
			}
		}
		if cmd.Escalate && !full {
			return Decision{Action: Ask, Unsandboxed: true, Reason: ReasonEscalation}
		}
		d := Decision{Action: Ask, Unsandboxed: full, Reason: ReasonNotKnownSafe}
		if sb.Mode == protocol.SandboxReadOnly {
			d.ApprovedMode = protocol.SandboxWorkspaceWrite
		}
		return d
	case protocol.ApprovalNever:
		if cmd.Escalate && !full {
			return Decision{Action: Deny, Reason: ReasonEscalateDenied}
		}
		return Decision{Action: Run, Unsandboxed: full}
	default: // on-failure, on-request
		if cmd.Escalate && !full {
			return Decision{Action: Ask, Unsandboxed: true, Reason: ReasonEscalation}
		}
		return Decision{Action: Run, Unsandboxed: full}
	}
}

// confined reports whether commands run inside the sandbox in mode.
func confined(mode protocol.SandboxMode) bool {
	return mode == protocol.SandboxReadOnly || mode == protocol.SandboxWorkspaceWrite
}

// AfterFailure decides what follows a sandboxed command that failed;
// sandboxDenied says whether the failure looks like the sandbox's doing
// (see proc.LikelySandboxDenied). Ask (with Unsandboxed set and Reason
// [ReasonRerun]) means: ask the user whether to rerun it outside the sandbox.
// Any other action means: report the failure to the model, adding Reason,
// when not empty, as a hint.
func AfterFailure(policy protocol.ApprovalPolicy, sandboxDenied bool) Decision {
	if !sandboxDenied {
		return Decision{Action: Deny}
	}
	switch normalize(policy) {
	case protocol.ApprovalOnFailure:
		return Decision{Action: Ask, Unsandboxed: true, Reason: ReasonRerun}
	case protocol.ApprovalNever:
		return Decision{Action: Deny, Reason: "the sandbox likely blocked this command; running outside the sandbox is not allowed under approval policy \"never\""}
	default: // on-request, untrusted
		return Decision{Action: Deny, Reason: `the sandbox likely blocked this command; if it needs more access, rerun it with "sandbox_permissions": "require_escalated" and a one-sentence "justification"`}
	}
}

// ForPatch decides what to do with a patch touching paths in a session whose
// cwd is cwd. Paths should be absolute and resolved (relative ones are taken
// against cwd). A patch runs without asking only when every path is inside
// one of sb.WritableRoots (an empty list means nothing is writable: cwd is
// not implied) and not in a protected location (see protect.go: .git and
// .kodex at any depth, shell start-up and tool configuration files);
// otherwise it asks, or under never is denied, with a reason naming the
// path. Untrusted always asks; danger-full-access otherwise always runs,
// since its commands may write anywhere without asking anyway.
func ForPatch(policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, cwd string, paths []string) Decision {
	policy = normalize(policy)
	if policy == protocol.ApprovalUntrusted {
		return Decision{Action: Ask, Reason: "approval policy \"untrusted\" asks before every edit"}
	}
	if sb.Mode == protocol.SandboxDangerFullAccess {
		return Decision{Action: Run}
	}
	reason := patchReason(sb, cwd, paths)
	if reason == "" {
		return Decision{Action: Run}
	}
	if policy == protocol.ApprovalNever {
		return Decision{Action: Deny, Reason: reason + "; edits there are not allowed under approval policy \"never\""}
	}
	return Decision{Action: Ask, Reason: reason}
}

// Preset names.
const (
	PresetSuggest  = "suggest"
	PresetAutoEdit = "auto-edit"
	PresetFullAuto = "full-auto"
	PresetCustom   = "custom"
)

type preset struct {
	name   string
	policy protocol.ApprovalPolicy
	mode   protocol.SandboxMode
}

var presets = []preset{
	{PresetSuggest, protocol.ApprovalUntrusted, protocol.SandboxReadOnly},
	{PresetAutoEdit, protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite},
	{PresetFullAuto, protocol.ApprovalNever, protocol.SandboxWorkspaceWrite},
}

// PresetNames lists the presets in documentation order.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.name
	}
	return names
}

// Preset returns the approval policy and sandbox mode of a named preset.
func Preset(name string) (protocol.ApprovalPolicy, protocol.SandboxMode, error) {
	for _, p := range presets {
		if p.name == name {
			return p.policy, p.mode, nil
		}
	}
	return "", "", fmt.Errorf("unknown preset %q (want %s)", name, strings.Join(PresetNames(), ", "))
}

// PresetName names the preset matching policy and mode, or returns "custom".
func PresetName(policy protocol.ApprovalPolicy, mode protocol.SandboxMode) string {
	for _, p := range presets {
		if p.policy == policy && p.mode == mode {
			return p.name
		}
	}
	return PresetCustom
}

// CanonicalKey returns the key under which an approval of argv is remembered
// for the session. It is unambiguous: two argvs get the same key only if they
// run the same thing. A `bash -lc "<script>"` whose script is in the subset
// [ParseScript] accepts is keyed by its parsed commands, so quoting and
// spacing differences do not matter; any other argv is keyed by its words.
func CanonicalKey(argv []string) string {
	if shell, script, ok := shellScript(argv); ok {
		if cmds, err := ParseScript(script); err == nil {
			b, _ := json.Marshal(struct {
				Shell  []string        `json:"shell"`
				Script []ScriptCommand `json:"script"`
			}{shell, cmds})
			return string(b)
		}
	}
	if argv == nil {
		argv = []string{}
	}
	b, _ := json.Marshal(argv)
	return string(b)
}

// isShell reports whether name is an interpreter whose `-c`/`-lc` scripts
// are looked into.
func isShell(name string) bool {
	switch name {
	case "bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh":
		return true
	}
	return false
}

// shellScript splits argv of the form [shell, -c|-lc, script].
func shellScript(argv []string) (shell []string, script string, ok bool) {
	if len(argv) != 3 || !isShell(argv[0]) || (argv[1] != "-c" && argv[1] != "-lc") {
		return nil, "", false
	}
	return argv[:2], argv[2], true
}

// sortedKeys is used by tests and docs to list the safe commands.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
