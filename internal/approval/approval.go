// Package approval is kodex's pure approval policy: given the approval
// policy, the sandbox policy and a command or a patch, it decides whether to
// run it, ask the user, or refuse. It also owns the list of known-safe
// read-only commands and the canonical form of an argv used to remember
// "approved for this session". No I/O, no state.
package approval

import (
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

// Decision is the outcome of a policy check.
type Decision struct {
	Action Action
	// Unsandboxed: run outside the sandbox (danger-full-access, or an
	// approved escalation).
	Unsandboxed bool
	// Reason says why approval is needed or why it was denied, in words fit
	// for the user and the model.
	Reason string
}

// Command describes a command the model wants to run.
type Command struct {
	Argv []string
	Cwd  string
	// Escalate: the model asked to run outside the sandbox
	// (sandbox_permissions = "require_escalated").
	Escalate bool
}

// ForCommand decides what to do with cmd before it runs.
func ForCommand(policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, cmd Command) Decision {
	// Placeholder until the table-tested implementation lands.
	return Decision{Action: Run, Unsandboxed: sb.Mode == protocol.SandboxDangerFullAccess}
}

// ForPatch decides what to do with a patch touching paths (absolute,
// resolved) in a session whose cwd is cwd.
func ForPatch(policy protocol.ApprovalPolicy, sb protocol.SandboxPolicy, cwd string, paths []string) Decision {
	return Decision{Action: Run}
}

// CanonicalKey returns the key under which an approval of argv is remembered
// for the session.
func CanonicalKey(argv []string) string {
	b := []byte{}
	for i, a := range argv {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, a...)
	}
	return string(b)
}
